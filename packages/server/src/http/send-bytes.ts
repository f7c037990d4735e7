/**
 * Sends a download's bytes once its status and headers are set on the reply. A blob body that
 * offers the contract's sendTo() fast path (the filesystem driver's, storage/fs/file-bytes.ts)
 * bypasses fastify's stream piping: the reply is hijacked, the head written with the reply's
 * headers, and the bytes pumped with reused buffers, which is what makes a download cost
 * little more CPU than its encryption. The request log (an onResponse hook) still sees the
 * response finish. Other bodies (S3) go through `reply.send`.
 */
import type { FastifyReply } from 'fastify';
import type { BlobBody } from '../storage/index.js';

export async function sendBytes(reply: FastifyReply, bytes: BlobBody): Promise<FastifyReply> {
  if (bytes.sendTo === undefined) return reply.send(bytes);
  const res = reply.raw;
  reply.hijack();
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) res.setHeader(name, value);
  res.writeHead(reply.statusCode);
  // A pipelined response waits in node's queue without a socket and hears nothing when the
  // connection is cut: watch the request's socket, so that its file is closed all the same.
  const socket = reply.request.raw.socket;
  const gone = new AbortController();
  const onGone = (): void => gone.abort();
  socket.once('close', onGone);
  if (socket.destroyed) gone.abort();
  try {
    await bytes.sendTo(res, gone.signal);
    res.end();
  } catch (error) {
    // Closed by the client: the request log's abort line says so. Else the head is gone, and
    // the only way left to say "failed" is to cut the connection.
    if (!res.destroyed) reply.log.warn({ err: error }, 'download cut');
    res.destroy();
  } finally {
    socket.off('close', onGone);
  }
  return reply;
}
