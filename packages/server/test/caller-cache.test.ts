// The caller cache (services/caller-cache.ts): repeated requests of one identity resolve the
// caller from the database once; any account write through the stores (an admin suspending a
// user over the API, a permission granted, a user registered straight in the store) takes
// effect on the very next request; changes the stores did not see (another server instance)
// within CALLER_CACHE_MS; a suspended user is never served from the cache.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetadataStores } from '../src/metadata/metadata-store.js';
import { CALLER_CACHE_MS } from '../src/services/caller-cache.js';
import { ADMIN_DN, createTestApp, errorOf } from './helpers/test-app.js';

const DN = '/DC=org/DC=Repoman Test/CN=carol';

test('a caller is resolved once per burst of requests, and every account write through the stores takes effect on the next request', async () => {
  let lookups = 0;
  const t = await createTestApp({
    wrapMetadata: (metadata: MetadataStores) => ({
      ...metadata,
      users: new Proxy(metadata.users, {
        get: (target, property, receiver) => {
          if (property === 'findByDn') return (dn: string) => ((lookups += 1), target.findByDn(dn));
          return Reflect.get(target, property, receiver) as unknown;
        },
      }),
    }),
  });
  try {
    // Unknown DN: anonymous, cached too; registering the user in the store ends that at once.
    assert.equal((await t.request('GET', '/api/whoami', { dn: DN })).statusCode, 401);
    await t.addUser('carol', DN);
    const whoami = await t.request('GET', '/api/whoami', { dn: DN });
    assert.equal(whoami.statusCode, 200, whoami.body);
    lookups = 0;
    for (let i = 0; i < 5; i += 1) assert.equal((await t.request('GET', '/api/whoami', { dn: DN })).statusCode, 200);
    assert.equal(lookups, 0, 'no lookup while nothing changed');

    // An admin grants a permission to carol's group over the API: her next request has it.
    assert.equal((await t.request('PUT', '/api/groups/users/permissions/group_create', { dn: ADMIN_DN })).statusCode < 300, true);
    assert.ok((await t.request('GET', '/api/whoami', { dn: DN })).json<{ permissions: string[] }>().permissions.includes('group_create'));

    // Suspended over the API: refused at once, and every time after.
    const suspend = await t.request('PATCH', '/api/users/carol', { dn: ADMIN_DN, json: { suspended: true } });
    assert.equal(suspend.statusCode, 200, suspend.body);
    for (let i = 0; i < 2; i += 1) {
      const refused = await t.request('GET', '/api/whoami', { dn: DN });
      assert.equal(refused.statusCode, 403);
      assert.equal(errorOf(refused).code, 'USER_SUSPENDED');
    }

    // A change the stores do not count (another instance writing the database) shows within CALLER_CACHE_MS.
    await t.metadata.users.update((await t.metadata.users.findByName('carol'))!.id, { suspended: false });
    assert.equal((await t.request('GET', '/api/whoami', { dn: DN })).statusCode, 200);
    await t.metadata.db.updateTable('users').set({ email: 'carol@elsewhere.example' }).where('name', '=', 'carol').execute();
    await new Promise((done) => setTimeout(done, CALLER_CACHE_MS + 50));
    assert.equal((await t.request('GET', '/api/whoami', { dn: DN })).json<{ email: string }>().email, 'carol@elsewhere.example');
  } finally {
    await t.close();
  }
});
