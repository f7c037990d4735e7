// Images over real TLS with the real curl and wget, as grid users and clouds use them: the
// namespaces of paper figure 2, upload and download with checksums, sharing with users and
// groups, clones, ranges, conditional and resumed downloads, public images over plain HTTP.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { curl, startCurl, type CurlResult } from '../helpers/curl.js';
import { makeGridSite, type GridSite, type GridUser } from '../helpers/grid-site.js';
import { startRepository, type Repository } from '../helpers/repository-process.js';
import { randomFile, sha256OfFile, sizeOf, waitFor } from '../helpers/test-files.js';
import { startWget, wget } from '../helpers/wget.js';

const MIB = 1024 * 1024;

describe('images over TLS with curl and wget', () => {
  let site: GridSite;
  let repo: Repository;
  let admin: GridUser;
  let bob: GridUser;
  let pam: GridUser;
  let carl: GridUser;
  let disk: string;
  let diskSha: string;

  const as = (user: GridUser | undefined, path: string, extra: Partial<Parameters<typeof curl>[1]> = {}): CurlResult =>
    curl(`${repo.url}${path}`, { caDir: site.caDir, credential: user?.proxyPath, ...extra });
  const file = (name: string): string => join(site.dir, name);
  const codeOf = (result: CurlResult): string => (result.json as { error: { code: string } }).error.code;
  const download = (user: GridUser | undefined, path: string, output: string, args: string[] = []): CurlResult =>
    as(user, path, { args: ['-o', output, ...args] });

  before(async () => {
    site = await makeGridSite();
    [admin, bob, pam, carl] = await Promise.all([site.user('admin'), site.user('bob'), site.user('pam'), site.user('carl')]);
    repo = await startRepository({ site, adminDns: [admin.dn], http: true });
    for (const user of [bob, pam, carl]) {
      const created = as(admin, '/api/users', { method: 'POST', json: { user_name: user.name, client_dn: user.dn } });
      assert.equal(created.status, 201, created.body);
    }
    assert.equal(as(admin, '/api/groups', { method: 'POST', json: { name: 'cms', users: ['carl'] } }).status, 201);
    disk = file('rhel5.5.img');
    await randomFile(disk, 8 * MIB + 123);
    diskSha = await sha256OfFile(disk);
  });
  after(async () => {
    await repo?.cleanup();
    await site?.cleanup();
  });

  it('paper fig. 2: Bob\'s GET /api/images/rhel5.5.img and /api/images/bob/rhel5.5.img are the same image', () => {
    const created = as(bob, '/api/images', { method: 'POST', json: { name: 'rhel5.5.img', description: 'RHEL 5.5' } });
    assert.equal(created.status, 201, created.body);
    assert.equal(created.headers.location, '/api/images/raw/bob/rhel5.5.img');
    const own = as(bob, '/api/images/rhel5.5.img');
    const named = as(bob, '/api/images/bob/rhel5.5.img');
    assert.equal(own.status, 200);
    assert.deepEqual(own.json, named.json);
  });

  it('paper fig. 2: Pam reaches it only as /api/images/bob/rhel5.5.img, and only once it is shared with her', () => {
    assert.equal(as(pam, '/api/images/bob/rhel5.5.img').status, 404, 'not shared yet: indistinguishable from missing');
    assert.equal(as(pam, '/api/images/rhel5.5.img').status, 404);
    assert.equal(as(bob, '/api/images/rhel5.5.img/share/user/pam', { method: 'PUT' }).status, 200);
    const shared = as(pam, '/api/images/bob/rhel5.5.img');
    assert.equal(shared.status, 200, shared.body);
    assert.equal((shared.json as { owner: string }).owner, 'bob');
    assert.equal(as(pam, '/api/images/rhel5.5.img').status, 404, '/api/images/{image} is always her own namespace');
  });

  it('paper fig. 2: Pam\'s GET /api/images/debian6.img.gz is 404 while she has none, 200 once she has', () => {
    const missing = as(pam, '/api/images/debian6.img.gz');
    assert.equal(missing.status, 404);
    assert.equal(codeOf(missing), 'IMAGE_NOT_FOUND');
    assert.equal(as(pam, '/api/images', { method: 'POST', json: { name: 'debian6.img.gz' } }).status, 201);
    assert.equal(as(pam, '/api/images/debian6.img.gz').status, 200);
  });

  it('uploads with curl -T and X-Checksum-Sha256; downloads with curl and wget give the same bytes, ETag and Repr-Digest', async () => {
    const uploaded = as(bob, '/api/images/raw/rhel5.5.img', { args: ['-T', disk, '-H', `X-Checksum-Sha256: ${diskSha}`] });
    assert.equal(uploaded.status, 200, uploaded.body);
    const image = uploaded.json as { size: number; version: number; checksum: { value: string }; file_url: string; http_file_url: string | null };
    assert.deepEqual([image.size, image.version, image.checksum.value], [8 * MIB + 123, 1, diskSha]);
    assert.equal(image.file_url, `${repo.url}/api/images/raw/bob/rhel5.5.img`);
    assert.equal(image.http_file_url, null, 'not public');

    const viaCurl = download(bob, '/api/images/raw/rhel5.5.img', file('curl.out'));
    assert.equal(viaCurl.status, 200);
    assert.equal(viaCurl.headers.etag, `"${diskSha}"`);
    assert.equal(viaCurl.headers['repr-digest'], `sha-256=:${Buffer.from(diskSha, 'hex').toString('base64')}:`);
    assert.equal(viaCurl.headers['content-length'], String(8 * MIB + 123));
    assert.equal(await sha256OfFile(file('curl.out')), diskSha);

    const viaWget = wget(`${repo.url}/api/images/raw/bob/rhel5.5.img`, { caDir: site.caDir, credential: pam.proxyPath, output: file('wget.out') });
    assert.equal(viaWget.exitCode, 0, viaWget.log);
    assert.equal(await sha256OfFile(file('wget.out')), diskSha);
  });

  it('Expect: 100-continue over TLS: Pam, a sharee, gets 403 without 100 and curl sends ~nothing; Bob gets 100 then 200 (10 runs each)', () => {
    assert.equal(as(bob, '/api/images', { method: 'POST', json: { name: 'expect.img' } }).status, 201);
    assert.equal(as(bob, '/api/images/expect.img/share/user/pam', { method: 'PUT' }).status, 200);
    const put = (user: GridUser): { result: CurlResult; uploaded: number; continued: boolean } => {
      const result = as(user, '/api/images/raw/bob/expect.img', { args: ['-v', '-T', disk, '-H', 'Expect: 100-continue', '-w', '\n%{size_upload}'] });
      const uploaded = Number(result.body.trimEnd().split('\n').at(-1));
      return { result, uploaded, continued: /^< HTTP\/1\.1 100 Continue/m.test(result.stderr) };
    };
    for (let run = 0; run < 10; run += 1) {
      const refused = put(pam);
      assert.equal(refused.result.status, 403, refused.result.body);
      assert.equal(refused.continued, false, `run ${run}: 100 Continue before the 403`);
      assert.ok(refused.uploaded < MIB, `run ${run}: curl sent ${refused.uploaded} bytes for a 403`);
      const accepted = put(bob);
      assert.equal(accepted.result.status, 200, accepted.result.body);
      assert.equal(accepted.continued, true);
      assert.equal(accepted.uploaded, 8 * MIB + 123);
    }
  });

  it('an upload whose Repr-Digest does not match is 422 and the previous bytes and version stay', async () => {
    const other = file('other.img');
    await randomFile(other, 2 * MIB);
    const refused = as(bob, '/api/images/raw/rhel5.5.img', { args: ['-T', other, '-H', `Repr-Digest: sha-256=:${Buffer.from(diskSha, 'hex').toString('base64')}:`] });
    assert.equal(refused.status, 422, refused.body);
    assert.equal(codeOf(refused), 'CHECKSUM_MISMATCH');
    assert.equal((as(bob, '/api/images/rhel5.5.img').json as { version: number }).version, 1);
    download(bob, '/api/images/raw/rhel5.5.img', file('after-422.out'));
    assert.equal(await sha256OfFile(file('after-422.out')), diskSha);
  });

  it('a user or group it is shared with downloads but may not change it; unsharing makes it 404 again', async () => {
    assert.equal(as(carl, '/api/images/raw/bob/rhel5.5.img', { args: ['-o', '/dev/null'] }).status, 404, 'carl: not shared');
    const shared = as(bob, '/api/images/rhel5.5.img/share/group/cms', { method: 'PUT' });
    assert.deepEqual((shared.json as { shared_with: unknown }).shared_with, { users: ['pam'], groups: ['cms'] });
    download(carl, '/api/images/raw/bob/rhel5.5.img', file('carl.out'));
    assert.equal(await sha256OfFile(file('carl.out')), diskSha);
    for (const sharee of [pam, carl]) {
      assert.equal(as(sharee, '/api/images/bob/rhel5.5.img', { method: 'PATCH', json: { description: 'mine' } }).status, 403);
      assert.equal(as(sharee, '/api/images/raw/bob/rhel5.5.img', { args: ['-T', file('other.img')] }).status, 403);
      assert.equal(as(sharee, '/api/images/bob/rhel5.5.img/share/user/admin', { method: 'PUT' }).status, 403);
      assert.equal(as(sharee, '/api/images/bob/rhel5.5.img', { method: 'DELETE' }).status, 403);
    }
    assert.equal(as(bob, '/api/images/rhel5.5.img/share/group/cms', { method: 'DELETE' }).status, 200);
    assert.equal(as(carl, '/api/images/bob/rhel5.5.img').status, 404);
    assert.equal(as(carl, '/api/images/raw/bob/rhel5.5.img', { args: ['-o', '/dev/null'] }).status, 404);
    assert.equal((as(bob, '/api/images/rhel5.5.img').json as { version: number }).version, 1, 'nothing changed');
  });

  it('a sharee clones the image into her namespace and downloads her copy', async () => {
    const cloned = as(pam, '/api/images/bob/rhel5.5.img/clone', { method: 'POST', json: { name: 'my-rhel.img' } });
    assert.equal(cloned.status, 201, cloned.body);
    assert.equal(cloned.headers.location, '/api/images/raw/pam/my-rhel.img');
    download(pam, '/api/images/raw/my-rhel.img', file('clone.out'));
    assert.equal(await sha256OfFile(file('clone.out')), diskSha);
  });

  it('curl -r answers 206 with the range; If-None-Match with the ETag answers 304', async () => {
    const part = download(bob, '/api/images/raw/rhel5.5.img', file('range.out'), ['-r', '1000-1999']);
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 1000-1999/${8 * MIB + 123}`);
    assert.equal(await sizeOf(file('range.out')), 1000);
    const unsatisfiable = as(bob, '/api/images/raw/rhel5.5.img', { args: ['-r', `${9 * MIB}-`] });
    assert.equal(unsatisfiable.status, 416);
    assert.equal(unsatisfiable.headers['content-range'], `bytes */${8 * MIB + 123}`);
    const cached = as(bob, '/api/images/raw/rhel5.5.img', { args: ['-H', `If-None-Match: "${diskSha}"`] });
    assert.equal(cached.status, 304);
    assert.equal(cached.body, '');
  });

  it('curl -C - resumes a cut download to the exact bytes', async () => {
    const output = file('resume-curl.out');
    const cut = startCurl(`${repo.url}/api/images/raw/bob/rhel5.5.img`, {
      caDir: site.caDir, credential: bob.proxyPath, args: ['-o', output, '--limit-rate', '4M'],
    });
    await waitFor('a partial download', async () => (await sizeOf(output)) > MIB);
    cut.child.kill('SIGKILL');
    await cut.result;
    const partial = await sizeOf(output);
    assert.ok(partial > 0 && partial < 8 * MIB, `cut at ${partial}`);
    const resumed = download(bob, '/api/images/raw/rhel5.5.img', output, ['-C', '-']);
    assert.equal(resumed.status, 206, resumed.stderr);
    assert.equal(resumed.headers['content-range'], `bytes ${partial}-${8 * MIB + 122}/${8 * MIB + 123}`);
    assert.equal(await sha256OfFile(output), diskSha);
  });

  it('wget -c resumes a cut download to the exact bytes', async () => {
    const output = file('resume-wget.out');
    const url = `${repo.url}/api/images/raw/bob/rhel5.5.img`;
    const cut = startWget(url, { caDir: site.caDir, credential: pam.proxyPath, output, args: ['--limit-rate=4m'] });
    await waitFor('a partial download', async () => (await sizeOf(output)) > MIB);
    cut.child.kill('SIGKILL');
    await cut.result;
    const partial = await sizeOf(output);
    assert.ok(partial > 0 && partial < 8 * MIB, `cut at ${partial}`);
    const resumed = wget(url, { caDir: site.caDir, credential: pam.proxyPath, output, args: ['-c'] });
    assert.equal(resumed.exitCode, 0, resumed.log);
    assert.equal(resumed.status, 206, resumed.log);
    assert.equal(await sha256OfFile(output), diskSha);
  });

  it('a public image downloads anonymously over HTTPS and over plain HTTP with curl and wget; a private one is refused there', async () => {
    const created = as(bob, '/api/images', { method: 'POST', json: { name: 'public.img', unauthenticated_access: true } });
    assert.equal(created.status, 201);
    assert.equal(as(bob, '/api/images/raw/public.img', { args: ['-T', disk] }).status, 200);
    const record = as(bob, '/api/images/public.img').json as { http_file_url: string; file_url: string };
    assert.equal(record.http_file_url, `${repo.httpUrl}/api/images/raw/bob/public.img`);

    download(undefined, '/api/images/raw/bob/public.img', file('anon-https.out'));
    assert.equal(await sha256OfFile(file('anon-https.out')), diskSha);
    const overHttp = curl(record.http_file_url, { caDir: site.caDir, args: ['-o', file('anon-http.out')] });
    assert.equal(overHttp.status, 200);
    assert.equal(overHttp.headers.etag, `"${diskSha}"`);
    assert.equal(await sha256OfFile(file('anon-http.out')), diskSha);
    const wgetHttp = wget(record.http_file_url, { caDir: site.caDir, output: file('wget-http.out') });
    assert.equal(wgetHttp.exitCode, 0, wgetHttp.log);
    assert.equal(await sha256OfFile(file('wget-http.out')), diskSha);
    const wgetHttps = wget(record.file_url, { caDir: site.caDir, output: file('wget-https.out') });
    assert.equal(wgetHttps.exitCode, 0, wgetHttps.log);

    const privateHttp = curl(`${repo.httpUrl}/api/images/raw/bob/rhel5.5.img`, { caDir: site.caDir });
    assert.equal(privateHttp.status, 403);
    assert.match(privateHttp.body, /HTTPS/);
    assert.equal(as(undefined, '/api/images/raw/bob/rhel5.5.img').status, 401);
    const uploadHttp = curl(`${repo.httpUrl}/api/images/raw/bob/public.img`, { caDir: site.caDir, args: ['-T', file('other.img')] });
    assert.equal(uploadHttp.status, 403);
    assert.equal(curl(`${repo.httpUrl}/api/images`, { caDir: site.caDir }).status, 403);
    assert.equal((as(bob, '/api/images/public.img').json as { version: number }).version, 1);
  });

  it('names with path tricks sent as is (curl --path-as-is) are 400 INVALID_NAME', () => {
    for (const path of ['/api/images/bob/..', '/api/images/raw/bob/..', '/api/images/raw/bob/%2E%2E', '/api/images/..%2F..%2Fetc%2Fpasswd']) {
      const result = as(bob, path, { args: ['--path-as-is'] });
      assert.equal(result.status, 400, `${path}: ${result.body}`);
      assert.equal(codeOf(result), 'INVALID_NAME');
    }
  });
});
