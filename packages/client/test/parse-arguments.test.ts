// Argument parsing as tables: aliases, 2011 underscore flags, OWNER/NAME and --owner, yes/no
// flags, sizes, and usage errors (exit 2). Nothing here touches the network.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError } from '../src/cli/cli-errors.js';
import { parseCommandLine } from '../src/cli/program.js';
import { COMMANDS } from '../src/commands/index.js';

async function parse(argv: string[]): Promise<{ command: string; options: Record<string, unknown>; globals: Record<string, unknown> }> {
  const parsed = await parseCommandLine(COMMANDS, argv);
  assert.ok(parsed, `${argv.join(' ')} parsed to nothing`);
  return parsed as { command: string; options: Record<string, unknown>; globals: Record<string, unknown> };
}

async function usageError(argv: string[]): Promise<string> {
  try {
    await parseCommandLine(COMMANDS, argv);
  } catch (error) {
    assert.ok(error instanceof CliError, `not a CliError: ${String(error)}`);
    assert.equal(error.exitCode, 2, `${argv.join(' ')}: ${error.message}`);
    return error.message;
  }
  assert.fail(`${argv.join(' ')} was accepted`);
}

describe('every command of SPEC §4 answers to its name and its 2011 aliases', () => {
  const table: Array<[string, string[], string[]]> = [
    ['whoami', [], []],
    ['about', [], []],
    ['make-config', ['mc'], []],
    ['list-images', ['li'], []],
    ['describe-image', ['di'], ['img']],
    ['create-image', ['ci'], ['img']],
    ['upload-image', ['up', 'put-image', 'pi'], ['img', 'file']],
    ['download-image', ['down', 'get-image', 'gi'], ['img']],
    ['modify-image', ['mi'], ['img', '--description', 'x']],
    ['rename-image', ['rn'], ['img', 'new']],
    ['remove-image', ['ri'], ['img']],
    ['clone-image', [], ['img', 'copy']],
    ['share-image', [], ['img', '--user', 'pam']],
    ['link-image', [], ['img']],
    ['list-links', [], ['img']],
    ['revoke-link', [], ['img', 'abc']],
    ['unshare-image', [], ['img', '--group', 'atlas']],
    ['save-image', ['save'], ['img']],
    ['create-user', ['cu'], ['bob', '--dn', '/CN=Bob']],
    ['list-users', ['lu'], []],
    ['describe-user', ['du'], ['bob']],
    ['modify-user', ['mu'], ['bob', '--email', 'b@x']],
    ['remove-user', ['ru'], ['bob']],
    ['create-group', ['cg'], ['atlas']],
    ['list-groups', ['lg'], []],
    ['describe-group', ['dg'], ['atlas']],
    ['modify-group', ['mg'], ['atlas', '--new-name', 'cms']],
    ['remove-group', ['rg'], ['atlas']],
    ['add-users-to-group', ['aug'], ['atlas', 'bob']],
    ['remove-users-from-group', ['rug'], ['atlas', 'bob']],
    ['add-permissions-to-group', ['apg'], ['atlas', 'image_modify']],
    ['remove-permissions-from-group', ['rpg'], ['atlas', 'image_modify']],
    ['list-permissions', [], []],
  ];
  for (const [name, aliases, args] of table) {
    it(`${[name, ...aliases].join(', ')}`, async () => {
      for (const spelling of [name, ...aliases]) assert.equal((await parse([spelling, ...args])).command, name);
    });
  }
});

