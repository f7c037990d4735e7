/**
 * Which certificate, key and CAs the HTTPS listener uses. With `[tls]` configured: its files,
 * trusting `ca_dir` or `ca_file`, else the grid's `/etc/grid-security/certificates`. Without:
 * the development PKI under `server.data_dir` (made on first start, see `dev-pki.ts`), whose
 * admin is registered (or re-pointed: a remade PKI has a new admin DN) so that the printed
 * lines (`newcomer-lines.ts`) work at once.
 */
import { DEFAULT_GRID_CA_DIR } from '../../config/config-schema.js';
import type { RepomanConfig } from '../../config/config-types.js';
import type { MetadataStores } from '../../metadata/metadata-store.js';
import { ensureAdmin } from '../../services/admin-bootstrap.js';
import type { TlsFiles } from '../../tls/start-server.js';
import { ensureDevPki, type DevPki } from './dev-pki.js';

export interface ServeTls {
  readonly files: TlsFiles;
  /** Set when the development PKI is used. */
  readonly devPki: DevPki | null;
}

export async function resolveTls(config: RepomanConfig, stores: Pick<MetadataStores, 'users' | 'groups'>): Promise<ServeTls> {
  const { tls } = config;
  const caFile = tls.ca_file;
  if (!config.source.tlsConfigured || tls.cert === null || tls.key === null) {
    const devPki = await ensureDevPki(config.server.data_dir);
    await ensureAdmin(stores, 'admin', devPki.adminDn, { replaceDn: true });
    const caDir = tls.ca_dir ?? (caFile === null ? devPki.caDir : null);
    return { files: { cert: devPki.serverCert, key: devPki.serverKey, caDir, caFile }, devPki };
  }
  const caDir = tls.ca_dir ?? (caFile === null ? DEFAULT_GRID_CA_DIR : null);
  return { files: { cert: tls.cert, key: tls.key, caDir, caFile }, devPki: null };
}
