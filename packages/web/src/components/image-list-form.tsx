/**
 * The form of a HEPiX image list, for creating one (with its name) and editing one (sent with
 * `If-Match`; a stale edit is refused with 412 and the form offers to reload): title,
 * description, VO, group (one of the caller's, suggested) and its images as `owner/name`,
 * added one at a time with suggestions of the images the caller can read (`GET /api/images?q=`,
 * asked as one types) and removed with a button. Bounds are checked as the API's schema does.
 */
import type { ImageListChanges, ImageListRecord } from '@repoman/api';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ACCOUNT_NAME_PATTERN, DESCRIPTION_MAX, IMAGE_LIST_MEMBER_PATTERN, IMAGE_LIST_NAME_PATTERN, nameProblem } from '../limits.js';
import { useSession } from '../session.js';
import { ErrorNote } from './error-note.js';
import { useLoad } from './use-load.js';

interface Props {
  /** The list to edit; none: a new one (the form asks for its name). */
  readonly list?: ImageListRecord;
  readonly etag?: string | undefined;
  readonly onSaved: (list: ImageListRecord) => void;
  readonly onCancel: () => void;
  readonly onReload?: () => void;
}

export function ImageListForm({ list, etag, onSaved, onCancel, onReload }: Props) {
  const { me } = useSession();
  const [images, setImages] = useState<string[]>(list?.images.map((entry) => entry.image) ?? []);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const suggestions = useLoad(
    () => api.listImages({ q: typed.includes('/') ? typed.split('/')[1] : typed, limit: 20 }).then((page) => page.images.map((image) => `${image.owner}/${image.name}`), () => []),
    [typed],
  );

  const addImage = () => {
    const image = typed.trim();
    if (image === '') return;
    if (!new RegExp(IMAGE_LIST_MEMBER_PATTERN).test(image)) return setError(new Error('Name an image as owner/name, e.g. alice/debian12.img (pick one from the suggestions)'));
    setError(null);
    if (!images.includes(image)) setImages([...images, image]);
    setTyped('');
  };

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = (key: string) => String(form.get(key) ?? '').trim();
    const changes: ImageListChanges = { title: text('title'), description: String(form.get('description') ?? ''), vo: text('vo'), group: text('group'), images };
    if (changes.title === '') return setError(new Error('Give the list a title (at most 256 characters).'));
    if (changes.group !== '') {
      const problem = nameProblem('The group', changes.group ?? '', ACCOUNT_NAME_PATTERN);
      if (problem !== null) return setError(new Error(problem));
    }
    setBusy(true);
    setError(null);
    try {
      if (list !== undefined) onSaved(await api.modifyImageList(list.owner, list.name, changes, etag));
      else {
        const name = text('name');
        const problem = nameProblem('The list name', name, IMAGE_LIST_NAME_PATTERN);
        if (problem !== null) throw new Error(problem);
        onSaved(await api.createImageList({ name, ...changes }));
      }
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="panel grid" onSubmit={submit} aria-label={list === undefined ? 'New image list' : `Edit ${list.name}`}>
      {list === undefined && (
        <label>
          Name
          <input name="name" required maxLength={128} autoComplete="off" placeholder="fedcloud" />
        </label>
      )}
      <label>
        Title
        <input name="title" required maxLength={256} defaultValue={list?.title ?? ''} />
      </label>
      <label>
        VO
        <input name="vo" maxLength={128} defaultValue={list?.vo ?? ''} placeholder="fedcloud.egi.eu" />
      </label>
      <label>
        Group
        <input name="group" list="my-groups" maxLength={64} defaultValue={list?.group ?? ''} autoComplete="off" />
      </label>
      <datalist id="my-groups">
        {(me?.groups ?? []).map((group) => (
          <option key={group} value={group} />
        ))}
      </datalist>
      <label class="wide">
        Description
        <textarea name="description" maxLength={DESCRIPTION_MAX} rows={3} defaultValue={list?.description ?? ''} />
      </label>
      <fieldset class="wide">
        <legend>Images</legend>
        {images.length === 0 ? (
          <p class="empty">No image yet.</p>
        ) : (
          <ul class="chips">
            {images.map((image) => (
              <li key={image}>
                {image}{' '}
                <button type="button" class="secondary" onClick={() => setImages(images.filter((other) => other !== image))} aria-label={`Remove ${image}`}>
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
        <div class="inline">
          <label>
            Add an image (owner/name)
            <input
              list="readable-images"
              value={typed}
              autoComplete="off"
              onInput={(event) => setTyped((event.currentTarget as HTMLInputElement).value)}
              onKeyDown={(event) => {
                if (event.key === 'Enter') {
                  event.preventDefault();
                  addImage();
                }
              }}
            />
          </label>
          <datalist id="readable-images">
            {(suggestions.data ?? []).filter((image) => !images.includes(image)).map((image) => (
              <option key={image} value={image} />
            ))}
          </datalist>
          <button type="button" class="secondary" onClick={addImage}>
            Add
          </button>
        </div>
      </fieldset>
      <div class="wide">
        <ErrorNote error={error} {...(onReload !== undefined && { onReload })} />
        <div class="actions">
          <button type="submit" disabled={busy}>
            {list === undefined ? 'Create list' : 'Save'}
          </button>
          <button type="button" class="secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </div>
    </form>
  );
}
