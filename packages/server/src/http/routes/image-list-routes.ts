/**
 * The HEPiX image list routes of SPEC §3: `GET·POST /api/imagelists`,
 * `GET·PATCH (POST)·DELETE /api/imagelists/{owner}/{list}`, and
 * `GET /api/imagelists/{owner}/{list}/image.list`, the signed document, open to anyone (grid
 * cloud subscribers have no credential). The document is S/MIME text (`multipart/signed`
 * inside); it is served as text/plain, which vmcatcher, cloudkeeper and atrope take as they
 * take any body, and which a browser shows.
 */
import type { ImageListChanges, NewImageList } from '@repoman/api';
import { readBody } from '../body-fields.js';
import { fileLinks } from '../file-links.js';
import { imageListLinks } from '../image-list-links.js';
import { toImageListView } from '../image-list-views.js';
import type { RoutePlugin } from '../route-context.js';

interface ListParams {
  owner: string;
  list: string;
}

export const imageListRoutes: RoutePlugin = (app, { imageLists, config }) => {
  app.get('/api/imagelists', async (request) => {
    const links = imageListLinks(fileLinks(request, config.server));
    return (await imageLists.list(request.caller)).map((details) => toImageListView(details, links));
  });

  app.post('/api/imagelists', async (request, reply) => {
    const links = imageListLinks(fileLinks(request, config.server));
    const created = await imageLists.create(request.caller, readBody<NewImageList>(request), links);
    const location = `/api/imagelists/${encodeURIComponent(created.list.owner)}/${encodeURIComponent(created.list.name)}`;
    return reply.status(201).header('location', location).send(toImageListView(created, links));
  });

  app.get<{ Params: ListParams }>('/api/imagelists/:owner/:list', async (request) => {
    const links = imageListLinks(fileLinks(request, config.server));
    return toImageListView(await imageLists.get(request.caller, request.params.owner, request.params.list), links);
  });

  app.route<{ Params: ListParams }>({
    method: ['PATCH', 'POST'],
    url: '/api/imagelists/:owner/:list',
    handler: async (request) => {
      const links = imageListLinks(fileLinks(request, config.server));
      const changed = await imageLists.modify(request.caller, request.params.owner, request.params.list, readBody<ImageListChanges>(request), links);
      return toImageListView(changed, links);
    },
  });

  app.delete<{ Params: ListParams }>('/api/imagelists/:owner/:list', async (request, reply) => {
    await imageLists.delete(request.caller, request.params.owner, request.params.list);
    return reply.status(204).send();
  });

  app.get<{ Params: ListParams }>('/api/imagelists/:owner/:list/image.list', async (request, reply) => {
    const signed = await imageLists.signed(request.params.owner, request.params.list, imageListLinks(fileLinks(request, config.server)));
    return reply
      .header('content-type', 'text/plain; charset=utf-8')
      .header('last-modified', new Date(signed.signed).toUTCString())
      .header('cache-control', 'no-cache')
      .send(signed.document);
  });
};
