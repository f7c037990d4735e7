/**
 * A made-up root file system for the save-image tests, built in a temp directory with real
 * owners, modes and links: a setuid binary, a user's home (uid 1000, mode 0640 file), relative
 * and absolute symlinks, a hard-linked pair, a 200 MiB sparse file with a few bytes written,
 * an extended attribute (`user.` namespace) and a POSIX ACL, 2 MiB of random data, junk in
 * /tmp (mode 1777), /proc, /sys, /run, /mnt and /dev that must not reach the image,
 * credentials left out by default (root's and a user's SSH keys, an SSH host key, a grid
 * user key, cloud-init instance state), key-like files that are copied but listed (`*.key`,
 * `id_*` outside .ssh), and files the tests exclude. Needs root, setfattr (attr) and setfacl (acl).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, link, mkdir, open, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface FakeRoot {
  readonly dir: string;
  /** The random bytes of /opt/data.bin. */
  readonly data: Buffer;
}

export const SPARSE_SIZE = 200 * 1024 * 1024;

export async function makeFakeRoot(dir: string): Promise<FakeRoot> {
  const file = async (path: string, content: string | Buffer, mode = 0o644, owner: [number, number] = [0, 0]): Promise<void> => {
    const full = join(dir, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
    await chown(full, owner[0], owner[1]); // before chmod: chown clears setuid and setgid
    await chmod(full, mode);
  };
  const directory = async (path: string, mode: number, owner: [number, number] = [0, 0]): Promise<void> => {
    const full = join(dir, path);
    await mkdir(full, { recursive: true });
    await chown(full, owner[0], owner[1]);
    await chmod(full, mode);
  };
  await directory('', 0o755);
  for (const path of ['bin', 'etc', 'usr/bin', 'var/lib', 'var/cache', 'opt', 'home', 'dev', 'proc', 'sys', 'run', 'mnt']) await directory(path, 0o755);
  await directory('proc', 0o555);
  await directory('tmp', 0o1777);
  await directory('root', 0o700);
  await directory('root/.ssh', 0o700);
  await directory('home/alice', 0o750, [1000, 1000]);

  await file('bin/tool', '#!/bin/sh\necho tool\n', 0o755);
  await file('usr/bin/su-like', 'setuid binary\n', 0o4755);
  await file('usr/bin/sg-like', 'setgid binary\n', 0o2755, [0, 50]);
  await file('home/alice/notes.txt', 'alice\'s notes\n', 0o640, [1000, 1000]);
  await symlink('../../bin/tool', join(dir, 'usr/bin/tool-link'));
  await symlink('/etc/motd', join(dir, 'etc/motd.link'));
  await file('etc/motd', 'welcome to the worker\n');
  execFileSync('setfattr', ['-n', 'user.repoman', '-v', 'kept', join(dir, 'etc/motd')]);
  await file('etc/acl-file', 'acl\n', 0o640);
  execFileSync('setfacl', ['-m', 'u:1234:r', join(dir, 'etc/acl-file')]);
  await file('etc/hard-a', 'one inode, two names\n');
  await link(join(dir, 'etc/hard-a'), join(dir, 'etc/hard-b'));

  const sparse = await open(join(dir, 'var/lib/sparse.img'), 'w');
  await sparse.truncate(SPARSE_SIZE);
  await sparse.write(Buffer.from('middle'), 0, 6, SPARSE_SIZE / 2);
  await sparse.close();
  const data = randomBytes(2 * 1024 * 1024);
  await file('opt/data.bin', data);

  for (const junk of ['tmp/junk', 'tmp/.hidden', 'proc/junk', 'sys/junk', 'run/junk.pid', 'mnt/junk', 'dev/junk']) await file(junk, 'junk\n');
  await file('root/.ssh/id_rsa', 'PRIVATE KEY\n', 0o600);
  await file('home/alice/.ssh/id_ed25519', 'PRIVATE KEY\n', 0o600, [1000, 1000]);
  await file('home/alice/.globus/userkey.pem', '-----BEGIN ENCRYPTED PRIVATE KEY-----\n', 0o400, [1000, 1000]);
  await file('etc/ssh/ssh_host_ed25519_key', 'PRIVATE KEY\n', 0o600);
  await file('etc/ssh/sshd_config', 'PermitRootLogin no\n');
  await file('var/lib/cloud/instances/i-0123/user-data.txt', '#cloud-config\n', 0o600);
  await symlink('/var/lib/cloud/instances/i-0123', join(dir, 'var/lib/cloud/instance'));
  await file('var/lib/cloud/data/status.json', '{}\n');
  await file('opt/app/tls.key', 'PRIVATE KEY\n', 0o600);
  await file('home/alice/work/id_rsa', 'PRIVATE KEY\n', 0o600, [1000, 1000]);
  await file('home/alice/work/id_rsa.pub', 'ssh-rsa AAAA\n', 0o644, [1000, 1000]);
  await file('var/cache/secret.txt', 'excluded by --exclude\n');
  await file('etc/server.pem', 'excluded by --exclude-from\n');
  return { dir, data };
}
