/**
 * Builds the fastify application of the API from its dependencies (no globals): the config,
 * the metadata stores, the blob store, where the JSON log goes, how to identify a request's client (the TLS
 * layer's job; tests pass their own), and whether this is the plain-HTTP listener. It wires,
 * in order: the request schemas of `@repoman/api`'s route table, the route table (for 405s), error
 * handling, conditional requests and caching headers, the contract check (tests only), body
 * parsers, metrics, HSTS (HTTPS), the cross-site guard, the caller hook, the answer cache's
 * fast path (TLS listener, `fast-answers.ts`), the request log, the web UI (HTTPS only), and the
 * route files of `routes/api-routes.ts`. The caller listens (see
 * `tls/start-server.ts`) or injects requests (tests).
 */
import fastify, { LogController, type FastifyInstance, type FastifyServerFactory } from 'fastify';
import type { RepomanConfig } from '../config/config-types.js';
import type { MetadataStores } from '../metadata/metadata-store.js';
import { createDownloadLinkService, linkNotFound } from '../services/download-links.js';
import { createGroupService } from '../services/group-service.js';
import { createImageListService } from '../services/image-list-service.js';
import type { ImageListSigner } from '../services/image-list-signer.js';
import { createImageService } from '../services/image-service.js';
import { createImageSharingService } from '../services/image-sharing.js';
import { createImageTransferService } from '../services/image-transfer.js';
import { createImageVersionService } from '../services/image-versions.js';
import { createReadinessProbe } from '../services/readiness.js';
import type { BlobWorker } from '../services/blob-worker.js';
import { createBlockListWorker } from '../services/block-list-worker.js';
import { createSha512Worker, type Sha512Worker } from '../services/sha512-worker.js';
import { createVersionBlockService } from '../services/version-blocks.js';
import { createResumableUploadService } from '../services/resumable-uploads.js';
import { createUserService } from '../services/user-service.js';
import type { BlobStore } from '../storage/index.js';
import { installBodyParsers } from './body-parsers.js';
import { answerClientError, refuseConnect } from './client-errors.js';
import { installConditionalRequests } from './conditional-requests.js';
import { installContractCheck } from './contract-check.js';
import { installCrossSiteGuard } from './cross-site-guard.js';
import { installCallerHook, type Identify } from './caller-hook.js';
import { installErrorHandling, sendError, toEnvelope } from './error-handler.js';
import { installExpectContinue } from './expect-continue.js';
import './request-context.js';
import { createMetrics, installMetrics, type Metrics } from './metrics.js';
import { isLinkUrl } from './link-url.js';
import { installRequestLog } from './request-log.js';
import { installStrictTransportSecurity } from './strict-transport-security.js';
import type { RouteContext } from './route-context.js';
import { installRouteSchemas } from './route-schemas.js';
import { RouteTable } from './route-table.js';
import { API_ROUTES } from './routes/api-routes.js';
import { installWebUi, type WebFiles } from './web-ui.js';
import { AnswerCache } from './answer-cache.js';
import { createFastAnswers, type FastAnswers } from './fast-answers.js';

/** How long a request's headers may take to arrive (a slow-headers guard; bodies have `limits.idle_timeout`). */
const HEADERS_TIMEOUT_MS = 60_000;

/** The answer cache (`[server] answer_cache`): how long an answer is good at most, and how much memory it may take. */
export const ANSWER_CACHE_MS = 1_000;
const ANSWER_CACHE_BYTES = 16 * 1024 * 1024;
const ANSWER_MAX_BYTES = 256 * 1024;

/** A sink for JSON log lines (process.stdout in production, a collector in tests). */
export interface LogDestination {
  write(line: string): unknown;
}

