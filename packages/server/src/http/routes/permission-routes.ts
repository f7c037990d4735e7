/**
 * Permission routes: `GET /api/permissions` (every permission name), and a group's
 * permissions: `GET /api/groups/{group}/permissions`, `PUT …/permissions/{perm}` to grant
 * (`POST` is the 2011 synonym) and `DELETE` to revoke. Changes answer the group's record.
 */
import { toGroupView } from '../account-views.js';
import type { RoutePlugin } from '../route-context.js';

type PermissionParams = { Params: { group: string; permission: string } };

export const permissionRoutes: RoutePlugin = (app, { groups }) => {
  app.get('/api/permissions', async (request) => groups.allPermissions(request.caller));

  app.get<{ Params: { group: string } }>('/api/groups/:group/permissions', async (request) =>
    groups.permissions(request.caller, request.params.group),
  );

  app.route<PermissionParams>({
    method: ['PUT', 'POST'],
    url: '/api/groups/:group/permissions/:permission',
    handler: async (request) => toGroupView(await groups.grant(request.caller, request.params.group, request.params.permission)),
  });

  app.delete<PermissionParams>('/api/groups/:group/permissions/:permission', async (request) =>
    toGroupView(await groups.revoke(request.caller, request.params.group, request.params.permission)),
  );
};
