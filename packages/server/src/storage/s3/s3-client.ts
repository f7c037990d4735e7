// Builds the S3 client the S3 driver talks through, from the `[storage]` keys. Three
// settings matter for image bytes: no connection limit (each download holds a connection for
// as long as the client reads, so the SDK's default of 50 would make the 51st download wait),
// no request timeout (a slow download may take hours), and checksums only where S3 requires
// them (the SDK would otherwise add a CRC32 to every part, which costs CPU and which older
// S3-compatible servers such as Ceph Pacific's RGW do not understand; the driver computes its
// own SHA-256 and S3 checks each part's signed payload hash anyway).
import { S3Client } from '@aws-sdk/client-s3';

export interface S3ConnectionConfig {
  /** The endpoint URL; empty or absent for AWS itself. */
  readonly endpoint?: string;
  /** Region used for signing (S3-compatible servers usually accept any). */
  readonly region?: string;
  /** Static credentials; when both are empty the SDK's default chain is used (environment, instance role, …). */
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  /** Address buckets as `endpoint/bucket` rather than `bucket.endpoint` (Ceph RGW, MinIO). */
  readonly forcePathStyle?: boolean;
}

export function createS3Client(config: S3ConnectionConfig): S3Client {
  const accessKeyId = config.accessKeyId ?? '';
  const secretAccessKey = config.secretAccessKey ?? '';
  if ((accessKeyId === '') !== (secretAccessKey === '')) {
    throw new Error('storage: access_key_id and secret_access_key must be given together');
  }
  const agent = { keepAlive: true, maxSockets: Number.POSITIVE_INFINITY };
  return new S3Client({
    endpoint: config.endpoint === '' ? undefined : config.endpoint,
    region: config.region === undefined || config.region === '' ? 'us-east-1' : config.region,
    forcePathStyle: config.forcePathStyle ?? false,
    credentials: accessKeyId === '' ? undefined : { accessKeyId, secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { httpAgent: agent, httpsAgent: agent, connectionTimeout: 10_000, requestTimeout: 0 },
  });
}
