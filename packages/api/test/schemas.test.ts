/**
 * The schemas agree with the server's own rules: every code of its error catalogue with the
 * same status, its permission names, its name rules, and — for form-encoded bodies — the values
 * its body reading accepts and refuses. `validateAnswer` refuses records that drift (a missing,
 * extra or mistyped field, an undocumented status or error code).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ERROR_STATUS as SERVER_STATUS } from '../../server/src/http/error-status.js';
import { DISK_FORMATS as SERVER_DISK_FORMATS } from '../../server/src/services/disk-format.js';
import { isAccountName, isImageName } from '../../server/src/services/names.js';
import { PERMISSIONS as SERVER_PERMISSIONS } from '../../server/src/services/permissions.js';
import {
  ACCOUNT_NAME_PATTERN,
  DISK_FORMATS,
  ERROR_STATUS,
  formBody,
  IMAGE_NAME_PATTERN,
  ImageChanges,
  ImageQuery,
  NewImage,
  NewUser,
  PERMISSIONS,
  routeById,
  UserChanges,
  validateAnswer,
  type Image,
  type User,
} from '../src/index.js';

const ajv = new Ajv2020({ allErrors: true });

test('every code of the server catalogue is described, with its status', () => {
  for (const [code, status] of Object.entries(SERVER_STATUS)) {
    assert.equal(ERROR_STATUS[code as keyof typeof ERROR_STATUS], status, code);
  }
});

test('the permission names are the server’s', () => {
  assert.deepEqual([...PERMISSIONS], [...SERVER_PERMISSIONS]);
});

test('the disk formats are the server’s', () => {
  assert.deepEqual([...DISK_FORMATS], [...SERVER_DISK_FORMATS]);
});

test('the name patterns agree with the server’s name checks', () => {
  const account = new RegExp(ACCOUNT_NAME_PATTERN, 'u');
  const image = new RegExp(IMAGE_NAME_PATTERN, 'u');
  const samples = ['bob', 'b', 'raw', 'api', 'rawx', 'apis', 'Bob', '-bob', 'bob_1-2', 'a'.repeat(64), 'a'.repeat(65), 'rhel5.5.img', '.hidden', 'a/b', '', 'x'.repeat(255), 'x'.repeat(256), 'é'];
  for (const name of samples) {
    assert.equal(account.test(name), isAccountName(name), `account ${JSON.stringify(name)}`);
    assert.equal(image.test(name), isImageName(name), `image ${JSON.stringify(name)}`);
  }
});

test('the form variant of a body accepts what the server reads from a form, and refuses the rest', () => {
  const create = ajv.compile(formBody(NewUser));
  assert.ok(create({ user_name: 'bob', client_dn: '/CN=Bob', groups: 'a,b' }), 'a comma-separated list');
  assert.ok(create({ user_name: 'bob', client_dn: '/CN=Bob', groups: ['a', 'b'] }), 'repeated keys');
  assert.ok(!create({ user_name: 'bob' }), 'client_dn is required');
  assert.ok(!create({ user_name: 'bob', client_dn: '/CN=Bob', colour: 'red' }), 'unknown fields');
  const modify = ajv.compile(formBody(UserChanges));
  for (const word of ['true', 'FALSE', ' Yes ', '0', 'on', 'Off']) assert.ok(modify({ suspended: word }), word);
  for (const word of ['maybe', '', '2', 'truee']) assert.ok(!modify({ suspended: word }), JSON.stringify(word));
  const json = ajv.compile(UserChanges);
  assert.ok(json({ suspended: false }));
  assert.ok(!json({ suspended: 'false' }), 'JSON booleans must be booleans');
});

test('the query of GET /api/images takes booleans as words and ?shared alone', () => {
  const query = ajv.compile(ImageQuery);
  assert.ok(query({ shared: true, limit: 10, offset: 0, q: 'debian', owner: 'bob', group: 'atlas' }));
  assert.ok(query({ shared: '' }) && query({ shared: 'NO' }));
  assert.ok(!query({ shared: 'perhaps' }));
  assert.ok(!query({ limit: 0 }) && !query({ limit: 1001 }) && !query({ offset: -1 }));
  assert.ok(query({ sort: '-size' }) && !query({ sort: 'colour' }) && !query({ order: 'name' }));
});

const user: User = {
  user_name: 'bob',
  client_dn: '/C=CA/O=Grid/CN=Bob Smith',
  full_name: 'Bob Smith',
  email: '',
  suspended: false,
  groups: ['users'],
  created: '2026-12-07T06:00:00.000Z',
  modified: '2026-12-07T06:00:00.000Z',
  quota_bytes: 0,
  quota_images: 100,
  usage: { bytes: 0, images: 0 },
};

const image: Image = {
  name: 'rhel5.5.img',
  owner: 'bob',
  uuid: '0b8e3f3e-7a0c-4f7e-9b1a-2d2f6c1e8a11',
  description: '',
  os_variant: '',
  os_type: '',
  os_arch: '',
  hypervisor: '',
  size: null,
  checksum: { type: 'sha256', value: null },
  version: 0,
  versions: 0,
  status: 'empty',
  created: '2026-12-07T06:00:00.000Z',
  uploaded: null,
  modified: '2026-12-07T06:00:00.000Z',
  expires: null,
  read_only: false,
  unauthenticated_access: false,
  shared_with: { users: [], groups: [] },
  file_url: 'https://repo.example.org/api/images/raw/bob/rhel5.5.img',
  http_file_url: null,
  disk_format: null,
  virtual_size: null,
  min_disk: 0,
  min_ram: 0,
};

/** The headers every conditional GET's 200 carries (routes.ts, withConditionals). */
const VALIDATORS = { etag: '"x"', 'cache-control': 'private, no-cache' };

