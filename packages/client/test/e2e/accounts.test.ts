// The built `repoman` against the real repoman-server over TLS, with real grid-proxy-init
// proxies: identity (whoami, about, make-config), credential failures (exit 3), untrusted
// servers, and every user, group and permission command, with --json parseable.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createPrivateKey } from 'node:crypto';
import { Certificate, issueProxy, writeProxyFile } from '@repoman/x509';
import { makeClientSite, type ClientSite } from '../helpers/client-site.js';
import { runRepoman } from '../helpers/run-repoman.js';

describe('repoman accounts commands against a real server', () => {
  let s: ClientSite;
  before(async () => {
    s = await makeClientSite();
  });
  after(async () => {
    await s?.cleanup();
  });

  const ok = (result: { code: number | null; stderr: string; stdout: string }): void =>
    assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}${result.stdout}`);

  it('whoami shows the user of the grid proxy, as a table and as JSON', async () => {
    const table = await s.as(s.bob)(['whoami']);
    ok(table);
    assert.match(table.stdout, /user_name:\s+bob/);
    assert.ok(table.stdout.includes(s.bob.dn));
    const json = await s.as(s.bob)(['whoami', '--json']);
    ok(json);
    assert.equal((json.json as { user_name: string }).user_name, 'bob');
    assert.deepEqual((json.json as { permissions: string[] }).permissions, ['image_create']);
  });

  it('a missing proxy exits 3 naming grid-proxy-init, before any call', async () => {
    const result = await runRepoman(['whoami'], { env: s.envOf(s.bob, { X509_USER_PROXY: join(s.site.dir, 'no-such-proxy') }) });
    assert.equal(result.code, 3);
    assert.match(result.stderr, /^repoman: no grid proxy at .*grid-proxy-init.*\n$/);
  });

  it('an expired proxy exits 3 naming grid-proxy-init', async () => {
    const bobCert = Certificate.fromPem(await readFile(s.bob.certPath, 'utf8'))[0]!;
    const bobKey = createPrivateKey(await readFile(s.bob.keyPath, 'utf8'));
    const expired = join(s.site.dir, 'expired-proxy.pem');
    await writeProxyFile(expired, issueProxy({ issuerCert: bobCert, issuerKey: bobKey, lifetimeSeconds: 3600, notBefore: new Date(Date.now() - 3 * 3600_000) }), [bobCert]);
    const result = await runRepoman(['list-images'], { env: s.envOf(s.bob, { X509_USER_PROXY: expired }) });
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /expired.*grid-proxy-init/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  });

  it('a proxy with less than an hour left works with a warning on stderr', async () => {
    const short = join(s.site.dir, 'short-proxy.pem');
    s.site.gridTool(s.bob, 'grid-proxy-init', ['-q', '-valid', '0:20', '-out', short]);
    const result = await runRepoman(['whoami', '--json'], { env: s.envOf(s.bob, { X509_USER_PROXY: short }) });
    ok(result);
    assert.match(result.stderr, /warning: your grid proxy .* expires in \d+ minutes/);
    assert.equal((result.json as { user_name: string }).user_name, 'bob');
  });

  it('a valid proxy of an unregistered DN exits 3 saying to get the DN registered', async () => {
    const stranger = await s.site.user('stranger');
    const result = await s.as(stranger)(['whoami']);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /register your certificate's DN/);
  });

  it('refuses a server whose CA it does not trust (exit 1), and --insecure is the only way round it', async () => {
    const emptyCa = join(s.site.dir, 'homes', 'nobody');
    const result = await runRepoman(['whoami'], { env: s.envOf(s.bob, { X509_CERT_DIR: emptyCa }) });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /not trusted.*X509_CERT_DIR/);
    const insecure = await runRepoman(['whoami', '--insecure', '--json'], { env: s.envOf(s.bob, { X509_CERT_DIR: emptyCa }) });
    ok(insecure);
  });

  it('no server configured anywhere is a usage error (exit 2) saying how to set one', async () => {
    const result = await runRepoman(['whoami'], { env: s.envOf(s.bob, { REPOMAN_SERVER: undefined }) });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--server.*REPOMAN_SERVER.*make-config/);
  });

  it('make-config writes ~/.repoman/repoman.conf, which later commands use; it asks before replacing it', async () => {
    const env = s.envOf(s.pam, { REPOMAN_SERVER: undefined, X509_CERT_DIR: undefined, X509_USER_PROXY: undefined });
    const port = new URL(s.repo.url).port;
    const made = await runRepoman(['mc', '--server', `localhost:${port}`, '--proxy', s.pam.proxyPath, '--ca-dir', s.site.caDir], { env });
    ok(made);
    const text = await readFile(join(env.HOME ?? '', '.repoman', 'repoman.conf'), 'utf8');
    assert.match(text, /\[Repository\]\n#[^\n]*\nrepository = localhost\nport = \d+/);
    assert.ok(text.includes(`proxy_cert = ${s.pam.proxyPath}`));
    const who = await runRepoman(['whoami', '--json'], { env });
    ok(who);
    assert.equal((who.json as { user_name: string }).user_name, 'pam');
    const about = await runRepoman(['about', '--json'], { env });
    ok(about);
    assert.equal((about.json as { server: { source: string } }).server.source, 'config');
    const again = await runRepoman(['make-config', '--server', 'elsewhere'], { env });
    assert.equal(again.code, 2, 'no terminal to ask on: refuses');
    assert.match(again.stderr, /--force/);
    assert.ok((await readFile(join(env.HOME ?? '', '.repoman', 'repoman.conf'), 'utf8')).includes('repository = localhost'));
  });

  it('about shows the server, the proxy and its validity, without calling the server', async () => {
    const result = await s.as(s.bob)(['about']);
    ok(result);
    assert.match(result.stdout, /server:\s+https:\/\/localhost:\d+\/ \(from \$REPOMAN_SERVER\)/);
    assert.match(result.stdout, /proxy state:\s+valid until/);
    assert.match(result.stdout, /CA directory:.*\(from \$X509_CERT_DIR\)/);
  });

  it('creates, lists, describes, modifies and removes users (admin)', async () => {
    const admin = s.as(s.admin);
    const carol = await s.site.user('carol');
    ok(await admin(['create-user', 'carol', '--dn', carol.dn, '--full-name', 'Carol C', '--email', 'carol@example.org']));
    const listed = await admin(['list-users', '--json']);
    ok(listed);
    assert.deepEqual((listed.json as Array<{ user_name: string }>).map((u) => u.user_name).sort(), ['admin', 'bob', 'carol', 'pam']);
    const table = await admin(['lu']);
    assert.match(table.stdout, /^USER\s+GROUPS\s+DN/);
    assert.match(table.stdout, /carol\s+users\s+\/DC=org/);
    const described = await admin(['du', 'carol', '--json']);
    assert.equal((described.json as { full_name: string }).full_name, 'Carol C');
    ok(await admin(['mu', 'carol', '--email', 'c@example.org', '--suspended']));
    const suspended = await s.as(carol)(['whoami']);
    assert.equal(suspended.code, 1);
    assert.match(suspended.stderr, /suspended/i);
    ok(await admin(['modify-user', 'carol', '--suspended', 'false']));
    ok(await s.as(carol)(['whoami']));
    const refused = await admin(['remove-user', 'carol']);
    assert.equal(refused.code, 2, 'stdin is not a terminal: --force is required');
    assert.match(refused.stderr, /--force/);
    ok(await admin(['ru', 'carol', '--force']));
    const gone = await admin(['describe-user', 'carol']);
    assert.equal(gone.code, 4);
    assert.match(gone.stderr, /^repoman: .*list-users\n$/);
  });

  it('a user without the permission is told so (exit 1), in one line', async () => {
    const result = await s.as(s.bob)(['create-user', 'eve', '--dn', '/CN=Eve']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.match(result.stderr, /^repoman: /);
  });

  it('creates groups, changes members and permissions, renames and removes them', async () => {
    const admin = s.as(s.admin);
    ok(await admin(['create-group', 'atlas', '--users', 'bob', '--permissions', 'image_modify']));
    ok(await admin(['aug', 'atlas', 'pam']));
    ok(await admin(['apg', 'atlas', 'image_delete,user_modify']));
    let group = (await admin(['dg', 'atlas', '--json'])).json as { users: string[]; permissions: string[] };
    assert.deepEqual([...group.users].sort(), ['bob', 'pam']);
    assert.deepEqual([...group.permissions].sort(), ['image_delete', 'image_modify', 'user_modify']);
    ok(await admin(['rug', 'atlas', 'bob']));
    ok(await admin(['rpg', 'atlas', 'user_modify', '--json']));
    group = (await admin(['describe-group', 'atlas', '--json'])).json as { users: string[]; permissions: string[] };
    assert.deepEqual(group.users, ['pam']);
    assert.deepEqual([...group.permissions].sort(), ['image_delete', 'image_modify']);
    ok(await admin(['mg', 'atlas', '--new-name', 'atlas2']));
    const groups = await admin(['list-groups', '--json']);
    ok(groups);
    assert.deepEqual((groups.json as Array<{ name: string }>).map((g) => g.name).sort(), ['admins', 'atlas2', 'users']);
    assert.match((await admin(['lg'])).stdout, /^GROUP\s+PROTECTED\s+MEMBERS\s+PERMISSIONS\n/);
    ok(await admin(['rg', 'atlas2', '--force']));
    assert.equal((await admin(['dg', 'atlas2'])).code, 4);
  });

  it('lists permissions, as lines and as JSON', async () => {
    const lines = await s.as(s.bob)(['list-permissions']);
    ok(lines);
    assert.ok(lines.stdout.split('\n').includes('image_create'));
    const json = await s.as(s.bob)(['list-permissions', '--json']);
    assert.ok((json.json as string[]).includes('group_modify_permissions'));
  });
});
