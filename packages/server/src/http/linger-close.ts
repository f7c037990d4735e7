/**
 * Closing a connection whose request body is still arriving, without losing the answer. When a
 * server answers early (401, 403, 413, 507, …) and then closes its socket while the client's
 * bytes keep coming, the kernel answers them with a reset, and a reset makes the client drop
 * what it had not read yet, the answer included: curl then reports no status at all. So, as
 * web servers do ("lingering close"), the connection is half-closed after the answer (the client
 * reads the answer, then the end), what the client still sends is read and discarded, and the
 * socket is destroyed once the client closes its side or after `lingerMs`. Node calls the
 * socket's `destroySoon()` after the last answer on a connection; this replaces it for one socket.
 */
import type { Socket } from 'node:net';

/** How long a client still sending after the answer is given to read it. */
export const LINGER_MS = 2000;

export function lingerOnClose(socket: Socket, body: { resume(): unknown; readonly readableEnded: boolean }, lingerMs: number = LINGER_MS): void {
  const own = socket as Socket & { destroySoon?: () => void };
  const destroySoon = own.destroySoon;
  own.destroySoon = () => {
    // Every byte of the body was read: nothing more is coming, close as node would.
    if (body.readableEnded && destroySoon !== undefined) return destroySoon.call(socket);
    const timer = setTimeout(() => socket.destroy(), lingerMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    // The client closed its side: close ours once the answer has left.
    socket.once('end', () => (socket.writableFinished ? socket.destroy() : socket.once('finish', () => socket.destroy())));
    socket.once('error', () => socket.destroy());
    socket.end();
    body.resume();
  };
}