export interface AppDeps {
  readonly config: RepomanConfig;
  readonly metadata: MetadataStores;
  /** Where image bytes live (`createBlobStore(config.storage)`). */
  readonly blobs: BlobStore;
  /** Where the one-JSON-line-per-request log (and error logs) go. */
  readonly logDestination: LogDestination;
  /** The verified client identity of a request, or null (no or unverifiable certificate, plain HTTP). */
  readonly identify: Identify;
  /** The plain-HTTP listener: refusals of anonymous callers are 403 instead of 401. Default false. */
  readonly plainHttp?: boolean;
  /**
   * Passed to fastify, for the TLS listener to supply its own `https.Server`. Its connections
   * must each have one identity (`identify` answers the same for every request of a
   * connection): with `[server] answer_cache`, the fast path (`fast-answers.ts`) sits in front.
   */
  readonly serverFactory?: FastifyServerFactory;
  /** Shared by a server's listeners so one scrape sees them all; default: the app's own. */
  readonly metrics?: Metrics;
  /** Check every answer against `@repoman/api` (test suites: `REPOMAN_CONTRACT_CHECK=1`); default false. */
  readonly contractCheck?: boolean;
  /** Signs HEPiX image lists (the host certificate); absent: image.list answers 503. */
  readonly imageListSigner?: ImageListSigner;
  /** Computes the sha512 of listed blobs; absent: the app runs its own, stopped when it closes. */
  readonly sha512Worker?: Sha512Worker;
  /** Computes the block lists of versions; absent: the app runs its own, stopped when it closes. */
  readonly blockListWorker?: BlobWorker;
  /** Log level; default "info". */
  readonly logLevel?: string;
  /** The built web UI served at `/` on HTTPS (`loadWebFiles`); default none (`/` then says how to build it). */
  readonly webFiles?: WebFiles;
}

/** The URL without the slashes ending its path (the query kept); `/` stays `/`. */
function withoutTrailingSlash(url: string): string {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === path || trimmed === '') return url;
  return trimmed + (query === -1 ? '' : url.slice(query));
}

/** The worker given, or one of the app's own that lives as long as the app. */
function sha512Worker(app: FastifyInstance, deps: AppDeps): Sha512Worker {
  if (deps.sha512Worker !== undefined) return deps.sha512Worker;
  const worker = createSha512Worker(deps.metadata.imageLists, deps.blobs, { report: (line) => app.log.warn(line) });
  app.addHook('onClose', () => worker.stop());
  return worker;
}

/** The block-list worker given (serve starts it), or one of the app's own, woken by commits and by requests for a list not ready, that lives as long as the app. */
function blockListWorker(app: FastifyInstance, deps: AppDeps): BlobWorker {
  if (deps.blockListWorker !== undefined) return deps.blockListWorker;
  const worker = createBlockListWorker(deps.metadata.blobBlocks, deps.blobs, { report: (line) => app.log.warn(line) });
  app.addHook('onClose', () => worker.stop());
  return worker;
}

/** The fast path of the TLS listener, when the answer cache is on. */
function fastAnswersOf(deps: AppDeps, metrics: Metrics): FastAnswers | null {
  if (deps.serverFactory === undefined || deps.plainHttp === true || !deps.config.server.answer_cache) return null;
  const cache = new AnswerCache(() => deps.metadata.writes.count, ANSWER_CACHE_MS, ANSWER_CACHE_BYTES, ANSWER_MAX_BYTES);
  return createFastAnswers({ cache, metrics });
}

