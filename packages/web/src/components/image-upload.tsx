/**
 * Uploads new bytes for an image from the browser (a plain `PUT` of the chosen file, with a
 * progress bar): the server hashes and stores them and makes them the image's new version only
 * once complete. Refusals (quota, read-only, too large) are shown as the server words them.
 */
import type { Image } from '@repoman/api';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { formatBytes } from '../format.js';
import { ErrorNote } from './error-note.js';

export function ImageUpload({ image, onUploaded }: { image: Image; onUploaded: (image: Image) => void }) {
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const file = (form.elements.namedItem('file') as HTMLInputElement).files?.[0];
    if (file === undefined) return setError(new Error('Choose a file to upload first.'));
    setError(null);
    setProgress({ sent: 0, total: file.size });
    try {
      await api.uploadBytes(image.owner, image.name, file, (sent, total) => setProgress({ sent, total }));
      form.reset();
      onUploaded(await api.getImage(image.owner, image.name));
    } catch (failure) {
      setError(failure);
    } finally {
      setProgress(null);
    }
  };

  return (
    <section aria-labelledby="upload">
      <h2 id="upload">Upload</h2>
      <form class="inline" onSubmit={submit}>
        <label>
          Image file
          <input type="file" name="file" required disabled={progress !== null} />
        </label>
        <button type="submit" disabled={progress !== null}>
          {image.status === 'empty' ? 'Upload' : 'Upload a new version'}
        </button>
      </form>
      {progress !== null && (
        <p>
          <label>
            Uploading: {formatBytes(progress.sent)} of {formatBytes(progress.total)}
            <progress max={progress.total || 1} value={progress.sent} />
          </label>
        </p>
      )}
      <ErrorNote error={error} />
    </section>
  );
}
