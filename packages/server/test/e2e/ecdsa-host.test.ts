// An ECDSA (P-256) host certificate, the cheaper handshake (docs/configuration.md, [tls]): the
// real repoman-server starts with it, answers a grid-proxy-init proxy presented by curl over
// TLS 1.3 and TLS 1.2 (an ECDHE-ECDSA suite), proves to a client that its key is the EC one,
// and the HEPiX image lists it signs with that key verify with `openssl smime -verify`, as
// vmcatcher and atrope check them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { loadImageListSigner } from '../../src/services/image-list-signer.js';
import { curl } from '../helpers/curl.js';
import { makeGridSite, type GridSite, type GridUser } from '../helpers/grid-site.js';
import { startRepository, type Repository } from '../helpers/repository-process.js';

describe('an ECDSA host certificate', () => {
  let site: GridSite;
  let bob: GridUser;
  let repo: Repository;

  before(async () => {
    site = await makeGridSite({ hostKey: 'ec' });
    bob = await site.user('bob');
    repo = await startRepository({ site, adminDns: [bob.dn] });
  });
  after(async () => {
    await repo?.cleanup();
    await site?.cleanup();
  });

  it('serves a grid proxy over TLS 1.3 and 1.2 with its EC key', async () => {
    for (const args of [[], ['--tls-max', '1.2', '--ciphers', 'ECDHE-ECDSA-AES128-GCM-SHA256']]) {
      const result = curl(`${repo.url}/api/whoami`, { caDir: site.caDir, credential: bob.proxyPath, args });
      assert.equal(result.status, 200, `${args.join(' ')}: ${result.stderr}${result.body}`);
      assert.equal((result.json as { client_dn: string }).client_dn, bob.dn);
    }
    const port = Number(new URL(repo.url).port);
    const keyType = await new Promise<string | undefined>((done, fail) => {
      const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
        done(socket.getPeerX509Certificate()?.publicKey.asymmetricKeyType);
        socket.destroy();
      }).once('error', fail);
    });
    assert.equal(keyType, 'ec');
  });

  it('signs image lists that openssl smime -verify accepts', async () => {
    const signer = await loadImageListSigner({ cert: site.hostCert, key: site.hostKey });
    assert.equal(signer.warning, null);
    const signed = join(site.dir, 'image.list');
    await writeFile(signed, await signer.sign('{"hv:imagelist": {}}\n'));
    const verify = spawnSync('openssl', ['smime', '-verify', '-CApath', site.caDir, '-in', signed], { encoding: 'utf8' });
    assert.equal(verify.status, 0, verify.stderr);
    assert.match(verify.stdout, /hv:imagelist/);
  });
});
