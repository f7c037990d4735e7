/**
 * The users routes of SPEC §3: `/api/users` (list, create) and `/api/users/{user}` (read,
 * modify — `POST` is the 2011 synonym of `PATCH` — delete), and a user's groups, images and
 * shared images (paged like `GET /api/images`). Handlers only read input and call the user
 * service (the image service for a user's images).
 */
import type { NewUser, UserChanges } from '@repoman/api';
import { toModifiedUserView, toUserView } from '../account-views.js';
import { readBody } from '../body-fields.js';
import { fileLinks } from '../file-links.js';
import { sendPage } from '../list-page.js';
import { readQuery } from '../query-fields.js';
import type { RoutePlugin } from '../route-context.js';

type UserParams = { Params: { user: string } };

export const userRoutes: RoutePlugin = (app, { users, images, config }) => {
  app.get('/api/users', async (request) => (await users.list(request.caller)).map(toUserView));

  app.post('/api/users', async (request, reply) => {
    const body = readBody<NewUser>(request);
    const created = await users.create(request.caller, body);
    return reply.status(201).header('location', `/api/users/${encodeURIComponent(created.user.name)}`).send(toUserView(created));
  });

  app.get<UserParams>('/api/users/:user', async (request) => toUserView(await users.get(request.caller, request.params.user)));

  app.route<UserParams>({
    method: ['PATCH', 'POST'],
    url: '/api/users/:user',
    handler: async (request) => {
      const body = readBody<UserChanges>(request);
      return toModifiedUserView(await users.modify(request.caller, request.params.user, body));
    },
  });

  app.delete<UserParams>('/api/users/:user', async (request, reply) => {
    await users.delete(request.caller, request.params.user);
    return reply.status(204).send();
  });

  app.get<UserParams>('/api/users/:user/groups', async (request) => users.groupsOf(request.caller, request.params.user));
  app.get<UserParams>('/api/users/:user/images', async (request, reply) => {
    return sendPage(request, reply, await images.imagesOf(request.caller, request.params.user, readQuery(request)), fileLinks(request, config.server));
  });
  app.get<UserParams>('/api/users/:user/shared', async (request, reply) => {
    return sendPage(request, reply, await images.sharedWith(request.caller, request.params.user, readQuery(request)), fileLinks(request, config.server));
  });
};
