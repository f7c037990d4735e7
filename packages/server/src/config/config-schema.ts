/**
 * The one configuration schema: every section and key of SPEC §5 with its kind and its default.
 * Defaults live here and nowhere else. A few defaults depend on `server.data_dir` (the embedded
 * default's home): `database.url` is `sqlite:<data_dir>/repoman.db` and `storage.path` is
 * `<data_dir>/images` unless set; `tls.cert`, `tls.key` and `tls.ca_dir` stay null unless set,
 * which means "use the development PKI under data_dir"; on that PKI `server.host` is 127.0.0.1
 * unless set. Paths are made absolute later, against the working directory.
 */
import { existsSync } from 'node:fs';
import {
  booleanKind,
  durationKind,
  enumKind,
  integerKind,
  optionalStringKind,
  portKind,
  stringKind,
  stringListKind,
  type FieldKind,
} from './field-kinds.js';
import type { ConfigSections } from './config-types.js';

export interface KeySchema<T> {
  readonly kind: FieldKind<T>;
  /** The value when neither the file nor the environment sets the key. */
  readonly default: T;
}

/** Same sections and keys as the config types, with the value types of the raw (unresolved) config. */
export type ConfigSchema = {
  readonly [S in keyof ConfigSections]: { readonly [K in keyof ConfigSections[S]]: KeySchema<ConfigSections[S][K]> };
};

/** The CA directory when tls.cert is set and neither tls.ca_dir nor tls.ca_file is. */
export const DEFAULT_GRID_CA_DIR = '/etc/grid-security/certificates';

/** `voms.vomsdir` when not set: the grid's usual place; when it does not exist there is no VOMS. */
export const DEFAULT_VOMSDIR = '/etc/grid-security/vomsdir';
/** VOMS is on unless the vomsdir is the default one and it does not exist (a site without VOMS). */
export const vomsEnabled = (vomsdir: string): boolean => vomsdir !== DEFAULT_VOMSDIR || existsSync(vomsdir);

/** `server.host` when neither it nor `[tls]` cert/key is set (the development PKI). */
export const DEV_PKI_HOST = '127.0.0.1';

/** Marks a default that is derived from data_dir once the rest is known (see header). */
export const DERIVED = '';

export const configSchema: ConfigSchema = {
  server: {
    host: { kind: stringKind(), default: '0.0.0.0' },
    https_port: { kind: portKind(), default: 8443 },
    http_port: { kind: portKind(), default: 0 },
    public_url: { kind: stringKind(), default: '' },
    data_dir: { kind: stringKind(), default: './var' },
    // As long as fastify's plain-HTTP default (72 s), so idle HTTPS clients keep their handshake.
    keep_alive_timeout: { kind: durationKind(), default: 72_000 },
    hsts: { kind: integerKind(0, Number.MAX_SAFE_INTEGER), default: 0 },
    answer_cache: { kind: booleanKind(), default: true },
  },
  tls: {
    cert: { kind: optionalStringKind(), default: null },
    key: { kind: optionalStringKind(), default: null },
    ca_dir: { kind: optionalStringKind(), default: null },
    ca_file: { kind: optionalStringKind(), default: null },
    crl: { kind: booleanKind(), default: true },
  },
  database: {
    url: { kind: stringKind(), default: DERIVED },
  },
  storage: {
    driver: { kind: enumKind(['fs', 's3'] as const), default: 'fs' },
    path: { kind: stringKind(), default: DERIVED },
    endpoint: { kind: stringKind(), default: '' },
    region: { kind: stringKind(), default: 'us-east-1' },
    bucket: { kind: stringKind(), default: '' },
    access_key_id: { kind: stringKind(), default: '' },
    secret_access_key: { kind: stringKind(), default: '' },
    force_path_style: { kind: booleanKind(), default: false },
  },
  limits: {
    max_image_bytes: { kind: integerKind(0, Number.MAX_SAFE_INTEGER), default: 0 },
    idle_timeout: { kind: durationKind(), default: 60_000 },
    max_link_seconds: { kind: integerKind(1, Number.MAX_SAFE_INTEGER), default: 30 * 24 * 3600 },
    upload_expiry: { kind: durationKind(), default: 24 * 3600_000 },
  },
  images: {
    keep_versions: { kind: integerKind(0, Number.MAX_SAFE_INTEGER), default: 5 },
  },
  quotas: {
    user_bytes: { kind: integerKind(0, Number.MAX_SAFE_INTEGER), default: 0 },
    user_images: { kind: integerKind(0, Number.MAX_SAFE_INTEGER), default: 0 },
  },
  imagelists: {
    expiry_days: { kind: integerKind(1, 3650), default: 28 },
  },
  admin: {
    dns: { kind: stringListKind(), default: [] },
  },
  voms: {
    vomsdir: { kind: stringKind(), default: DEFAULT_VOMSDIR },
    server_name: { kind: stringKind(), default: '' },
  },
};

/** The derived defaults, from the (absolute) data directory. */
export function derivedDefaults(dataDir: string): { databaseUrl: string; storagePath: string } {
  const base = dataDir.endsWith('/') ? dataDir.slice(0, -1) : dataDir;
  return { databaseUrl: `sqlite:${base}/repoman.db`, storagePath: `${base}/images` };
}
