/**
 * Version routes of SPEC §3 "Versions": `GET /api/images/[{user}/]{image}/versions` (the kept
 * versions, newest first), `DELETE …/versions/{n}` (204; the current one is 409) and
 * `POST …/rollback {"version": n}` (the image record with its new version). Downloading a
 * version is `?version=n` on the raw URL (`image-raw-routes.ts`). `GET …/versions/{n}/blocks`
 * is a version's block list (SPEC §3 "Blocks", 409 while it is computed).
 */
import type { Rollback } from '@repoman/api';
import { readBody } from '../body-fields.js';
import { fileLinks } from '../file-links.js';
import { IMAGE_URL_PREFIXES, imageRefOf, type ImageParams } from '../image-ref.js';
import { toImageView, toVersionView } from '../image-views.js';
import type { RoutePlugin } from '../route-context.js';

export const imageVersionRoutes: RoutePlugin = (app, { versions, blocks, config }) => {
  for (const prefix of IMAGE_URL_PREFIXES) {
    app.get<{ Params: ImageParams }>(`${prefix}/versions`, async (request) => {
      const found = await versions.list(request.caller, imageRefOf(request.params, request.method));
      return found.versions.map((version) => toVersionView(version, found.image));
    });

    app.delete<{ Params: ImageParams & { version: number } }>(`${prefix}/versions/:version`, async (request, reply) => {
      await versions.remove(request.caller, imageRefOf(request.params, request.method), request.params.version);
      return reply.status(204).send();
    });

    app.get<{ Params: ImageParams & { version: number } }>(`${prefix}/versions/:version/blocks`, async (request) => {
      const list = await blocks.blocks(request.caller, imageRefOf(request.params, request.method), request.params.version);
      return { block_size: list.blockSize, size: list.size, sha256: list.sha256, blocks: list.blocks };
    });

    app.post<{ Params: ImageParams }>(`${prefix}/rollback`, async (request) => {
      const body = readBody<Rollback>(request);
      return toImageView(await versions.rollback(request.caller, imageRefOf(request.params, request.method), body.version), fileLinks(request, config.server));
    });
  }
};
