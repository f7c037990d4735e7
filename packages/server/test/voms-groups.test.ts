/**
 * Groups from VOMS FQANs (SPEC §2.1), in-process: the FQAN patterns and how they match
 * (Role=NULL/Capability=NULL normalised away), setting `voms_fqans` and `voms_auto_register`
 * through the API (checked, normalised, needing group_modify_membership), per-request
 * membership (permissions, images shared with the group, whoami; never stored), and
 * auto-registration of an unknown DN (logged, name from the CN made unique, member of users
 * only). The transport's FQANs come from the test app's `x-test-fqans` header here; the real
 * TLS and VOMS path is tested end to end in e2e/voms-login.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkFqanPatterns, fqanMatches, normaliseFqan } from '../src/services/voms-fqans.js';
import { userNameFromDn } from '../src/services/admin-bootstrap.js';
import { createImage, putBytes } from './helpers/image-helpers.js';
import { ADMIN_DN, createTestApp, dumpDatabase, errorOf, type TestApp } from './helpers/test-app.js';

const BOB = '/DC=org/DC=Grid/OU=People/CN=Bob Smith';
const DOUG = '/DC=org/DC=Grid/OU=People/CN=Doug Fir';
const DOUG_ELSEWHERE = '/DC=org/DC=Other Grid/CN=Doug Fir';
const ATLAS = '/atlas/Role=NULL/Capability=NULL';

describe('FQAN patterns', () => {
  it('normalises Role=NULL and Capability=NULL away', () => {
    assert.equal(normaliseFqan('/atlas/Role=NULL/Capability=NULL'), '/atlas');
    assert.equal(normaliseFqan('/atlas/higgs/Role=production/Capability=NULL'), '/atlas/higgs/Role=production');
    assert.equal(normaliseFqan('/atlas'), '/atlas');
  });

  it('a group pattern matches the group and every subgroup and role below it, nothing else', () => {
    for (const fqan of [ATLAS, '/atlas', '/atlas/higgs', '/atlas/higgs/Role=NULL/Capability=NULL', '/atlas/Role=production/Capability=NULL']) {
      assert.ok(fqanMatches('/atlas', fqan), fqan);
    }
    for (const fqan of ['/atlasx', '/cms', '/cms/atlas', 'atlas', '/']) assert.ok(!fqanMatches('/atlas', fqan), fqan);
    assert.ok(fqanMatches('/atlas/higgs', '/atlas/higgs/susy'));
    assert.ok(!fqanMatches('/atlas/higgs', ATLAS));
  });

  it('a role pattern matches that group and role only', () => {
    assert.ok(fqanMatches('/atlas/Role=production', '/atlas/Role=production/Capability=NULL'));
    assert.ok(fqanMatches('/atlas/Role=production/Capability=NULL', '/atlas/Role=production'));
    assert.ok(!fqanMatches('/atlas/Role=production', ATLAS));
    assert.ok(!fqanMatches('/atlas/Role=production', '/atlas/higgs/Role=production'));
    assert.ok(!fqanMatches('/atlas/Role=production', '/atlas/Role=pilot'));
  });

  it('checks and normalises the patterns a group is given', () => {
    assert.deepEqual(checkFqanPatterns([ATLAS, '/atlas', '/cms/Role=production/Capability=NULL']), ['/atlas', '/cms/Role=production']);
    for (const bad of ['atlas', '/', '/atlas//higgs', '/Role=x', '/atlas/Role=a/Role=b', '/atlas/Capability=NULL/higgs', '/at las']) {
      assert.throws(() => checkFqanPatterns([bad]), /not an FQAN pattern/, bad);
    }
  });

  it('derives a valid user name from the DN\'s last CN', () => {
    assert.equal(userNameFromDn(DOUG, 'user'), 'doug-fir');
    assert.equal(userNameFromDn('/DC=ch/DC=cern/OU=Users/CN=doug/CN=612345/CN=Dóug Fír', 'user'), 'doug-fir');
    assert.equal(userNameFromDn('/DC=org/CN=api', 'user'), 'user');
    assert.equal(userNameFromDn('/DC=org/O=No CN', 'user'), 'user');
  });
});

describe('groups from FQANs over the API', () => {
  let t: TestApp;
  const admin = { dn: ADMIN_DN };

  before(async () => {
    t = await createTestApp();
    await t.addUser('bob', BOB);
    await t.addUser('pam', '/DC=org/DC=Grid/OU=People/CN=Pam Jones');
    const created = await t.request('POST', '/api/groups', { ...admin, json: { name: 'atlas', voms_fqans: [ATLAS], permissions: ['image_modify'] } });
    assert.equal(created.statusCode, 201, created.body);
    await createImage(t, '/DC=org/DC=Grid/OU=People/CN=Pam Jones', 'atlas-sw.img');
    assert.equal((await putBytes(t, '/DC=org/DC=Grid/OU=People/CN=Pam Jones', '/api/images/raw/pam/atlas-sw.img', 'atlas software')).statusCode, 200);
    assert.equal((await t.request('PUT', '/api/images/pam/atlas-sw.img/share/group/atlas', { dn: '/DC=org/DC=Grid/OU=People/CN=Pam Jones' })).statusCode, 200);
  });
  after(async () => t.close());

  it('stores the patterns normalised and answers them in the group record', async () => {
    const group = (await t.request('GET', '/api/groups/atlas', { dn: BOB })).json();
    assert.deepEqual(group.voms_fqans, ['/atlas']);
    assert.equal(group.voms_auto_register, false);
    const form = await t.request('POST', '/api/groups/atlas', { ...admin, form: { voms_fqans: ['/atlas', '/atlas/Role=production'], voms_auto_register: 'no' } });
    assert.equal(form.statusCode, 200, form.body);
    assert.deepEqual(form.json().voms_fqans, ['/atlas', '/atlas/Role=production']);
  });

  it('refuses a pattern that is no FQAN (400, nothing changed) and a caller without group_modify_membership (403)', async () => {
    await t.request('PUT', '/api/groups/users/permissions/group_modify', admin);
    const before = await dumpDatabase(t.metadata);
    const bad = await t.request('PATCH', '/api/groups/atlas', { ...admin, json: { voms_fqans: ['atlas'], name: 'atlas2' } });
    assert.equal(bad.statusCode, 400);
    assert.match(errorOf(bad).message, /"atlas" is not an FQAN pattern: give a VO group such as \/atlas/);
    const typed = await t.request('PATCH', '/api/groups/atlas', { ...admin, json: { voms_auto_register: 'yes please' } });
    assert.equal(typed.statusCode, 400);
    const forbidden = await t.request('PATCH', '/api/groups/atlas', { dn: BOB, json: { voms_auto_register: true } });
    assert.equal(forbidden.statusCode, 403);
    assert.match(errorOf(forbidden).message, /group_modify_membership/);
    const renameTaken = await t.request('PATCH', '/api/groups/atlas', { ...admin, json: { voms_auto_register: true, name: 'users' } });
    assert.equal(renameTaken.statusCode, 409);
    assert.deepEqual(await dumpDatabase(t.metadata), before);
    await t.request('DELETE', '/api/groups/users/permissions/group_modify', admin);
  });

  it('makes a holder of a matching FQAN a member for the request: whoami, permissions, images shared with the group', async () => {
    const me = (await t.request('GET', '/api/whoami', { dn: BOB, fqans: [ATLAS, '/atlas/higgs'] })).json();
    assert.deepEqual(me.fqans, [ATLAS, '/atlas/higgs']);
    assert.deepEqual(me.voms_groups, ['atlas']);
    assert.deepEqual(me.groups, ['users'], 'stored memberships only');
    assert.ok(me.permissions.includes('image_modify'));
    const read = await t.request('GET', '/api/images/raw/pam/atlas-sw.img', { dn: BOB, fqans: ['/atlas/higgs'] });
    assert.equal(read.statusCode, 200);
    assert.equal(read.body, 'atlas software');
    const listed = (await t.request('GET', '/api/images?shared=true', { dn: BOB, fqans: [ATLAS] })).json();
    assert.deepEqual(listed.map((image: { name: string }) => image.name), ['atlas-sw.img']);
  });

  it('gives nothing without a matching FQAN, and stores no membership', async () => {
    for (const fqans of [[], ['/cms/Role=NULL/Capability=NULL'], ['/atlasx']]) {
      const me = (await t.request('GET', '/api/whoami', { dn: BOB, fqans })).json();
      assert.deepEqual(me.voms_groups, []);
      assert.ok(!me.permissions.includes('image_modify'));
      assert.equal((await t.request('GET', '/api/images/raw/pam/atlas-sw.img', { dn: BOB, fqans })).statusCode, 404);
    }
    assert.deepEqual((await t.request('GET', '/api/groups/atlas/users', admin)).json(), []);
  });

  it('a role pattern gives the group to that role only', async () => {
    await t.request('POST', '/api/groups', { ...admin, json: { name: 'atlas-prod', voms_fqans: ['/atlas/Role=production'], permissions: ['image_delete'] } });
    const producer = (await t.request('GET', '/api/whoami', { dn: BOB, fqans: ['/atlas/Role=production/Capability=NULL'] })).json();
    assert.deepEqual(producer.voms_groups.sort(), ['atlas', 'atlas-prod']);
    const member = (await t.request('GET', '/api/whoami', { dn: BOB, fqans: [ATLAS] })).json();
    assert.deepEqual(member.voms_groups, ['atlas']);
  });

  it('an unknown DN stays anonymous (401) unless a matching group auto-registers', async () => {
    const refused = await t.request('GET', '/api/whoami', { dn: DOUG, fqans: [ATLAS] });
    assert.equal(refused.statusCode, 401);
    assert.equal((await t.request('GET', '/api/users/doug-fir', admin)).statusCode, 404);
  });

  it('auto-registers an unknown DN with a matching FQAN: name from the CN, made unique, member of users, logged', async () => {
    await t.request('POST', '/api/groups', { ...admin, json: { name: 'dteam', voms_fqans: ['/dteam'], voms_auto_register: true } });
    assert.equal((await t.request('GET', '/api/whoami', { dn: DOUG })).statusCode, 401, 'no FQAN: no registration');
    assert.equal((await t.request('GET', '/api/whoami', { dn: DOUG, fqans: ['/atlas'] })).statusCode, 401, 'atlas does not auto-register');
    const [first, again] = await Promise.all([
      t.request('GET', '/api/whoami', { dn: DOUG, fqans: ['/dteam/Role=NULL/Capability=NULL'] }),
      t.request('GET', '/api/whoami', { dn: DOUG, fqans: ['/dteam/Role=NULL/Capability=NULL'] }),
    ]);
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(again.json().user_name, first.json().user_name, 'two connections at once make one user');
    assert.deepEqual(
      { name: first.json().user_name, dn: first.json().client_dn, full: first.json().full_name, groups: first.json().groups, voms: first.json().voms_groups },
      { name: 'doug-fir', dn: DOUG, full: 'Doug Fir', groups: ['users'], voms: ['dteam'] },
    );
    const other = (await t.request('GET', '/api/whoami', { dn: DOUG_ELSEWHERE, fqans: ['/dteam'] })).json();
    assert.equal(other.user_name, 'doug-fir-2');
    const logged = t.logs.filter((line) => line.includes('"voms_auto_register"')).map((line) => JSON.parse(line));
    assert.deepEqual(logged.map((entry) => [entry.user, entry.dn, entry.groups]), [['doug-fir', DOUG, ['dteam']], ['doug-fir-2', DOUG_ELSEWHERE, ['dteam']]]);
    // Registered now: the DN alone is the user, without any VO group.
    const plain = (await t.request('GET', '/api/whoami', { dn: DOUG })).json();
    assert.deepEqual([plain.user_name, plain.voms_groups, plain.fqans], ['doug-fir', [], []]);
  });
});
