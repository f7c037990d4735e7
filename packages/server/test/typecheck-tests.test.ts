// The tests and benchmarks are type-checked too: `npm test` runs `tsc -p tsconfig.test.json`
// before the test runner (tsx strips types without checking them), and that configuration holds
// every TypeScript file under a package's test/ and bench/ and the root bench/, with the
// project's strict settings, so a wrong type in a test cannot hide behind a passing run.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Every .ts file below a folder, node_modules and dist left out, as paths from the root. */
function typescriptFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.ts') && !/(^|\/)(node_modules|dist)\//.test(path))
    .map((path) => join(dir, path));
}

describe('type-checked tests and benchmarks', () => {
  const { config } = ts.readConfigFile(join(ROOT, 'tsconfig.test.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);

  it('tsconfig.test.json holds every test and bench file of every package and the root bench/', () => {
    const checked = new Set(parsed.fileNames.map((path) => relative(ROOT, path)));
    const folders = readdirSync(join(ROOT, 'packages')).flatMap((name) => [`packages/${name}/test`, `packages/${name}/bench`]);
    const expected = [...folders, 'bench'].flatMap((dir) => {
      try {
        return typescriptFiles(dir);
      } catch {
        return []; // a package without bench/
      }
    });
    assert.ok(expected.length > 100, `${expected.length} files`);
    assert.deepEqual(expected.filter((path) => !checked.has(path)), []);
  });

  it('with the strict settings of the sources, and no output', () => {
    assert.equal(parsed.options.strict, true);
    assert.equal(parsed.options.noUncheckedIndexedAccess, true);
    assert.equal(parsed.options.noEmit, true);
  });

  it('npm test runs it after the build and before the test runner', () => {
    const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { test: string } }).scripts.test;
    const steps = script.split(' && ');
    const check = steps.indexOf('tsc -p tsconfig.test.json');
    assert.ok(check > steps.indexOf('npm run build'), script);
    assert.ok(check < steps.findIndex((step) => step.startsWith('node --import tsx --test')), script);
  });
});
