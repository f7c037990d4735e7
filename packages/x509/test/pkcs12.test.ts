// PKCS#12 files as browsers import them (the web UI's login, SPEC §4.1): OpenSSL verifies the
// MAC with the password and refuses a wrong one, and gets back the very certificate and key.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair, issueCertificate, toPem, toPkcs12, type Certificate } from '../src/index.js';
import { DAY, hasCommand, tempDir } from './helpers.js';

describe('toPkcs12', { skip: !hasCommand('openssl') && 'openssl is missing' }, () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let cert: Certificate;
  const keys = generateKeyPair(2048);

  before(async () => {
    dir = await tempDir('pkcs12-');
    const now = Date.now();
    cert = issueCertificate({ subject: '/DC=org/DC=Test/CN=Ada Admin', publicKey: keys.publicKey, signingKey: keys.privateKey, notBefore: new Date(now - DAY), notAfter: new Date(now + DAY) });
  });
  after(() => dir.cleanup());

  const read = (file: string, password: string) =>
    spawnSync('openssl', ['pkcs12', '-in', file, '-passin', `pass:${password}`, '-nodes'], { encoding: 'utf8' });

  it('opens with its password in openssl, holding the certificate, its key and the friendly name', async () => {
    const file = join(dir.path, 'admin.p12');
    await writeFile(file, toPkcs12({ cert, key: keys.privateKey, password: 'pässword 1', friendlyName: 'Repoman Admin' }));
    const opened = read(file, 'pässword 1');
    assert.equal(opened.status, 0, opened.stderr);
    assert.ok(opened.stdout.includes(toPem(cert).trim()), 'the same certificate');
    assert.match(opened.stdout, /friendlyName: Repoman Admin/);
    const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(opened.stdout)?.[0];
    assert.equal(key, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trim());
  });

  it('refuses a wrong password, and an empty one is not written', async () => {
    const file = join(dir.path, 'other.p12');
    await writeFile(file, toPkcs12({ cert, key: keys.privateKey, password: 'right', friendlyName: 'x' }));
    const refused = read(file, 'wrong');
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /mac verify|invalid password/i);
    assert.throws(() => toPkcs12({ cert, key: keys.privateKey, password: '', friendlyName: 'x' }), /empty/);
  });
});
