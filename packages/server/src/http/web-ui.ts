/**
 * Serves the web UI (`@repoman/web`'s built files, SPEC §4.1) at `/` on the HTTPS listener. The
 * files are small and few, so they are read once at start and answered from memory: hashed
 * `/assets/*` as immutable for a year, `index.html` with `no-cache` (revalidated by ETag), and
 * index.html again for the UI's own paths (`/images/bob/x.img` reloaded in the browser), so
 * the single-page app routes them. They are not API routes: answered from an onRequest hook on
 * paths no API route has, they leave `/api`, `/healthz`, `/metrics` and every 404/405 of the
 * API as they are. Without a built UI (no `dist/index.html`) the server still starts; `/` then
 * answers a 404 envelope saying how to build it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RepomanError } from '../services/repoman-error.js';

/** The first path segments of the UI's pages (`PAGE_NAMES` of packages/web/src/page-names.ts); a reload there gets index.html. */
export const UI_PAGES = ['images', 'groups', 'imagelists', 'me', 'users'] as const;

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

export interface WebFile {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
  readonly cacheControl: string;
}

export type WebFiles = ReadonlyMap<string, WebFile>;

declare module 'fastify' {
  interface FastifyRequest {
    /** Answered by the web UI, not by an API route (the contract check leaves it alone). */
    webUi: boolean;
  }
}

/** Every file under `root`, by URL path; empty when `root` is null or holds no index.html (UI not built). */
export function loadWebFiles(root: string | null): Map<string, WebFile> {
  const files = new Map<string, WebFile>();
  if (root === null || !existsSync(join(root, 'index.html'))) return files;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(path);
        continue;
      }
      const body = readFileSync(path);
      const url = `/${relative(root, path).split('\\').join('/')}`;
      files.set(url, {
        body,
        type: TYPES[extname(path)] ?? 'application/octet-stream',
        etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`,
        // Vite names assets by their content hash: a new build is a new URL.
        cacheControl: url.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
    }
  };
  walk(root);
  return files;
}

/** The file a GET of `path` answers, if any: an asset, or index.html for `/` and the UI's pages. */
function fileFor(files: WebFiles, path: string): WebFile | undefined {
  const file = files.get(path);
  if (file !== undefined && path !== '/index.html') return file;
  const first = path.split('/')[1] ?? '';
  if (path === '/' || (UI_PAGES as readonly string[]).includes(first)) return files.get('/index.html');
  return undefined;
}

function send(request: FastifyRequest, reply: FastifyReply, file: WebFile): FastifyReply {
  request.webUi = true;
  void reply.header('content-type', file.type).header('cache-control', file.cacheControl).header('etag', file.etag);
  // The UI calls only its own origin; this keeps injected markup from loading or sending anything elsewhere.
  void reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  void reply.header('x-content-type-options', 'nosniff');
  if (request.headers['if-none-match'] === file.etag) return reply.status(304).send();
  return reply.status(200).send(file.body);
}

export function installWebUi(app: FastifyInstance, deps: { files: WebFiles }): void {
  app.decorateRequest('webUi', false);
  // A callback hook: API requests (every request but the UI's) pass without a promise.
  app.addHook('onRequest', (request, reply, done) => {
    if (!request.is404 || (request.method !== 'GET' && request.method !== 'HEAD')) return done();
    // Its promise ends the hook (done not called): resolved, the request goes on unless answered.
    return serveUi(request, reply);
  });

  async function serveUi(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const path = request.url.split('?')[0] ?? '/';
    if (path.startsWith('/api/')) return;
    if (deps.files.size === 0) {
      if (path === '/') throw new RepomanError('NOT_FOUND', 'the web UI is not built in this installation: run `npm run build` at the repository root, then restart repoman-server');
      return;
    }
    const file = fileFor(deps.files, path);
    if (file !== undefined) return send(request, reply, file);
    return undefined;
  }
}

/** Where the built UI of the `@repoman/web` workspace is (its `dist/`), or null when it is not installed. */
export function defaultWebRoot(): string | null {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@repoman/web/package.json')), 'dist');
  } catch {
    return null;
  }
}
