/**
 * A record of every route the app registers (fed by fastify's onRoute hook), so that a request
 * for a known path with an unregistered method answers 405 with an `Allow` header instead of
 * fastify's 404. Route URLs are fastify patterns: `:param` matches one path segment, `*` the rest.
 */

interface Entry {
  readonly pattern: RegExp;
  readonly methods: Set<string>;
}

export class RouteTable {
  readonly #entries = new Map<string, Entry>();

  add(url: string, methods: string | readonly string[]): void {
    let entry = this.#entries.get(url);
    if (entry === undefined) {
      entry = { pattern: compile(url), methods: new Set() };
      this.#entries.set(url, entry);
    }
    for (const method of typeof methods === 'string' ? [methods] : methods) entry.methods.add(method.toUpperCase());
  }

  /** The methods registered for a concrete path, sorted; empty when no route matches the path. */
  allowedMethods(path: string): string[] {
    const methods = new Set<string>();
    for (const entry of this.#entries.values()) {
      if (entry.pattern.test(path)) for (const method of entry.methods) methods.add(method);
    }
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  }
}

function compile(url: string): RegExp {
  const segments = url.split('/').map((segment) => {
    if (segment === '*') return '.*';
    if (segment.startsWith(':')) return '[^/]+';
    return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${segments.join('/')}/?$`);
}
