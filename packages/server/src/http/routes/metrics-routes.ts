/**
 * `GET /metrics`: the Prometheus text exposition of the server's metrics (see metrics.ts).
 * Open to anonymous callers over HTTPS, so a scraper needs no grid credential; the numbers
 * carry no user or image names. Like everything but public images, refused on plain HTTP.
 */
import { RepomanError } from '../../services/repoman-error.js';
import type { RoutePlugin } from '../route-context.js';

export const metricsRoutes: RoutePlugin = (app, { metrics }) => {
  app.get('/metrics', async (request, reply) => {
    if (request.caller.kind === 'anonymous' && request.caller.plainHttp) {
      throw new RepomanError('FORBIDDEN', 'metrics are served over HTTPS only; scrape the HTTPS port');
    }
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};
