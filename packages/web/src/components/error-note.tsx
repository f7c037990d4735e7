/**
 * Shows an error as the server worded it (the envelope's message), announced to screen readers.
 * Anything else thrown is shown by its message too, never swallowed. A write refused because
 * the record changed since it was loaded (412, `If-Match`) also offers `onReload`, which loads
 * the record as it is now.
 */
import { ApiError } from '../api.js';

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

export function ErrorNote({ error, onReload }: { error: unknown; onReload?: () => void }) {
  if (error === null || error === undefined) return null;
  const stale = onReload !== undefined && error instanceof ApiError && error.status === 412;
  return (
    <div class="error" role="alert">
      <p>{errorText(error)}</p>
      {stale && (
        <button type="button" class="secondary" onClick={onReload}>
          Reload it as it is now
        </button>
      )}
    </div>
  );
}
