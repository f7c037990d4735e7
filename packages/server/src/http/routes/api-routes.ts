/**
 * The list of route files the app registers, in order. A new family of routes is one more
 * file in this folder and one more entry here.
 */
import type { RoutePlugin } from '../route-context.js';
import { groupRoutes } from './group-routes.js';
import { healthRoutes } from './health-routes.js';
import { imageListRoutes } from './image-list-routes.js';
import { imageRawRoutes } from './image-raw-routes.js';
import { imageRoutes } from './image-routes.js';
import { imageShareRoutes } from './image-share-routes.js';
import { linkRoutes } from './link-routes.js';
import { imageVersionRoutes } from './image-version-routes.js';
import { membershipRoutes } from './membership-routes.js';
import { metricsRoutes } from './metrics-routes.js';
import { openApiRoutes } from './openapi-routes.js';
import { permissionRoutes } from './permission-routes.js';
import { uploadRoutes } from './upload-routes.js';
import { userRoutes } from './user-routes.js';
import { whoamiRoutes } from './whoami-routes.js';

export const API_ROUTES: readonly RoutePlugin[] = [
  healthRoutes,
  metricsRoutes,
  openApiRoutes,
  whoamiRoutes,
  userRoutes,
  groupRoutes,
  membershipRoutes,
  permissionRoutes,
  imageRoutes,
  imageShareRoutes,
  imageVersionRoutes,
  imageRawRoutes,
  linkRoutes,
  imageListRoutes,
  uploadRoutes,
];
