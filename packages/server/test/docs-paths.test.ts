// The project's documents point only at files the repository holds: every relative Markdown
// link, and every path in backticks that names a repository file (`docs/spec.md`,
// `packages/client/README.md`, `../x.md`), exists. A newcomer's clone has nothing outside it,
// so the contract lives in docs/spec.md, not in a sibling folder.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const DOCUMENTS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`),
  ...readdirSync(join(ROOT, 'packages')).map((name) => `packages/${name}/README.md`).filter((path) => existsSync(join(ROOT, path))),
];
const REPOSITORY_PATH = /^(?:\.\.?\/|docs\/|packages\/|bench\/|test-services\/|\.ci\/)[\w./-]*\.(?:md|ts|js|json|sh|toml)$/;

/** The relative paths a document names: Markdown link targets, and repository paths in backticks. */
function namedPaths(text: string): string[] {
  const links = [...text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)].map((match) => match[1]!).filter((target) => !/^[a-z]+:/i.test(target));
  const quoted = [...text.matchAll(/`([^`\s]+)`/g)].map((match) => match[1]!).filter((path) => REPOSITORY_PATH.test(path));
  return [...links, ...quoted];
}

describe('paths named in the documentation', () => {
  it('the contract is in the repository: docs/spec.md', () => {
    assert.match(readFileSync(join(ROOT, 'docs/spec.md'), 'utf8'), /^# Repoman — product specification/);
    assert.match(readFileSync(join(ROOT, 'README.md'), 'utf8'), /`docs\/spec\.md`/);
  });

  for (const document of DOCUMENTS) {
    it(`${document} names only files inside the repository that exist`, () => {
      const missing = namedPaths(readFileSync(join(ROOT, document), 'utf8')).filter((path) => {
        // Relative links resolve against the document; other repository paths against the root.
        const base = path.startsWith('.') || !REPOSITORY_PATH.test(path) ? dirname(join(ROOT, document)) : ROOT;
        const target = resolve(base, path);
        const inside = !relative(ROOT, target).startsWith('..');
        return !inside || (!existsSync(target) && !existsSync(resolve(dirname(join(ROOT, document)), path)));
      });
      assert.deepEqual(missing, []);
    });
  }
});
