/**
 * One image (`/images/{owner}/{name}`): all of its metadata, the checksum and the commands that
 * download it (`repoman`, `curl`, `wget`) with copy buttons, a download button, and — for those
 * who may change it — uploading new bytes (resumable, components/image-upload.tsx), versions
 * with rollback, download links, sharing,
 * editing (sent with `If-Match`: a stale edit is refused, not applied) and deleting (after a
 * confirmation). The record is loaded with its ETag and reloaded after every change, so the
 * next edit carries the current one.
 */
import type { Image } from '@repoman/api';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { CopyText } from '../components/copy-text.js';
import { DeleteSection } from '../components/delete-section.js';
import { ErrorNote } from '../components/error-note.js';
import { ImageEditForm } from '../components/image-edit-form.js';
import { ImageLinks } from '../components/image-links.js';
import { ImageSharing } from '../components/image-sharing.js';
import { ImageUpload } from '../components/image-upload.js';
import { ImageVersions } from '../components/image-versions.js';
import { useLoad } from '../components/use-load.js';
import { formatBytes, formatTime } from '../format.js';
import { Link, navigate, useLocation } from '../router.js';
import { mayDelete, mayModify, useSession } from '../session.js';

export function ImagePage() {
  const { path } = useLocation();
  const [, , ownerPart = '', namePart = ''] = path.split('/');
  const owner = decodeURIComponent(ownerPart);
  const name = decodeURIComponent(namePart);
  const { me } = useSession();
  const loaded = useLoad(() => api.getTaggedImage(owner, name), [owner, name]);
  const [editing, setEditing] = useState(false);
  const image = loaded.data?.data;

  /** After a change: the record (and its ETag) as the server has it now; a rename moves the page. */
  const changed = (next?: Image) => {
    setEditing(false);
    if (next !== undefined && (next.name !== name || next.owner !== owner)) navigate(`/images/${encodeURIComponent(next.owner)}/${encodeURIComponent(next.name)}`, true);
    else loaded.reload();
  };

  return (
    <>
      <p class="crumbs">
        <Link href="/images">Images</Link> / {owner}
      </p>
      <ErrorNote error={loaded.error} />
      {image !== undefined && (
        <>
          <div class="title-row">
            <h1>{image.name}</h1>
            {mayModify(me, image.owner) && (
              <button type="button" onClick={() => setEditing(!editing)} aria-expanded={editing}>
                Edit
              </button>
            )}
          </div>
          {image.description !== '' && <p class="description">{image.description}</p>}
          {editing && (
            <ImageEditForm key={loaded.data?.etag} image={image} etag={loaded.data?.etag} onSaved={changed} onCancel={() => setEditing(false)} onReload={loaded.reload} />
          )}
          <Download image={image} loggedIn={me !== null} />
          {mayModify(me, image.owner) && <ImageUpload image={image} onUploaded={changed} />}
          <Metadata image={image} />
          {me !== null && image.status !== 'empty' && <ImageVersions image={image} mayChange={mayModify(me, image.owner)} onChanged={changed} />}
          {mayModify(me, image.owner) && image.status !== 'empty' && <ImageLinks image={image} />}
          {mayModify(me, image.owner) && <ImageSharing image={image} onChanged={changed} />}
          {mayDelete(me, image.owner) && (
            <DeleteSection
              name={image.name}
              question={`Delete ${image.owner}/${image.name} and all its bytes? This cannot be undone.`}
              remove={() => api.deleteImage(image.owner, image.name)}
              then="/images"
            />
          )}
        </>
      )}
    </>
  );
}

function Download({ image, loggedIn }: { image: Image; loggedIn: boolean }) {
  if (image.status === 'empty') {
    return (
      <section aria-labelledby="download">
        <h2 id="download">Download</h2>
        <p class="empty">No bytes yet: its owner uploads them here or with <code>repoman upload-image</code>.</p>
      </section>
    );
  }
  const ref = `${image.owner}/${image.name}`;
  const credential = image.unauthenticated_access && !loggedIn ? '' : ' --cert "$X509_USER_PROXY" --key "$X509_USER_PROXY"';
  const wgetCredential = image.unauthenticated_access && !loggedIn ? '' : ' --certificate="$X509_USER_PROXY" --private-key="$X509_USER_PROXY"';
  return (
    <section aria-labelledby="download">
      <h2 id="download">Download</h2>
      <p>
        <a class="button" href={image.file_url} download={image.name}>
          Download {image.name} ({formatBytes(image.size)})
        </a>
      </p>
      <h3>Checksum (sha256)</h3>
      <CopyText label="sha256 checksum" text={image.checksum.value ?? ''} />
      <h3>Commands</h3>
      <CopyText label="repoman command" text={`repoman download-image ${ref}`} />
      <CopyText label="curl command" text={`curl --capath "$X509_CERT_DIR"${credential} -C - -o ${shellWord(image.name)} ${shellWord(image.file_url)}`} />
      <CopyText label="wget command" text={`wget --ca-directory="$X509_CERT_DIR"${wgetCredential} -c -O ${shellWord(image.name)} ${shellWord(image.file_url)}`} />
      {image.http_file_url !== null && <CopyText label="plain HTTP URL" text={image.http_file_url} />}
    </section>
  );
}

/** A word the shell takes as it is: quoted unless it holds only safe characters. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function Metadata({ image }: { image: Image }) {
  const rows: [string, string][] = [
    ['Owner', image.owner],
    ['Status', image.status],
    ['Version', String(image.version)],
    ['Size', image.size === null ? '—' : `${formatBytes(image.size)} (${image.size} bytes)`],
    ['Disk format', image.disk_format ?? '—'],
    ['Virtual size', formatBytes(image.virtual_size)],
    ['OS type', image.os_type || '—'],
    ['OS variant', image.os_variant || '—'],
    ['Architecture', image.os_arch || '—'],
    ['Hypervisor', image.hypervisor || '—'],
    ['Minimum disk', image.min_disk === 0 ? '—' : `${image.min_disk} GB`],
    ['Minimum RAM', image.min_ram === 0 ? '—' : `${image.min_ram} MB`],
    ['Public', image.unauthenticated_access ? 'yes: anyone may download it' : 'no'],
    ['Read-only', image.read_only ? 'yes' : 'no'],
    ['Shared with users', image.shared_with.users.join(', ') || '—'],
    ['Shared with groups', image.shared_with.groups.join(', ') || '—'],
    ['Created', formatTime(image.created)],
    ['Uploaded', formatTime(image.uploaded)],
    ['Modified', formatTime(image.modified)],
    ['Expires', formatTime(image.expires)],
    ['UUID', image.uuid],
  ];
  return (
    <section aria-labelledby="metadata">
      <h2 id="metadata">Details</h2>
      <dl class="meta">
        {rows.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