describe('group VOMS flags: --voms-fqan (repeatable) and --voms-auto-register', () => {
  it('create-group sends the patterns and the flag', async () => {
    assert.deepEqual((await parse(['cg', 'atlas', '--voms-fqan', '/atlas', '--voms-fqan', '/cms/Role=production', '--voms-auto-register'])).options.group,
      { name: 'atlas', voms_fqans: ['/atlas', '/cms/Role=production'], voms_auto_register: true });
    assert.deepEqual((await parse(['cg', 'atlas'])).options.group, { name: 'atlas' });
  });
  it('modify-group replaces the patterns, removes them all, or switches registration on and off', async () => {
    assert.deepEqual((await parse(['mg', 'atlas', '--voms-fqan', '/atlas'])).options.changes, { voms_fqans: ['/atlas'] });
    assert.deepEqual((await parse(['mg', 'atlas', '--no-voms-fqan'])).options.changes, { voms_fqans: [] });
    assert.deepEqual((await parse(['mg', 'atlas', '--voms-auto-register'])).options.changes, { voms_auto_register: true });
    assert.deepEqual((await parse(['mg', 'atlas', '--no-voms-auto-register', '--new-name', 'cms'])).options.changes, { name: 'cms', voms_auto_register: false });
    await assert.rejects(parse(['mg', 'atlas']), /nothing to change: give --new-name, --voms-fqan or --voms-auto-register/);
  });
});

describe('images are NAME, OWNER/NAME or NAME with --owner', () => {
  const table: Array<[string[], unknown]> = [
    [['di', 'rhel5.5.img'], { name: 'rhel5.5.img' }],
    [['di', 'bob/rhel5.5.img'], { owner: 'bob', name: 'rhel5.5.img' }],
    [['di', 'rhel5.5.img', '--owner', 'bob'], { owner: 'bob', name: 'rhel5.5.img' }],
    [['di', 'bob/rhel5.5.img', '--owner', 'bob'], { owner: 'bob', name: 'rhel5.5.img' }],
    [['gi', 'pam/debian6.img.gz', '/tmp/x'], { owner: 'pam', name: 'debian6.img.gz' }],
  ];
  for (const [argv, image] of table) {
    it(argv.join(' '), async () => assert.deepEqual((await parse(argv)).options.image, image));
  }
});

describe('metadata flags, with the 2011 underscore spellings and yes/no values', () => {
  const table: Array<[string[], Record<string, unknown>]> = [
    [['ci', 'a.img', '--os-arch', 'x86_64'], { os_arch: 'x86_64' }],
    [['ci', 'a.img', '--os_arch', 'x86_64', '--os_variant=sl55', '--os_type', 'linux'], { os_arch: 'x86_64', os_variant: 'sl55', os_type: 'linux' }],
    [['ci', 'a.img', '--description', 'a worker', '--hypervisor', 'kvm'], { description: 'a worker', hypervisor: 'kvm' }],
    [['ci', '--public', 'a.img'], { unauthenticated_access: true }],
    [['ci', 'a.img', '--unauthenticated_access', 'false'], { unauthenticated_access: false }],
    [['ci', 'a.img', '--unauthenticated-access=yes', '--read_only'], { unauthenticated_access: true, read_only: true }],
    [['mi', 'a.img', '--read-only', 'no'], { read_only: false }],
    [['mi', 'a.img', '--no-read-only'], { read_only: false }],
    [['mi', 'a.img', '--expires', '2030-01-31'], { expires: '2030-01-31T00:00:00.000Z' }],
    [['mi', 'a.img', '--expires', 'never'], { expires: '' }],
  ];
  for (const [argv, fields] of table) {
    it(argv.join(' '), async () => {
      const { options } = await parse(argv);
      assert.deepEqual(options.fields ?? options.changes, fields);
    });
  }

  it('a bare --public does not swallow the NAME that follows it', async () => {
    const { options } = await parse(['ci', '--public', 'b.img', '--read-only']);
    assert.equal(options.name, 'b.img');
    assert.deepEqual(options.fields, { unauthenticated_access: true, read_only: true });
  });

  it('--expires +30d is thirty days from now', async () => {
    const { options } = await parse(['mi', 'a.img', '--expires', '+30d']);
    const expires = Date.parse((options.changes as { expires: string }).expires);
    assert.ok(Math.abs(expires - (Date.now() + 30 * 86400_000)) < 60_000);
  });

  it('modify-image renames and reassigns with --new-name and --new-owner', async () => {
    const { options } = await parse(['mi', 'bob/a.img', '--new_name', 'b.img', '--new-owner', 'pam']);
    assert.deepEqual(options.changes, { name: 'b.img', owner: 'pam' });
  });
});

