/**
 * Opens an API client from resolved settings, as every command does before its first call:
 * the credential is loaded and checked first (missing, unreadable or expired → a
 * `CredentialError` naming grid-proxy-init), a short remaining life is reported through
 * `warn`, the trust anchors are read, and only then is the client made. `connectFromEnvironment`
 * does the whole resolution (config files, environment) for scripts.
 */
import { homedir } from 'node:os';
import { expiryWarning, loadProxyCredential } from '../transport/proxy-credential.js';
import { RepomanClient } from '../repoman-client.js';
import type { RetryPolicy } from '../transport/retry.js';
import { loadTrustAnchors } from '../transport/trust-anchors.js';
import { CLIENT_VERSION } from '../version.js';
import { resolveSettings, type SettingFlags, type Settings } from './settings.js';

export class MissingServerError extends Error {
  override readonly name = 'MissingServerError';
}

export interface ConnectOptions {
  readonly warn?: ((message: string) => void) | undefined;
  readonly retry?: RetryPolicy | undefined;
  readonly now?: Date | undefined;
}

export function connect(settings: Settings, options: ConnectOptions = {}): RepomanClient {
  const credential = loadProxyCredential(settings.proxy.value, options.now);
  const warning = expiryWarning(credential, options.now);
  if (warning) options.warn?.(warning);
  if (!settings.server) {
    throw new MissingServerError('no repository server is configured: pass --server HOST[:PORT], set REPOMAN_SERVER, or run repoman make-config --server HOST[:PORT]');
  }
  let ca: string[] | undefined;
  try {
    ca = loadTrustAnchors({ caFile: settings.caFile?.value, caDir: settings.caDir?.value });
  } catch (error) {
    const where = settings.caFile?.value ?? settings.caDir?.value;
    throw new Error(`cannot read the trusted CAs at ${where} (${(error as NodeJS.ErrnoException).code ?? String(error)}): check X509_CERT_DIR, --ca-dir or --ca-file`);
  }
  return new RepomanClient({
    server: settings.server.value, credential, ca, insecure: settings.insecure, retry: options.retry, userAgent: `repoman-client/${CLIENT_VERSION}`,
  });
}

/** Resolves settings exactly as the `repoman` command does (config files, environment, the given flags) and connects. */
export function connectFromEnvironment(flags: SettingFlags = {}, options: ConnectOptions = {}): RepomanClient {
  const settings = resolveSettings(flags, { env: process.env, home: process.env.HOME ?? homedir(), uid: process.getuid?.() ?? 0 });
  return connect(settings, options);
}
