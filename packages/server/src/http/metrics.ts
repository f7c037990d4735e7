/**
 * Prometheus metrics (`GET /metrics`): requests by method, route pattern and status, their
 * durations, bytes received and sent (uploads and downloads count here by their
 * Content-Length), requests in flight, and Node's process metrics. One `Metrics` is shared by
 * the HTTPS and plain-HTTP apps of a server (serve.ts makes it), so a scrape sees both; it
 * uses its own registry, never prom-client's global one. Labels hold route patterns, never
 * user or image names, so their number stays bounded. Downloads through download links are
 * counted on their own too. In flight counts a request from its first
 * hook (install this before any hook that may refuse it) until its response closes, whether it
 * finished or the connection was cut: node emits 'close' exactly once either way, while
 * fastify's onResponse is skipped for an aborted download.
 */
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly duration: Histogram<'method' | 'route'>;
  readonly bytesReceived: Counter<'route'>;
  readonly bytesSent: Counter<'route'>;
  readonly inFlight: Gauge<'listener'>;
  /** Downloads through download links (GETs from the first byte: see routes/link-routes.ts). */
  readonly linkDownloads: Counter;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'repoman_' });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({ name: 'repoman_http_requests_total', help: 'HTTP requests answered', labelNames: ['method', 'route', 'status'], registers }),
    duration: new Histogram({
      name: 'repoman_http_request_duration_seconds',
      help: 'Time from request to the end of the answer (whole transfers for image bytes)',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.025, 0.1, 0.5, 2.5, 10, 60, 300, 1800],
      registers,
    }),
    bytesReceived: new Counter({ name: 'repoman_http_received_bytes_total', help: 'Request body bytes (by Content-Length)', labelNames: ['route'], registers }),
    bytesSent: new Counter({ name: 'repoman_http_sent_bytes_total', help: 'Response body bytes (by Content-Length)', labelNames: ['route'], registers }),
    inFlight: new Gauge({ name: 'repoman_http_requests_in_flight', help: 'Requests being answered', labelNames: ['listener'], registers }),
    linkDownloads: new Counter({ name: 'repoman_link_downloads_total', help: 'Downloads through download links (GETs from the first byte)', registers }),
  };
}

/** Records every request of `app` in `metrics`. */
export function installMetrics(app: FastifyInstance, metrics: Metrics, listener: 'https' | 'http'): void {
  // Callback hooks, not async ones: an async hook costs a promise and a microtask on every request.
  app.addHook('onRequest', (_request, reply, done) => {
    metrics.inFlight.inc({ listener });
    reply.raw.once('close', () => metrics.inFlight.dec({ listener }));
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    countAnswer(metrics, request.method, route, reply.statusCode, reply.elapsedTime / 1000, Number(reply.getHeader('content-length') ?? 0));
    const received = Number(request.headers['content-length'] ?? 0);
    if (received > 0 && request.raw.readableEnded) metrics.bytesReceived.inc({ route }, received);
    done();
  });
}

/** Counts one answered request: by the full path (above) or by the fast path (`fast-answers.ts`). */
export function countAnswer(metrics: Metrics, method: string, route: string, status: number, seconds: number, sentBytes: number): void {
  metrics.requests.inc({ method, route, status: String(status) });
  metrics.duration.observe({ method, route }, seconds);
  if (sentBytes > 0 && method !== 'HEAD') metrics.bytesSent.inc({ route }, sentBytes);
}