describe('sizes take K M G T suffixes', () => {
  const table: Array<[string, number]> = [
    ['512', 512], ['10K', 10 * 1024], ['1.5G', 1.5 * 1024 ** 3], ['20G', 20 * 1024 ** 3], ['2T', 2 * 1024 ** 4], ['100MB', 100 * 1024 ** 2], ['3GiB', 3 * 1024 ** 3], ['4m', 4 * 1024 ** 2],
  ];
  for (const [text, bytes] of table) {
    it(`${text} is ${bytes} bytes`, async () => assert.equal((await parse(['save-image', 'a.img', '--resize', text])).options.resize, bytes));
  }
});

describe('other options', () => {
  it('global options are accepted before and after the command', async () => {
    const before = await parse(['--server', 'repo:9443', '--proxy', '/p', 'li']);
    const after = await parse(['li', '--server', 'repo:9443', '--insecure', '--ca-dir', '/ca']);
    assert.equal(before.globals.server, 'repo:9443');
    assert.equal(before.globals.proxy, '/p');
    assert.deepEqual([after.globals.server, after.globals.insecure, after.globals.caDir], ['repo:9443', true, '/ca']);
  });

  it('list-images takes --all --shared --owner --group --long --json', async () => {
    assert.deepEqual((await parse(['li', '--shared', '--owner', 'bob', '--group', 'atlas', '-l', '--json'])).options,
      { all: false, shared: true, owner: 'bob', group: 'atlas', search: undefined, long: true, json: true });
    assert.equal((await parse(['li', '-a'])).options.all, true);
  });

  it('download-image: DEST defaults to the name, - is stdout, --continue resumes', async () => {
    assert.equal((await parse(['gi', 'bob/a.img'])).options.dest, 'a.img');
    assert.equal((await parse(['gi', 'a.img', '-'])).options.dest, '-');
    assert.deepEqual((await parse(['down', 'a.img', 'out.img', '--continue', '--force'])).options,
      { image: { name: 'a.img' }, dest: 'out.img', resume: true, force: true });
  });

  it('share-image takes repeated and comma-separated --user and --group', async () => {
    assert.deepEqual((await parse(['share-image', 'a.img', '--user', 'pam,al', '--user', 'bo', '--group', 'atlas'])).options.targets,
      [{ user: 'pam' }, { user: 'al' }, { user: 'bo' }, { group: 'atlas' }]);
  });

  it('create-user takes the DN as --dn, --client_dn or a second argument', async () => {
    for (const argv of [['cu', 'bob', '--dn', '/CN=Bob'], ['cu', 'bob', '--client_dn', '/CN=Bob'], ['cu', 'bob', '/CN=Bob']]) {
      assert.deepEqual((await parse(argv)).options, { user: { user_name: 'bob', client_dn: '/CN=Bob' }, json: false });
    }
    assert.deepEqual((await parse(['cu', 'bob', '--dn', '/CN=Bob', '--full_name', 'Bob S', '--group', 'a,b'])).options,
      { user: { user_name: 'bob', client_dn: '/CN=Bob', full_name: 'Bob S', groups: ['a', 'b'] }, json: false });
  });

  it('modify-user --suspended (bare, or with a value)', async () => {
    assert.deepEqual((await parse(['mu', 'carol', '--suspended'])).options.changes, { suspended: true });
    assert.deepEqual((await parse(['mu', 'carol', '--suspended', 'false'])).options.changes, { suspended: false });
    assert.deepEqual((await parse(['mu', 'carol', '--quota-bytes', '50G', '--quota-images', '100'])).options.changes, { quota_bytes: 50 * 1024 ** 3, quota_images: 100 });
    assert.deepEqual((await parse(['mu', 'carol', '--quota-bytes', '0'])).options.changes, { quota_bytes: 0 });
    await assert.rejects(parse(['mu', 'carol', '--quota-bytes', '50X']), /not a size/);
    await assert.rejects(parse(['mu', 'carol', '--quota-images', '-1']), /--quota-images "-1" is not a count/);
  });

  it('save-image takes its snapshot options, repeatable --exclude, and the metadata flags', async () => {
    assert.deepEqual((await parse(['save', 'worker.img.gz', '--source', '/srv/chroot', '--resize', '4G', '--snapshot_dir', '/mnt/big', '--exclude', '/root/.ssh',
      '--exclude', '*.pem', '--exclude-from', 'x.txt', '--gzip', '--clean', '--dry-run', '-f', '--os_arch', 'x86_64', '--json',
      '--disk', '--format', 'qcow2', '--compress', '--include-credentials', '--new-uuid', '--full'])).options, {
      name: 'worker.img.gz', resize: 4 * 1024 ** 3, snapshotDir: '/mnt/big', excludes: ['/root/.ssh', '*.pem'], excludeFrom: 'x.txt', source: '/srv/chroot',
      gzip: true, disk: true, format: 'qcow2', compress: true, includeCredentials: true, newUuid: true, clean: true, dryRun: true, force: true, full: true, fields: { os_arch: 'x86_64' }, json: true,
    });
    assert.deepEqual((await parse(['save-image', 'w.img'])).options, {
      name: 'w.img', resize: undefined, snapshotDir: undefined, excludes: [], excludeFrom: undefined, source: undefined,
      gzip: false, disk: false, format: undefined, compress: false, includeCredentials: false, newUuid: false, clean: false, dryRun: false, force: false, full: false, fields: {}, json: false,
    });
  });

  it('link-image takes a lifetime (--expires-in or SPEC\'s --expires) and --version N, which is not the program\'s --version', async () => {
    assert.deepEqual((await parse(['link-image', 'bob/sl55.img', '--version', '3', '--expires', '7d'])).options, {
      image: { owner: 'bob', name: 'sl55.img' }, expiresIn: 7 * 86400, version: 3, json: false,
    });
    assert.deepEqual((await parse(['link-image', 'sl55.img', '--expires-in=90', '--version=2', '--json'])).options, {
      image: { name: 'sl55.img' }, expiresIn: 90, version: 2, json: true,
    });
    assert.equal((await parse(['link-image', 'x.img', '--expires-in', '+2w'])).options.expiresIn, 14 * 86400);
    assert.match(await usageError(['link-image', 'x.img', '--expires-in', '0']), /--expires-in takes a lifetime/);
    assert.match(await usageError(['link-image', 'x.img', '--expires', '1.5h']), /--expires takes a lifetime/);
    assert.match(await usageError(['link-image', 'x.img', '--expires', '1h', '--expires-in', '1h']), /not both/);
    assert.deepEqual((await parse(['revoke-link', 'x.img', '3f9c2a7b1e04'])).options, { image: { name: 'x.img' }, id: '3f9c2a7b1e04' });
  });

  it('aug takes several users, or a comma-separated list', async () => {
    assert.deepEqual((await parse(['aug', 'atlas', 'bob', 'pam,al'])).options.items, ['bob', 'pam', 'al']);
  });

  it('--help and --version are not errors', async () => {
    assert.equal(await parseCommandLine(COMMANDS, ['--help']), undefined);
    assert.equal(await parseCommandLine(COMMANDS, ['li', '--help']), undefined);
    assert.equal(await parseCommandLine(COMMANDS, ['save-image', '--help']), undefined);
    assert.equal(await parseCommandLine(COMMANDS, ['--version']), undefined);
    assert.equal(await parseCommandLine(COMMANDS, ['--server', 'repo.example.org', '--version']), undefined);
  });

  it('after a command, --version is an image version: download-image --version N', async () => {
    assert.equal((await parse(['download-image', 'a.img', '--version', '3'])).options.version, 3);
    assert.equal((await parse(['gi', 'a.img', 'out.img', '--version=12'])).options.version, 12);
    assert.deepEqual((await parse(['rollback-image', 'bob/a.img', '2'])).options, { image: { owner: 'bob', name: 'a.img' }, version: 2, json: false });
    assert.deepEqual((await parse(['remove-version', 'a.img', '4', '-f'])).options, { image: { name: 'a.img' }, version: 4, force: true });
    assert.deepEqual((await parse(['lv', 'a.img'])).options, { image: { name: 'a.img' }, json: false });
  });
});

