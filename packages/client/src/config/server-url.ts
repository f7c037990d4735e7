/**
 * Turns what a user writes for the server (`--server`, `REPOMAN_SERVER`, the config's
 * `repository` + `port`) into the HTTPS base URL: `host`, `host:port`, `[::1]:8443` (the
 * port defaults to 8443, the Repoman port) or a full `https://host[:port][/prefix]` URL
 * (taken as is: no port means 443, as for any URL). Plain `http://` is refused: credentials
 * are only ever sent over TLS.
 */
import { InvalidValueError } from '../wire/api-errors.js';

export const DEFAULT_PORT = 8443;

export function parseServer(text: string, defaultPort: number | string = DEFAULT_PORT): URL {
  const trimmed = text.trim();
  if (!trimmed) throw new InvalidValueError('the server is empty: give host[:port] or https://host[:port]');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      throw new InvalidValueError(`"${trimmed}" is not a server URL: give host[:port] or https://host[:port]`);
    }
    if (url.protocol !== 'https:') throw new InvalidValueError(`${trimmed}: the repoman command talks HTTPS only (https://host[:port])`);
    return url;
  }
  let url: URL;
  try {
    url = new URL(`https://${trimmed}`);
  } catch {
    throw new InvalidValueError(`"${trimmed}" is not a server: give host[:port] or https://host[:port]`);
  }
  if (url.pathname !== '/' || url.search || url.hash || url.username) {
    throw new InvalidValueError(`"${trimmed}" is not a server: give host[:port] or https://host[:port]/prefix`);
  }
  const explicitPort = /(?:\]|^[^:\]]*):(\d+)$/.exec(trimmed);
  if (!explicitPort) url.port = String(defaultPort);
  return url;
}
