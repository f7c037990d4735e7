/**
 * The base URLs an image record's `file_url` and `http_file_url` start with. With
 * `server.public_url` set (the name clients use, e.g. behind a load balancer) it is the HTTPS
 * base; otherwise the request's own Host is used (falling back to localhost and the port the
 * request arrived on when the Host header is missing or not a plain host[:port]). The
 * plain-HTTP base, only when that listener is on, is the same host name with `http_port`.
 */
import type { FastifyRequest } from 'fastify';
import type { ServerConfig } from '../config/config-types.js';
import type { FileLinks } from './image-views.js';

const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

export function fileLinks(request: FastifyRequest, server: ServerConfig): FileLinks {
  const https = server.public_url !== '' ? server.public_url.replace(/\/+$/, '') : `https://${requestHost(request)}`;
  if (server.http_port === 0) return { https, http: null };
  let hostname: string;
  try {
    hostname = new URL(https).hostname;
  } catch {
    hostname = 'localhost';
  }
  return { https, http: `http://${hostname}${server.http_port === 80 ? '' : `:${server.http_port}`}` };
}

function requestHost(request: FastifyRequest): string {
  const host = request.headers.host;
  if (typeof host === 'string' && HOST.test(host)) return host;
  return `localhost:${request.socket.localPort ?? 443}`;
}