describe('usage errors exit 2 with one line saying what to do', () => {
  const table: Array<[string[], RegExp]> = [
    [['no-such-command'], /unknown command/],
    [['li', '--bogus'], /unknown option '--bogus'/],
    [['di'], /missing required argument 'IMAGE'/],
    [['di', 'a/b/c'], /NAME or OWNER\/NAME/],
    [['download-image', 'a.img', '--version', 'abc'], /--version takes a version number from 1/],
    [['rollback-image', 'a.img', '0'], /VERSION takes a version number from 1/],
    [['remove-version', 'a.img'], /missing required argument 'VERSION'/],
    [['di', 'bob/a.img', '--owner', 'pam'], /--owner/],
    [['di', '.hidden'], /not a valid image name/],
    [['di', 'Bob/a.img'], /not a valid user name/],
    [['ci', 'bob/a.img'], /own namespace/],
    [['ci', 'a.img', '--read-only=maybe'], /true or false/],
    [['ci', 'a.img', '--public', 'yes', '--unauthenticated-access', 'no'], /disagree/],
    [['mi', 'a.img'], /nothing to change/],
    [['mi', 'a.img', '--expires', 'tomorrow'], /--expires takes/],
    [['save-image', 'a.img', '--resize', '10X'], /not a size/],
    [['save-image', 'bob/a.img'], /own namespace/],
    [['save-image', 'a.img', '--format', 'vmdk'], /--format vmdk: give raw or qcow2/],
    [['gi', 'a.img', '-', '--continue'], /cannot be resumed/],
    [['share-image', 'a.img'], /--user USER and\/or --group GROUP/],
    [['cu', 'bob'], /DN/],
    [['cu', 'bob', '/CN=A', '--dn', '/CN=B'], /two different DNs/],
    [['mu', 'bob'], /nothing to change/],
    [['mg', 'atlas'], /--new-name/],
    [['li', '--all', '--owner', 'bob'], /--all/],
    [['rn', 'a.img', 'bob/b.img'], /keeps its owner/],
    [['up', 'a.img'], /missing required argument 'FILE'/],
    [['lis-images'], /unknown command 'lis-images' \(did you mean list-images\?\)/],
    [['li', '--jsn'], /unknown option '--jsn' \(did you mean --json\?\)/],
    [['mi', 'a.img', '--read-only', 'maybe'], /--read-only expects true or false \(yes\/no\), not "maybe"/],
    [['mi', 'a.img', '--expires', '2001-01-01'], /--expires 2001-01-01 is in the past/],
    [['ci', 'a.img', '--expires', '2020-05-01T12:00:00Z'], /is in the past/],
  ];
  it('repoman with no command shows the help and exits 2', async () => {
    await assert.rejects(parseCommandLine(COMMANDS, []), (error: unknown) => error instanceof CliError && error.exitCode === 2 && /Usage: repoman/.test(error.message));
  });

  for (const [argv, pattern] of table) {
    it(`repoman ${argv.join(' ')}`, async () => {
      const message = await usageError(argv);
      assert.match(message, pattern);
      assert.ok(!message.includes('\n'), `one line: ${message}`);
    });
  }
});
