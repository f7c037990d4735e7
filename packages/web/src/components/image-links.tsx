/**
 * Download links of an image (`…/links`): make one (how long it lives, optionally pinned to a
 * version), whose URL — the secret — is shown once, right after, with a copy button; the live
 * links (expiry, version, downloads, never their tokens); revoke one (it answers 404 from then
 * on). A link downloads without a certificate, so it is for those who have none.
 */
import type { CreatedLink, Image, NewLink } from '@repoman/api';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { formatTime } from '../format.js';
import { CopyText } from './copy-text.js';
import { ErrorNote } from './error-note.js';
import { useLoad } from './use-load.js';

const HOUR = 3600;
const LIFETIMES = [
  [HOUR, '1 hour'],
  [24 * HOUR, '1 day'],
  [7 * 24 * HOUR, '7 days'],
  [30 * 24 * HOUR, '30 days'],
] as const;

export function ImageLinks({ image }: { image: Image }) {
  const links = useLoad(() => api.listLinks(image.owner, image.name), [image.owner, image.name]);
  const [created, setCreated] = useState<CreatedLink | null>(null);
  const [error, setError] = useState<unknown>(null);

  const create = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const link: NewLink = { expires_in: Number(form.get('expires_in')) };
    const version = String(form.get('version') ?? '').trim();
    if (version !== '') {
      if (!/^[1-9]\d*$/.test(version)) return setError(new Error('The version must be a whole number from 1 (see Versions), or empty to follow the current content'));
      link.version = Number(version);
    }
    setError(null);
    try {
      setCreated(await api.createLink(image.owner, image.name, link));
      links.reload();
    } catch (failure) {
      setError(failure);
    }
  };

  const revoke = async (id: string) => {
    setError(null);
    try {
      await api.revokeLink(image.owner, image.name, id);
      links.reload();
    } catch (failure) {
      setError(failure);
    }
  };

  const list = links.data ?? [];
  return (
    <section aria-labelledby="links">
      <h2 id="links">Download links</h2>
      <p>A link downloads this image without a certificate, until it expires or you revoke it: give it only to whom should have the image.</p>
      <ErrorNote error={links.error ?? error} />
      <form class="inline" onSubmit={create} aria-label="New download link">
        <label>
          Expires after
          <select name="expires_in" defaultValue={String(7 * 24 * HOUR)}>
            {LIFETIMES.map(([seconds, label]) => (
              <option key={seconds} value={String(seconds)}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Version (empty: always the current one)
          <input name="version" inputMode="numeric" autoComplete="off" placeholder={String(image.version)} />
        </label>
        <button type="submit">Create link</button>
      </form>
      {created !== null && (
        <div class="panel notice" role="status">
          <p>
            <strong>Shown once:</strong> copy this link now. Repoman keeps only a hash of it and can never show it again; if you lose it, revoke it and make another.
          </p>
          <CopyText label="new download link" text={created.url} />
          <p class="muted">
            Expires {formatTime(created.expires)}
            {created.version !== null ? `; version ${created.version}` : '; follows the current version'}.
          </p>
          <div class="actions">
            <button type="button" class="secondary" onClick={() => setCreated(null)}>
              I have copied it
            </button>
          </div>
        </div>
      )}
      {links.data !== undefined && list.length === 0 && <p class="empty">No live link.</p>}
      {list.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Live download links of {image.name}</caption>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">By</th>
                <th scope="col">Expires</th>
                <th scope="col">Version</th>
                <th scope="col">Downloads</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((link) => (
                <tr key={link.id}>
                  <td>{formatTime(link.created)}</td>
                  <td>{link.created_by}</td>
                  <td>{formatTime(link.expires)}</td>
                  <td>{link.version ?? 'current'}</td>
                  <td>{link.downloads}</td>
                  <td>
                    <button type="button" class="danger" onClick={() => revoke(link.id)} aria-label={`Revoke the link made ${formatTime(link.created)}`}>
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
