/**
 * Creates an empty image slot (`POST /api/images`): a name checked as the API checks it, a
 * description, and whether it is public; then opens the new image's page.
 */
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { DESCRIPTION_MAX, IMAGE_NAME_PATTERN, nameProblem } from '../limits.js';
import { navigate } from '../router.js';
import { ErrorNote } from './error-note.js';

export function NewImageForm({ onCancel }: { onCancel: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const name = String(form.get('name') ?? '').trim();
    const problem = nameProblem('The name', name, IMAGE_NAME_PATTERN);
    if (problem !== null) return setError(new Error(problem));
    setBusy(true);
    try {
      const image = await api.createImage({ name, description: String(form.get('description') ?? ''), unauthenticated_access: form.get('public') === 'on' });
      navigate(`/images/${encodeURIComponent(image.owner)}/${encodeURIComponent(image.name)}`);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return (
    <form class="panel" onSubmit={submit} aria-label="New image">
      <label>
        Name
        <input name="name" required maxLength={255} autoComplete="off" placeholder="debian12.qcow2" />
      </label>
      <label>
        Description
        <textarea name="description" maxLength={DESCRIPTION_MAX} rows={2} />
      </label>
      <label class="check">
        <input type="checkbox" name="public" /> Public (anyone may download it, without a certificate)
      </label>
      <ErrorNote error={error} />
      <div class="actions">
        <button type="submit" disabled={busy}>Create</button>
        <button type="button" class="secondary" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
