/**
 * Test-only: puts a test app (test-app.ts) on a real plain-HTTP socket on 127.0.0.1 (port 0),
 * for tests that need what `inject` cannot show: sockets cut or stalled, pipelining, curl's own
 * view of an upload. The caller still authenticates with the `x-test-dn` header.
 */
import type { AddressInfo } from 'node:net';
import { readdirSync, readlinkSync } from 'node:fs';
import type { TestApp } from './test-app.js';

/** Listens and returns `http://127.0.0.1:PORT`. */
export async function listen(t: TestApp): Promise<{ base: string; port: number }> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, port };
}

/** The files this process has open under `root` (from /proc/self/fd). */
export function openFilesUnder(root: string): string[] {
  const open: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(`${root}/`)) open.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return open;
}
