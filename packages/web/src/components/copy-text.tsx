/**
 * A read-only line of text (a checksum, a command) with a button that copies it. The clipboard
 * API needs a secure context, which the HTTPS listener is; the text stays selectable anyway.
 */
import { useState } from 'preact/hooks';

export function CopyText({ label, text }: { label: string; text: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div class="copy">
      <code aria-label={label}>{text}</code>
      <button type="button" onClick={copy} aria-label={`Copy ${label}`}>
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}
