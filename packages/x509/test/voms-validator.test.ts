// VOMS attribute certificates made by voms-proxy-fake over an openssl test CA, checked by
// VomsValidator against a vomsdir (SPEC §2.1): the good case agrees with voms-proxy-info, and
// each hostile case changes exactly one thing (with the real tool, or by re-signing one field
// of a real AC with the VOMS server's key) and is refused with its own reason, never thrown.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { encodeElement, encodeInteger, encodeOid, encodeSequence } from '../src/der-writer.js';
import {
  Certificate, ChainValidator, TrustStore, VOMS_OID, VomsDir, type VomsVerdict, VomsValidator, issueProxy, parseVomsAc,
} from '../src/index.js';
import { hasCommand } from './helpers.js';
import {
  CA_DN, type GridFixture, LSC, VOMS_DN, VOMS_HOST, acOf, editExtensions, extension, keyOf, makeGridFixture, proxyWithAcs, resign,
} from './voms-fixtures.js';

const READY = hasCommand('voms-proxy-fake') && hasCommand('voms-proxy-info') && hasCommand('openssl');
const SERVER = 'repoman.example.org';
const MIN = 60_000;

describe('VOMS attribute certificates', { skip: READY ? false : 'voms-clients or openssl is not installed' }, () => {
  let fx: GridFixture;
  let chainValidator: ChainValidator;
  let vomsdir: VomsDir;
  let good: Buffer[];
  let user: { cert: Certificate; key: import('node:crypto').KeyObject };
  let vomsKey: import('node:crypto').KeyObject;
  let vomsCert: Certificate;

  const validator = (opts: { dir?: VomsDir; now?: number; serverNames?: string[] } = {}): VomsValidator => new VomsValidator({
    vomsdir: opts.dir ?? vomsdir, chainValidator, serverNames: opts.serverNames ?? [SERVER],
    ...(opts.now === undefined ? {} : { now: (): Date => new Date(opts.now as number) }),
  });
  const refusedFor = (verdict: VomsVerdict, pattern: RegExp): void => {
    assert.deepEqual(verdict.trusted, [], 'the AC should not be trusted');
    assert.deepEqual(verdict.fqans, []);
    assert.equal(verdict.refused.length, 1);
    assert.match(verdict.refused[0]?.reason ?? '', pattern);
  };
  const trustedFqans = (verdict: VomsVerdict): string[] => {
    assert.deepEqual(verdict.refused, []);
    return verdict.fqans;
  };
  /** Doug's proxy carrying `ac` instead of voms-proxy-fake's. */
  const withAc = (ac: Buffer): Buffer[] => proxyWithAcs(user, [ac], []);

  before(async () => {
    fx = await makeGridFixture();
    chainValidator = new ChainValidator({ trust: await TrustStore.load({ caDir: fx.caDir }) });
    vomsdir = (await fx.vomsdir('default', { [`testvo/${VOMS_HOST}.lsc`]: LSC })).vomsdir;
    good = await fx.fake('good', { fqans: ['/testvo/Role=NULL/Capability=NULL', '/testvo/higgs'] });
    user = { cert: Certificate.fromPem(await readFile(fx.f('user.pem'), 'utf8'))[0] as Certificate, key: await keyOf(fx.f('user.key')) };
    vomsKey = await keyOf(fx.f('voms.key'));
    vomsCert = Certificate.fromPem(await readFile(fx.f('voms.pem'), 'utf8'))[0] as Certificate;
  });
  after(() => fx?.cleanup());

  it('trusts an AC made by voms-proxy-fake, with the FQANs and VO that voms-proxy-info shows', async () => {
    assert.equal(chainValidator.validate(good).dn, user.cert.subjectDn);
    const verdict = validator().validate(good);
    const info = fx.run('voms-proxy-info', ['-all', '-file', fx.f('good')], { X509_VOMS_DIR: fx.f('vomsdir-default') });
    const shown = [...info.matchAll(/^attribute : (.+)$/gm)].map((m) => m[1]);
    assert.deepEqual(trustedFqans(verdict), shown);
    assert.deepEqual(shown, ['/testvo/Role=NULL/Capability=NULL', '/testvo/higgs']);
    assert.equal(verdict.trusted[0]?.vo, /^VO +: (.+)$/m.exec(info)?.[1]);
    assert.equal(verdict.trusted[0]?.issuerDn, /^issuer +: (.+)$/gm.exec(info.slice(info.indexOf('=== VO')))?.[1]);
    assert.equal(`${verdict.trusted[0]?.host}:${verdict.trusted[0]?.port}`, /^uri +: (.+)$/m.exec(info)?.[1]);
  });

  it('lets a cache keep the verdict until the AC (or the VOMS certificate) ends, skew included', () => {
    const verdict = validator().validate(good);
    const ac = verdict.trusted[0];
    assert.ok(ac);
    assert.equal(verdict.validUntil, Math.min(ac.notAfter.getTime(), vomsCert.notAfter.getTime()) + 5 * MIN);
    assert.equal(validator().validate([user.cert.der]).validUntil, Infinity);
  });

  it('refuses an AC whose FQAN has one flipped byte (signature)', () => {
    const ac = Buffer.from(acOf(good));
    const at = ac.indexOf('/testvo/higgs');
    ac.writeUInt8(ac.readUInt8(at + 8) ^ 0x20, at + 8); // higgs -> Higgs
    assert.deepEqual(parseVomsAc(ac).fqans, ['/testvo/Role=NULL/Capability=NULL', '/testvo/Higgs']);
    refusedFor(validator().validate(withAc(ac)), /signature does not verify with the key of .*voms\.example\.org/);
    assert.deepEqual(trustedFqans(validator().validate(withAc(acOf(good)))), ['/testvo/Role=NULL/Capability=NULL', '/testvo/higgs']);
  });

  it('refuses an AC signed by a rogue VOMS server that copies the trusted DNs (its chain does not validate)', async () => {
    // voms-proxy-info -all prints this AC like a good one: it does not validate the server's chain.
    const rogue = await fx.fake('rogue', { server: 'roguevoms' });
    refusedFor(validator().validate(rogue), /server certificate .*voms\.example\.org is not trusted: .*signature/);
  });

  it('refuses when the VOMS server DN, or the CA DN, is not the .lsc file\'s', async () => {
    const wrongServer = await fx.vomsdir('wrong-server', { [`testvo/${VOMS_HOST}.lsc`]: `/DC=org/DC=Grid Test/CN=voms2.example.org\n${CA_DN}\n` });
    refusedFor(validator({ dir: wrongServer.vomsdir }).validate(good), /does not match testvo\/voms\.example\.org\.lsc/);
    const wrongCa = await fx.vomsdir('wrong-ca', { [`testvo/${VOMS_HOST}.lsc`]: `${VOMS_DN}\n/DC=org/DC=Grid Test/CN=Another CA\n` });
    refusedFor(validator({ dir: wrongCa.vomsdir }).validate(good), /does not match testvo\/voms\.example\.org\.lsc/);
  });

  it('reads .lsc comments and alternative chains, and compares DNs as OpenSSL does (case and spacing of values)', async () => {
    const text = `# renewed in 2026\n/DC=org/DC=Grid Test/CN=old.example.org\n${CA_DN}\n------ NEXT CHAIN ------\n`
      + `/DC=org/DC=grid test/CN=VOMS.Example.org\n/DC=org/DC=Grid  Test/CN=Grid Test CA\n`;
    const alt = await fx.vomsdir('alternatives', { [`testvo/${VOMS_HOST}.lsc`]: text });
    assert.deepEqual(trustedFqans(validator({ dir: alt.vomsdir }).validate(good)), ['/testvo/Role=NULL/Capability=NULL', '/testvo/higgs']);
  });

  it('refuses when the vomsdir has no .lsc for the VO, or none for the host', async () => {
    const otherVo = await fx.vomsdir('other-vo', { [`atlas/${VOMS_HOST}.lsc`]: LSC });
    refusedFor(validator({ dir: otherVo.vomsdir }).validate(good), /no directory for the VO testvo/);
    const otherHost = await fx.vomsdir('other-host', { 'testvo/voms2.example.org.lsc': LSC });
    refusedFor(validator({ dir: otherHost.vomsdir }).validate(good), /no testvo\/voms\.example\.org\.lsc or \.pem/);
    refusedFor(validator({ dir: (await fx.vomsdir('empty', {})).vomsdir }).validate(good), /no directory for the VO testvo/);
  });

  it('accepts vomsdir/<vo>/<host>.pem holding the VOMS server certificate instead of an .lsc', async () => {
    const pem = await fx.vomsdir('pem', { [`testvo/${VOMS_HOST}.pem`]: await readFile(fx.f('voms.pem'), 'utf8') });
    assert.deepEqual(trustedFqans(validator({ dir: pem.vomsdir }).validate(good)), ['/testvo/Role=NULL/Capability=NULL', '/testvo/higgs']);
    const rogue = await fx.vomsdir('pem-rogue', { [`testvo/${VOMS_HOST}.pem`]: await readFile(fx.f('roguevoms.pem'), 'utf8') });
    refusedFor(validator({ dir: rogue.vomsdir }).validate(good), /is not trusted/);
    const alice = await fx.vomsdir('pem-other', { [`testvo/${VOMS_HOST}.pem`]: await readFile(fx.f('alice.pem'), 'utf8') });
    refusedFor(validator({ dir: alice.vomsdir }).validate(good), /\.pem holds no certificate of the AC issuer/);
  });

  it('refuses an AC outside its validity, with 5 minutes allowed either side', async () => {
    const ac = validator().validate(good).trusted[0];
    assert.ok(ac);
    const end = ac.notAfter.getTime();
    const start = ac.notBefore.getTime();
    assert.equal(validator({ now: end + 4 * MIN }).validate(good).fqans.length, 2);
    refusedFor(validator({ now: end + 6 * MIN }).validate(good), /expired on/);
    assert.equal(validator({ now: start - 4 * MIN }).validate(good).fqans.length, 2);
    const early = validator({ now: start - 6 * MIN }).validate(good);
    refusedFor(early, /not valid before/);
    assert.equal(early.validUntil, start - 5 * MIN, 'a cached refusal must end when the AC becomes valid');
    const old = await fx.fake('old', { extra: ['-pastac', '3:00', '-vomslife', '1'] });
    refusedFor(validator().validate(old), /expired on/);
  });

  it('refuses an AC whose holder is another user: another serial, or the same serial from another CA', async () => {
    refusedFor(validator().validate(withAc(acOf(await fx.fake('alice', { user: 'alice' })))), /holder \(serial 10f7, .*Alice Jones\) is not the certificate .*Doug Fir \(serial 1092/);
    refusedFor(validator().validate(withAc(acOf(await fx.fake('eve', { user: 'eve' })))), /holder \(serial 1092, \/DC=org\/DC=Other Grid\/CN=Eve\)/);
    const holder = (nameDer: Buffer, serial: number): Buffer =>
      encodeSequence([encodeElement(0xa0, Buffer.concat([encodeSequence([encodeElement(0xa4, nameDer)]), encodeInteger(serial)]))]);
    const rfcForm = resign(acOf(good), vomsKey, (f) => [f[0] as Buffer, holder(user.cert.issuerDer, 4242), ...f.slice(2)]);
    assert.equal(trustedFqans(validator().validate(withAc(rfcForm))).length, 2, 'holder = EEC issuer + serial (RFC 5755) is trusted');
    const eve = Certificate.fromPem(await readFile(fx.f('eve.pem'), 'utf8'))[0] as Certificate;
    const otherIssuer = resign(acOf(good), vomsKey, (f) => [f[0] as Buffer, holder(eve.issuerDer, 4242), ...f.slice(2)]);
    refusedFor(validator().validate(withAc(otherIssuer)), /holder .*Other CA\) is not the certificate/);
  });

  it('refuses an AC whose targets name another host; trusts one naming this server', async () => {
    const targets = (name: string): Buffer => extension(VOMS_OID.targets, true,
      encodeSequence([encodeSequence([encodeElement(0xa0, encodeElement(0x86, Buffer.from(name)))])]));
    const other = editExtensions(acOf(good), vomsKey, (exts) => [...exts, targets('other.example.org')]);
    assert.deepEqual(parseVomsAc(other).targets, ['other.example.org']);
    refusedFor(validator().validate(withAc(other)), /targets \(other\.example\.org\) do not name this server \(repoman\.example\.org\)/);
    const ours = editExtensions(acOf(good), vomsKey, (exts) => [...exts, targets(SERVER)]);
    assert.equal(trustedFqans(validator().validate(withAc(ours))).length, 2);
    refusedFor(validator({ serverNames: [] }).validate(withAc(ours)), /no server_name configured/);
    // Debian's voms-proxy-fake -target writes a targeting extension naming nothing (or crashes);
    // VOMS's own validator refuses such an AC, and so does this one.
    const nothing = editExtensions(acOf(good), vomsKey, (exts) => [...exts, extension(VOMS_OID.targets, true, Buffer.from('30023000', 'hex'))]);
    refusedFor(validator().validate(withAc(nothing)), /targeting extension names no host/);
  });

  it('refuses an AC with an unknown critical extension; ignores unknown non-critical ones', async () => {
    const critical = editExtensions(acOf(good), vomsKey, (exts) => [...exts, extension('1.3.6.1.4.1.99999.1', true, Buffer.from([5, 0]))]);
    refusedFor(validator().validate(withAc(critical)), /unknown critical extension 1\.3\.6\.1\.4\.1\.99999\.1/);
    const plain = editExtensions(acOf(good), vomsKey, (exts) => [...exts, extension('1.3.6.1.4.1.99999.1', false, Buffer.from([5, 0]))]);
    assert.equal(trustedFqans(validator().validate(withAc(plain))).length, 2);
    assert.equal(trustedFqans(validator().validate(await fx.fake('acext', { extra: ['-acextension', '1.2.3.4:abc'] }))).length, 1);
  });

  it('refuses an AC without, or with another, authority key identifier', () => {
    const isAki = (e: Buffer): boolean => e.subarray(2, 7).equals(Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x23])); // short Extension: OID right after the header
    const none = editExtensions(acOf(good), vomsKey, (exts) => exts.filter((e) => !isAki(e)));
    refusedFor(validator().validate(withAc(none)), /no authority key identifier/);
    const aki = extension(VOMS_OID.authorityKeyIdentifier, false, encodeSequence([encodeElement(0x80, Buffer.alloc(20, 7))]));
    const other = editExtensions(acOf(good), vomsKey, (exts) => [...exts.filter((e) => !isAki(e)), aki]);
    refusedFor(validator().validate(withAc(other)), /authority key identifier does not match/);
  });

  it('refuses an AC whose issuer is not the VOMS server certificate, though signed with its key', () => {
    const issuer = encodeElement(0xa0, encodeSequence([encodeElement(0xa4, user.cert.issuerDer)]));
    const other = resign(acOf(good), vomsKey, (f) => [f[0] as Buffer, f[1] as Buffer, issuer, ...f.slice(3)]);
    assert.deepEqual(parseVomsAc(other).issuer.map((n) => n.dn), [CA_DN]);
    refusedFor(validator().validate(withAc(other)), /its issuer \/DC=org\/DC=Grid Test\/CN=Grid Test CA is not the server certificate/);
  });

  it('refuses an AC whose FQANs name no VO and server (no policy authority)', () => {
    const attributes = encodeSequence([encodeSequence([encodeOid(VOMS_OID.fqans),
      encodeElement(0x31, encodeSequence([encodeSequence([encodeElement(0x04, Buffer.from('/testvo'))])]))])]);
    const bare = resign(acOf(good), vomsKey, (f) => [...f.slice(0, 6), attributes, ...f.slice(7)]);
    assert.deepEqual(parseVomsAc(bare).fqans, ['/testvo']);
    refusedFor(validator().validate(withAc(bare)), /names no VO and server/);
  });

  it('refuses an AC with an FQAN outside its VO (voms-proxy-fake -fqan)', async () => {
    refusedFor(validator().validate(await fx.fake('outside', { fqans: ['/testvo/Role=NULL/Capability=NULL', '/atlas/Role=production'] })),
      /FQAN \/atlas\/Role=production is outside the VO testvo/);
    refusedFor(validator().validate(await fx.fake('prefix', { fqans: ['/testvoo/Role=NULL/Capability=NULL'] })), /FQAN \/testvoo\/Role=NULL/);
  });

  it('finds the AC in whichever proxy carries it; the holder is still the EEC', async () => {
    const vomsProxy = { cert: Certificate.fromDer(good[0] as Buffer), key: await keyOf(fx.f('good')) };
    const proxyOfVomsProxy = proxyWithAcs(vomsProxy, [], [user.cert.der]);
    assert.equal(chainValidator.validate(proxyOfVomsProxy).proxyDepth, 2);
    assert.equal(trustedFqans(validator().validate(proxyOfVomsProxy)).length, 2);
    const plain = issueProxy({ issuerCert: user.cert, issuerKey: user.key, lifetimeSeconds: 3600 });
    const acOnTop = proxyWithAcs(plain, [acOf(good)], [user.cert.der]);
    assert.equal(chainValidator.validate(acOnTop).proxyDepth, 2);
    assert.equal(trustedFqans(validator().validate(acOnTop)).length, 2);
    assert.deepEqual(validator().validate(acOnTop.map((d) => Certificate.fromDer(d))), validator().validate(acOnTop), 'parsed certificates give the same verdict');
  });

  it('judges each AC of a proxy by itself: a trusted VO and a refused one', async () => {
    const atlas = acOf(await fx.fake('atlas', { vo: 'atlas' }));
    const verdict = validator().validate(proxyWithAcs(user, [acOf(good), atlas], []));
    assert.deepEqual(verdict.fqans, ['/testvo/Role=NULL/Capability=NULL', '/testvo/higgs']);
    assert.deepEqual(verdict.trusted.map((t) => t.vo), ['testvo']);
    assert.equal(verdict.refused.length, 1);
    assert.equal(verdict.refused[0]?.vo, 'atlas');
    assert.match(verdict.refused[0]?.reason ?? '', /no directory for the VO atlas/);
  });

  it('loads a vomsdir, skipping unreadable files with a warning; a missing vomsdir is empty', async () => {
    const broken = await fx.vomsdir('broken', { [`testvo/${VOMS_HOST}.lsc`]: LSC, 'atlas/voms.cern.ch.pem': 'not a certificate' });
    assert.ok(broken.vomsdir.server('testvo', VOMS_HOST)?.lsc);
    assert.equal(broken.vomsdir.server('atlas', 'voms.cern.ch'), undefined);
    assert.match(broken.vomsdir.warnings.join('\n'), /atlas\/voms\.cern\.ch\.pem skipped/);
    const missing = await VomsDir.load(fx.f('no-such-vomsdir'));
    assert.equal(missing.hasVo('testvo'), false);
    assert.match(missing.warnings.join('\n'), /cannot be read/);
  });

  it('never throws: no AC, an unreadable extension and an unparsable AC give reasons', () => {
    assert.deepEqual(validator().validate([user.cert.der]), { trusted: [], refused: [], fqans: [], validUntil: Infinity });
    const garbage = issueProxy({
      issuerCert: user.cert, issuerKey: user.key, lifetimeSeconds: 3600, extensions: [{ oid: VOMS_OID.acSequence, critical: false, value: Buffer.from([0x30, 0x05, 1]) }],
    });
    refusedFor(validator().validate([garbage.cert.der, user.cert.der]), /VOMS extension cannot be read/);
    refusedFor(validator().validate(withAc(encodeSequence([encodeInteger(1)]))), /cannot be parsed/);
    assert.equal(validator().validate([]).refused.length, 0);
  });
});
