/**
 * The images: tabs (everything I can see, mine, shared with me, public), a search over name and
 * description, filters by owner, OS and disk format, an order (`sort=`, done by the server so
 * every page follows it), and server-side paging (`limit`/`offset`, the total from
 * `X-Total-Count`), all kept in the URL's query so a reload or a shared link shows the same
 * page. Without a certificate only the public tab exists. Logged-in users create an image here.
 */
import type { DiskFormat, ImageFilter, ImageSortName } from '@repoman/api';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ErrorNote } from '../components/error-note.js';
import { NewImageForm } from '../components/new-image-form.js';
import { useLoad } from '../components/use-load.js';
import { formatBytes, formatTime } from '../format.js';
import { DISK_FORMATS, TEXT_FIELD_MAX } from '../limits.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';

export const PAGE_SIZE = 25;
/** The API path of the listing `/` and `/images` open with (main.tsx asks for it first thing). */
export const FIRST_PAGE = `/api/images?limit=${PAGE_SIZE}&offset=0`;

const TABS = [
  { id: 'all', label: 'All I can see' },
  { id: 'own', label: 'Mine' },
  { id: 'shared', label: 'Shared with me' },
  { id: 'public', label: 'Public' },
] as const;
type Tab = (typeof TABS)[number]['id'];

/** The orders offered (the API's `sort` values); the first is the API's default. */
const SORTS: readonly (readonly [ImageSortName, string])[] = [
  ['owner', 'Owner, then name'],
  ['name', 'Name'],
  ['-uploaded', 'Newest upload first'],
  ['uploaded', 'Oldest upload first'],
  ['-size', 'Largest first'],
  ['size', 'Smallest first'],
];

