/**
 * Download links of SPEC §3: `POST`, `GET` `/api/images/[{user}/]{image}/links` make one
 * (201 `{id, url, expires, version}`: the only answer that holds the token) and list the live
 * ones; `DELETE …/links/{id}` revokes one (204). `GET`/`HEAD /api/links/{token}` serve the
 * bytes to anyone holding the URL, no certificate needed (also on the plain-HTTP listener,
 * for importers that only speak http), exactly as the raw URL does (`serve-download.ts`), with
 * `Cache-Control: private, no-store`: the URL is a secret, and a cache that kept the bytes
 * would go on serving them after the link is revoked. A GET whose bytes start at offset 0
 * (a whole download, or the first range of a ranged reader such as qemu-img) counts as one
 * download, in the link's row and in the metrics.
 */
import type { NewLink } from '@repoman/api';
import type { LinkRecord } from '../../metadata/link-store.js';
import { readBody } from '../body-fields.js';
import { fileLinks } from '../file-links.js';
import { IMAGE_URL_PREFIXES, imageRefOf, type ImageParams } from '../image-ref.js';
import { LINK_PREFIX } from '../link-url.js';
import type { RoutePlugin } from '../route-context.js';
import { serveDownload } from '../serve-download.js';

const view = (link: LinkRecord) => ({
  id: link.id,
  expires: link.expires,
  version: link.version,
  created: link.created,
  created_by: link.createdBy,
  downloads: link.downloads,
});

export const linkRoutes: RoutePlugin = (app, { links, transfer, metrics, config }) => {
  for (const prefix of IMAGE_URL_PREFIXES) {
    app.post<{ Params: ImageParams }>(`${prefix}/links`, { attachValidation: true }, async (request, reply) => {
      const ref = imageRefOf(request.params, request.method);
      // Validation attached, not thrown: a bad expires_in alone goes on to the service, whose message names this server's limit.
      const failed = request.validationError;
      if (failed !== undefined && !(failed.validation ?? []).every((problem: { instancePath: string }) => problem.instancePath === '/expires_in')) throw failed;
      const body = readBody<NewLink>(request);
      const made = await links.create(request.caller, ref, { expiresIn: body.expires_in, version: body.version });
      const url = `${fileLinks(request, config.server).https}${LINK_PREFIX}${made.token}`;
      return reply.status(201).send({ id: made.link.id, url, expires: made.link.expires, version: made.link.version });
    });

    app.get<{ Params: ImageParams }>(`${prefix}/links`, async (request) => (await links.list(request.caller, imageRefOf(request.params, request.method))).map(view));

    app.delete<{ Params: ImageParams & { id: string } }>(`${prefix}/links/:id`, async (request, reply) => {
      await links.revoke(request.caller, imageRefOf(request.params, request.method), request.params.id);
      return reply.status(204).send();
    });
  }

  app.route<{ Params: { token: string } }>({
    method: ['GET', 'HEAD'],
    url: `${LINK_PREFIX}:token`,
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      const { link, download } = await links.open(request.params.token);
      reply.header('cache-control', 'private, no-store');
      return serveDownload(request, reply, transfer, download, {
        onBytes: async (start) => {
          if (start !== 0) return;
          metrics.linkDownloads.inc();
          // A count that cannot be written must not stop the download: logged, and the bytes go.
          await links.countDownload(link).catch((error: unknown) => request.log.warn({ err: error, link: link.id }, 'download not counted'));
        },
      });
    },
  });
};
