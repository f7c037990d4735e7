/**
 * The UI's only way to the server: typed calls of the public API (`/api`, same origin, so the
 * browser presents the user's certificate on the TLS connection). Types are the Static<> of
 * `@repoman/api`'s TypeBox schemas (type imports only: nothing of the schemas ships to the
 * browser). Bodies are JSON, which the cross-site guard lets through from this origin only.
 * Every error answer becomes an `ApiError` carrying the server's code and message, which the
 * pages show as they are.
 */
import type {
  CreatedLink, Group, Image, ImageChanges, ImageFilter, ImageListChanges, ImageListRecord, ImageVersion, Link, ModifiedUser, NewGroup, NewImage, NewImageList, NewLink, NewUser, User, UserChanges, Whoami,
} from '@repoman/api';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/**
 * `etag`: sent as `If-Match`, so a write made from a stale copy is refused (412
 * PRECONDITION_FAILED) instead of overwriting someone else's change.
 */
async function call<T>(method: Method, path: string, body?: unknown, etag?: string): Promise<{ data: T; headers: Headers }> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...(etag !== undefined && { 'if-match': etag }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'the server cannot be reached: check your connection and reload the page');
  }
  const text = await response.text();
  const parsed: unknown = text === '' ? undefined : safeJson(text);
  if (!response.ok) throw answerError(response.status, text);
  return { data: parsed as T, headers: response.headers };
}

/** The `ApiError` of an error answer: the envelope's code and message, or the bare status. */
export function answerError(status: number, text: string): ApiError {
  const envelope = safeJson(text) as { error?: { code?: string; message?: string } } | undefined;
  return new ApiError(status, envelope?.error?.code ?? `HTTP_${status}`, envelope?.error?.message ?? `the server answered ${status}`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const segment = encodeURIComponent;
const imagePath = (owner: string, name: string) => `/api/images/${segment(owner)}/${segment(name)}`;
const listPath = (owner: string, name: string) => `/api/imagelists/${segment(owner)}/${segment(name)}`;

/** A record with the ETag it was read with: what an edit of it sends back as `If-Match`. */
export interface Tagged<T> {
  readonly data: T;
  readonly etag: string | undefined;
}

async function tagged<T>(path: string): Promise<Tagged<T>> {
  const { data, headers } = await call<T>('GET', path);
  return { data, etag: headers.get('etag') ?? undefined };
}

/**
 * The first page of the images list, asked for while whoami is still on its way (`prefetch`):
 * it is the same for a logged-in user's default tab and an anonymous visitor, and saves a
 * round trip on the page most visits start with. Used once, by the listing that matches it.
 */
let prefetched: { path: string; answer: Promise<{ data: Image[]; headers: Headers }> } | undefined;

export function prefetch(path: string): void {
  prefetched = { path, answer: call<Image[]>('GET', path) };
  prefetched.answer.catch(() => {}); // its error, if any, is shown by the listing that uses it
}

export interface ImagePage {
  readonly images: Image[];
  readonly total: number;
}

export const api = {
  whoami: async () => (await call<Whoami>('GET', '/api/whoami')).data,

  listImages: async (filter: ImageFilter): Promise<ImagePage> => {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(filter)) if (value !== undefined && value !== '') query.set(key, String(value));
    const path = `/api/images?${query}`;
    const early = prefetched?.path === path ? prefetched.answer : undefined;
    prefetched = undefined;
    const { data, headers } = await (early ?? call<Image[]>('GET', path));
    return { images: data, total: Number(headers.get('x-total-count') ?? data.length) };
  },
  getImage: async (owner: string, name: string) => (await call<Image>('GET', imagePath(owner, name))).data,
  getTaggedImage: (owner: string, name: string) => tagged<Image>(imagePath(owner, name)),
  createImage: async (image: NewImage) => (await call<Image>('POST', '/api/images', image)).data,
  modifyImage: async (owner: string, name: string, changes: ImageChanges, etag?: string) => (await call<Image>('PATCH', imagePath(owner, name), changes, etag)).data,
  deleteImage: async (owner: string, name: string) => void (await call('DELETE', imagePath(owner, name))),
  share: async (owner: string, name: string, kind: 'user' | 'group', who: string, on: boolean) =>
    void (await call(on ? 'PUT' : 'DELETE', `${imagePath(owner, name)}/share/${kind}/${segment(who)}`)),

  listVersions: async (owner: string, name: string) => (await call<ImageVersion[]>('GET', `${imagePath(owner, name)}/versions`)).data,
  deleteVersion: async (owner: string, name: string, version: number) => void (await call('DELETE', `${imagePath(owner, name)}/versions/${version}`)),
  rollback: async (owner: string, name: string, version: number) => (await call<Image>('POST', `${imagePath(owner, name)}/rollback`, { version })).data,

  listLinks: async (owner: string, name: string) => (await call<Link[]>('GET', `${imagePath(owner, name)}/links`)).data,
  createLink: async (owner: string, name: string, link: NewLink) => (await call<CreatedLink>('POST', `${imagePath(owner, name)}/links`, link)).data,
  revokeLink: async (owner: string, name: string, id: string) => void (await call('DELETE', `${imagePath(owner, name)}/links/${segment(id)}`)),

  listImageLists: async () => (await call<ImageListRecord[]>('GET', '/api/imagelists')).data,
  getImageList: (owner: string, name: string) => tagged<ImageListRecord>(listPath(owner, name)),
  createImageList: async (list: NewImageList) => (await call<ImageListRecord>('POST', '/api/imagelists', list)).data,
  modifyImageList: async (owner: string, name: string, changes: ImageListChanges, etag?: string) => (await call<ImageListRecord>('PATCH', listPath(owner, name), changes, etag)).data,
  deleteImageList: async (owner: string, name: string) => void (await call('DELETE', listPath(owner, name))),

  listGroups: async () => (await call<Group[]>('GET', '/api/groups')).data,
  createGroup: async (group: NewGroup) => (await call<Group>('POST', '/api/groups', group)).data,
  member: async (group: string, user: string, on: boolean) => (await call<Group>(on ? 'PUT' : 'DELETE', `/api/groups/${segment(group)}/users/${segment(user)}`)).data,

  listUsers: async () => (await call<User[]>('GET', '/api/users')).data,
  createUser: async (user: NewUser) => (await call<User>('POST', '/api/users', user)).data,
  modifyUser: async (name: string, changes: UserChanges) => (await call<ModifiedUser>('PATCH', `/api/users/${segment(name)}`, changes)).data,
};
