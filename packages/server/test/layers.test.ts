// The server's layers import downwards only: the domain (services/) knows nothing of HTTP,
// TLS, the commands or fastify, and renders no views; tls/ is the listener and the identity,
// so it reaches into services/ only for the error type and the caller, and the development
// PKI and the admin bootstrap belong to the serve command. Read from the import lines of the
// sources, so a new file that crosses a layer fails here.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** Every source file under `folder` with what it imports (paths resolved relative to src/, packages as named). */
function importsUnder(folder: string): Map<string, string[]> {
  const files = readdirSync(join(SRC, folder), { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts'));
  const result = new Map<string, string[]>();
  for (const name of files) {
    const path = join(SRC, folder, name);
    const text = readFileSync(path, 'utf8');
    const targets = [...text.matchAll(/^(?:import|export)[^'"]*?from\s+'([^']+)'/gms)].map((match) => match[1]!);
    result.set(relative(SRC, path), targets.map((target) => (target.startsWith('.') ? relative(SRC, resolve(dirname(path), target)) : target)));
  }
  return result;
}

function crossings(folder: string, forbidden: (target: string) => boolean): string[] {
  return [...importsUnder(folder)].flatMap(([file, targets]) => targets.filter(forbidden).map((target) => `${file} -> ${target}`));
}

describe('layers', () => {
  it('services/ imports nothing of HTTP, TLS, the commands or fastify', () => {
    const http = /^(?:http|tls|commands)\/|^fastify|^@fastify\/|^node:https?$/;
    assert.deepEqual(crossings('services', (target) => http.test(target)), []);
  });

  it('services/ renders no API views nor URLs: they live in http/', () => {
    const views = readdirSync(join(SRC, 'services')).filter((name) => /views?\.ts$/.test(name));
    assert.deepEqual(views, []);
    // Comments may name the routes a service serves; code may not build their URLs.
    const code = (file: string): string => readFileSync(join(SRC, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    const urls = [...importsUnder('services').keys()].filter((file) => /file_url|\/api\//.test(code(file)));
    assert.deepEqual(urls, []);
  });

  it('tls/ imports from services/ only the error type and the caller, and nothing of the metadata, storage or commands', () => {
    const allowed = new Set(['services/repoman-error.js', 'services/caller.js']);
    assert.deepEqual(crossings('tls', (target) => (target.startsWith('services/') && !allowed.has(target)) || /^(?:metadata|storage|commands)\//.test(target)), []);
  });

  it('the development PKI is the serve command\'s, not a top-level module', () => {
    assert.deepEqual(readdirSync(SRC).filter((name) => name.endsWith('.ts')), ['cli.ts']);
  });
});
