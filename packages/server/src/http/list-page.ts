/**
 * How image listings answer a page: the images as a JSON array of image records
 * (`image-views.ts`), the total of all pages in `X-Total-Count`, and, unless this is the last
 * page, `Link: <…>; rel="next"` (RFC 8288) with the same path and query but the next page's
 * `cursor` (and no `offset`). The URL starts like the records' `file_url`
 * (`server.public_url`, else the request's Host), so it stays right behind a load balancer.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ImageListPage } from '../services/image-service.js';
import { toImageView, type FileLinks } from './image-views.js';

export function sendPage(request: FastifyRequest, reply: FastifyReply, page: ImageListPage, links: FileLinks): FastifyReply {
  reply.header('x-total-count', String(page.total));
  if (page.next !== null) {
    const url = new URL(request.url, 'http://relative.invalid');
    url.searchParams.delete('offset');
    url.searchParams.set('cursor', page.next);
    reply.header('link', `<${links.https}${url.pathname}${url.search}>; rel="next"`);
  }
  return reply.send(page.images.map((image) => toImageView(image, links)));
}
