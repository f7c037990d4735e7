// `npm install -g ./packages/client` works and gives a working `repoman` (bin/repoman.js,
// with its shebang and few dependencies): as a link into the built checkout, and as a real
// copy (`--install-links`, what a machine without the checkout gets). Into a temp prefix.
// The copy runs the bundles (scripts/bundle.mjs), which carry the workspace packages: no
// import of a @repoman/ package is left in them, and none is a dependency to install.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const prefixes: string[] = [];

function installInto(extra: string[]): { prefix: string; ms: number } {
  const started = Date.now();
  const prefix = spawnSync('mktemp', ['-d'], { encoding: 'utf8' }).stdout.trim();
  prefixes.push(prefix);
  const result = spawnSync('npm', ['install', '-g', '--no-audit', '--no-fund', '--prefix', prefix, ...extra, './packages/client'], {
    cwd: ROOT, encoding: 'utf8', timeout: 120_000,
  });
  assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  return { prefix, ms: Date.now() - started };
}

function repomanHelp(prefix: string): string {
  const home = join(prefix, 'home');
  const result = spawnSync(join(prefix, 'bin', 'repoman'), ['--help'], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: home } });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

describe('global install of the client folder', () => {
  after(async () => {
    for (const prefix of prefixes) await rm(prefix, { recursive: true, force: true });
  });

  it('npm install -g --prefix TMP ./packages/client gives a working repoman', () => {
    const { prefix, ms } = installInto([]);
    assert.match(repomanHelp(prefix), /Usage: repoman .*\n[\s\S]*download-image\|down/);
    assert.ok(ms < 60_000, `took ${ms} ms`);
  });

  it('as a real copy (--install-links): only a handful of packages, no native modules', async () => {
    const { prefix, ms } = installInto(['--install-links']);
    assert.match(repomanHelp(prefix), /Usage: repoman/);
    const installedRoot = join(prefix, 'lib', 'node_modules', 'repoman-client');
    for (const bundle of ['cli.bundle.js', 'index.bundle.js']) {
      const code = await readFile(join(installedRoot, 'dist', bundle), 'utf8');
      assert.doesNotMatch(code, /(from|import\(|require\()\s*["']@repoman\//, `${bundle} still imports a workspace package`);
    }
    const manifest = JSON.parse(await readFile(join(installedRoot, 'package.json'), 'utf8')) as { main: string; dependencies?: Record<string, string> };
    assert.deepEqual(Object.keys(manifest.dependencies ?? {}).filter((name) => name.startsWith('@repoman/')), []);
    const entry = JSON.stringify(join(installedRoot, manifest.main));
    const library = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${entry}); if (typeof m.RepomanClient !== 'function') process.exit(1);`], { encoding: 'utf8' });
    assert.equal(library.status, 0, `the installed library entry does not load: ${library.stderr}`);
    const modules = join(installedRoot, 'node_modules');
    const installed = (await readdir(modules)).filter((name) => !name.startsWith('.'));
    assert.ok(installed.length <= 10, `runtime packages: ${installed.join(', ')}`);
    for (const name of installed) {
      const gyp = spawnSync('find', [join(modules, name), '-name', '*.node', '-o', '-name', 'binding.gyp'], { encoding: 'utf8' });
      assert.equal(gyp.stdout.trim(), '', `${name} has native parts`);
    }
    assert.ok(ms < 60_000, `took ${ms} ms`);
  });
});
