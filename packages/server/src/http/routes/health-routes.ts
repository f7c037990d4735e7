/**
 * `GET /healthz`: liveness and readiness for load balancers, open to anonymous callers. Answers
 * 200 `{"status":"ok"}` when the metadata database answers, 503 UNAVAILABLE otherwise.
 */
import { RepomanError } from '../../services/repoman-error.js';
import type { RoutePlugin } from '../route-context.js';

export const healthRoutes: RoutePlugin = (app, { metadata }) => {
  app.get('/healthz', { config: { anonymous: true } }, async () => {
    try {
      await metadata.ping();
    } catch (error) {
      throw new RepomanError('UNAVAILABLE', 'the metadata database does not answer', { cause: error });
    }
    return { status: 'ok' };
  });
};
