/**
 * PLACEHOLDER, to be replaced by the TLS listener (owned by the lead): starts the listeners of
 * the server from the config. This stand-in serves plain HTTP on `server.host:https_port`, with
 * every request anonymous (no client certificates), so that `repoman-server` runs end to end
 * before TLS lands. The contract `serve.ts` relies on is `StartServerOptions` / `RunningServer`.
 */
import type { FastifyInstance, FastifyServerFactory } from 'fastify';
import type { RepomanConfig } from '../config/config-types.js';
import type { Identify } from '../http/caller-hook.js';
import type { OpenMetadata } from '../metadata/open-metadata.js';

/** What one listener tells the app it builds. */
export interface ListenerOptions {
  readonly identify: Identify;
  readonly plainHttp: boolean;
  readonly serverFactory?: FastifyServerFactory;
}

export interface StartServerOptions {
  readonly config: RepomanConfig;
  /** The migrated metadata database (e.g. to register the dev PKI's admin with `ensureAdmin`). */
  readonly metadata: OpenMetadata;
  /** Builds a fresh app for one listener (HTTPS, and plain HTTP when `http_port` is set). */
  readonly makeApp: (listener: ListenerOptions) => FastifyInstance;
  /** Human-readable startup lines (listening URLs, how to use the dev PKI); not the JSON log. */
  readonly notice: (line: string) => void;
}

export interface RunningServer {
  /** The base URLs listened on, e.g. `https://127.0.0.1:8443`. */
  readonly urls: readonly string[];
  /** Stops accepting connections and closes the apps. */
  close(): Promise<void>;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const app = options.makeApp({ identify: async () => null, plainHttp: false });
  const { host, https_port: port } = options.config.server;
  const address = await app.listen({ host, port });
  options.notice(`repoman-server: PLACEHOLDER plain-HTTP listener (no TLS yet) on ${address}`);
  return { urls: [address], close: () => app.close() };
}
