/**
 * Sharing routes of SPEC §3: `PUT` (and its 2011 synonym `POST`) and `DELETE` on
 * `/api/images/[{user}/]{image}/share/user/{user}` and `…/share/group/{group}` share the
 * image read-only with a user or a group, or stop. They answer the image record.
 */
import { fileLinks } from '../file-links.js';
import { IMAGE_URL_PREFIXES, imageRefOf, type ImageParams } from '../image-ref.js';
import { toImageView } from '../image-views.js';
import type { RoutePlugin } from '../route-context.js';

type ShareParams = { Params: ImageParams & { target: string } };

export const imageShareRoutes: RoutePlugin = (app, { sharing, config }) => {
  for (const prefix of IMAGE_URL_PREFIXES) {
    for (const kind of ['user', 'group'] as const) {
      const url = `${prefix}/share/${kind}/:target`;
      app.route<ShareParams>({
        method: ['PUT', 'POST'],
        url,
        handler: async (request) =>
          toImageView(await sharing.share(request.caller, imageRefOf(request.params, request.method), { kind, name: request.params.target }), fileLinks(request, config.server)),
      });
      app.delete<ShareParams>(url, async (request) =>
        toImageView(await sharing.unshare(request.caller, imageRefOf(request.params, request.method), { kind, name: request.params.target }), fileLinks(request, config.server)),
      );
    }
  }
};
