/**
 * HEPiX image lists (`/imagelists`): the caller's lists (every list for admins) and a form to
 * create one; one list (`/imagelists/{owner}/{name}`) with the URL of its signed `image.list`
 * for subscribers (vmcatcher, cloudkeeper, atrope; no credential needed) and a copy button,
 * each image with whether the signed document names it and, if not, why (the server's reason),
 * editing (with `If-Match`) and deleting after a confirmation.
 */
import type { ImageListRecord } from '@repoman/api';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { CopyText } from '../components/copy-text.js';
import { DeleteSection } from '../components/delete-section.js';
import { ErrorNote } from '../components/error-note.js';
import { ImageListForm } from '../components/image-list-form.js';
import { useLoad } from '../components/use-load.js';
import { formatTime } from '../format.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';

const listHref = (list: { owner: string; name: string }) => `/imagelists/${encodeURIComponent(list.owner)}/${encodeURIComponent(list.name)}`;

export function ImageListsPage() {
  const { path } = useLocation();
  const { me } = useSession();
  const [, , owner, name] = path.split('/');
  if (me === null) return <p>Log in with your certificate to see your image lists.</p>;
  if (owner !== undefined && name !== undefined) return <ImageListDetail owner={decodeURIComponent(owner)} name={decodeURIComponent(name)} />;
  return <ImageListIndex />;
}

function ImageListIndex() {
  const lists = useLoad(() => api.listImageLists(), []);
  const [creating, setCreating] = useState(false);
  return (
    <>
      <div class="title-row">
        <h1>Image lists</h1>
        <button type="button" onClick={() => setCreating(!creating)} aria-expanded={creating}>
          New image list
        </button>
      </div>
      <p>A HEPiX image list names images for cloud sites; Repoman signs it with its host certificate and serves it to subscribers without a credential.</p>
      {creating && <ImageListForm onSaved={(list) => navigate(listHref(list))} onCancel={() => setCreating(false)} />}
      <ErrorNote error={lists.error} />
      {lists.data !== undefined && lists.data.length === 0 && <p class="empty">No image list yet.</p>}
      {lists.data !== undefined && lists.data.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">List</th>
                <th scope="col">Title</th>
                <th scope="col">VO</th>
                <th scope="col">Images (published)</th>
                <th scope="col">Signed</th>
              </tr>
            </thead>
            <tbody>
              {lists.data.map((list) => (
                <tr key={`${list.owner}/${list.name}`}>
                  <td>
                    <Link href={listHref(list)}>{`${list.owner}/${list.name}`}</Link>
                  </td>
                  <td>{list.title}</td>
                  <td>{list.vo ?? '—'}</td>
                  <td>
                    {list.images.length} ({list.images.filter((entry) => entry.published).length})
                  </td>
                  <td>{formatTime(list.signed)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function ImageListDetail({ owner, name }: { owner: string; name: string }) {
  const loaded = useLoad(() => api.getImageList(owner, name), [owner, name]);
  const [editing, setEditing] = useState(false);
  const list = loaded.data?.data;
  return (
    <>
      <p class="crumbs">
        <Link href="/imagelists">Image lists</Link> / {owner}
      </p>
      <ErrorNote error={loaded.error} />
      {list !== undefined && (
        <>
          <div class="title-row">
            <h1>{list.name}</h1>
            <button type="button" onClick={() => setEditing(!editing)} aria-expanded={editing}>
              Edit
            </button>
          </div>
          <p>
            <strong>{list.title}</strong>
          </p>
          {list.description !== '' && <p class="description">{list.description}</p>}
          {editing && (
            <ImageListForm
              key={loaded.data?.etag}
              list={list}
              etag={loaded.data?.etag}
              onSaved={() => {
                setEditing(false);
                loaded.reload();
              }}
              onCancel={() => setEditing(false)}
              onReload={loaded.reload}
            />
          )}
          <section aria-labelledby="subscribe">
            <h2 id="subscribe">For subscribers</h2>
            <p>Sites subscribe to this URL (vmcatcher, cloudkeeper, atrope); it needs no credential and is signed by this server's host certificate.</p>
            <CopyText label="signed image list URL" text={list.url} />
            <p class="muted">
              {list.signed === null ? 'Not signed yet.' : `Version ${list.version ?? '—'}, signed ${formatTime(list.signed)}, expires ${formatTime(list.expires)}.`}
              {' '}VO: {list.vo ?? '—'}; group: {list.group ?? '—'}.
            </p>
          </section>
          <ListImages list={list} />
          <DeleteSection
            name={list.name}
            question={`Delete the image list ${list.owner}/${list.name}? Subscribers get 404 from then on; the images stay.`}
            remove={() => api.deleteImageList(list.owner, list.name)}
            then="/imagelists"
          />
        </>
      )}
    </>
  );
}

function ListImages({ list }: { list: ImageListRecord }) {
  return (
    <section aria-labelledby="list-images">
      <h2 id="list-images">Images</h2>
      {list.images.length === 0 ? (
        <p class="empty">No image in this list: edit it to add some.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Image</th>
                <th scope="col">Version</th>
                <th scope="col">Published</th>
              </tr>
            </thead>
            <tbody>
              {list.images.map((entry) => {
                const [imageOwner = '', imageName = ''] = entry.image.split('/');
                return (
                  <tr key={entry.image}>
                    <td>
                      <Link href={`/images/${encodeURIComponent(imageOwner)}/${encodeURIComponent(imageName)}`}>{entry.image}</Link>
                    </td>
                    <td>{entry.version}</td>
                    <td>{entry.published ? <span class="badge">published</span> : <span>not published: {entry.reason ?? 'unknown reason'}</span>}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
