// The README's second command, `bash .ci/run`, works as printed in a root shell (Debian's root
// has no sudo), and anyone else is told at once to use `sudo bash .ci/run` instead of meeting
// apt-get's permission errors. Its output ends with the test runner's summary and one line naming
// the skipped tests and suites, whichever reporter printed them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('.ci/run as the README prints it', () => {
  it('the README\'s first commands run .ci/run without sudo, and say what to do when not root', () => {
    const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
    const top = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const line = top.split('\n').find((l) => l.includes('.ci/run')) ?? '';
    assert.match(line, /^bash \.ci\/run\s+# as root \(sudo bash \.ci\/run otherwise\)/);
  });

  it('refuses a user who is not root with one line naming sudo bash .ci/run, before any apt-get', { skip: process.getuid?.() !== 0 && 'needs root to run as nobody' }, () => {
    const result = spawnSync('runuser', ['-u', 'nobody', '--', 'bash', '.ci/run'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    assert.equal(result.status, 1, result.stderr);
    assert.equal(result.stderr, '.ci/run: needs root (apt-get, loop mounts): run sudo bash .ci/run\n');
  });
});

describe('the skipped tests at the end of .ci/run', () => {
  const SUITE = [
    "import { describe, it, test } from 'node:test';",
    "test('passes', () => {});",
    "test('needs postgres', { skip: 'PostgreSQL is not installed' }, () => {});",
    "describe('loop mounts', { skip: 'needs root' }, () => { it('mounts', () => {}); it('unmounts', () => {}); });",
    "describe('object storage', () => { it('against Ceph', (t) => t.skip('Ceph is not installed')); });",
  ].join('\n');
  const run = (reporter: string, script: string): string => {
    const dir = mkdtempSync(join(tmpdir(), 'skipped-'));
    try {
      writeFileSync(join(dir, 'suite.test.mjs'), script);
      // Without NODE_TEST_CONTEXT, which would make the inner runner report to this one, not print.
      const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
      const tests = spawnSync(process.execPath, ['--test', `--test-reporter=${reporter}`, 'suite.test.mjs'], { cwd: dir, env, encoding: 'utf8', timeout: 30_000 });
      const listed = spawnSync('bash', [resolve(ROOT, '.ci/skipped-tests')], { input: tests.stdout, encoding: 'utf8', timeout: 30_000 });
      assert.equal(listed.status, 0, listed.stderr);
      return listed.stdout;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  for (const reporter of ['tap', 'spec']) {
    it(`names every skipped test and suite with its reason in one line (${reporter})`, () => {
      assert.equal(run(reporter, SUITE), 'skipped tests and suites: needs postgres (PostgreSQL is not installed); loop mounts (needs root); against Ceph (Ceph is not installed)\n');
    });
  }

  it('prints nothing when nothing was skipped', () => {
    assert.equal(run('tap', "import { test } from 'node:test';\ntest('passes', () => {});"), '');
  });

  it('runs after npm test, on success and failure alike, and keeps npm test\'s exit status', () => {
    const script = readFileSync(resolve(ROOT, '.ci/run'), 'utf8');
    assert.match(script, /npm test \| tee "\$log" \|\| status=\$\?\n\.ci\/skipped-tests <"\$log"\nexit "\$status"\n$/);
  });
});
