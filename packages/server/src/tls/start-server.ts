/**
 * Starts the listeners: HTTPS always, plain HTTP when `server.http_port` is set (public image
 * downloads only; every other request there is answered 403). TLS is terminated here, asking
 * every client for a certificate without letting OpenSSL reject it (Node cannot accept RFC
 * 3820 proxies), TLS >= 1.2 with forward-secret AEAD suites only, no session tickets, the
 * server's chain sent without its root; each connection's chain is validated by
 * @repoman/x509 (see connection-identity.ts). Which files to use (configured, or the
 * development PKI) is the serve command's choice (`commands/serve/tls-files.ts`). VOMS
 * attributes are read when the vomsdir exists (`[voms]`; see connection-identity.ts).
 */
import { readFile } from 'node:fs/promises';
import { createServer as createHttpsServer, type ServerOptions } from 'node:https';
import { constants } from 'node:crypto';
import type { FastifyInstance, FastifyServerFactory } from 'fastify';
import { hostname } from 'node:os';
import { TrustStore, VomsDir } from '@repoman/x509';
import { vomsEnabled } from '../config/config-schema.js';
import type { RepomanConfig } from '../config/config-types.js';
import type { Identify } from '../http/caller-hook.js';
import { ConnectionIdentities, type VomsSetup } from './connection-identity.js';

/** What one listener tells the app it builds. */
export interface ListenerOptions {
  readonly identify: Identify;
  readonly plainHttp: boolean;
  readonly serverFactory?: FastifyServerFactory;
}

/** The files TLS is made of: the server's certificate and key, and the CAs to trust (a grid CA directory and/or one PEM file). */
export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
  readonly caDir: string | null;
  readonly caFile: string | null;
}

export interface StartServerOptions {
  readonly config: RepomanConfig;
  readonly tls: TlsFiles;
  /** Builds a fresh app for one listener (HTTPS, and plain HTTP when `http_port` is set). */
  readonly makeApp: (listener: ListenerOptions) => FastifyInstance;
  /** Human-readable startup lines (trust warnings, listening URLs); not the JSON log. */
  readonly notice: (line: string) => void;
}

export interface RunningServer {
  /** The base URLs listened on, e.g. `https://localhost:8443`. */
  readonly urls: readonly string[];
  /** Stops accepting connections and closes the apps. */
  close(): Promise<void>;
}

interface TlsMaterial {
  cert: string;
  key: string;
  trust: TrustStore;
}

async function loadTlsMaterial(files: TlsFiles, crl: boolean): Promise<TlsMaterial> {
  const trust = await TrustStore.load({ caDir: files.caDir ?? undefined, caFile: files.caFile ?? undefined, crl });
  const [cert, key] = await Promise.all([readFile(files.cert, 'utf8'), readFile(files.key, 'utf8')]);
  return { cert, key, trust };
}

/**
 * Forward-secret AEAD suites only (what testssl.sh asks for): ECDHE with AES-GCM or
 * ChaCha20-Poly1305 on TLS 1.2, the three AEAD suites of TLS 1.3. No static-RSA key exchange,
 * no CBC (LUCKY13), no DHE (weak groups).
 */
export const TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

function httpsOptions(material: TlsMaterial): ServerOptions {
  return {
    // The certificate file as given: the host certificate and any intermediates, never the root.
    // No `ca` option: OpenSSL would complete the chain from it and send the self-signed root too.
    // The client's chain is validated by @repoman/x509 against `material.trust` instead, and the
    // CertificateRequest names no CAs, so a client presents its credential whoever issued it.
    cert: material.cert,
    key: material.key,
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
    ciphers: TLS_CIPHERS,
    honorCipherOrder: true,
    // Every connection presents its whole chain: a resumed session carries only the leaf.
    secureOptions: constants.SSL_OP_NO_TICKET,
  };
}

/** The vomsdir and server names, or null when the default vomsdir does not exist (no VOMS). */
async function loadVoms(config: RepomanConfig, notice: (line: string) => void): Promise<VomsSetup | null> {
  const { vomsdir: dir, server_name: serverName } = config.voms;
  if (!vomsEnabled(dir)) return null;
  const vomsdir = await VomsDir.load(dir);
  for (const warning of vomsdir.warnings) notice(`repoman-server: voms: ${warning}`);
  return { vomsdir, serverNames: [serverName === '' ? hostname() : serverName] };
}

/** The host to print in URLs: a wildcard address is reached as localhost. */
function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config, notice } = options;
  const material = await loadTlsMaterial(options.tls, config.tls.crl);
  const trustWarning = (warning: string): void => notice(`repoman-server: trust: ${warning}`);
  for (const warning of material.trust.warnings) trustWarning(warning);
  const identities = new ConnectionIdentities(material.trust, trustWarning, await loadVoms(config, notice));
  const apps: FastifyInstance[] = [];
  const urls: string[] = [];
  try {
    const https = options.makeApp({
      identify: identities.identify,
      plainHttp: false,
      serverFactory: (handler) => createHttpsServer(httpsOptions(material), handler).on('secureConnection', identities.admit),
    });
    apps.push(https);
    // fastify cannot tell that a serverFactory's server speaks TLS: it would log http://.
    const listenTextResolver = (address: string) => `Server listening at ${address.replace(/^http:/, 'https:')}`;
    await https.listen({ host: config.server.host, port: config.server.https_port, listenTextResolver });
    urls.push(`https://${displayHost(config.server.host)}:${listenedPort(https)}`);
    if (config.server.http_port !== 0) {
      const http = options.makeApp({ identify: async () => null, plainHttp: true });
      apps.push(http);
      await http.listen({ host: config.server.host, port: config.server.http_port });
      urls.push(`http://${displayHost(config.server.host)}:${listenedPort(http)}`);
    }
  } catch (error) {
    await Promise.allSettled(apps.map((app) => app.close()));
    throw error;
  }
  notice(`repoman-server: listening on ${urls.join(' and ')}`);
  return { urls, close: async () => void (await Promise.all(apps.map((app) => app.close()))) };
}

function listenedPort(app: FastifyInstance): number {
  const address = app.server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}
