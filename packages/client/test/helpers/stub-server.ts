/**
 * A local HTTPS stub of the image routes, for the failures a real server will not produce on
 * demand: wrong bytes (checksum mismatch), a connection cut mid-download, 5xx answers, a
 * download that stalls (to press Ctrl-C), an upload never answered. It uses the grid site's
 * host certificate, so the client verifies it as it would the real server. Test-only: a user
 * never talks to it. Behaviour is chosen by the image name; every request is recorded. Image
 * slots can be created (POST) and removed (DELETE), nothing is kept.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GridSite } from '../../../server/test/helpers/grid-site.js';

export interface StubRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  /** Bytes of the body received (uploads). */
  bodyBytes: number;
  /** Trailer fields of a chunked body (uploads). */
  trailers: IncomingMessage['trailers'];
}

export interface StubServer {
  readonly url: string;
  readonly requests: StubRequest[];
  /** The bytes every image serves (and the checksum its record states). */
  readonly bytes: Buffer;
  close(): Promise<void>;
}

const text = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

export async function startStubServer(site: GridSite, bytes: Buffer): Promise<StubServer> {
  const requests: StubRequest[] = [];
  const digest = sha256(bytes);
  const etag = `"${digest}"`;
  const counts = new Map<string, number>();
  const record = (name: string, checksum = digest, size = bytes.length): object => ({
    name, owner: 'bob', uuid: '00000000-0000-0000-0000-000000000000', description: '', os_variant: '', os_type: '', os_arch: '', hypervisor: '',
    size, checksum: { type: 'sha256', value: checksum }, version: 1, status: 'ready', created: new Date().toISOString(),
    uploaded: new Date().toISOString(), modified: new Date().toISOString(), expires: null, read_only: false, unauthenticated_access: false,
    shared_with: { users: [], groups: [] }, file_url: `https://localhost/api/images/raw/bob/${name}`, http_file_url: null,
  });
  const json = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
  };
  const unavailable = (res: ServerResponse): void => json(res, 503, { error: { code: 'UNAVAILABLE', message: 'The service is not ready.' } });

  /** Sends bytes from the Range start (206) or all (200); `limit` bytes at most, then `after`. */
  const serve = (req: IncomingMessage, res: ServerResponse, body: Buffer, limit?: number, after?: 'cut' | 'stall'): void => {
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    const start = range && (ifRange === undefined || ifRange === etag) ? Number(range[1]) : 0;
    const headers = { etag, 'repr-digest': `sha-256=:${Buffer.from(digest, 'hex').toString('base64')}:`, 'accept-ranges': 'bytes', 'content-length': body.length - start };
    if (start > 0) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
    else res.writeHead(200, headers);
    const rest = body.subarray(start);
    if (limit === undefined || limit >= rest.length) {
      res.end(rest);
      return;
    }
    res.write(rest.subarray(0, limit), () => {
      if (after === 'cut') setTimeout(() => req.socket.destroy(), 50);
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'https://stub').pathname;
    const entry: StubRequest = { method: req.method ?? '', path, headers: req.headers, bodyBytes: 0, trailers: {} };
    requests.push(entry);
    const name = path.split('/').pop() ?? '';
    const key = `${req.method} ${path}`;
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    const raw = path.startsWith('/api/images/raw/');

    if (req.method === 'PUT' && raw) {
      if (name === 'slow-up.img') return; // never read, never answered
      const hash = createHash('sha256');
      for await (const chunk of req) {
        entry.bodyBytes += (chunk as Buffer).length;
        hash.update(chunk as Buffer);
      }
      entry.trailers = req.trailers;
      if (name === 'flaky-up.img' && count === 1) return unavailable(res);
      if (name === 'bad-digest.img') return json(res, 422, { error: { code: 'CHECKSUM_MISMATCH', message: 'The uploaded bytes do not match the expected checksum.' } });
      if (name === 'lying-up.img') return json(res, 200, record(name, '0'.repeat(64), entry.bodyBytes));
      return json(res, 200, record(name, hash.digest('hex'), entry.bodyBytes));
    }
    if (req.method === 'GET' && raw) {
      const half = Math.floor(bytes.length / 2);
      switch (name) {
        case 'wrong.img': {
          const wrong = Buffer.from(bytes);
          wrong[wrong.length - 1] = (wrong[wrong.length - 1] ?? 0) ^ 0x01;
          return serve(req, res, wrong);
        }
        case 'cut.img': return count === 1 ? serve(req, res, bytes, half, 'cut') : serve(req, res, bytes);
        case 'flaky.img': return count === 1 ? unavailable(res) : serve(req, res, bytes);
        case 'down.img': return unavailable(res);
        case 'stall.img': return count === 1 ? serve(req, res, bytes, half, 'stall') : serve(req, res, bytes);
        default: return serve(req, res, bytes);
      }
    }
    if (req.method === 'POST' && path === '/api/images') {
      const body = JSON.parse(await text(req)) as { name: string };
      return json(res, 201, { ...record(body.name), status: 'empty', size: null, checksum: null });
    }
    if (req.method === 'DELETE' && path.startsWith('/api/images/')) {
      res.writeHead(204).end();
      return;
    }
    // Block lists (delta re-saves): never ready here; an "old server" has no such route. A
    // `delta-*` image lists one block that matches nothing, takes its upload and commits it; a
    // `delta-first-*` one wants the whole sha256 at creation, as the first delta release did; a
    // `delta-gone-*` one no longer keeps the version (404 at creation).
    const delta = /^\/api\/images\/(delta-[^/]+)\/(versions\/1\/blocks|uploads)$/.exec(path);
    if (req.method === 'GET' && delta?.[2] === 'versions/1/blocks') {
      return json(res, 200, { block_size: 8 * 1024 * 1024, size: bytes.length, sha256: '0'.repeat(64), blocks: ['0'.repeat(64)] });
    }
    if (req.method === 'POST' && delta?.[2] === 'uploads') {
      if (delta[1]!.startsWith('delta-gone-')) return json(res, 404, { error: { code: 'VERSION_NOT_FOUND', message: 'bob/delta-gone.img keeps no version 1.' } });
      if (delta[1]!.startsWith('delta-first-') && req.headers['upload-metadata'] === undefined) {
        return json(res, 400, { error: { code: 'BAD_REQUEST', message: "an upload based on a version needs the whole image's sha256 in Upload-Metadata (sha256 <base64 of the hex digest>): the server checks it before the version switch" } });
      }
      res.writeHead(201, { location: `/api/uploads/${delta[1]}-${count}` }).end();
      return;
    }
    if (req.method === 'PATCH' && path.startsWith('/api/uploads/')) {
      for await (const chunk of req) entry.bodyBytes += (chunk as Buffer).length;
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET' && path.endsWith('/blocks')) {
      if (path.includes('/old-server.img/')) return json(res, 404, { error: { code: 'NOT_FOUND', message: 'No such resource.' } });
      return json(res, 409, { error: { code: 'BLOCKS_NOT_READY', message: 'The block list of this version is being computed.' } });
    }
    if (req.method === 'GET' && path.startsWith('/api/images/')) {
      if (name === 'missing.img') return json(res, 404, { error: { code: 'IMAGE_NOT_FOUND', message: 'No such image.' } });
      return json(res, 200, record(name));
    }
    json(res, 404, { error: { code: 'NOT_FOUND', message: 'No such resource.' } });
  };

  const server: Server = createServer({ cert: await readFile(site.hostCert), key: await readFile(site.hostKey) }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: { code: 'INTERNAL', message: String(error) } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://localhost:${port}`,
    requests,
    bytes,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
