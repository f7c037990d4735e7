// Every image command of the built `repoman` against the real repoman-server over TLS, as an
// owner (bob), a sharee (pam) and an admin, with real grid-proxy-init proxies: create with
// metadata flags, list (--json parseable), describe, modify, rename, share and unshare (user
// and group), clone, remove (--force or refuse), OWNER/NAME and --owner, missing images (4).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { curl } from '../../../server/test/helpers/curl.js';
import { makeClientSite, type ClientSite, type Runner } from '../helpers/client-site.js';
import type { RunResult } from '../helpers/run-repoman.js';

type Image = { name: string; owner: string; status: string; size: number; checksum: { value: string }; description: string; os_arch: string;
  os_variant: string; read_only: boolean; unauthenticated_access: boolean; expires: string | null; shared_with: { users: string[]; groups: string[] } };

describe('repoman image commands against a real server', () => {
  let s: ClientSite;
  let bob: Runner;
  let pam: Runner;
  let admin: Runner;
  let file: string;
  let bytes: Buffer;
  before(async () => {
    s = await makeClientSite();
    bob = s.as(s.bob);
    pam = s.as(s.pam);
    admin = s.as(s.admin);
    bytes = randomBytes(256 * 1024 + 7);
    file = join(s.site.dir, 'debian6.img.gz');
    await writeFile(file, bytes);
  });
  after(async () => {
    await s?.cleanup();
  });

  const ok = (result: RunResult): RunResult => {
    assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}${result.stdout}`);
    return result;
  };
  const image = async (run: Runner, ref: string): Promise<Image> => ok(await run(['describe-image', ref, '--json'])).json as Image;
  const names = (result: RunResult): string[] => (result.json as Image[]).map((i) => `${i.owner}/${i.name}`).sort();

  it('create-image makes a slot with the metadata flags, 2011 spellings included', async () => {
    const created = ok(await bob(['create-image', 'sl55.img', '--description', 'SL 5.5 worker', '--os_variant', 'sl55', '--os-type', 'linux',
      '--os_arch', 'x86_64', '--hypervisor', 'kvm', '--expires', '2099-01-01', '--json']));
    const record = created.json as Image;
    assert.deepEqual([record.owner, record.name, record.status, record.os_arch, record.os_variant], ['bob', 'sl55.img', 'empty', 'x86_64', 'sl55']);
    assert.equal(record.expires, '2099-01-01T00:00:00.000Z');
  });

  it('create-image --file uploads at once; the record has the file\'s size and sha256', async () => {
    const record = ok(await bob(['ci', 'debian6.img.gz', '--file', file, '--json'])).json as Image;
    assert.equal(record.status, 'ready');
    assert.equal(record.size, bytes.length);
    assert.equal(record.checksum.value, createHash('sha256').update(bytes).digest('hex'));
  });

  it('list-images shows your images (table, --long, --json), and describe-image one', async () => {
    const table = ok(await bob(['list-images']));
    assert.match(table.stdout, /^IMAGE\s+SIZE\s+STATUS\s+VERSION\s+MODIFIED\s+PUBLIC\n/);
    assert.match(table.stdout, /bob\/debian6\.img\.gz\s+256 KiB\s+ready\s+1 /);
    assert.match(ok(await bob(['li', '--long'])).stdout, /SL 5\.5 worker/);
    assert.deepEqual(names(ok(await bob(['li', '--json']))), ['bob/debian6.img.gz', 'bob/sl55.img']);
    assert.match(ok(await bob(['di', 'sl55.img'])).stdout, /^name:\s+sl55\.img$/m);
    assert.equal((await image(bob, 'bob/sl55.img')).description, 'SL 5.5 worker');
  });

  it('a missing image exits 4 with a line saying where to look', async () => {
    for (const args of [['di', 'nosuch.img'], ['gi', 'nosuch.img', join(s.site.dir, 'x')], ['mi', 'nosuch.img', '--description', 'x'], ['ri', 'nosuch.img', '--force']]) {
      const result = await bob(args);
      assert.equal(result.code, 4, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^repoman: .*list-images.*\n$/);
    }
    const upload = await bob(['up', 'nosuch.img', file]);
    assert.equal(upload.code, 4);
    assert.match(upload.stderr, /create-image nosuch\.img --file/);
  });

  it('modify-image changes metadata; --read-only refuses uploads until cleared', async () => {
    const changed = ok(await bob(['mi', 'sl55.img', '--description', 'worker v2', '--public', '--read-only', '--json'])).json as Image;
    assert.deepEqual([changed.description, changed.unauthenticated_access, changed.read_only], ['worker v2', true, true]);
    const refused = await bob(['upload-image', 'sl55.img', file]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /read.only/i);
    ok(await bob(['mi', 'sl55.img', '--read_only', 'false', '--expires', 'never']));
    const cleared = await image(bob, 'sl55.img');
    assert.deepEqual([cleared.read_only, cleared.expires], [false, null]);
    ok(await bob(['put-image', 'sl55.img', file]));
    assert.equal((await image(bob, 'sl55.img')).status, 'ready');
  });

  it('a public image can be fetched anonymously, as clouds do', async () => {
    const result = curl(`${s.repo.url}/api/images/raw/bob/sl55.img`, { caDir: s.site.caDir, args: ['-o', '/dev/null'] });
    assert.equal(result.status, 200);
  });

  it('rename-image renames', async () => {
    ok(await bob(['rn', 'sl55.img', 'sl55-worker.img']));
    assert.deepEqual(names(ok(await bob(['li', '--json']))), ['bob/debian6.img.gz', 'bob/sl55-worker.img']);
  });

  it('a sharee reaches a shared image only as OWNER/NAME (or --owner), and may read but not change it', async () => {
    assert.equal((await pam(['di', 'bob/debian6.img.gz'])).code, 4, 'not shared yet: not found');
    ok(await bob(['share-image', 'debian6.img.gz', '--user', 'pam']));
    assert.deepEqual((await image(bob, 'debian6.img.gz')).shared_with.users, ['pam']);
    assert.equal((await image(pam, 'bob/debian6.img.gz')).name, 'debian6.img.gz');
    ok(await pam(['di', 'debian6.img.gz', '--owner', 'bob']));
    assert.equal((await pam(['di', 'debian6.img.gz'])).code, 4, 'NAME alone is pam\'s own namespace');
    assert.deepEqual(names(ok(await pam(['li', '--shared', '--json']))), ['bob/debian6.img.gz']);
    const upload = await pam(['up', 'bob/debian6.img.gz', file]);
    assert.equal(upload.code, 1, upload.stderr);
    const remove = await pam(['ri', 'bob/debian6.img.gz', '--force']);
    assert.ok(remove.code === 1 || remove.code === 4, remove.stderr);
    ok(await bob(['unshare-image', 'debian6.img.gz', '--user', 'pam']));
    assert.equal((await pam(['di', 'bob/debian6.img.gz'])).code, 4);
  });

  it('sharing with a group reaches its members; list-images --group lists them', async () => {
    ok(await admin(['create-group', 'atlas', '--users', 'pam']));
    ok(await bob(['share-image', 'debian6.img.gz', '--group', 'atlas']));
    assert.deepEqual(names(ok(await pam(['li', '--group', 'atlas', '--json']))), ['bob/debian6.img.gz']);
    ok(await pam(['di', 'bob/debian6.img.gz']));
  });

  it('clone-image copies a readable image, bytes included, into the caller\'s namespace', async () => {
    const clone = ok(await pam(['clone-image', 'bob/debian6.img.gz', 'my-debian.img', '--json'])).json as Image;
    assert.deepEqual([clone.owner, clone.name, clone.size], ['pam', 'my-debian.img', bytes.length]);
    assert.deepEqual(names(ok(await pam(['li', '--json']))), ['pam/my-debian.img']);
  });

  it('admins see every image with --all, and may give an image to another user', async () => {
    const all = names(ok(await admin(['li', '--all', '--json'])));
    for (const expected of ['bob/debian6.img.gz', 'bob/sl55-worker.img', 'pam/my-debian.img']) assert.ok(all.includes(expected), all.join());
    ok(await admin(['mi', 'bob/sl55-worker.img', '--new-owner', 'pam']));
    assert.equal((await image(pam, 'sl55-worker.img')).owner, 'pam');
    assert.deepEqual(names(ok(await admin(['li', '--owner', 'pam', '--json']))), ['pam/my-debian.img', 'pam/sl55-worker.img']);
  });

  it('remove-image refuses without --force when no one can answer (exit 2), and deletes with it', async () => {
    const refused = await pam(['remove-image', 'sl55-worker.img']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /stdin is not a terminal.*--force/);
    ok(await pam(['di', 'sl55-worker.img']));
    ok(await pam(['ri', 'sl55-worker.img', '--force']));
    assert.equal((await pam(['di', 'sl55-worker.img'])).code, 4);
    ok(await admin(['ri', 'pam/my-debian.img', '--force']));
    assert.deepEqual(names(ok(await pam(['li', '--json']))), []);
  });

  it('on a terminal, remove-image asks: anything but yes keeps the image, yes deletes it', async () => {
    ok(await bob(['ci', 'asked.img']));
    const kept = await s.asOnTerminal(s.bob)(['remove-image', 'asked.img'], { input: 'n\n' });
    assert.equal(kept.code, 1);
    assert.match(kept.stdout, /delete the image asked\.img and its bytes\? \[y\/N\]/);
    assert.match(kept.stdout, /cancelled: nothing was changed/);
    ok(await bob(['di', 'asked.img']));
    ok(await s.asOnTerminal(s.bob)(['ri', 'asked.img'], { input: 'y\n' }));
    assert.equal((await bob(['di', 'asked.img'])).code, 4);
  });

  it('save-image is documented in --help, and refuses OWNER/NAME as a usage error', async () => {
    const help = ok(await bob(['save-image', '--help']));
    for (const option of ['--source <DIR>', '--resize <SIZE>', '--snapshot-dir <DIR>', '--exclude <PATTERN>', '--exclude-from <FILE>', '--gzip', '--clean', '--dry-run', '--force']) {
      assert.ok(help.stdout.includes(option), `${option} is not in --help`);
    }
    assert.doesNotMatch(help.stdout, /NOT BUILT/);
    const run = await bob(['save', 'pam/worker.img']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /own namespace/);
  });
});
