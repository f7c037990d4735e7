/**
 * PEM text: finding every `-----BEGIN <label>-----` block of a file (a grid proxy file holds
 * certificates and a key; a CA bundle many certificates; a CRL file one `X509 CRL`) and
 * writing DER back as a PEM block with 64-column base64.
 */

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The DER of every PEM block with the given label (default CERTIFICATE), in file order.
 * Blocks with other labels are skipped; a block whose body is not base64 is skipped too.
 */
export function parsePem(text: string, label = 'CERTIFICATE'): Buffer[] {
  const l = escapeRegExp(label);
  const re = new RegExp(`-----BEGIN ${l}-----\\r?\\n([\\s\\S]*?)-----END ${l}-----`, 'g');
  const out: Buffer[] = [];
  for (const m of text.matchAll(re)) {
    // RFC 1421 headers (Proc-Type, DEK-Info) end with an empty line; keep only the body.
    const body = (m[1] ?? '').replace(/^[\s\S]*?:[^\n]*\n\s*\n/, '');
    const b64 = body.replace(/\s+/g, '');
    if (b64.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) continue;
    out.push(Buffer.from(b64, 'base64'));
  }
  return out;
}

/** Labels of all PEM blocks of a text, in order (for example CERTIFICATE, PRIVATE KEY). */
export function pemLabels(text: string): string[] {
  return [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)].map((m) => m[1] as string);
}

/** One PEM block. */
export function pemBlock(der: Buffer, label: string): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
