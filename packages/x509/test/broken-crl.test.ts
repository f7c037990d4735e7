// A broken CRL in the grid CA directory (truncated, garbage, badly signed, not yet valid) must
// not turn revocation off: every certificate of that CA is refused, as by `openssl verify
// -crl_check_all`, with a warning naming the file, until a good CRL replaces it. Checked at
// run time (a TrustStore refreshed after the file changed) and at start (a fresh load), and
// each verdict compared with openssl's on the same directory.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChainValidator, CredentialError, TrustStore, issueCrl, subjectHash, toPem } from '../src/index.js';
import { DAY, HOUR, type Pki, ders, hasCommand, makePki, tempDir, writeCaDir } from './helpers.js';

const OPENSSL = hasCommand('openssl');

describe('a broken CRL refuses its CA\'s certificates', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let pki: Pki;
  let subCrl: string;
  let running: TrustStore;
  const fresh = { thisUpdate: new Date(Date.now() - HOUR), nextUpdate: new Date(Date.now() + DAY) };
  const goodSubCrl = (revoked: string[] = []): string => toPem(issueCrl({ issuer: pki.sub, revokedSerials: revoked, ...fresh }));

  before(async () => {
    dir = await tempDir();
    pki = makePki();
    await writeCaDir(dir.path, [pki.root.cert, pki.sub.cert]);
    // -crl_check_all wants a CRL for every CA of the path: the root's is always good.
    await writeFile(join(dir.path, `${subjectHash(pki.root.cert)}.r0`), toPem(issueCrl({ issuer: pki.root, revokedSerials: [], ...fresh })));
    subCrl = join(dir.path, `${subjectHash(pki.sub.cert)}.r0`);
    await writeFile(subCrl, goodSubCrl([pki.alice.cert.serialHex]));
    await writeFile(join(dir.path, 'bob.pem'), toPem(pki.bob.cert));
    await writeFile(join(dir.path, 'alice.pem'), toPem(pki.alice.cert));
    running = await TrustStore.load({ caDir: dir.path, checkIntervalMs: 0 });
  });
  after(() => dir.cleanup());

  /** Our verdict on a user's certificate with this trust store: 'ok' or the refusal's code. */
  const ours = (trust: TrustStore, user: 'bob' | 'alice'): { code: string; message: string } => {
    try {
      new ChainValidator({ trust, cacheSize: 0 }).validate(ders(pki[user].cert));
      return { code: 'ok', message: '' };
    } catch (err) {
      assert.ok(err instanceof CredentialError, String(err));
      return { code: err.code, message: err.message };
    }
  };
  /** openssl's verdict on the same directory: 'ok' or its error line. */
  const openssl = (user: 'bob' | 'alice'): string => {
    const r = spawnSync('openssl', ['verify', '-crl_check_all', '-CApath', dir.path, join(dir.path, `${user}.pem`)], { encoding: 'utf8' });
    return r.status === 0 ? 'ok' : /error \d+ at \d+ depth lookup: (.*)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? `${r.stdout}${r.stderr}`;
  };

  /** Both verdicts, at run time (the running store refreshed) and at start (a fresh load). */
  const verdicts = async (): Promise<{ run: Record<string, string>; start: Record<string, string>; openssl: Record<string, string>; warnings: string[] }> => {
    assert.equal(await running.refresh({ force: true }), true, 'the running store reloads the changed directory');
    const started = await TrustStore.load({ caDir: dir.path });
    const verdict = (trust: TrustStore): Record<string, string> => ({ bob: ours(trust, 'bob').code, alice: ours(trust, 'alice').code });
    return {
      run: verdict(running), start: verdict(started),
      openssl: OPENSSL ? { bob: openssl('bob'), alice: openssl('alice') } : {},
      warnings: started.warnings,
    };
  };

  const broken: Array<{ name: string; content: () => string | Buffer; opensslSays: RegExp; reason: RegExp; warning: RegExp }> = [
    {
      name: 'truncated', content: () => goodSubCrl([pki.alice.cert.serialHex]).slice(0, 300),
      opensslSays: /unable to get certificate CRL/, reason: /cannot be parsed/, warning: /truncated/,
    },
    {
      name: 'garbage', content: () => Buffer.from('\x00\x17 not a CRL at all \xff\xfe'.repeat(20), 'latin1'),
      opensslSays: /unable to get certificate CRL/, reason: /cannot be parsed/, warning: /not a valid X\.509 CRL/,
    },
    {
      name: 'signed with another key',
      content: () => toPem(issueCrl({ issuer: { cert: pki.sub.cert, key: pki.bob.key }, revokedSerials: [pki.alice.cert.serialHex], ...fresh })),
      opensslSays: /CRL signature failure/, reason: /signature does not verify/, warning: /signature of this CRL .* does not verify/,
    },
    {
      name: 'not yet valid (thisUpdate in the future)',
      content: () => toPem(issueCrl({ issuer: pki.sub, revokedSerials: [pki.alice.cert.serialHex], thisUpdate: new Date(Date.now() + DAY), nextUpdate: new Date(Date.now() + 2 * DAY) })),
      opensslSays: /CRL is not yet valid/, reason: /not valid before/, warning: /not valid before/,
    },
  ];

  it('accepts bob and refuses the revoked alice with a good CRL, as openssl does', async () => {
    await writeFile(subCrl, goodSubCrl([pki.alice.cert.serialHex, 'ff01']));
    const v = await verdicts();
    assert.deepEqual(v.run, { bob: 'ok', alice: 'CERT_REVOKED' });
    assert.deepEqual(v.start, v.run);
    if (OPENSSL) assert.deepEqual({ bob: v.openssl.bob, alice: /revoked/.test(v.openssl.alice ?? '') }, { bob: 'ok', alice: true }, JSON.stringify(v.openssl));
    assert.deepEqual(v.warnings, []);
  });

  for (const { name, content, opensslSays, reason, warning } of broken) {
    it(`refuses every certificate of the CA when its CRL is ${name}, naming the file in a warning; a good CRL restores it`, async () => {
      await writeFile(subCrl, content());
      const v = await verdicts();
      assert.deepEqual(v.run, { bob: 'CRL_UNUSABLE', alice: 'CRL_UNUSABLE' }, 'the revoked alice and bob are both refused');
      assert.deepEqual(v.start, v.run, 'the same after a restart');
      const refusal = ours(running, 'bob');
      assert.match(refusal.message, /the CRL of CA .*CN=Repoman Test User CA is unusable/);
      assert.match(refusal.message, reason);
      assert.match(refusal.message, /run fetch-crl/);
      assert.ok(!refusal.message.includes(dir.path), 'the client is not told the server\'s paths');
      const named = v.warnings.filter((w) => w.startsWith(`${subCrl}: `));
      assert.equal(named.length, 1, `one warning names ${subCrl}: ${JSON.stringify(v.warnings)}`);
      assert.match(named[0] as string, warning);
      assert.deepEqual(running.warnings, v.warnings, 'the running store has the same warning');
      if (OPENSSL) {
        assert.match(v.openssl.bob ?? '', opensslSays, 'openssl refuses bob too');
        assert.match(v.openssl.alice ?? '', opensslSays, 'and alice');
      }

      await writeFile(subCrl, goodSubCrl([pki.alice.cert.serialHex]));
      const good = await verdicts();
      assert.deepEqual(good.run, { bob: 'ok', alice: 'CERT_REVOKED' }, 'a good CRL dropped in: accepted again, the revoked still refused');
      assert.deepEqual(good.start, good.run);
      if (OPENSSL) assert.equal(good.openssl.bob, 'ok');
      assert.deepEqual(good.warnings, []);
    });
  }

  it('refuses the certificates below a CA whose own issuer\'s CRL is broken', async () => {
    const rootCrl = join(dir.path, `${subjectHash(pki.root.cert)}.r0`);
    await writeFile(rootCrl, 'garbage');
    const v = await verdicts();
    assert.deepEqual(v.run, { bob: 'CRL_UNUSABLE', alice: 'CERT_REVOKED' }, 'alice is refused already by her own CA\'s CRL');
    assert.match(ours(running, 'bob').message, /Root CA is unusable/);
    if (OPENSSL) assert.match(v.openssl.bob ?? '', /unable to get certificate CRL/);
    await writeFile(rootCrl, toPem(issueCrl({ issuer: pki.root, revokedSerials: [], ...fresh })));
    assert.deepEqual((await verdicts()).run, { bob: 'ok', alice: 'CERT_REVOKED' });
  });

  it('is unchanged with CRLs turned off', async () => {
    await writeFile(subCrl, 'garbage');
    const off = await TrustStore.load({ caDir: dir.path, crl: false });
    assert.equal(ours(off, 'alice').code, 'ok');
    assert.deepEqual(off.warnings, []);
    await writeFile(subCrl, goodSubCrl([pki.alice.cert.serialHex]));
  });
});
