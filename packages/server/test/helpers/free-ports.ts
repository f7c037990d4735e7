/**
 * Test-only: ports that were free a moment ago on 127.0.0.1, for servers started as separate
 * processes (repoman-server, PostgreSQL, Ceph, nginx) that cannot be asked to listen on port 0
 * and report back. All the ports of one call are held open together, so they differ.
 */
import { createServer } from 'node:net';

/** `count` distinct ports that were free a moment ago. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    return await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((resolve, reject) => {
            server.once('error', reject);
            server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
          }),
      ),
    );
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** One port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}
