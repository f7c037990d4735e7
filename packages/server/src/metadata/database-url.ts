/**
 * `database.url` as it may be shown to people: in messages, logs and command output the
 * password of a `postgres://user:password@host/db` URL is replaced by `***`.
 */

/** The URL with its password (if any) replaced by `***`. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
}