export function ImagesPage() {
  const { me } = useSession();
  const { query } = useLocation();
  const tab: Tab = me === null ? 'public' : ((TABS.find((t) => t.id === query.get('tab'))?.id ?? 'all') as Tab);
  const q = query.get('q') ?? '';
  const owner = tab === 'own' ? (me?.user_name ?? '') : (query.get('owner') ?? '');
  const os = query.get('os') ?? '';
  const format = (DISK_FORMATS as readonly string[]).includes(query.get('format') ?? '') ? (query.get('format') as DiskFormat) : '';
  const sort = SORTS.find(([value]) => value === query.get('sort'))?.[0] ?? 'owner';
  const page = Math.max(1, Number(query.get('page') ?? '1') || 1);
  const [creating, setCreating] = useState(false);

  const filter: ImageFilter = {
    ...(q !== '' && { q }),
    ...(owner !== '' && { owner }),
    ...(tab === 'shared' && { shared: true }),
    ...(tab === 'public' && me !== null && { public: true }),
    ...(os !== '' && { os }),
    ...(format !== '' && { format }),
    ...(sort !== 'owner' && { sort }),
    limit: PAGE_SIZE,
    offset: (page - 1) * PAGE_SIZE,
  };
  const listing = useLoad(() => api.listImages(filter), [tab, q, owner, os, format, sort, page, me?.user_name]);

  /** A new URL for this page with `changes` (empty values dropped); a new filter goes back to page 1. */
  const go = (changes: Record<string, string>, replace = false) => {
    const next = new URLSearchParams(location.search);
    for (const [key, value] of Object.entries(changes)) {
      if (value === '' || (key === 'tab' && value === 'all') || (key === 'page' && value === '1') || (key === 'sort' && value === 'owner')) next.delete(key);
      else next.set(key, value);
    }
    if (!('page' in changes)) next.delete('page');
    const search = next.toString();
    navigate(`/images${search === '' ? '' : '?' + search}`, replace);
  };

  const total = listing.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const first = total === 0 ? 0 : (page - 1) * PAGE_SIZE + 1;
  const last = Math.min(total, page * PAGE_SIZE);

  return (
    <>
      <div class="title-row">
        <h1>Images</h1>
        {me !== null && me.permissions.includes('image_create') && (
          <button type="button" onClick={() => setCreating(!creating)} aria-expanded={creating}>
            New image
          </button>
        )}
      </div>
      {creating && <NewImageForm onCancel={() => setCreating(false)} />}
      {me !== null && (
        <nav class="tabs" aria-label="Which images">
          {TABS.map((t) => (
            <Link key={t.id} href={t.id === 'all' ? '/images' : `/images?tab=${t.id}`} aria-current={t.id === tab ? 'page' : undefined}>
              {t.label}
            </Link>
          ))}
        </nav>
      )}
      <form class="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <label>
          Search
          <input type="search" name="q" value={q} placeholder="name or description" onInput={(event) => go({ q: event.currentTarget.value }, true)} />
        </label>
        {tab !== 'own' && (
          <label>
            Owner
            <input type="text" name="owner" value={owner} placeholder="user name" onChange={(event) => go({ owner: event.currentTarget.value.trim() })} />
          </label>
        )}
        <label>
          OS
          <input type="text" name="os" value={os} maxLength={TEXT_FIELD_MAX} placeholder="linux, debian12…" onChange={(event) => go({ os: event.currentTarget.value.trim() })} />
        </label>
        <label>
          Format
          <select name="format" value={format} onChange={(event) => go({ format: event.currentTarget.value })}>
            <option value="">any</option>
            {DISK_FORMATS.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Sort
          <select name="sort" value={sort} onChange={(event) => go({ sort: event.currentTarget.value })}>
            {SORTS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ErrorNote error={listing.error} />
      {listing.data !== undefined && listing.data.images.length === 0 && <EmptyState tab={tab} filtered={q !== '' || owner !== '' || os !== '' || format !== ''} />}
      {listing.data !== undefined && listing.data.images.length > 0 && (
        <div class="table-wrap">
          <table aria-busy={listing.loading}>
            <caption class="sr-only">Images {first} to {last} of {total}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Owner</th>
                <th scope="col">OS</th>
                <th scope="col">Format</th>
                <th scope="col">Size</th>
                <th scope="col">Uploaded</th>
              </tr>
            </thead>
            <tbody>
              {listing.data.images.map((image) => (
                <tr key={image.uuid}>
                  <td>
                    <Link href={`/images/${encodeURIComponent(image.owner)}/${encodeURIComponent(image.name)}`}>{image.name}</Link>
                    {image.unauthenticated_access && <span class="badge">public</span>}
                    {image.status === 'empty' && <span class="badge muted">empty</span>}
                  </td>
                  <td>{image.owner}</td>
                  <td>{[image.os_type, image.os_variant, image.os_arch].filter(Boolean).join(' ') || '—'}</td>
                  <td>{image.disk_format ?? '—'}</td>
                  <td>{formatBytes(image.size)}</td>
                  <td>{formatTime(image.uploaded)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {total > 0 && (
        <nav class="pager" aria-label="Pages">
          <button type="button" disabled={page <= 1} onClick={() => go({ page: String(page - 1) })}>
            Previous
          </button>
          <span aria-live="polite">
            {first}–{last} of {total}
          </span>
          <button type="button" disabled={page >= pages} onClick={() => go({ page: String(page + 1) })}>
            Next
          </button>
        </nav>
      )}
    </>
  );
}

function EmptyState({ tab, filtered }: { tab: Tab; filtered: boolean }) {
  if (filtered) return <p class="empty">No image matches these filters.</p>;
  const text: Record<Tab, string> = {
    all: 'You cannot see any image yet: create one, or ask a colleague to share theirs.',
    own: 'You have no image yet. Create one here, or upload from your machine with `repoman save-image` or `repoman upload-image`.',
    shared: 'Nobody has shared an image with you or your groups yet.',
    public: 'No image is public here yet.',
  };
  return <p class="empty">{text[tab]}</p>;
}
