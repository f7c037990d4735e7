/**
 * The groups routes of SPEC §3: `/api/groups` (list, create) and `/api/groups/{group}` (read,
 * modify — rename with `name`, VOMS settings `voms_fqans` and `voms_auto_register`; `POST` is the 2011 synonym of `PATCH` — and delete).
 */
import type { GroupChanges, NewGroup } from '@repoman/api';
import { toGroupView } from '../account-views.js';
import { readBody } from '../body-fields.js';
import type { RoutePlugin } from '../route-context.js';

type GroupParams = { Params: { group: string } };

export const groupRoutes: RoutePlugin = (app, { groups }) => {
  app.get('/api/groups', async (request) => (await groups.list(request.caller)).map(toGroupView));

  app.post('/api/groups', async (request, reply) => {
    const body = readBody<NewGroup>(request);
    const created = await groups.create(request.caller, body);
    return reply.status(201).header('location', `/api/groups/${encodeURIComponent(created.group.name)}`).send(toGroupView(created));
  });

  app.get<GroupParams>('/api/groups/:group', async (request) => toGroupView(await groups.get(request.caller, request.params.group)));

  app.route<GroupParams>({
    method: ['PATCH', 'POST'],
    url: '/api/groups/:group',
    handler: async (request) => {
      const body = readBody<GroupChanges>(request);
      return toGroupView(await groups.modify(request.caller, request.params.group, body));
    },
  });

  app.delete<GroupParams>('/api/groups/:group', async (request, reply) => {
    await groups.delete(request.caller, request.params.group);
    return reply.status(204).send();
  });
};
