// A client that gives up mid-request (Ctrl-C in curl: the connection closes under an upload or
// a download) is an everyday event, not a server fault: the JSON log gets one info-level line
// saying so, and no warning, no error, no stack trace.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { curl, startCurl } from '../helpers/curl.js';
import { makeGridSite, type GridSite, type GridUser } from '../helpers/grid-site.js';
import { startRepository, type Repository } from '../helpers/repository-process.js';
import { randomFile, sizeOf, waitFor } from '../helpers/test-files.js';

const MIB = 1024 * 1024;

interface LogLine {
  level: number;
  msg: string;
  method?: string;
  path?: string;
  dn?: string | null;
}

describe('a client that aborts a request with Ctrl-C', () => {
  let site: GridSite;
  let repo: Repository;
  let bob: GridUser;
  let image: string;

  const uploads = (): string => join(repo.dataDir, 'images', 'uploads');
  const logLines = (): LogLine[] => repo.log().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as LogLine);
  /** The lines logged from `from` on, once the server has had a moment to log the abort. */
  const linesSince = async (from: number): Promise<LogLine[]> => {
    await waitFor('the abort to be logged', async () => logLines().length > from);
    await new Promise((done) => setTimeout(done, 300)); // room for a second (unwanted) line
    return logLines().slice(from);
  };
  const assertOneInfoLine = (lines: LogLine[], method: string): void => {
    assert.deepEqual(
      lines.map(({ level, msg, method: m, path, dn }) => ({ level, msg, method: m, path, dn })),
      [{ level: 30, msg: 'request aborted by the client', method, path: '/api/images/raw/disk.img', dn: bob.dn }],
    );
    assert.doesNotMatch(repo.log(), /"stack"/);
  };

  before(async () => {
    site = await makeGridSite();
    bob = await site.user('bob');
    repo = await startRepository({ site, adminDns: [bob.dn] });
    const as = { caDir: site.caDir, credential: bob.proxyPath };
    assert.equal(curl(`${repo.url}/api/images`, { ...as, method: 'POST', json: { name: 'disk.img' } }).status, 201);
    image = join(site.dir, 'disk.img');
    await randomFile(image, 32 * MIB);
  });
  after(async () => {
    await repo?.cleanup();
    await site?.cleanup();
  });

  it('mid-upload: one info line in the JSON log', async () => {
    const from = logLines().length;
    const upload = startCurl(`${repo.url}/api/images/raw/disk.img`, {
      caDir: site.caDir,
      credential: bob.proxyPath,
      args: ['-T', image, '--limit-rate', '8M'],
    });
    await waitFor('an upload in progress', async () => {
      for (const name of await readdir(uploads())) if ((await sizeOf(join(uploads(), name))) > 2 * MIB) return true;
      return false;
    });
    upload.child.kill('SIGINT');
    await upload.result;
    assertOneInfoLine(await linesSince(from), 'PUT');
  });

  it('mid-download: one info line in the JSON log', async () => {
    const stored = curl(`${repo.url}/api/images/raw/disk.img`, { caDir: site.caDir, credential: bob.proxyPath, args: ['-T', image] });
    assert.equal(stored.status, 200, stored.body);
    await waitFor('the upload to be logged', () => logLines().some((line) => line.msg === 'request' && line.method === 'PUT'));
    const out = join(site.dir, 'out.img');
    const from = logLines().length;
    const download = startCurl(`${repo.url}/api/images/raw/disk.img`, {
      caDir: site.caDir,
      credential: bob.proxyPath,
      args: ['-o', out, '--limit-rate', '4M'],
    });
    await waitFor('a download in progress', async () => (await sizeOf(out).catch(() => 0)) > 2 * MIB);
    download.child.kill('SIGINT');
    await download.result;
    assertOneInfoLine(await linesSince(from), 'GET');
  });
});
