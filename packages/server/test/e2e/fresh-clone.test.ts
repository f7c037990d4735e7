// The README's promise that `npx repoman-server` and `npx repoman` work after one `npm install`
// of a fresh clone. npm links a workspace's `bin` only when its target exists at link time, and
// `prepare` builds dist/ after the linking (NOTES.md "npm workspaces"), so every bin target must
// be committed. The test clones the committed HEAD, installs with --ignore-scripts (the links,
// without the ~90 s native build and `prepare`), then puts this checkout's built dist/ in place,
// as `prepare` does after the linking, and runs each linked command with --help.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

interface Manifest {
  workspaces?: string[];
  bin?: Record<string, string>;
}
const readManifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
const workspaces = readManifest(ROOT).workspaces ?? [];
const commands = workspaces.flatMap((workspace) => Object.keys(readManifest(join(ROOT, workspace)).bin ?? {}));

function run(command: string, args: string[], cwd: string): ReturnType<typeof spawnSync> {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 150_000 });
  assert.equal(result.status, 0, `${command} ${args.join(' ')}:\n${result.stdout}${result.stderr}`);
  return result;
}

describe('a fresh clone after one npm install', { timeout: 180_000 }, () => {
  let temp: string;
  let clone: string;

  before(async () => {
    temp = await mkdtemp(join(tmpdir(), 'repoman-clone-'));
    clone = join(temp, 'repoman');
    run('git', ['clone', '--quiet', ROOT, clone], temp);
    run('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], clone);
  });
  after(async () => {
    await rm(temp, { recursive: true, force: true });
  });

  it('links every workspace command, before dist/ is built', () => {
    assert.deepEqual(commands.sort(), ['repoman', 'repoman-server']);
    for (const command of commands) assert.ok(existsSync(join(clone, 'node_modules/.bin', command)), `node_modules/.bin/${command} is linked`);
  });

  it('runs them with npx once dist/ is built', async () => {
    for (const workspace of workspaces) await cp(join(ROOT, workspace, 'dist'), join(clone, workspace, 'dist'), { recursive: true });
    for (const command of commands) {
      const help = run('npx', ['--no-install', command, '--help'], clone);
      assert.match(String(help.stdout), new RegExp(`Usage: ${command} `));
    }
  });
});
