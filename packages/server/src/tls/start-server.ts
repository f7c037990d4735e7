/**
 * Starts the listeners: HTTPS always, plain HTTP when `server.http_port` is set (public image
 * downloads only; every other request there is answered 403). TLS is terminated here, asking
 * every client for a certificate without letting OpenSSL reject it (Node cannot accept RFC
 * 3820 proxies), TLS >= 1.2 and no session tickets; each connection's chain is validated by
 * @repoman/x509 (see connection-identity.ts). Without configured `[tls]` the development PKI
 * is made (or reused) under `server.data_dir`, its admin registered, and the lines to use it
 * are printed. VOMS attributes are read when the vomsdir exists (`[voms]`; see
 * connection-identity.ts).
 */
import { readFile } from 'node:fs/promises';
import { createServer as createHttpsServer, type ServerOptions } from 'node:https';
import { constants } from 'node:crypto';
import type { FastifyInstance, FastifyServerFactory } from 'fastify';
import { hostname } from 'node:os';
import { existsSync } from 'node:fs';
import { TrustStore, VomsDir, toPem } from '@repoman/x509';
import { DEFAULT_GRID_CA_DIR, DEFAULT_VOMSDIR } from '../config/config-schema.js';
import type { RepomanConfig } from '../config/config-types.js';
import type { Identify } from '../http/caller-hook.js';
import type { OpenMetadata } from '../metadata/open-metadata.js';
import { ensureAdmin } from '../services/admin-bootstrap.js';
import { ensureDevPki, type DevPki } from '../dev-pki.js';
import { ConnectionIdentities, type VomsSetup } from './connection-identity.js';

/** What one listener tells the app it builds. */
export interface ListenerOptions {
  readonly identify: Identify;
  readonly plainHttp: boolean;
  readonly serverFactory?: FastifyServerFactory;
}

export interface StartServerOptions {
  readonly config: RepomanConfig;
  /** The migrated metadata database (the dev PKI's admin is registered in it). */
  readonly metadata: OpenMetadata;
  /** Builds a fresh app for one listener (HTTPS, and plain HTTP when `http_port` is set). */
  readonly makeApp: (listener: ListenerOptions) => FastifyInstance;
  /** Human-readable startup lines (listening URLs, how to use the dev PKI); not the JSON log. */
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
  devPki: DevPki | null;
}

async function loadTlsMaterial(config: RepomanConfig, metadata: OpenMetadata): Promise<TlsMaterial> {
  const { tls } = config;
  let devPki: DevPki | null = null;
  let certPath = tls.cert;
  let keyPath = tls.key;
  let caDir = tls.ca_dir;
  if (!config.source.tlsConfigured || certPath === null || keyPath === null) {
    devPki = await ensureDevPki(config.server.data_dir);
    certPath = devPki.serverCert;
    keyPath = devPki.serverKey;
    if (caDir === null && tls.ca_file === null) caDir = devPki.caDir;
    await ensureAdmin(metadata, 'admin', devPki.adminDn, { replaceDn: true }); // a remade PKI has a new admin DN
  } else if (caDir === null && tls.ca_file === null) {
    caDir = DEFAULT_GRID_CA_DIR;
  }
  const trust = await TrustStore.load({ caDir: caDir ?? undefined, caFile: tls.ca_file ?? undefined, crl: tls.crl });
  const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  return { cert, key, trust, devPki };
}

function httpsOptions(material: TlsMaterial): ServerOptions {
  return {
    cert: material.cert,
    key: material.key,
    // Listed in the CertificateRequest, and used by Node to complete the presented chain.
    ca: material.trust.anchors.map((anchor) => toPem(anchor)),
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
    // Every connection presents its whole chain: a resumed session carries only the leaf.
    secureOptions: constants.SSL_OP_NO_TICKET,
  };
}

/** The vomsdir and server names, or null when the default vomsdir does not exist (no VOMS). */
async function loadVoms(config: RepomanConfig, notice: (line: string) => void): Promise<VomsSetup | null> {
  const { vomsdir: dir, server_name: serverName } = config.voms;
  if (dir === DEFAULT_VOMSDIR && !existsSync(dir)) return null;
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
  const material = await loadTlsMaterial(config, options.metadata);
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
  if (material.devPki) printDevPkiLines(material.devPki, urls[0] ?? '', notice);
  return { urls, close: async () => void (await Promise.all(apps.map((app) => app.close()))) };
}

function listenedPort(app: FastifyInstance): number {
  const address = app.server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

function printDevPkiLines(pki: DevPki, url: string, notice: (line: string) => void): void {
  notice(`repoman-server: development PKI in ${pki.caDir.replace(/\/certificates$/, '')} (admin: ${pki.adminDn})`);
  // Everything the client needs (SPEC §4: the server, the proxy, the CA directory), so that the
  // pasted lines are enough for curl and for `repoman` alike.
  notice('To call it as the admin:');
  notice(`  export REPOMAN_SERVER=${shellWord(url)} X509_USER_PROXY=${shellWord(pki.adminProxy)} X509_CERT_DIR=${shellWord(pki.caDir)}`);
  notice('  curl --capath "$X509_CERT_DIR" --cert "$X509_USER_PROXY" --key "$X509_USER_PROXY" "$REPOMAN_SERVER/api/whoami"');
  notice('  npx repoman whoami    # in this checkout; `repoman whoami` once the client is installed');
}

/** A path or URL as one shell word, quoted only when it needs to be, so the printed lines paste as they are. */
function shellWord(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
