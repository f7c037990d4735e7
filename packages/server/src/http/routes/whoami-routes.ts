/**
 * `GET /api/whoami`: the caller's user record with its groups and effective permissions.
 */
import { toWhoamiView } from '../account-views.js';
import type { RoutePlugin } from '../route-context.js';

export const whoamiRoutes: RoutePlugin = (app, { users }) => {
  app.get('/api/whoami', async (request) => toWhoamiView(await users.whoami(request.caller)));
};
