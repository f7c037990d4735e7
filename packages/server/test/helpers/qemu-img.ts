/**
 * Drives the real `qemu-img`, as a cloud's importer fetches an image from a URL (its curl block
 * driver, Debian `qemu-block-extra`). qemu has no option for a CA, and Debian's libcurl (GnuTLS)
 * reads no CA variable: it trusts only the system bundle. So a test that must verify the
 * server runs qemu-img in a private mount namespace (`unshare -m`, root) where
 * /etc/ssl/certs/ca-certificates.crt is a copy of the system bundle plus the test CA: exactly
 * what a site does by adding its grid CA to the system store, without changing this machine.
 * qemu 7.2's curl driver now and then stalls with every byte received: each run has a timeout
 * and one retry.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export interface QemuImgResult {
  readonly status: number;
  readonly output: string;
}

/** Whether qemu-img can read https URLs here (the curl block driver is installed). */
export function hasQemuCurl(): boolean {
  const formats = spawnSync('qemu-img', ['--help'], { encoding: 'utf8' }).stdout ?? '';
  return /\bhttps\b/.test(formats);
}

/** Runs `qemu-img args…` with `caPem` trusted (see header); retried once after a stall or failure when `retry`. */
export async function qemuImgTrusting(caPem: string, args: readonly string[], options: { retry?: boolean } = {}): Promise<QemuImgResult> {
  const dir = await mkdtemp(join(tmpdir(), 'repoman-qemu-ca-'));
  try {
    const bundle = join(dir, 'ca-certificates.crt');
    await writeFile(bundle, `${await readFile(SYSTEM_BUNDLE, 'utf8')}\n${caPem}`);
    const script = `mount --bind "$0" ${SYSTEM_BUNDLE} && exec qemu-img "$@"`;
    const once = (): QemuImgResult => {
      const run = spawnSync('unshare', ['-m', 'sh', '-c', script, bundle, ...args], { encoding: 'utf8', timeout: 60_000 });
      return { status: run.status ?? -1, output: `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? String(run.error) : ''}` };
    };
    const first = once();
    return first.status === 0 || options.retry === false ? first : once();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs `qemu-img args…` as is (local files). Throws with its output on failure. */
export function qemuImg(args: readonly string[]): string {
  const run = spawnSync('qemu-img', args, { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`qemu-img ${args.join(' ')} failed: ${run.stdout}${run.stderr}`);
  return run.stdout;
}
