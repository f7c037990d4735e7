// `--delta-link RATE`: a link of a given rate between the client and the server, for the
// delta-resave row (a re-save goes over a network, where the bytes a delta saves are time). A
// TCP relay on loopback forwards each connection to the server and lets bytes through at
// `bytesPerSecond` in each direction, shared by all connections (one link): each chunk takes
// its length / rate of the link's time, at absolute deadlines so timer jitter does not lower
// the rate (a chunk due within 4 ms goes at once: the link's burst). TLS passes through untouched. It is a user-space relay rather than `tc` on `lo`:
// loopback is shared with whatever else runs on the machine (other benchmarks, tests), which a
// qdisc on `lo` would slow down too, and nothing is left behind when the bench stops.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface RateLimitedLink {
  /** Where to connect instead of the server. */
  readonly port: number;
  close(): Promise<void>;
}

/** '1gbit', '100mbit', '500kbit' (bits per second, SI) as bytes per second. */
export function parseLinkRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(k|m|g)bit$/i.exec(text.trim());
  if (match === null) throw new Error(`--delta-link ${JSON.stringify(text)}: a rate such as 1gbit, 100mbit or 500kbit`);
  const scale = { k: 1e3, m: 1e6, g: 1e9 }[match[2]!.toLowerCase() as 'k' | 'm' | 'g'];
  return (Number(match[1]) * scale) / 8;
}

/** How far ahead of its deadline a chunk may go (the link's burst). */
const BURST_MS = 4;

/** The time one direction of the link is busy until (ms, performance.now()). */
class Direction {
  #freeAt = 0;
  constructor(private readonly bytesPerMs: number) {}

  /** Relays `from` to `to`, each chunk after the link has carried it. */
  pipe(from: Socket, to: Socket): void {
    const forward = (chunk: Buffer): void => {
      if (to.write(chunk)) from.resume();
      else to.once('drain', () => from.resume());
    };
    from.on('data', (chunk: Buffer) => {
      const now = performance.now();
      this.#freeAt = Math.max(now, this.#freeAt) + chunk.length / this.bytesPerMs;
      from.pause();
      // A chunk due within the timers' granularity goes now: waiting ≥ 1 ms per 64 KiB chunk would cap the rate.
      const wait = this.#freeAt - now - BURST_MS;
      if (wait <= 0) forward(chunk);
      else setTimeout(() => forward(chunk), wait);
    });
    from.on('end', () => setTimeout(() => to.end(), Math.max(0, this.#freeAt - performance.now())));
  }
}

/** Starts the relay to 127.0.0.1:`targetPort`. */
export async function startRateLimitedLink(targetPort: number, bytesPerSecond: number): Promise<RateLimitedLink> {
  const up = new Direction(bytesPerSecond / 1000);
  const down = new Direction(bytesPerSecond / 1000);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      socket.on('close', () => sockets.delete(socket));
    }
    up.pipe(client, upstream);
    down.pipe(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
