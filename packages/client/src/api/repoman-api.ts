/**
 * The JSON half of the API: one method per metadata route of SPEC §3 (who am I, images,
 * download links, users, groups, permissions, image lists), over a given `HttpTransport`. Records come back exactly as the
 * server sends them; a non-2xx answer throws `ApiError` (status, the envelope's code and
 * message); reads, PUTs and DELETEs are retried on network errors and 5xx (POST and PATCH
 * are not: they may have taken effect). Listings follow every page. Images are named by an
 * `ImageRef` or the string `NAME` / `OWNER/NAME`. The bytes of an image are not here but in
 * transfer/; `RepomanClient` puts the two together.
 */
import type {
  CreatedLink, GroupChanges, Group, ImageChanges, ImageFields, ImageFilter, Image, ImageListChanges, ImageListRecord, ImageVersion, Link, ModifiedUser, NewGroup,
  NewImageList, NewLink, NewUser, UserChanges, User, Whoami,
} from '@repoman/api';
import { errorFrom, readBody, type HttpTransport, type QueryValue } from '../transport/http-transport.js';
import { withRetry, type RetryPolicy } from '../transport/retry.js';
import { imagePath, refOf, type ImageName } from '../wire/image-ref.js';

const PAGE = 500;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
const enc = encodeURIComponent;

export class RepomanApi {
  constructor(readonly transport: HttpTransport, protected readonly retry: RetryPolicy | undefined) {}

  // ---- who am I
  whoami(): Promise<Whoami> {
    return this.call('GET', '/api/whoami');
  }

  // ---- images
  /** Every image matching the filter that the caller may see (own, shared with it, public), all pages. */
  listImages(filter: ImageFilter = {}): Promise<Image[]> {
    return this.listAll('/api/images', { ...filter });
  }

  getImage(image: ImageName): Promise<Image> {
    return this.call('GET', imagePath(refOf(image)));
  }

  createImage(name: string, fields: ImageFields = {}): Promise<Image> {
    return this.call('POST', '/api/images', { json: { name, ...fields } });
  }

  /** Changes metadata; `name` renames, `owner` (admins) gives the image to another user. */
  modifyImage(image: ImageName, changes: ImageChanges): Promise<Image> {
    return this.call('PATCH', imagePath(refOf(image)), { json: changes });
  }

  async deleteImage(image: ImageName): Promise<void> {
    await this.call('DELETE', imagePath(refOf(image)));
  }

  /** Copies an image (own, shared or public) into the caller's namespace as `name`. */
  cloneImage(image: ImageName, name: string): Promise<Image> {
    return this.call('POST', `${imagePath(refOf(image))}/clone`, { json: { name } });
  }

  /** The kept versions of an image, newest first. */
  listVersions(image: ImageName): Promise<ImageVersion[]> {
    return this.call('GET', `${imagePath(refOf(image))}/versions`);
  }

  /** Makes version `version`'s bytes current again, as a new version (no byte copied). */
  rollbackImage(image: ImageName, version: number): Promise<Image> {
    return this.call('POST', `${imagePath(refOf(image))}/rollback`, { json: { version } });
  }

  /** Drops a kept version (not the current one). */
  async deleteVersion(image: ImageName, version: number): Promise<void> {
    await this.call('DELETE', `${imagePath(refOf(image))}/versions/${version}`);
  }

  shareImage(image: ImageName, with_: { user: string } | { group: string }): Promise<unknown> {
    return this.call('PUT', sharePath(image, with_));
  }

  unshareImage(image: ImageName, with_: { user: string } | { group: string }): Promise<unknown> {
    return this.call('DELETE', sharePath(image, with_));
  }

  // ---- download links
  /** Makes a download link; its `url` (holding the token) is in this answer only. */
  createLink(image: ImageName, link: NewLink = {}): Promise<CreatedLink> {
    return this.call('POST', `${imagePath(refOf(image))}/links`, { json: link });
  }

  /** The image's live links (never their tokens). */
  listLinks(image: ImageName): Promise<Link[]> {
    return this.call('GET', `${imagePath(refOf(image))}/links`);
  }

  async revokeLink(image: ImageName, id: string): Promise<void> {
    await this.call('DELETE', `${imagePath(refOf(image))}/links/${enc(id)}`);
  }

  // ---- users
  listUsers(): Promise<User[]> {
    return this.call('GET', '/api/users');
  }

  getUser(name: string): Promise<User> {
    return this.call('GET', `/api/users/${enc(name)}`);
  }

  createUser(user: NewUser): Promise<User> {
    return this.call('POST', '/api/users', { json: user });
  }

  /** The user as changed, with a `warning` when a quota was set below current usage. */
  modifyUser(name: string, changes: UserChanges): Promise<ModifiedUser> {
    return this.call('PATCH', `/api/users/${enc(name)}`, { json: changes });
  }

  /** Deletes the user and every image of theirs. */
  async deleteUser(name: string): Promise<void> {
    await this.call('DELETE', `/api/users/${enc(name)}`);
  }

  userImages(name: string): Promise<Image[]> {
    return this.listAll(`/api/users/${enc(name)}/images`);
  }

  userGroups(name: string): Promise<string[]> {
    return this.call('GET', `/api/users/${enc(name)}/groups`);
  }

  /** The images shared with the user. */
  userShared(name: string): Promise<Image[]> {
    return this.listAll(`/api/users/${enc(name)}/shared`);
  }

  // ---- HEPiX image lists (a list is `NAME`, the caller's, or `OWNER/NAME`)
  listImageLists(): Promise<ImageListRecord[]> {
    return this.call('GET', '/api/imagelists');
  }

  async getImageList(list: ImageName): Promise<ImageListRecord> {
    return this.call('GET', await this.imageListPath(list));
  }

