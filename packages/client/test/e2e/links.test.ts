// The download-link commands of the built `repoman` against the real server over TLS with real
// grid proxies: link-image prints the URL once on stdout (and says so on stderr), which plain
// curl then downloads with no credential; list-links shows the link (never the URL) as a table
// and JSON; revoke-link ends it (404 for curl, exit 4 for a second revocation); bad lifetimes
// are usage errors (exit 2) or the server's 400 naming its limit; a sharee may not make links.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { curl } from '../../../server/test/helpers/curl.js';
import { makeClientSite, type ClientSite, type Runner } from '../helpers/client-site.js';
import type { RunResult } from '../helpers/run-repoman.js';

describe('repoman link-image, list-links, revoke-link against a real server', () => {
  let s: ClientSite;
  let bob: Runner;
  let pam: Runner;
  const bytes = randomBytes(200_000);

  const ok = (result: RunResult): RunResult => {
    assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}${result.stdout}`);
    return result;
  };
  const anonymous = (url: string) => curl(url, { caDir: s.site.caDir });

  before(async () => {
    s = await makeClientSite();
    bob = s.as(s.bob);
    pam = s.as(s.pam);
    const file = join(s.site.dir, 'sl55.img');
    await writeFile(file, bytes);
    ok(await bob(['create-image', 'sl55.img', '--file', file]));
    ok(await bob(['share-image', 'sl55.img', '--user', 'pam']));
  });
  after(async () => {
    await s?.cleanup();
  });

  it('link-image prints the URL once; anyone downloads with it; list-links shows it; revoke-link ends it', async () => {
    const made = ok(await bob(['link-image', 'sl55.img', '--expires-in', '2h']));
    const url = made.stdout.trim();
    assert.match(url, new RegExp(`^${s.repo.url}/api/links/[A-Za-z0-9_-]{43}$`));
    assert.match(made.stderr, /shown only now/);
    const id = /link ([0-9a-f]+) to sl55\.img/.exec(made.stderr)?.[1] ?? '';
    assert.ok(id, made.stderr);

    const fetched = anonymous(url);
    assert.equal(fetched.status, 200);
    assert.equal(Number(fetched.headers['content-length']), bytes.length);

    const table = ok(await bob(['list-links', 'sl55.img'])).stdout;
    assert.match(table, /^ID\s+EXPIRES\s+VERSION\s+CREATED\s+BY\s+DOWNLOADS$/m);
    assert.match(table, new RegExp(`^${id}\\s+\\S+\\s+current\\s+\\S+\\s+bob\\s+1$`, 'm'));
    assert.ok(!table.includes(new URL(url).pathname.split('/').at(-1) ?? ''), 'no token listed');
    const listed = ok(await bob(['list-links', 'bob/sl55.img', '--json'])).json as { id: string; expires: string }[];
    assert.deepEqual(listed.map((link) => link.id), [id]);
    const hours = (Date.parse(listed[0]?.expires ?? '') - Date.now()) / 3600_000;
    assert.ok(hours > 1.9 && hours <= 2, `expires in ${hours} h`);

    ok(await bob(['revoke-link', 'sl55.img', id]));
    assert.equal(anonymous(url).status, 404);
    assert.deepEqual(ok(await bob(['list-links', 'sl55.img', '--json'])).json, []);
    const again = await bob(['revoke-link', 'sl55.img', id]);
    assert.equal(again.code, 4, again.stderr);
    assert.match(again.stderr, /no link/);
  });

  it('link-image --json and --version with --expires (the SPEC spellings): the answer as JSON, pinned to the current version', async () => {
    const made = ok(await bob(['link-image', 'sl55.img', '--version', '1', '--expires', '+1d', '--json'])).json as { id: string; url: string; version: number };
    assert.equal(made.version, 1);
    assert.equal(anonymous(made.url).status, 200);
  });

  it('bad lifetimes: usage errors (exit 2) before any request, or the server\'s limit (exit 1); a sharee may not make links', async () => {
    for (const bad of ['0', '-5', 'soon', '1.5h']) {
      const refused = await bob(['link-image', 'sl55.img', '--expires-in', bad]);
      assert.equal(refused.code, 2, `${bad}: ${refused.stderr}`);
    }
    const tooLong = await bob(['link-image', 'sl55.img', '--expires-in', '31d']);
    assert.equal(tooLong.code, 1, tooLong.stderr);
    assert.match(tooLong.stderr, /from 1 to 2592000/);
    const sharee = await pam(['link-image', 'bob/sl55.img']);
    assert.notEqual(sharee.code, 0);
    assert.match(sharee.stderr, /not modify/);
  });
});
