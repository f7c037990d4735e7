/**
 * Public API of repoman-client, for scripts: the typed API client behind the `repoman`
 * command, the credential and trust-anchor loaders, the settings resolution the command uses
 * (config files, environment), the transfer functions, and the error classes.
 *
 *   import { connectFromEnvironment } from 'repoman-client';
 *   const client = connectFromEnvironment();            // as `repoman` would: config, $X509_USER_PROXY…
 *   for (const image of await client.listImages({ shared: true })) console.log(image.owner, image.name);
 *   await client.downloadImage('bob/debian6.img.gz', '/scratch/debian6.img.gz', { resume: true });
 *   client.close();
 */
export { RepomanClient, type RepomanClientOptions } from './repoman-client.js';
// The API's records and bodies are @repoman/api's (derived from the schemas the server validates with), under the client's names.
export type {
  GroupChanges, Group as GroupRecord, ImageChanges, ImageChecksum, ImageFields, ImageFilter, Image as ImageRecord, ModifiedUser as ModifiedUserRecord, NewGroup, NewUser, UserChanges,
  User as UserRecord, Whoami as WhoamiRecord,
} from '@repoman/api';
export {
  ApiError, ChecksumMismatchError, CredentialError, InvalidValueError, NetworkError, TransferAbortedError, type CredentialProblem,
} from './wire/api-errors.js';
export { formatImageRef, parseImageRef, type ImageRef } from './wire/image-ref.js';
export { expiryWarning, loadProxyCredential, type ProxyCredential } from './transport/proxy-credential.js';
export { loadTrustAnchors, type TrustAnchorSource } from './transport/trust-anchors.js';
export type { RetryPolicy } from './transport/retry.js';
export { HttpTransport, type HttpRequest, type TransportOptions } from './transport/http-transport.js';
export { connect, connectFromEnvironment, MissingServerError, type ConnectOptions } from './config/connect.js';
export { resolveSettings, type SettingFlags, type Settings } from './config/settings.js';
export { parseServer } from './config/server-url.js';
export { loadConfigFiles, parseConfigText, type ConfigValues } from './config/config-files.js';
export type { UploadOptions, UploadResult } from './transfer/upload-file.js';
export type { DownloadOptions, DownloadResult } from './transfer/download-file.js';
export type { ProgressListener, TransferPhase, TransferProgress } from './transfer/transfer-progress.js';
export { sha256File } from './transfer/sha256-file.js';
export { CLIENT_VERSION } from './version.js';