test('disk_format is one of SPEC §3\'s formats (or "" in a body); min_disk and min_ram are whole numbers from 0', () => {
  const record = (body: unknown): boolean => validateAnswer(routeById('getImage'), 200, body, { headers: VALIDATORS }).ok;
  assert.ok(record({ ...image, disk_format: 'qcow2', virtual_size: 5 * 1024 ** 3, min_disk: 40, min_ram: 4096 }));
  assert.ok(!record({ ...image, disk_format: 'floppy' }) && !record({ ...image, disk_format: '' }));
  const { min_ram: _minRam, ...withoutMinRam } = image;
  assert.ok(!record(withoutMinRam), 'the record always has them');
  const changes = ajv.compile(ImageChanges);
  assert.ok(changes({ disk_format: 'vhdx', min_disk: 0, min_ram: 2 ** 31 - 1 }) && changes({ disk_format: '' }));
  assert.ok(!changes({ disk_format: 'QCOW2' }) && !changes({ min_disk: -1 }) && !changes({ min_ram: 1.5 }) && !changes({ min_ram: 2 ** 31 }));
  assert.ok(ajv.compile(NewImage)({ name: 'w.img', disk_format: 'iso', min_ram: 512 }));
});

test('validateAnswer accepts the records as the server answers them', () => {
  assert.deepEqual(validateAnswer(routeById('getUser'), 200, user, { headers: VALIDATORS }).problems, []);
  assert.deepEqual(validateAnswer(routeById('getImageOf'), 200, JSON.stringify(image), { headers: VALIDATORS }).problems, []);
  assert.deepEqual(validateAnswer(routeById('listImages'), 200, [image], { headers: { 'x-total-count': '1', ...VALIDATORS } }).problems, []);
  assert.deepEqual(validateAnswer(routeById('deleteUser'), 204, '').problems, []);
  assert.deepEqual(validateAnswer(routeById('getUser'), 200, '', { method: 'HEAD', headers: VALIDATORS }).problems, []);
  assert.deepEqual(validateAnswer(routeById('getUser'), 304, '').problems, [], 'a conditional GET may answer 304');
  assert.deepEqual(validateAnswer(routeById('getUser'), 404, { error: { code: 'USER_NOT_FOUND', message: 'no' } }).problems, []);
});

test('validateAnswer refuses what drifts from the schemas', () => {
  const refused = (check: { ok: boolean; problems: readonly string[] }, what: string) => {
    assert.equal(check.ok, false, what);
    assert.ok(check.problems.length > 0, what);
  };
  refused(validateAnswer(routeById('getUser'), 200, { ...user, quota_gigabytes: 0 }), 'an extra field');
  const { email: _email, ...withoutEmail } = user;
  refused(validateAnswer(routeById('getUser'), 200, withoutEmail), 'a missing field');
  refused(validateAnswer(routeById('getImage'), 200, { ...image, size: '12' }), 'a mistyped field');
  refused(validateAnswer(routeById('getImage'), 200, { ...image, created: 'yesterday' }), 'a time that is not ISO 8601');
  refused(validateAnswer(routeById('getUser'), 201, user), 'an undocumented status');
  refused(validateAnswer(routeById('getUser'), 404, { error: { code: 'IMAGE_NOT_FOUND', message: 'no' } }), 'a code the route does not answer');
  refused(validateAnswer(routeById('getUser'), 404, { error: { code: 'USER_NOT_FOUND' } }), 'an envelope without message');
  refused(validateAnswer(routeById('listImages'), 200, [image]), 'a documented header missing');
  refused(validateAnswer(routeById('deleteUser'), 204, '{}'), 'a body where none is documented');
  refused(validateAnswer(routeById('getUser'), 200, '<html>'), 'a body that is not JSON');
  refused(validateAnswer(routeById('getUser'), 200, user, { method: 'HEAD' }), 'a body in an answer to HEAD');
  refused(validateAnswer(routeById('getUser'), 200, ''), 'an empty body where a record is documented');
});
