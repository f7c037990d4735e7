/**
 * The image a URL names, for every image route: `/api/images/{image}…` is the caller's own
 * namespace, `/api/images/{user}/{image}…` user's (paper fig. 2). Route files register each
 * handler on both forms (`IMAGE_URL_PREFIXES`) and read the params with `imageRefOf`. A user is
 * never named `raw`, so `/api/images/raw/…` with a method other than GET, HEAD or PUT is the
 * raw URL used with the wrong verb: 405, not a bad user name.
 */
import type { ImageRef } from '../services/image-access.js';
import { HttpError } from './http-error.js';

export interface ImageParams {
  readonly owner?: string;
  readonly image: string;
}

/** The two forms of an image URL, to which a route file appends its own suffix. */
export const IMAGE_URL_PREFIXES = ['/api/images/:image', '/api/images/:owner/:image'] as const;

/** The two forms of the raw (bytes) URL. */
export const RAW_URLS = ['/api/images/raw/:image', '/api/images/raw/:owner/:image'] as const;

export function imageRefOf(params: ImageParams, method: string): ImageRef {
  if (params.owner === 'raw') {
    throw new HttpError('METHOD_NOT_ALLOWED', `${method} is not allowed on a raw image URL; allowed: GET, HEAD, PUT`, { allow: 'GET, HEAD, PUT' });
  }
  return { owner: params.owner, name: params.image };
}
