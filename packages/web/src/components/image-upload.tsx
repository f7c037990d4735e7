/**
 * Uploads new bytes for an image from the browser, resumably (tus, `../tus-upload.ts`): a
 * progress bar, Pause, Resume and Cancel; after a reload or a cut connection the page lists the
 * unfinished uploads of this image and, when the same file is chosen again, continues from the
 * server's offset instead of starting over. The server hashes and stores the bytes and makes
 * them the image's new version only once complete. Refusals (quota, read-only, too large) are
 * shown as the server words them.
 */
import type { Image } from '@repoman/api';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Upload } from 'tus-js-client';
import { api } from '../api.js';
import { formatBytes } from '../format.js';
import { discardUnfinished, findUnfinished, newUpload, unfinishedOf, type Unfinished } from '../tus-upload.js';
import { ErrorNote } from './error-note.js';

interface Running {
  readonly upload: Upload;
  readonly sent: number;
  readonly total: number;
  readonly paused: boolean;
}

export function ImageUpload({ image, onUploaded }: { image: Image; onUploaded: (image: Image) => void }) {
  const [unfinished, setUnfinished] = useState<Unfinished[]>([]);
  const [resumes, setResumes] = useState<Unfinished | undefined>(undefined);
  const [running, setRunning] = useState<Running | null>(null);
  const [error, setError] = useState<unknown>(null);
  const current = useRef<Upload | null>(null);

  // Leaving the image pauses its upload: it stays resumable, and is offered when coming back.
  useEffect(() => {
    setRunning(null);
    setResumes(undefined);
    setError(null);
    findUnfinished(image.owner, image.name).then(setUnfinished, setError);
    return () => void current.current?.abort();
  }, [image.owner, image.name]);

  const upload = (file: File) =>
    newUpload(image.owner, image.name, file, {
      onProgress: (sent, total) => setRunning((now) => now && { ...now, sent, total }),
      onSuccess: () => {
        setRunning(null);
        api.getImage(image.owner, image.name).then(onUploaded, setError);
      },
      onError: (failure) => {
        setError(failure);
        // Created on the server: what it holds stays, Resume continues from there.
        setRunning((now) => now && (now.upload.url === null ? null : { ...now, paused: true }));
      },
    });

  /** Whether the chosen file continues an unfinished upload: the button says so. */
  const chosen = async (event: Event) => {
    const file = (event.currentTarget as HTMLInputElement).files?.[0];
    setResumes(file === undefined ? undefined : await unfinishedOf(upload(file), unfinished));
  };

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const file = (form.elements.namedItem('file') as HTMLInputElement).files?.[0];
    if (file === undefined) return setError(new Error('Choose a file to upload first.'));
    setError(null);
    const started = upload(file);
    const previous = await unfinishedOf(started, unfinished);
    if (previous !== undefined) started.resumeFromPreviousUpload(previous.previous);
    current.current = started;
    setRunning({ upload: started, sent: previous?.offset ?? 0, total: file.size, paused: false });
    setUnfinished(unfinished.filter((entry) => entry !== previous));
    setResumes(undefined);
    form.reset();
    started.start();
  };

  const pause = async () => {
    if (running === null) return;
    await running.upload.abort();
    setRunning((now) => now && { ...now, paused: true });
  };
  const resume = () => {
    if (running === null) return;
    setError(null);
    setRunning((now) => now && { ...now, paused: false });
    running.upload.start();
  };
  const cancel = async () => {
    if (running === null) return;
    setRunning(null);
    await running.upload.abort(true).catch(setError);
  };
  const discard = async (entry: Unfinished) => {
    setError(null);
    try {
      await discardUnfinished(entry);
      setUnfinished((now) => now.filter((other) => other !== entry));
    } catch (failure) {
      setError(failure);
    }
  };

  const busy = running !== null;
  return (
    <section aria-labelledby="upload">
      <h2 id="upload">Upload</h2>
      {!busy &&
        unfinished.map((entry) => (
          <p key={entry.previous.urlStorageKey} class="unfinished">
            An upload of <strong>{entry.filename}</strong> stopped at {formatBytes(entry.offset)} of {formatBytes(entry.size)}: choose the same file
            again to resume it.{' '}
            <button type="button" class="secondary" onClick={() => discard(entry)} aria-label={`Discard the unfinished upload of ${entry.filename}`}>
              Discard
            </button>
          </p>
        ))}
      <form class="inline" onSubmit={submit}>
        <label>
          Image file
          <input type="file" name="file" required disabled={busy} onChange={chosen} />
        </label>
        <button type="submit" disabled={busy}>
          {resumes !== undefined ? 'Resume upload' : image.status === 'empty' ? 'Upload' : 'Upload a new version'}
        </button>
      </form>
      {running !== null && (
        <div class="upload-progress">
          <label>
            {running.paused ? 'Paused' : 'Uploading'}: {formatBytes(running.sent)} of {formatBytes(running.total)}
            <progress max={running.total || 1} value={running.sent} />
          </label>
          {running.paused ? (
            <button type="button" onClick={resume} aria-label="Resume the upload">
              Resume
            </button>
          ) : (
            <button type="button" class="secondary" onClick={pause} aria-label="Pause the upload">
              Pause
            </button>
          )}
          <button type="button" class="danger" onClick={cancel} aria-label="Cancel the upload">
            Cancel
          </button>
        </div>
      )}
      <ErrorNote error={error} />
    </section>
  );
}
