// `[limits] idle_timeout` (SPEC §5): a duration, "60s" by default, from the TOML file or
// REPOMAN_LIMITS_IDLE_TIMEOUT, in ms, s, m, h or d (a bare number: seconds); anything else is
// refused at start with a message naming the key.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../src/config/config-error.js';
import { loadConfig } from '../src/config/load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'repoman-idle-config-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('idle_timeout defaults to 60 s', () => {
  assert.equal(loadConfig({ env: {}, cwd: dir }).limits.idle_timeout, 60_000);
});

test('idle_timeout takes ms, s, m, h, d and bare seconds, from the environment and the file', () => {
  const cases: [string, number][] = [['500ms', 500], ['1s', 1000], ['90', 90_000], ['5m', 300_000], ['2h', 7_200_000], ['1d', 86_400_000]];
  for (const [text, ms] of cases) {
    assert.equal(loadConfig({ env: { REPOMAN_LIMITS_IDLE_TIMEOUT: text }, cwd: dir }).limits.idle_timeout, ms, text);
  }
  const file = join(dir, 'repoman.toml');
  writeFileSync(file, '[limits]\nidle_timeout = "2m"\n');
  assert.equal(loadConfig({ env: { REPOMAN_CONFIG: file }, cwd: dir }).limits.idle_timeout, 120_000);
});

test('a value that is not a duration is refused, naming the key', () => {
  for (const text of ['soon', '0s', '-1s', '1.5s', '10 years']) {
    assert.throws(
      () => loadConfig({ env: { REPOMAN_LIMITS_IDLE_TIMEOUT: text }, cwd: dir }),
      (error: unknown) => error instanceof ConfigError && /idle_timeout/.test(error.message),
      text,
    );
  }
});
