/**
 * What route files receive: the services (and, for the few routes that need them, the stores
 * and the config), passed in by `build-app.ts`. A route file is a `RoutePlugin`: a function
 * registering its routes on its own encapsulated fastify scope, so that a file may add its own
 * content-type parser (image uploads) without affecting the others.
 */
import type { FastifyInstance } from 'fastify';
import type { RepomanConfig } from '../config/config-types.js';
import type { MetadataStores } from '../metadata/metadata-store.js';
import type { DownloadLinkService } from '../services/download-links.js';
import type { GroupService } from '../services/group-service.js';
import type { ImageListService } from '../services/image-list-service.js';
import type { ImageService } from '../services/image-service.js';
import type { ImageSharingService } from '../services/image-sharing.js';
import type { ImageTransferService } from '../services/image-transfer.js';
import type { ImageVersionService } from '../services/image-versions.js';
import type { ReadinessProbe } from '../services/readiness.js';
import type { ResumableUploadService } from '../services/resumable-uploads.js';
import type { UserService } from '../services/user-service.js';
import type { VersionBlockService } from '../services/version-blocks.js';
import type { Metrics } from './metrics.js';

export interface RouteContext {
  readonly config: RepomanConfig;
  readonly metadata: MetadataStores;
  readonly users: UserService;
  readonly groups: GroupService;
  readonly images: ImageService;
  readonly sharing: ImageSharingService;
  readonly transfer: ImageTransferService;
  readonly links: DownloadLinkService;
  readonly versions: ImageVersionService;
  readonly imageLists: ImageListService;
  /** Resumable (tus) uploads. */
  readonly uploads: ResumableUploadService;
  /** Block lists of versions (delta re-saves). */
  readonly blocks: VersionBlockService;
  readonly metrics: Metrics;
  /** Whether the database and the storage accept writes (`/healthz`). */
  readonly readiness: ReadinessProbe;
}

export type RoutePlugin = (scope: FastifyInstance, context: RouteContext) => void | Promise<void>;
