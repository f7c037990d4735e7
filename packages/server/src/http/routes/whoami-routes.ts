/**
 * `GET /api/whoami`: the caller's user record with its groups and effective permissions.
 */
import type { RoutePlugin } from '../route-context.js';

export const whoamiRoutes: RoutePlugin = (app, { users }) => {
  app.get('/api/whoami', async (request) => users.whoami(request.caller));
};
