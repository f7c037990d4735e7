/**
 * Group membership routes: `GET /api/groups/{group}/users` lists members;
 * `PUT /api/groups/{group}/users/{user}` adds one (`POST` is the 2011 synonym) and `DELETE`
 * removes one. Changes answer the group's record.
 */
import { toGroupView } from '../account-views.js';
import type { RoutePlugin } from '../route-context.js';

type MemberParams = { Params: { group: string; user: string } };

export const membershipRoutes: RoutePlugin = (app, { groups }) => {
  app.get<{ Params: { group: string } }>('/api/groups/:group/users', async (request) =>
    groups.members(request.caller, request.params.group),
  );

  app.route<MemberParams>({
    method: ['PUT', 'POST'],
    url: '/api/groups/:group/users/:user',
    handler: async (request) => toGroupView(await groups.addMember(request.caller, request.params.group, request.params.user)),
  });

  app.delete<MemberParams>('/api/groups/:group/users/:user', async (request) =>
    toGroupView(await groups.removeMember(request.caller, request.params.group, request.params.user)),
  );
};
