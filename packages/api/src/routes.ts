/**
 * The route table as data (as distribution's `registry/api/v2/descriptors.go`): one descriptor
 * per URL pattern and verb the server registers, with its parameters, query, body, answers by
 * status and the error codes it may answer. It drives the OpenAPI document (`openapi.ts`), the
 * answer checks of the contract tests (`validate.ts`) and the server's request validation.
 * URLs are fastify patterns (`:param`). The first method of a descriptor is the verb; the
 * others are the 2011 client's synonyms (`POST` for `PATCH` or `PUT`, SPEC §3).
 */
import { Type, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import { GroupName, Health, ImageName, Permission, UserName } from './common.js';
import { COMMON_ERRORS, type ErrorCode } from './errors.js';
import { Group, GroupChanges, GroupList, GroupNameList, NewGroup, PermissionList, UserNameList } from './groups.js';
import { BlockList, CloneImage, DownloadQuery, Image, ImageChanges, ImageList, ImageQuery, ImageVersionList, NewImage, PageQuery, Rollback, VersionNumber } from './images.js';
import { ImageListChanges, ImageListList, ImageListName, ImageListRecord, NewImageList } from './imagelists.js';
import { CreatedLink, LinkId, LinkList, NewLink } from './links.js';
import { ModifiedUser, NewUser, User, UserChanges, UserList, Whoami } from './users.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** One answer of a route: its body (none when `schema` and `contentType` are absent) and headers. */
export interface Answer {
  readonly description: string;
  /** JSON body schema (content type application/json). */
  readonly schema?: TSchema;
  /** A non-JSON body: its content type (the body is then bytes or text). */
  readonly contentType?: string;
  /** Response headers worth documenting: name → description. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RouteDescriptor {
  /** Unique; the OpenAPI operationId of the first method. */
  readonly id: string;
  readonly methods: readonly HttpMethod[];
  readonly url: string;
  readonly summary: string;
  readonly tag: 'service' | 'users' | 'groups' | 'images' | 'imagelists';
  /** Open to callers without a registered certificate (the service still decides what they may see). */
  readonly anonymous?: boolean;
  readonly params?: TObject;
  readonly query?: TObject;
  /** A metadata body (JSON, or form-encoded as `formBody` derives), or the raw bytes of an image. */
  readonly body?: TObject | 'bytes';
  /** The content type of a `bytes` body; default application/octet-stream. */
  readonly bytesType?: string;
  /** Successful answers by status. */
  readonly responses: Readonly<Record<number, Answer>>;
  /** Error codes this route may answer besides `COMMON_ERRORS`. */
  readonly errors: readonly ErrorCode[];
  /**
   * Conditional requests (RFC 9110 §13). A GET answers a strong `ETag` (a hash of its JSON
   * body) with `Cache-Control: private, no-cache`, 304 on a matching `If-None-Match` and 412 on
   * a failing `If-Match`; a PATCH, PUT or DELETE of the same URL answers 412
   * `PRECONDITION_FAILED` when its `If-Match` (or `If-Unmodified-Since`, against the record's
   * `modified`) is stale. Unset: derived by `withConditionals` (every GET with a JSON answer,
   * and those writes); false: not conditional.
   */
  readonly conditional?: boolean;
  /**
   * The server may keep this route's 200 answers for a short while (at most 1 s, and only until
   * the next write through it) and give them again to the same caller for the same URL and Host
   * (`[server] answer_cache`). A route of image bytes: only its HEAD answers, never a GET's bytes.
   */
  readonly cacheable?: boolean;
}

const json = (schema: TSchema, description: string, headers?: Record<string, string>): Answer => ({ description, schema, ...(headers && { headers }) });
const created = (schema: TSchema, what: string, location: string): Answer => json(schema, `the new ${what}`, { Location: location });
const noContent = (description: string): Answer => ({ description });
const params = (properties: TProperties): TObject => Type.Object(properties, { additionalProperties: false });

/** The OpenAPI document's outline (its content is `openApiDocument()`'s, checked by its own tests). */
const OpenApi = Type.Object({ openapi: Type.Literal('3.1.0'), info: Type.Object({ title: Type.String(), version: Type.String() }), paths: Type.Object({}) });

const USER = params({ user: UserName });
const GROUP = params({ group: GroupName });
const UNKNOWN_FIELD: ErrorCode = 'UNKNOWN_FIELD';

const accountRoutes: RouteDescriptor[] = [
  { id: 'health', methods: ['GET'], url: '/healthz', tag: 'service', anonymous: true, conditional: false, summary: 'Liveness and readiness: 503 when the metadata database does not answer', responses: { 200: json(Health, 'ready') }, errors: [] },
  {
    id: 'metrics', methods: ['GET'], url: '/metrics', tag: 'service', anonymous: true, summary: 'Prometheus metrics (HTTPS only)',
    responses: { 200: { description: 'the Prometheus text exposition', contentType: 'text/plain' } }, errors: [],
  },
  {
    // Its own ETag and public caching (the document is the same for everyone).
    id: 'openapi', methods: ['GET'], url: '/api/openapi.json', tag: 'service', anonymous: true, conditional: false, summary: 'This document: the OpenAPI 3.1 description of the API',
    responses: { 200: json(OpenApi, 'the document', { ETag: 'changes with the document', 'Cache-Control': 'how long to keep it' }), 304: noContent('not modified (If-None-Match)') },
    errors: [],
  },
  { id: 'whoami', methods: ['GET'], url: '/api/whoami', tag: 'users', cacheable: true, summary: "The caller's user record, groups and effective permissions, trusted VOMS FQANs and the groups they gave", responses: { 200: json(Whoami, 'the caller') }, errors: [] },

  { id: 'listUsers', methods: ['GET'], url: '/api/users', tag: 'users', cacheable: true, summary: 'Every user', responses: { 200: json(UserList, 'the users') }, errors: [] },
  { id: 'createUser', methods: ['POST'], url: '/api/users', tag: 'users', summary: 'Register a user (needs user_create)', body: NewUser, responses: { 201: created(User, 'user', '/api/users/{user}') }, errors: [UNKNOWN_FIELD, 'CONFLICT', 'GROUP_NOT_FOUND'] },
  { id: 'getUser', methods: ['GET'], url: '/api/users/:user', tag: 'users', summary: 'A user', params: USER, responses: { 200: json(User, 'the user') }, errors: ['USER_NOT_FOUND'] },
  { id: 'modifyUser', methods: ['PATCH', 'POST'], url: '/api/users/:user', tag: 'users', summary: 'Modify a user', params: USER, body: UserChanges, responses: { 200: json(ModifiedUser, 'the user as changed') }, errors: [UNKNOWN_FIELD, 'USER_NOT_FOUND', 'CONFLICT'] },
  { id: 'deleteUser', methods: ['DELETE'], url: '/api/users/:user', tag: 'users', summary: "Delete a user and the user's images", params: USER, responses: { 204: noContent('deleted') }, errors: ['USER_NOT_FOUND', 'CONFLICT'] },
  { id: 'userGroups', methods: ['GET'], url: '/api/users/:user/groups', tag: 'users', summary: "The names of a user's groups", params: USER, responses: { 200: json(GroupNameList, 'group names') }, errors: ['USER_NOT_FOUND'] },
  { id: 'userImages', methods: ['GET'], url: '/api/users/:user/images', tag: 'users', summary: "A user's images that the caller can see", params: USER, query: PageQuery, responses: { 200: json(ImageList, 'the images') }, errors: [UNKNOWN_FIELD, 'USER_NOT_FOUND'] },
  { id: 'userShared', methods: ['GET'], url: '/api/users/:user/shared', tag: 'users', summary: 'Images shared with a user', params: USER, query: PageQuery, responses: { 200: json(ImageList, 'the images') }, errors: [UNKNOWN_FIELD, 'USER_NOT_FOUND'] },

  { id: 'listGroups', methods: ['GET'], url: '/api/groups', tag: 'groups', cacheable: true, summary: 'Every group', responses: { 200: json(GroupList, 'the groups') }, errors: [] },
  { id: 'createGroup', methods: ['POST'], url: '/api/groups', tag: 'groups', summary: 'Create a group (needs group_create)', body: NewGroup, responses: { 201: created(Group, 'group', '/api/groups/{group}') }, errors: [UNKNOWN_FIELD, 'CONFLICT', 'USER_NOT_FOUND', 'PERMISSION_NOT_FOUND'] },
  { id: 'getGroup', methods: ['GET'], url: '/api/groups/:group', tag: 'groups', summary: 'A group', params: GROUP, responses: { 200: json(Group, 'the group') }, errors: ['GROUP_NOT_FOUND'] },
  { id: 'modifyGroup', methods: ['PATCH', 'POST'], url: '/api/groups/:group', tag: 'groups', summary: 'Rename a group (protected groups: 403), set its VOMS FQAN patterns and auto-registration', params: GROUP, body: GroupChanges, responses: { 200: json(Group, 'the group as changed') }, errors: [UNKNOWN_FIELD, 'GROUP_NOT_FOUND', 'CONFLICT'] },
  { id: 'deleteGroup', methods: ['DELETE'], url: '/api/groups/:group', tag: 'groups', summary: 'Delete a group (protected groups: 403)', params: GROUP, responses: { 204: noContent('deleted') }, errors: ['GROUP_NOT_FOUND'] },
  { id: 'groupMembers', methods: ['GET'], url: '/api/groups/:group/users', tag: 'groups', summary: "The names of a group's members", params: GROUP, responses: { 200: json(UserNameList, 'user names') }, errors: ['GROUP_NOT_FOUND'] },
  ...(['add', 'remove'] as const).map((verb): RouteDescriptor => ({
    id: `${verb}Member`, methods: verb === 'add' ? ['PUT', 'POST'] : ['DELETE'], url: '/api/groups/:group/users/:user', tag: 'groups',
    summary: verb === 'add' ? 'Add a user to a group' : 'Remove a user from a group', params: params({ group: GroupName, user: UserName }),
    responses: { 200: json(Group, 'the group as changed') }, errors: ['GROUP_NOT_FOUND', 'USER_NOT_FOUND', 'CONFLICT'],
  })),
  { id: 'listPermissions', methods: ['GET'], url: '/api/permissions', tag: 'groups', summary: 'Every permission name', responses: { 200: json(PermissionList, 'permission names') }, errors: [] },
  { id: 'groupPermissions', methods: ['GET'], url: '/api/groups/:group/permissions', tag: 'groups', summary: "A group's permissions", params: GROUP, responses: { 200: json(PermissionList, 'permission names') }, errors: ['GROUP_NOT_FOUND'] },
  ...(['grant', 'revoke'] as const).map((verb): RouteDescriptor => ({
    id: `${verb}Permission`, methods: verb === 'grant' ? ['PUT', 'POST'] : ['DELETE'], url: '/api/groups/:group/permissions/:permission', tag: 'groups',
    summary: verb === 'grant' ? 'Grant a permission to a group' : "Revoke a group's permission", params: params({ group: GroupName, permission: Permission }),
    responses: { 200: json(Group, 'the group as changed') }, errors: ['GROUP_NOT_FOUND', 'PERMISSION_NOT_FOUND'],
  })),
];

/** Every image route exists in the caller's namespace and in a named user's (SPEC §3 "Namespaces"). */
const IMAGE_FORMS = [
  { prefix: '/api/images/:image', params: { image: ImageName }, idSuffix: '', where: "in the caller's namespace" },
  { prefix: '/api/images/:owner/:image', params: { owner: UserName, image: ImageName }, idSuffix: 'Of', where: "in owner's namespace" },
] as const;

type ImageRouteParts = Omit<RouteDescriptor, 'url' | 'params' | 'tag'>;

function inBothNamespaces(suffix: string, extra: TProperties, make: (where: string) => ImageRouteParts, prefixOf = (prefix: string) => prefix): RouteDescriptor[] {
  return IMAGE_FORMS.map((form) => {
    const route = make(form.where);
    return { ...route, id: route.id + form.idSuffix, url: prefixOf(form.prefix) + suffix, tag: 'images', params: params({ ...form.params, ...extra }) };
  });
}

const RAW_LOCATION = '/api/images/raw/{owner}/{name}: where the bytes go';
const DOWNLOAD_HEADERS = {
  ETag: 'the quoted sha256',
  'Last-Modified': 'the upload time',
  'Repr-Digest': 'sha-256=:<base64>:',
  'Accept-Ranges': 'bytes',
  'Content-Disposition': 'attachment; filename="<name>"',
};

const imageRoutes: RouteDescriptor[] = [
  {
    id: 'listImages', methods: ['GET'], url: '/api/images', tag: 'images', anonymous: true, cacheable: true,
    summary: 'Images the caller can see: own, shared with it, public (every image for admins); public ones only without a registered certificate (HTTPS)',
    query: ImageQuery, responses: { 200: json(ImageList, 'one page of images', { 'X-Total-Count': 'how many images match, over all pages' }) }, errors: [UNKNOWN_FIELD, 'USER_NOT_FOUND', 'GROUP_NOT_FOUND'],
  },
  {
    id: 'createImage', methods: ['POST'], url: '/api/images', tag: 'images', summary: 'Create an empty image slot', body: NewImage,
    responses: { 201: created(Image, 'image', RAW_LOCATION) }, errors: [UNKNOWN_FIELD, 'CONFLICT', 'USER_NOT_FOUND', 'QUOTA_EXCEEDED'],
  },
  ...inBothNamespaces('', {}, (where) => ({ id: 'getImage', methods: ['GET'], anonymous: true, cacheable: true, summary: `An image's record, ${where} (a public one also without a registered certificate, on HTTPS)`, responses: { 200: json(Image, 'the image') }, errors: ['IMAGE_NOT_FOUND'] })),
  ...inBothNamespaces('', {}, (where) => ({
    id: 'modifyImage', methods: ['PATCH', 'POST'], summary: `Modify an image ${where}: fields, rename with name, new owner (admins)`, body: ImageChanges,
    responses: { 200: json(Image, 'the image as changed') }, errors: [UNKNOWN_FIELD, 'IMAGE_NOT_FOUND', 'IMAGE_READ_ONLY', 'CONFLICT', 'USER_NOT_FOUND'],
  })),
  ...inBothNamespaces('', {}, (where) => ({ id: 'deleteImage', methods: ['DELETE'], summary: `Delete an image ${where}`, responses: { 204: noContent('deleted') }, errors: ['IMAGE_NOT_FOUND', 'IMAGE_READ_ONLY'] })),
  ...inBothNamespaces('/clone', {}, (where) => ({
    id: 'cloneImage', methods: ['POST'], summary: `Copy an image ${where} into the caller's namespace`, body: CloneImage,
    responses: { 201: created(Image, 'copy', RAW_LOCATION) }, errors: [UNKNOWN_FIELD, 'IMAGE_NOT_FOUND', 'GONE', 'CONFLICT', 'QUOTA_EXCEEDED'],
  })),
  ...(['user', 'group'] as const).flatMap((kind) =>
    (['share', 'unshare'] as const).flatMap((verb) =>
      inBothNamespaces(`/share/${kind}/:target`, { target: kind === 'user' ? UserName : GroupName }, (where) => ({
        id: `${verb}With${kind === 'user' ? 'User' : 'Group'}`,
        methods: verb === 'share' ? ['PUT', 'POST'] : ['DELETE'],
        summary: verb === 'share' ? `Share an image ${where} read-only with a ${kind}` : `Stop sharing an image ${where} with a ${kind}`,
        responses: { 200: json(Image, 'the image as changed') },
        errors: ['IMAGE_NOT_FOUND', kind === 'user' ? 'USER_NOT_FOUND' : 'GROUP_NOT_FOUND'],
      })),
    ),
  ),
  ...inBothNamespaces('/versions', {}, (where) => ({
    id: 'listVersions', methods: ['GET'], summary: `The kept versions of an image ${where}, newest first`,
    responses: { 200: json(ImageVersionList, 'the versions') }, errors: ['IMAGE_NOT_FOUND'],
  })),
  ...inBothNamespaces('/versions/:version', { version: VersionNumber }, (where) => ({
    id: 'deleteVersion', methods: ['DELETE'], summary: `Drop a kept version of an image ${where} (not the current one: 409)`,
    responses: { 204: noContent('dropped; its bytes are swept once nothing names them') }, errors: ['IMAGE_NOT_FOUND', 'VERSION_NOT_FOUND', 'IMAGE_READ_ONLY', 'CONFLICT'],
  })),
  ...inBothNamespaces('/versions/:version/blocks', { version: VersionNumber }, (where) => ({
    id: 'versionBlocks', methods: ['GET'], summary: `The per-block sha256 of a kept version of an image ${where}, for delta re-saves (409 BLOCKS_NOT_READY while computed)`,
    responses: { 200: json(BlockList, 'the block list') }, errors: ['IMAGE_NOT_FOUND', 'VERSION_NOT_FOUND', 'BLOCKS_NOT_READY'],
  })),
  ...inBothNamespaces('/rollback', {}, (where) => ({
    id: 'rollbackImage', methods: ['POST'], summary: `Make a kept version's bytes current again, ${where}, as a new version (no byte copied)`, body: Rollback,
    responses: { 200: json(Image, 'the image with its new version') }, errors: [UNKNOWN_FIELD, 'IMAGE_NOT_FOUND', 'VERSION_NOT_FOUND', 'IMAGE_READ_ONLY'],
  })),
  ...inBothNamespaces('', {}, (where) => ({
    id: 'downloadImage', methods: ['GET', 'HEAD'], anonymous: true, conditional: true, cacheable: true, summary: `Download an image's bytes, ${where} (ranges, conditional requests); ?version=n a kept version`,
    query: DownloadQuery,
    responses: {
      200: { description: 'the bytes', contentType: 'application/octet-stream', headers: DOWNLOAD_HEADERS },
      206: { description: 'the requested range', contentType: 'application/octet-stream', headers: { ...DOWNLOAD_HEADERS, 'Content-Range': 'bytes start-end/size' } },
      304: noContent('not modified (If-None-Match, If-Modified-Since)'),
    },
    // 412: If-Match or If-Unmodified-Since (PRECONDITION_FAILED, added by withConditionals).
    errors: ['IMAGE_NOT_FOUND', 'IMAGE_EMPTY', 'VERSION_NOT_FOUND', 'GONE', 'RANGE_NOT_SATISFIABLE'],
  }), rawPrefix),
  ...inBothNamespaces('', {}, (where) => ({
    id: 'uploadImage', methods: ['PUT'], conditional: true, summary: `Upload an image's bytes, ${where}: the raw body, streamed; Content-Length or chunked; optional Repr-Digest or X-Checksum-Sha256`,
    body: 'bytes', responses: { 200: json(Image, 'the image with its new version') },
    errors: ['IMAGE_NOT_FOUND', 'IMAGE_READ_ONLY', 'LENGTH_REQUIRED', 'PAYLOAD_TOO_LARGE', 'QUOTA_EXCEEDED', 'CHECKSUM_MISMATCH', 'REQUEST_TIMEOUT'],
  }), rawPrefix),
];

/** Download links (SPEC §3): made, listed and revoked on the image; used without a certificate. */
const linkRoutes: RouteDescriptor[] = [
  ...inBothNamespaces('/links', {}, (where) => ({
    id: 'createLink', methods: ['POST'], summary: `Make a download link to an image ${where} (needs the right to modify it); the token is shown in this answer only`,
    body: NewLink, responses: { 201: json(CreatedLink, 'the new link, with its URL') }, errors: [UNKNOWN_FIELD, 'IMAGE_NOT_FOUND', 'VERSION_NOT_FOUND'],
  })),
  ...inBothNamespaces('/links', {}, (where) => ({
    id: 'listLinks', methods: ['GET'], summary: `The live download links of an image ${where} (neither expired nor revoked), never their tokens`,
    responses: { 200: json(LinkList, 'the links, newest first') }, errors: ['IMAGE_NOT_FOUND'],
  })),
  ...inBothNamespaces('/links/:id', { id: LinkId }, (where) => ({
    id: 'revokeLink', methods: ['DELETE'], summary: `Revoke a download link of an image ${where}: it answers 404 from now on`,
    responses: { 204: noContent('revoked') }, errors: ['IMAGE_NOT_FOUND', 'LINK_NOT_FOUND'],
  })),
  {
    id: 'downloadThroughLink', methods: ['GET', 'HEAD'], url: '/api/links/:token', tag: 'images', anonymous: true, conditional: true,
    summary: "Download an image's bytes through a link: no certificate needed (also on the plain-HTTP listener), ranges and conditional requests as the raw URL; an unknown, malformed, expired or revoked token, or an image deleted or emptied meanwhile, answers the same 404",
    params: params({ token: Type.String({ description: 'the secret part of the link (43 characters of base64url)' }) }),
    responses: {
      200: { description: 'the bytes', contentType: 'application/octet-stream', headers: { ...DOWNLOAD_HEADERS, 'Cache-Control': 'private, no-store: a link is a secret; no cache may keep the bytes past a revocation' } },
      206: { description: 'the requested range', contentType: 'application/octet-stream', headers: { ...DOWNLOAD_HEADERS, 'Content-Range': 'bytes start-end/size' } },
      304: noContent('not modified (If-None-Match, If-Modified-Since)'),
    },
    errors: ['LINK_NOT_FOUND', 'RANGE_NOT_SATISFIABLE'],
  },
];

const IMAGE_LIST = params({ owner: UserName, list: ImageListName });
const IMAGE_LIST_LOCATION = '/api/imagelists/{owner}/{list}';

/** HEPiX image lists (SPEC §3): the records, and the signed document subscribers fetch without a credential. */
const imageListRoutes: RouteDescriptor[] = [
  { id: 'listImageLists', methods: ['GET'], url: '/api/imagelists', tag: 'imagelists', summary: "Image lists: the caller's (every list for admins)", responses: { 200: json(ImageListList, 'the lists') }, errors: [] },
  {
    id: 'createImageList', methods: ['POST'], url: '/api/imagelists', tag: 'imagelists', summary: 'Create an image list naming images the caller can read', body: NewImageList,
    responses: { 201: created(ImageListRecord, 'image list', IMAGE_LIST_LOCATION) }, errors: [UNKNOWN_FIELD, 'CONFLICT', 'IMAGE_NOT_FOUND', 'GROUP_NOT_FOUND'],
  },
  { id: 'getImageList', methods: ['GET'], url: '/api/imagelists/:owner/:list', tag: 'imagelists', summary: "An image list's record: its images, and why any is left out of the signed document", params: IMAGE_LIST, responses: { 200: json(ImageListRecord, 'the list') }, errors: ['IMAGE_LIST_NOT_FOUND'] },
  {
    id: 'modifyImageList', methods: ['PATCH', 'POST'], url: '/api/imagelists/:owner/:list', tag: 'imagelists', summary: 'Modify an image list: title, description, vo, group, images (the whole membership)', params: IMAGE_LIST, body: ImageListChanges,
    responses: { 200: json(ImageListRecord, 'the list as changed') }, errors: [UNKNOWN_FIELD, 'IMAGE_LIST_NOT_FOUND', 'IMAGE_NOT_FOUND', 'GROUP_NOT_FOUND'],
  },
  { id: 'deleteImageList', methods: ['DELETE'], url: '/api/imagelists/:owner/:list', tag: 'imagelists', summary: 'Delete an image list', params: IMAGE_LIST, responses: { 204: noContent('deleted') }, errors: ['IMAGE_LIST_NOT_FOUND'] },
  {
    id: 'signedImageList', methods: ['GET'], url: '/api/imagelists/:owner/:list/image.list', tag: 'imagelists', anonymous: true,
    summary: 'The list as a signed hv:imagelist (S/MIME, detached, sha256) for vmcatcher, cloudkeeper and atrope; no credential needed', params: IMAGE_LIST,
    responses: { 200: { description: 'the S/MIME message (verify with openssl smime -verify)', contentType: 'text/plain', headers: { 'Last-Modified': 'when it was signed' } } },
    errors: ['IMAGE_LIST_NOT_FOUND'],
  },
];

/** Resumable uploads (tus 1.0, SPEC §3): every answer carries Tus-Resumable. */
const TUS = { 'Tus-Resumable': '1.0.0' };
const TUS_DISCOVERY = {
  ...TUS,
  'Tus-Version': '1.0.0',
  'Tus-Extension': 'creation,expiration,checksum,checksum-trailer,termination',
  'Tus-Checksum-Algorithm': 'sha256',
};
const UPLOAD = params({ id: Type.String({ minLength: 1, maxLength: 64, description: 'the upload id of Location' }) });
const TUS_ERRORS: ErrorCode[] = ['TUS_VERSION_UNSUPPORTED', 'UPLOAD_NOT_FOUND'];

const uploadRoutes: RouteDescriptor[] = [
  ...inBothNamespaces('/uploads', {}, (where) => ({
    id: 'createUpload', methods: ['POST'],
    summary: `Start a resumable upload (tus 1.0 creation) of an image ${where}: Upload-Length required, Upload-Metadata "sha256 <base64 of the hex digest>" optional; Repoman-Base-Version n starts from version n's bytes (a delta re-save; its whole sha256 is then required, here or on the committing PATCH)`,
    responses: { 201: { description: 'the upload, empty', headers: { ...TUS, Location: '/api/uploads/{id}', 'Upload-Expires': 'when it expires unless continued' } } },
    errors: ['IMAGE_NOT_FOUND', 'IMAGE_READ_ONLY', 'QUOTA_EXCEEDED', 'TUS_VERSION_UNSUPPORTED', 'VERSION_NOT_FOUND', 'NOT_IMPLEMENTED'],
  })),
  ...inBothNamespaces('/uploads', {}, (where) => ({
    id: 'discoverUploads', methods: ['OPTIONS'], anonymous: true, summary: `The tus versions, extensions and limits of the uploads of an image ${where}`,
    responses: { 204: { description: 'what the server supports', headers: TUS_DISCOVERY } }, errors: [],
  })),
  {
    id: 'discoverUploadsAll', methods: ['OPTIONS'], url: '/api/uploads', tag: 'images', anonymous: true, summary: 'The tus versions, extensions and limits of this server',
    responses: { 204: { description: 'what the server supports', headers: TUS_DISCOVERY } }, errors: [],
  },
  {
    id: 'uploadOffset', methods: ['HEAD'], url: '/api/uploads/:id', tag: 'images', params: UPLOAD, summary: 'Where a resumable upload stands (its creator only)',
    responses: { 200: { description: 'no body', headers: { ...TUS, 'Upload-Offset': 'bytes stored', 'Upload-Length': 'bytes announced', 'Cache-Control': 'no-store' } } },
    errors: TUS_ERRORS,
  },
  {
    id: 'appendUpload', methods: ['PATCH'], url: '/api/uploads/:id', tag: 'images', params: UPLOAD, body: 'bytes', bytesType: 'application/offset+octet-stream',
    summary: 'Append bytes at Upload-Offset (optional Upload-Checksum "sha256 <base64>"); the last byte commits the image as a PUT does; the PATCH that completes the upload may carry the sha256 of the whole image (Repoman-Image-Checksum "sha256 <base64>"). With Repoman-Block-Offset instead: write a changed block of an upload based on a version',
    responses: { 204: { description: 'appended', headers: { ...TUS, 'Upload-Offset': 'bytes stored now' } } },
    errors: [...TUS_ERRORS, 'UPLOAD_OFFSET_MISMATCH', 'PATCH_CHECKSUM_MISMATCH', 'CHECKSUM_MISMATCH', 'QUOTA_EXCEEDED', 'IMAGE_NOT_FOUND', 'IMAGE_READ_ONLY', 'REQUEST_TIMEOUT', 'CONFLICT'],
  },
  {
    id: 'cancelUpload', methods: ['DELETE'], url: '/api/uploads/:id', tag: 'images', params: UPLOAD, summary: 'Cancel a resumable upload (tus termination): its bytes are removed',
    responses: { 204: { description: 'cancelled', headers: TUS } }, errors: TUS_ERRORS,
  },
];

/** `/api/images/:image` → `/api/images/raw/:image`, `/api/images/:owner/:image` → `/api/images/raw/:owner/:image`. */
function rawPrefix(prefix: string): string {
  return prefix.replace('/api/images/', '/api/images/raw/');
}

/** What a conditional JSON GET answers besides its 200; documented for OpenAPI and the contract checks. */
const VALIDATOR_HEADERS = { ETag: 'a strong validator of this answer: a hash of its body', 'Cache-Control': 'private, no-cache: depends on the caller; revalidate with If-None-Match' };
const WRITES: readonly HttpMethod[] = ['PATCH', 'PUT', 'DELETE'];

const jsonGet = (route: RouteDescriptor): boolean => route.methods[0] === 'GET' && route.responses[200]?.schema !== undefined;

/**
 * Fills in `conditional` (see RouteDescriptor) and what it implies: ETag and Cache-Control on a
 * conditional JSON GET's 200, its 304, and PRECONDITION_FAILED among the errors of every
 * conditional route. A write is conditional when a conditional JSON GET has its URL.
 */
function withConditionals(routes: readonly RouteDescriptor[]): RouteDescriptor[] {
  const readable = new Set(routes.filter((route) => route.conditional !== false && jsonGet(route)).map((route) => route.url));
  return routes.map((route) => {
    const conditional = route.conditional ?? (readable.has(route.url) && (jsonGet(route) || WRITES.includes(route.methods[0] as HttpMethod)));
    if (!conditional) return { ...route, conditional: false };
    const ok = route.responses[200];
    const responses = jsonGet(route) && ok !== undefined
      ? { ...route.responses, 200: { ...ok, headers: { ...ok.headers, ...VALIDATOR_HEADERS } }, 304: noContent('not modified (If-None-Match)') }
      : route.responses;
    return { ...route, conditional, responses, errors: [...route.errors, 'PRECONDITION_FAILED'] };
  });
}

export const ROUTES: readonly RouteDescriptor[] = withConditionals([...accountRoutes, ...imageRoutes, ...linkRoutes, ...uploadRoutes, ...imageListRoutes]);

/** The codes a route may answer: its own and the common ones. */
export function routeErrors(route: RouteDescriptor): ErrorCode[] {
  return [...new Set([...COMMON_ERRORS, ...route.errors])];
}
