/**
 * An image's kept versions (`GET …/versions`, newest first): number, size, checksum, format,
 * when and by whom uploaded, which one is current; each downloadable (`?version=n` of the raw
 * URL). Those who may change the image roll back to one (a new version with its bytes, after
 * a confirmation) or drop one that is not current. Reloaded whenever the image changes.
 */
import type { Image, ImageVersion } from '@repoman/api';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { formatBytes, formatTime } from '../format.js';
import { ErrorNote } from './error-note.js';
import { useLoad } from './use-load.js';

type Pending = { readonly action: 'rollback' | 'delete'; readonly version: number } | null;

export function ImageVersions({ image, mayChange, onChanged }: { image: Image; mayChange: boolean; onChanged: () => void }) {
  const versions = useLoad(() => api.listVersions(image.owner, image.name), [image.owner, image.name, image.version, image.modified]);
  const [pending, setPending] = useState<Pending>(null);
  const [error, setError] = useState<unknown>(null);

  const confirm = async () => {
    if (pending === null) return;
    setError(null);
    try {
      if (pending.action === 'rollback') await api.rollback(image.owner, image.name, pending.version);
      else await api.deleteVersion(image.owner, image.name, pending.version);
      onChanged();
    } catch (failure) {
      setError(failure);
    } finally {
      setPending(null);
    }
  };

  const list = versions.data ?? [];
  return (
    <section aria-labelledby="versions">
      <h2 id="versions">Versions</h2>
      <ErrorNote error={versions.error ?? error} />
      {versions.data !== undefined && list.length === 0 && <p class="empty">No version yet: the first upload makes version 1.</p>}
      {pending !== null && (
        <div role="alertdialog" aria-labelledby="version-confirm" class="panel">
          <p id="version-confirm">
            {pending.action === 'rollback'
              ? `Make version ${pending.version} current again? Its bytes become a new version; the versions in between are kept.`
              : `Drop version ${pending.version}? Its bytes are deleted once nothing else uses them. This cannot be undone.`}
          </p>
          <div class="actions">
            <button type="button" class={pending.action === 'delete' ? 'danger' : ''} onClick={confirm} autoFocus>
              {pending.action === 'rollback' ? `Yes, roll back to version ${pending.version}` : `Yes, drop version ${pending.version}`}
            </button>
            <button type="button" class="secondary" onClick={() => setPending(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {list.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Versions of {image.name}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Size</th>
                <th scope="col">sha256</th>
                <th scope="col">Format</th>
                <th scope="col">Uploaded</th>
                <th scope="col">By</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.map((version) => (
                <VersionRow key={version.version} image={image} version={version} mayChange={mayChange} onAsk={setPending} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function VersionRow({ image, version, mayChange, onAsk }: { image: Image; version: ImageVersion; mayChange: boolean; onAsk: (pending: Pending) => void }) {
  const n = version.version;
  return (
    <tr>
      <th scope="row">
        {n}
        {version.current && <span class="badge">current</span>}
      </th>
      <td>{formatBytes(version.size)}</td>
      <td>
        <code title={version.checksum.value}>{version.checksum.value.slice(0, 12)}…</code>
      </td>
      <td>{version.disk_format ?? '—'}</td>
      <td>{formatTime(version.uploaded)}</td>
      <td>{version.uploaded_by ?? '—'}</td>
      <td class="actions">
        <a href={`${image.file_url}?version=${n}`} download={image.name} aria-label={`Download version ${n}`}>
          Download
        </a>
        {mayChange && !version.current && (
          <>
            <button type="button" class="secondary" onClick={() => onAsk({ action: 'rollback', version: n })} aria-label={`Roll back to version ${n}`}>
              Roll back
            </button>
            <button type="button" class="secondary" onClick={() => onAsk({ action: 'delete', version: n })} aria-label={`Drop version ${n}`}>
              Drop
            </button>
          </>
        )}
      </td>
    </tr>
  );
}
