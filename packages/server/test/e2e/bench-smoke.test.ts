// `npm run bench -- --smoke`, as .ci/run runs it before the tests: a correctness run of the
// real benchmark (repoman-server and nginx, a few MiB), whose output must read as a result,
// "smoke: ok, N rows, bytes verified", with no ratios or PASS/MISS verdicts that a reader of
// the CI log would take for failures. The API rows' smoke follows, reported in the log.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

describe('the bench smoke run', { timeout: 240_000 }, () => {
  let out: string;
  before(async () => {
    out = await mkdtemp(join(tmpdir(), 'repoman-bench-smoke-'));
  });
  after(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it('prints a smoke result, not ratios and verdicts', () => {
    const result = spawnSync('npm', ['run', 'bench', '--silent', '--', '--smoke', '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 220_000 });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /^smoke: ok, \d+ rows, bytes verified\n$/);
    // The API rows ran too (on SQLite, nginx beside them), and said so in the log.
    assert.match(result.stderr, /^bench: api smoke: 16 measurements, every request answered$/m);
    assert.doesNotMatch(`${result.stdout}${result.stderr}`, /\b(MISS|PASS)\b|Infinity|NaN|ratio/);
  });
});
