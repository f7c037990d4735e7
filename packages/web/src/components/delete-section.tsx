/**
 * The "Delete" section of a record's page: a button naming the record, then a confirmation
 * that says what goes; only "Yes" calls the API, whose refusal is shown as its message. Then
 * the page goes to `then` (the record is gone).
 */
import { useState } from 'preact/hooks';
import { navigate } from '../router.js';
import { ErrorNote } from './error-note.js';

export interface DeleteSectionProps {
  /** The record's short name, on the button. */
  readonly name: string;
  /** The confirmation's question. */
  readonly question: string;
  readonly remove: () => Promise<unknown>;
  /** Where to go once deleted. */
  readonly then: string;
}

export function DeleteSection({ name, question, remove, then }: DeleteSectionProps) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const confirm = async () => {
    try {
      await remove();
      navigate(then);
    } catch (failure) {
      setError(failure);
      setConfirming(false);
    }
  };
  return (
    <section aria-labelledby="danger">
      <h2 id="danger">Delete</h2>
      <ErrorNote error={error} />
      {!confirming ? (
        <button type="button" class="danger" onClick={() => setConfirming(true)}>
          Delete {name}…
        </button>
      ) : (
        <div role="alertdialog" aria-labelledby="confirm-text" class="panel">
          <p id="confirm-text">{question}</p>
          <div class="actions">
            <button type="button" class="danger" onClick={confirm} autoFocus>
              Yes, delete it
            </button>
            <button type="button" class="secondary" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
