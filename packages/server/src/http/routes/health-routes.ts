/**
 * `GET /healthz`: liveness and readiness for load balancers, open to anonymous callers. Answers
 * 200 `{"status":"ok"}` when the metadata database and the image storage both accept a write
 * (services/readiness.ts, rate-limited), 503 UNAVAILABLE with `Retry-After` and the reason in
 * the envelope otherwise.
 */
import { HttpError } from '../http-error.js';
import { RETRY_AFTER_SECONDS } from '../fault-envelope.js';
import type { RoutePlugin } from '../route-context.js';

export const healthRoutes: RoutePlugin = (app, { readiness }) => {
  app.get('/healthz', async () => {
    const answer = await readiness();
    if (!answer.ready) {
      throw new HttpError('UNAVAILABLE', `not ready: ${answer.reason}`, { 'retry-after': String(RETRY_AFTER_SECONDS) }, { cause: answer.cause });
    }
    return { status: 'ok' };
  });
};
