// The README's second command, `bash .ci/run`, works as printed in a root shell (Debian's root
// has no sudo), and anyone else is told at once to use `sudo bash .ci/run` instead of meeting
// apt-get's permission errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
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