  createImageList(list: NewImageList): Promise<ImageListRecord> {
    return this.call('POST', '/api/imagelists', { json: list });
  }

  async modifyImageList(list: ImageName, changes: ImageListChanges): Promise<ImageListRecord> {
    return this.call('PATCH', await this.imageListPath(list), { json: changes });
  }

  async deleteImageList(list: ImageName): Promise<void> {
    await this.call('DELETE', await this.imageListPath(list));
  }

  /** `/api/imagelists/OWNER/NAME`; a bare `NAME` is the caller's (asked once with whoami). */
  private async imageListPath(list: ImageName): Promise<string> {
    const ref = refOf(list);
    const owner = ref.owner ?? (await this.whoami()).user_name;
    return `/api/imagelists/${enc(owner)}/${enc(ref.name)}`;
  }

  // ---- groups and permissions
  listGroups(): Promise<Group[]> {
    return this.call('GET', '/api/groups');
  }

  getGroup(name: string): Promise<Group> {
    return this.call('GET', `/api/groups/${enc(name)}`);
  }

  createGroup(group: NewGroup): Promise<Group> {
    return this.call('POST', '/api/groups', { json: group });
  }

  /** Renames a group. */
  modifyGroup(name: string, changes: GroupChanges): Promise<Group> {
    return this.call('PATCH', `/api/groups/${enc(name)}`, { json: changes });
  }

  async deleteGroup(name: string): Promise<void> {
    await this.call('DELETE', `/api/groups/${enc(name)}`);
  }

  groupMembers(group: string): Promise<string[]> {
    return this.call('GET', `/api/groups/${enc(group)}/users`);
  }

  addGroupMember(group: string, user: string): Promise<Group> {
    return this.call('PUT', `/api/groups/${enc(group)}/users/${enc(user)}`);
  }

  removeGroupMember(group: string, user: string): Promise<Group> {
    return this.call('DELETE', `/api/groups/${enc(group)}/users/${enc(user)}`);
  }

  groupPermissions(group: string): Promise<string[]> {
    return this.call('GET', `/api/groups/${enc(group)}/permissions`);
  }

  grantPermission(group: string, permission: string): Promise<Group> {
    return this.call('PUT', `/api/groups/${enc(group)}/permissions/${enc(permission)}`);
  }

  revokePermission(group: string, permission: string): Promise<Group> {
    return this.call('DELETE', `/api/groups/${enc(group)}/permissions/${enc(permission)}`);
  }

  listPermissions(): Promise<string[]> {
    return this.call('GET', '/api/permissions');
  }

  /**
   * Every item of a paged listing: follows the `cursor` of each `Link: <…>; rel="next"`; from a
   * server without Link, pages by `offset` while pages come full (and stops if it ignores offset).
   */
  private async listAll<T extends { uuid?: string }>(path: string, query: Record<string, QueryValue> = {}): Promise<T[]> {
    const all: T[] = [];
    let cursor: string | undefined;
    for (let offset = 0; ; ) {
      const { body, next } = await this.exchange<unknown>('GET', path, { query: { ...query, limit: PAGE, ...(cursor === undefined ? { offset } : { cursor }) } });
      const page = pageOf<T>(body);
      if (offset > 0 && page[0] !== undefined && page[0].uuid === all[0]?.uuid) break; // a server that ignores offset
      all.push(...page);
      if (next !== undefined) cursor = next;
      else if (cursor !== undefined || page.length !== PAGE) break;
      else offset += PAGE;
    }
    return all;
  }

  /** One JSON exchange: the parsed body of a 2xx answer (undefined for 204), else `ApiError`. */
  private async call<T>(method: string, path: string, options: { json?: unknown; query?: Record<string, QueryValue> } = {}): Promise<T> {
    return (await this.exchange<T>(method, path, options)).body;
  }

  /** As `call`, with the `cursor` of the answer's `Link: <…>; rel="next"`, if any. */
  private async exchange<T>(method: string, path: string, options: { json?: unknown; query?: Record<string, QueryValue> }): Promise<{ body: T; next: string | undefined }> {
    const once = async (): Promise<{ body: T; next: string | undefined }> => {
      const response = await this.transport.send({ method, path, json: options.json, query: options.query });
      if ((response.statusCode ?? 0) >= 300) throw await errorFrom(response);
      const body = (await readBody(response)).toString('utf8');
      return { body: (body ? JSON.parse(body) : undefined) as T, next: nextCursor(response.headers.link) };
    };
    return IDEMPOTENT.has(method) ? withRetry(once, this.retry) : once();
  }
}

function sharePath(image: ImageName, with_: { user: string } | { group: string }): string {
  const [kind, name] = 'user' in with_ ? ['user', with_.user] : ['group', with_.group];
  return `${imagePath(refOf(image))}/share/${kind}/${enc(name)}`;
}

/** The `cursor` parameter of a `Link` header's `rel="next"` target. */
function nextCursor(link: string | string[] | undefined): string | undefined {
  const target = /<([^>]*)>\s*;\s*rel="?next"?/.exec([link ?? []].flat().join(', '))?.[1];
  if (target === undefined) return undefined;
  try {
    return new URL(target, 'https://relative.invalid').searchParams.get('cursor') ?? undefined;
  } catch {
    return undefined;
  }
}

/** A listing's items, whether the server answers a bare array or `{images|items: [...]}`. */
function pageOf<T>(body: unknown): T[] {
  if (Array.isArray(body)) return body as T[];
  const object = (body ?? {}) as { images?: unknown; items?: unknown };
  const items = object.images ?? object.items;
  return Array.isArray(items) ? (items as T[]) : [];
}
