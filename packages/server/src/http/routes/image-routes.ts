/**
 * The image metadata routes of SPEC §3: `GET /api/images` (what the caller can see, with the
 * filters owner, shared, group, q and paging limit/cursor (or offset), see `list-page.ts`),
 * `POST /api/images` (a new empty slot; 201 with `Location` its raw URL), and on
 * `/api/images/[{user}/]{image}`: `GET` (the record), `PATCH` (and its 2011 synonym `POST`:
 * fields, rename with `name`, new `owner` by an admin) and `DELETE` (204), plus
 * `POST …/clone` (`name` of the copy; 201). Bytes are in `image-raw-routes.ts`, sharing in
 * `image-share-routes.ts`.
 */
import { readBody } from '../body-fields.js';
import { fileLinks } from '../file-links.js';
import { IMAGE_URL_PREFIXES, imageRefOf, type ImageParams } from '../image-ref.js';
import { rawPath, toImageView } from '../image-views.js';
import { PAGING, sendPage } from '../list-page.js';
import { readQuery } from '../query-fields.js';
import type { RoutePlugin } from '../route-context.js';

/** The metadata fields a body may set, on create and modify. */
const FIELDS = {
  description: { type: 'string' },
  os_variant: { type: 'string' },
  os_type: { type: 'string' },
  os_arch: { type: 'string' },
  hypervisor: { type: 'string' },
  expires: { type: 'string' },
  read_only: { type: 'boolean' },
  unauthenticated_access: { type: 'boolean' },
  disk_format: { type: 'string' },
  min_disk: { type: 'integer' },
  min_ram: { type: 'integer' },
} as const;

export const imageRoutes: RoutePlugin = (app, { images, config }) => {
  app.get('/api/images', async (request, reply) => {
    const { limit, offset, cursor, ...filters } = readQuery(request, { owner: 'string', shared: 'boolean', group: 'string', q: 'string', ...PAGING });
    return sendPage(request, reply, await images.list(request.caller, filters, { limit, offset, cursor }), fileLinks(request, config.server));
  });

  app.post('/api/images', async (request, reply) => {
    const body = readBody(request, { name: { type: 'string', required: true }, ...FIELDS });
    const created = await images.create(request.caller, body);
    return reply.status(201).header('location', rawPath(created.image.owner, created.image.name)).send(toImageView(created, fileLinks(request, config.server)));
  });

  for (const prefix of IMAGE_URL_PREFIXES) {
    app.get<{ Params: ImageParams }>(prefix, async (request) =>
      toImageView(await images.get(request.caller, imageRefOf(request.params, request.method)), fileLinks(request, config.server)),
    );

    app.route<{ Params: ImageParams }>({
      method: ['PATCH', 'POST'],
      url: prefix,
      handler: async (request) => {
        const ref = imageRefOf(request.params, request.method);
        const body = readBody(request, { name: { type: 'string' }, owner: { type: 'string' }, ...FIELDS });
        return toImageView(await images.modify(request.caller, ref, body), fileLinks(request, config.server));
      },
    });

    app.delete<{ Params: ImageParams }>(prefix, async (request, reply) => {
      await images.delete(request.caller, imageRefOf(request.params, request.method));
      return reply.status(204).send();
    });

    app.post<{ Params: ImageParams }>(`${prefix}/clone`, async (request, reply) => {
      const ref = imageRefOf(request.params, request.method);
      const body = readBody(request, { name: { type: 'string', required: true } });
      const clone = await images.clone(request.caller, ref, body.name);
      return reply.status(201).header('location', rawPath(clone.image.owner, clone.image.name)).send(toImageView(clone, fileLinks(request, config.server)));
    });
  }
};
