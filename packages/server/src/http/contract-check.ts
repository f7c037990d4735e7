/**
 * The contract check of the test suites (`REPOMAN_CONTRACT_CHECK=1`, off in production): every
 * answer the server is about to send is checked against its route's schemas in `@repoman/api`
 * (`validateAnswer`: a documented status, the body's schema, the error codes of the route, the
 * documented headers; answers of unknown paths must be the error envelope). A mismatch is
 * logged as `CONTRACT_VIOLATION_LOG` with what differs and the answer becomes a 500, so the
 * test that caused it fails where it happened and the helpers can fail on the log line.
 */
import { validateAnswer, type RouteDescriptor } from '@repoman/api';
import type { FastifyInstance } from 'fastify';

/** The message of the log line of a mismatch (test helpers look for it). */
export const CONTRACT_VIOLATION_LOG = 'answer outside the API schema';

/** Answers to paths no route has: 404 or 405, as the error envelope. */
const NO_ROUTE: RouteDescriptor = { id: 'noRoute', methods: [], url: '', tag: 'service', summary: 'no route', responses: {}, errors: ['NOT_FOUND'] };

export function installContractCheck(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.webUi) return payload; // the web UI's files (web-ui.ts), not an API answer
    const route = request.routeOptions.config.apiRoute ?? NO_ROUTE;
    // Streams (image bytes) are not read here, their headers and status still are; node drops the body of a HEAD answer.
    const body = request.method !== 'HEAD' && (typeof payload === 'string' || Buffer.isBuffer(payload)) ? payload : undefined;
    const check = validateAnswer(route, reply.statusCode, body, { headers: reply.getHeaders(), method: request.method });
    if (check.ok) return payload;
    request.log.error({ contract: check.problems, url: request.url, method: request.method }, CONTRACT_VIOLATION_LOG);
    // Replaced here rather than thrown: error answers do not pass the error handler twice.
    reply.status(500).removeHeader('content-length').type('application/json; charset=utf-8');
    return JSON.stringify({ error: { code: 'INTERNAL', message: `${CONTRACT_VIOLATION_LOG}: ${check.problems.join('; ')}` } });
  });
}
