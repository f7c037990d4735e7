// What a person at a terminal sees, through the built `repoman`: help that fits 80 columns
// without breaking words and lists the global options in every command's help; the progress
// bar while --continue re-reads a kept .part, --quiet silencing bars and summaries, and the
// rule for downloads to `-` (a bar on stderr only when stdout is not the terminal too),
// against a local HTTPS stub server.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeGridSite, type GridSite, type GridUser } from '../../server/test/helpers/grid-site.js';
import { COMMANDS } from '../src/commands/index.js';
import { runRepoman, runUnderTerminal, type RunResult } from './helpers/run-repoman.js';
import { startStubServer, type StubServer } from './helpers/stub-server.js';

describe('help text', () => {
  const words = (text: string): Set<string> => new Set(text.split(/\s+/).filter((word) => word !== ''));

  it('fits 80 columns, wrapped at word boundaries, for repoman and every command', async () => {
    for (const args of [['--help'], ...COMMANDS.map((spec) => [spec.name, '--help'])]) {
      const result = await runRepoman(args);
      assert.equal(result.code, 0, result.stderr);
      const long = result.stdout.split('\n').filter((line) => line.length > 80);
      assert.deepEqual(long, [], `${args.join(' ')}: lines over 80 columns`);
      // Every word of every description is whole: none was cut in two.
      for (const spec of COMMANDS) if (args[0] === '--help') for (const word of words(spec.summary)) assert.ok(words(result.stdout).has(word), `${word} cut`);
    }
  });

  it('a command\'s help lists the global options too (make-config --help shows --server)', async () => {
    const result = await runRepoman(['make-config', '--help']);
    assert.match(result.stdout, /Global Options:[\s\S]*--server <HOST\[:PORT\]\|URL>[\s\S]*--quiet/);
  });
});

describe('progress on a terminal, against a stub server', () => {
  let site: GridSite;
  let bob: GridUser;
  let stub: StubServer;
  let bytes: Buffer;
  before(async () => {
    site = await makeGridSite();
    bob = await site.user('bob');
    bytes = randomBytes(2 * 1024 * 1024 + 9);
    stub = await startStubServer(site, bytes);
  });
  after(async () => {
    await stub?.close();
    await site?.cleanup();
  });
  const env = (): Record<string, string> => ({ HOME: site.dir, X509_USER_PROXY: bob.proxyPath, X509_CERT_DIR: site.caDir, REPOMAN_SERVER: stub.url });
  const onTerminal = (args: string[], stdoutTo?: string): Promise<RunResult> => runUnderTerminal(args, { env: env(), ...(stdoutTo !== undefined && { stdoutTo }) });
  const ok = (result: RunResult): RunResult => {
    assert.equal(result.code, 0, `exit ${result.code}: ${result.stdout}${result.stderr}`);
    return result;
  };

  it('--continue says it is verifying the partial file while it re-reads the .part, not "0% …/0 B"', async () => {
    const dest = join(site.dir, 'resumed.img');
    await writeFile(`${dest}.part`, bytes.subarray(0, 1024 * 1024));
    const screen = ok(await onTerminal(['download-image', 'plain.img', dest, '--continue'])).stdout;
    assert.match(screen, /plain\.img verifying the partial file: 1\.00 MiB read/);
    assert.doesNotMatch(screen, /\/0 B/);
    assert.match(screen, /downloaded plain\.img .*resumed at 1\.00 MiB/);
    assert.deepEqual(await readFile(dest), bytes);
  });

  it('--quiet draws no bar and prints no summary, even on a terminal', async () => {
    const dest = join(site.dir, 'quiet.img');
    const loud = ok(await onTerminal(['download-image', 'plain.img', dest, '--force'])).stdout;
    assert.match(loud, /download .*%/);
    const quiet = ok(await onTerminal(['--quiet', 'download-image', 'plain.img', dest, '--force'])).stdout;
    assert.equal(quiet.trim(), '');
    assert.deepEqual(await readFile(dest), bytes);
  });

  it('a download to - shows a bar on the terminal\'s stderr when stdout is a file, none when stdout is the terminal', async () => {
    const file = join(site.dir, 'stdout.img');
    const screen = ok(await onTerminal(['download-image', 'plain.img', '-'], file)).stdout;
    assert.match(screen, /plain\.img download .*100%/);
    assert.deepEqual(await readFile(file), bytes);
    const mixed = ok(await onTerminal(['download-image', 'plain.img', '-'])).stdout;
    assert.doesNotMatch(mixed, /download +[█░]/);
  });
});