/** The TLS listener's server, with the fast path in front of fastify's request listener. */
function withFastPath(serverFactory: FastifyServerFactory, fast: FastAnswers): FastifyServerFactory {
  return (handler, options) => serverFactory(fast.front(handler), options);
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const metrics = deps.metrics ?? createMetrics();
  const fast = fastAnswersOf(deps, metrics);
  const serverFactory = deps.serverFactory;
  const app = fastify({
    logger: {
      level: deps.logLevel ?? 'info',
      stream: deps.logDestination,
      base: null,
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
    },
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // Image names reach 255 characters; anything longer is an invalid name (400), see error-handler.ts.
    routerOptions: { maxParamLength: 256 },
    // Errors raised by the router itself (bad URL encoding, over-long segment) get the envelope too.
    // A download link's token, even one too long for the router, gets the link's one 404.
    frameworkErrors: (error, request, reply) => sendError(reply, toEnvelope(isLinkUrl(request.url) ? linkNotFound() : error)),
    // What node's parser refuses (malformed request line, unknown method, bad chunks, huge headers).
    clientErrorHandler: answerClientError,
    // `/api/images/` is `/api/images`: the same route, not an image with an empty name.
    rewriteUrl: (request) => withoutTrailingSlash(request.url ?? '/'),
    ...(serverFactory !== undefined && { serverFactory: fast === null ? serverFactory : withFastPath(serverFactory, fast) }),
    ...(fast !== null && { genReqId: fast.genReqId }),
  });
  // Node's default of 300 s would cut the upload or download of a large image; a server from
  // serverFactory does not get fastify's requestTimeout (0), so set it here for both listeners.
  app.server.requestTimeout = 0;
  // Idle keep-alive connections live as long on HTTPS as on HTTP (node's own default is 5 s,
  // after which a client pays a new TLS handshake); headers must still arrive within 60 s.
  app.server.keepAliveTimeout = deps.config.server.keep_alive_timeout;
  app.server.headersTimeout = HEADERS_TIMEOUT_MS;
  refuseConnect(app.server);

  const routes = new RouteTable();
  installRouteSchemas(app);
  app.addHook('onRoute', (route) => routes.add(route.url, route.method));
  installErrorHandling(app, routes);
  // Before the contract check, which must see the answer as it leaves (304, ETag).
  installConditionalRequests(app);
  if (deps.contractCheck === true) installContractCheck(app);
  installBodyParsers(app);
  installExpectContinue(app);
  // Metrics first: a request refused by a later hook (401) is still counted in and out.
  installMetrics(app, metrics, deps.plainHttp ? 'http' : 'https');
  if (!deps.plainHttp) installStrictTransportSecurity(app, deps.config.server.hsts);
  installCrossSiteGuard(app, { publicUrl: deps.config.server.public_url, plainHttp: deps.plainHttp ?? false });
  installCallerHook(app, { metadata: deps.metadata, identify: deps.identify, plainHttp: deps.plainHttp ?? false });
  // Right after the caller hook (it notes the connection's identity), and after every other onSend hook.
  fast?.install(app);
  installRequestLog(app);
  if (deps.plainHttp !== true) installWebUi(app, { files: deps.webFiles ?? new Map() });

  const keepVersions = deps.config.images.keep_versions;
  const blockLists = blockListWorker(app, deps);
  const onCommitted = (): void => blockLists.wake();
  const quotaDefaults = { userBytes: deps.config.quotas.user_bytes, userImages: deps.config.quotas.user_images };
  const links = createDownloadLinkService(deps.metadata, { maxLinkSeconds: deps.config.limits.max_link_seconds });
  const context: RouteContext = {
    config: deps.config,
    metadata: deps.metadata,
    users: createUserService(deps.metadata, quotaDefaults),
    groups: createGroupService(deps.metadata),
    images: createImageService(deps.metadata, quotaDefaults),
    sharing: createImageSharingService(deps.metadata),
    links,
    transfer: createImageTransferService(deps.metadata, deps.blobs, { maxImageBytes: deps.config.limits.max_image_bytes, quotas: quotaDefaults, keepVersions, onCommitted }),
    versions: createImageVersionService(deps.metadata, { keepVersions }),
    uploads: createResumableUploadService(deps.metadata, deps.blobs, {
      maxImageBytes: deps.config.limits.max_image_bytes,
      expiryMs: deps.config.limits.upload_expiry,
      quotas: quotaDefaults,
      keepVersions,
      onCommitted,
    }),
    metrics,
    readiness: createReadinessProbe(deps.metadata, deps.blobs),
    blocks: createVersionBlockService(deps.metadata, blockLists),
    imageLists: createImageListService(deps.metadata, { signer: deps.imageListSigner ?? null, checksums: sha512Worker(app, deps), links, expiryDays: deps.config.imagelists.expiry_days }),
  };
  for (const plugin of API_ROUTES) {
    void app.register(async (scope) => plugin(scope, context));
  }
  return app;
}
