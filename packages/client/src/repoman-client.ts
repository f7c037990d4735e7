/**
 * The typed API client, usable from scripts and used by every `repoman` command: the
 * metadata routes of `RepomanApi` (api/) and the streamed, verified image bytes of transfer/,
 * over one HTTPS transport to the server.
 *
 *   const client = new RepomanClient({ server: 'https://repo.example.org:8443', credential: loadProxyCredential(path) });
 *   const mine = await client.listImages({ owner: (await client.whoami()).user_name });
 */
import type { Image } from '@repoman/api';
import type { Writable } from 'node:stream';
import { RepomanApi } from './api/repoman-api.js';
import { deltaUpload, type DeltaRefusal, type DeltaResult } from './transfer/delta-upload.js';
import { downloadToFile, downloadToStream, type DownloadOptions, type DownloadResult } from './transfer/download-file.js';
import { resumableUpload, type ResumableUploadOptions } from './transfer/resumable-upload.js';
import { uploadFile, type UploadOptions, type UploadResult } from './transfer/upload-file.js';
import { HttpTransport } from './transport/http-transport.js';
import type { RetryPolicy } from './transport/retry.js';
import { ApiError } from './wire/api-errors.js';
import { refOf, type ImageName, type ImageRef } from './wire/image-ref.js';

export interface RepomanClientOptions {
  /** `https://host:port` (a path prefix is kept). */
  readonly server: string | URL;
  /** The chain and key to present (see `loadProxyCredential`); none: anonymous. */
  readonly credential?: { readonly certPem: string; readonly keyPem: string } | undefined;
  /** Trust anchors for the server certificate (see `loadTrustAnchors`); none: Node's roots. */
  readonly ca?: readonly string[] | undefined;
  /** Do not verify the server certificate. Unsafe; never the default. */
  readonly insecure?: boolean | undefined;
  readonly retry?: RetryPolicy | undefined;
  readonly userAgent?: string | undefined;
}

export class RepomanClient extends RepomanApi {
  constructor(options: RepomanClientOptions) {
    const baseUrl = new URL(String(options.server));
    super(new HttpTransport({
      baseUrl, credential: options.credential, ca: options.ca, insecure: options.insecure, userAgent: options.userAgent,
    }), options.retry);
  }

  /** Uploads a file as the image's bytes (see `uploadFile`: streamed, sha256 sent as a trailer, retried). */
  uploadImage(image: ImageName, file: string, options: UploadOptions = {}): Promise<UploadResult> {
    return uploadFile(this.transport, refOf(image), file, { retry: this.retry, ...options });
  }

  /**
   * Uploads a file as the image's bytes with the resumable protocol (see `resumableUpload`: one
   * PATCH normally, resumed from the server's offset after a network failure, or in a later
   * run with `resume`, the upload's URL kept in `options.state`).
   */
  uploadImageResumable(image: ImageName, file: string, options: ResumableUploadOptions): Promise<UploadResult> {
    return resumableUpload(this.transport, refOf(image), file, { retry: this.retry, ...options });
  }

  /**
   * Uploads only the blocks of a file that differ from version `baseVersion` (see
   * `deltaUpload`); answers `{fallback: why}` when the server cannot, for a whole upload then.
   */
  uploadImageDelta(image: ImageName, file: string, baseVersion: number, options: UploadOptions = {}): Promise<DeltaResult | DeltaRefusal> {
    return deltaUpload(this.transport, refOf(image), file, baseVersion, { retry: this.retry, ...options });
  }

  /**
   * Downloads the image's bytes to a file path (through `PATH.part`, resumable) or a Writable,
   * verified against its sha256 (see `downloadToFile`). Fetches the image record first.
   */
  async downloadImage(image: ImageName, dest: string | Writable, options: DownloadOptions = {}): Promise<DownloadResult> {
    const target = refOf(image);
    const record = options.version === undefined ? await this.getImage(target) : await this.versionRecord(target, options.version);
    if (record.status !== 'ready') {
      throw new ApiError(409, 'IMAGE_EMPTY', `${record.owner}/${record.name} has no bytes yet: upload them with repoman upload-image`);
    }
    const merged = { retry: this.retry, ...options };
    return typeof dest === 'string'
      ? downloadToFile(this.transport, target, record, dest, merged)
      : downloadToStream(this.transport, target, record, dest, merged);
  }

  /** The image record with a kept version's size and checksum in place of the current ones. */
  private async versionRecord(image: ImageRef, version: number): Promise<Image> {
    const [record, versions] = await Promise.all([this.getImage(image), this.listVersions(image)]);
    const kept = versions.find((entry) => entry.version === version);
    if (kept === undefined) {
      const list = versions.map((entry) => entry.version).join(', ') || 'none';
      throw new ApiError(404, 'VERSION_NOT_FOUND', `${record.owner}/${record.name} keeps no version ${version} (kept: ${list})`);
    }
    return { ...record, status: 'ready', size: kept.size, checksum: kept.checksum };
  }

  /** Closes idle connections; call when done so that the process may exit at once. */
  close(): void {
    this.transport.close();
  }
}
