/**
 * Edits an image's metadata (`PATCH`): name, description, OS fields, hypervisor, disk format,
 * minimum disk and RAM, expiry, read-only and public. Only changed fields are sent, each
 * checked first as the API's schema checks it; the server's refusal is shown as it words it.
 * It sends `If-Match` with the ETag the record was loaded with: if someone changed the image
 * meanwhile the server refuses (412) and the form offers to reload it (`onReload`).
 */
import type { Image, ImageChanges } from '@repoman/api';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { DESCRIPTION_MAX, DISK_FORMATS, IMAGE_NAME_PATTERN, nameProblem, TEXT_FIELD_MAX } from '../limits.js';
import { ErrorNote } from './error-note.js';

const TEXT_FIELDS = [
  ['os_type', 'OS type', 'linux'],
  ['os_variant', 'OS variant', 'debian12'],
  ['os_arch', 'Architecture', 'x86_64'],
  ['hypervisor', 'Hypervisor', 'kvm'],
] as const;

interface Props {
  readonly image: Image;
  readonly etag: string | undefined;
  readonly onSaved: (image: Image) => void;
  readonly onCancel: () => void;
  readonly onReload: () => void;
}

export function ImageEditForm({ image, etag, onSaved, onCancel, onReload }: Props) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = (key: string) => String(form.get(key) ?? '');
    const changes: ImageChanges = {};
    const name = text('name').trim();
    if (name !== image.name) {
      const problem = nameProblem('The name', name, IMAGE_NAME_PATTERN);
      if (problem !== null) return setError(new Error(problem));
      changes.name = name;
    }
    if (text('description') !== image.description) changes.description = text('description');
    for (const [key] of TEXT_FIELDS) if (text(key) !== image[key]) changes[key] = text(key);
    const format = text('disk_format');
    if (format !== (image.disk_format ?? '')) changes.disk_format = format as ImageChanges['disk_format'];
    for (const key of ['min_disk', 'min_ram'] as const) {
      const value = Number(text(key) || '0');
      if (!Number.isInteger(value) || value < 0) return setError(new Error(`${key} must be a whole number, 0 or more`));
      if (value !== image[key]) changes[key] = value;
    }
    const expires = text('expires');
    if (expires !== (image.expires?.slice(0, 10) ?? '')) changes.expires = expires;
    for (const key of ['read_only', 'unauthenticated_access'] as const) {
      const on = form.get(key) === 'on';
      if (on !== image[key]) changes[key] = on;
    }
    if (Object.keys(changes).length === 0) return onCancel();
    setBusy(true);
    try {
      onSaved(await api.modifyImage(image.owner, image.name, changes, etag));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="panel grid" onSubmit={submit} aria-label={`Edit ${image.name}`}>
      <label>
        Name
        <input name="name" required maxLength={255} defaultValue={image.name} autoComplete="off" />
      </label>
      <label class="wide">
        Description
        <textarea name="description" maxLength={DESCRIPTION_MAX} rows={3} defaultValue={image.description} />
      </label>
      {TEXT_FIELDS.map(([key, label, example]) => (
        <label key={key}>
          {label}
          <input name={key} maxLength={TEXT_FIELD_MAX} defaultValue={image[key]} placeholder={example} />
        </label>
      ))}
      <label>
        Disk format
        <select name="disk_format" defaultValue={image.disk_format ?? ''}>
          <option value="">detect at the next upload</option>
          {DISK_FORMATS.map((format) => (
            <option key={format} value={format}>
              {format}
            </option>
          ))}
        </select>
      </label>
      <label>
        Minimum disk (GB)
        <input name="min_disk" type="number" min={0} step={1} defaultValue={String(image.min_disk)} />
      </label>
      <label>
        Minimum RAM (MB)
        <input name="min_ram" type="number" min={0} step={1} defaultValue={String(image.min_ram)} />
      </label>
      <label>
        Expires (UTC date; empty: never)
        <input name="expires" type="date" defaultValue={image.expires?.slice(0, 10) ?? ''} />
      </label>
      <label class="check">
        <input type="checkbox" name="unauthenticated_access" defaultChecked={image.unauthenticated_access} /> Public
      </label>
      <label class="check">
        <input type="checkbox" name="read_only" defaultChecked={image.read_only} /> Read-only
      </label>
      <div class="wide">
        <ErrorNote error={error} onReload={onReload} />
        <div class="actions">
          <button type="submit" disabled={busy}>Save</button>
          <button type="button" class="secondary" onClick={onCancel}>Cancel</button>
        </div>
      </div>
    </form>
  );
}
