/**
 * The typed shape of a loaded repoman-server configuration: one interface per TOML section of
 * SPEC §5, with every value already checked, coerced, defaulted and made absolute. A loaded
 * configuration is deeply frozen; `source` records where it came from and whether TLS was
 * configured explicitly (when it was not, the development PKI under `server.data_dir` is used).
 */

export interface ServerConfig {
  readonly host: string;
  readonly https_port: number;
  /** 0: no plain-HTTP listener. */
  readonly http_port: number;
  /** Base of file URLs; empty: derived from the request. */
  readonly public_url: string;
  /** Absolute. */
  readonly data_dir: string;
  /** Milliseconds an idle keep-alive connection stays open, on both listeners (default "72s"). */
  readonly keep_alive_timeout: number;
  /** `Strict-Transport-Security` max-age in seconds on HTTPS answers; 0 (default): no header. */
  readonly hsts: number;
  /** Hot GETs answered from a short cache of answers on HTTPS (`http/fast-answers.ts`); default true. */
  readonly answer_cache: boolean;
}

export interface TlsConfig {
  /** Absolute path, or null when not configured (the dev PKI then supplies it). */
  readonly cert: string | null;
  readonly key: string | null;
  readonly ca_dir: string | null;
  readonly ca_file: string | null;
  readonly crl: boolean;
}

export interface DatabaseConfig {
  /** `sqlite:/absolute/path`, `sqlite::memory:` or `postgres://…`. */
  readonly url: string;
}

export type StorageDriverName = 'fs' | 's3';

export interface StorageConfig {
  readonly driver: StorageDriverName;
  /** fs: absolute directory of image blobs. */
  readonly path: string;
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  readonly access_key_id: string;
  readonly secret_access_key: string;
  readonly force_path_style: boolean;
}

export interface LimitsConfig {
  /** 0: no limit. */
  readonly max_image_bytes: number;
  /** Milliseconds a request body may send nothing before it is aborted (`idle_timeout`, default "60s"). */
  readonly idle_timeout: number;
  /** The longest a download link may live, in seconds (default 30 days). */
  readonly max_link_seconds: number;
  /** Milliseconds a resumable upload may stay untouched before it is removed (`upload_expiry`, default "24h"). */
  readonly upload_expiry: number;
}

/** `[images]`: how images keep their history (SPEC §3 "Versions"). */
export interface ImagesConfig {
  /** Versions kept per image (the newest); 0: every version. */
  readonly keep_versions: number;
}

/** The quotas of a user whose own were never set (SPEC §3 "Quotas"); 0: unlimited. */
export interface QuotasConfig {
  readonly user_bytes: number;
  readonly user_images: number;
}

/** HEPiX image lists (SPEC §3). */
export interface ImageListsConfig {
  /** Days a signed list is valid (dc:date:expires); it is re-signed when a quarter of that is left. */
  readonly expiry_days: number;
}

export interface AdminConfig {
  /** DNs made admins at start (bootstrap). */
  readonly dns: readonly string[];
}

export interface VomsConfig {
  /** Absolute; the grid's `<vo>/<host>.lsc` layout. A missing default directory means no VOMS. */
  readonly vomsdir: string;
  /** The name ACs with targets must name; empty: this machine's host name. */
  readonly server_name: string;
}

export interface ConfigSource {
  /** Absolute path of the TOML file read, or null for the embedded default. */
  readonly file: string | null;
  /** True when tls.cert and tls.key were set (file or environment); false: use the dev PKI. */
  readonly tlsConfigured: boolean;
}

export interface RepomanConfig {
  readonly server: ServerConfig;
  readonly tls: TlsConfig;
  readonly database: DatabaseConfig;
  readonly storage: StorageConfig;
  readonly limits: LimitsConfig;
  readonly images: ImagesConfig;
  readonly quotas: QuotasConfig;
  readonly imagelists: ImageListsConfig;
  readonly admin: AdminConfig;
  readonly voms: VomsConfig;
  readonly source: ConfigSource;
}

/** The sections and keys a TOML file or the environment may set (everything but `source`). */
export type ConfigSections = Omit<RepomanConfig, 'source'>;
