/**
 * Shows an error as the server worded it (the envelope's message), announced to screen readers.
 * Anything else thrown is shown by its message too, never swallowed.
 */
import { ApiError } from '../api.js';

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

export function ErrorNote({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  return (
    <p class="error" role="alert">
      {errorText(error)}
    </p>
  );
}
