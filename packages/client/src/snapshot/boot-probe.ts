/**
 * What `--disk` boots: the newest kernel in the source's `/boot` (`vmlinuz-VERSION`, or a bare
 * `vmlinuz`) and its initrd (`initrd.img-VERSION` as Debian names it, `initramfs-VERSION.img`
 * as Red Hat does, or `initrd-VERSION.img`). A source with no kernel cannot boot by itself,
 * so it is refused here, before anything is made — as is a `/boot` on a file system of its
 * own (the copy stays on one file system, so the image would have an empty `/boot`), and a
 * machine without extlinux's MBR code. Nothing is changed.
 */
import { CliError } from '../cli/cli-errors.js';
import type { SnapshotHost } from './snapshot-host.js';
import { EXTLINUX_MBR } from './snapshot-plan.js';

export interface BootFiles {
  /** Paths inside the source: `/boot/vmlinuz-6.1.0-13-amd64`. */
  readonly kernel: string;
  readonly initrd: string | undefined;
}

const byVersion = new Intl.Collator('en', { numeric: true });

export async function findBootFiles(root: string, host: SnapshotHost): Promise<BootFiles> {
  const bootDir = `${root.replace(/\/$/, '')}/boot`;
  const [rootEntry, bootEntry] = [await host.entry(root), await host.entry(bootDir)];
  if (rootEntry && bootEntry?.kind === 'directory' && bootEntry.device !== rootEntry.device) {
    throw new CliError(`--disk needs the kernel in the image, but ${bootDir} is a file system of its own, which save-image does not copy: `
      + 'save without --disk, or move /boot onto the root file system');
  }
  if (!(await host.entry(EXTLINUX_MBR))) throw new CliError(`--disk needs extlinux's boot code ${EXTLINUX_MBR}: install the Debian package syslinux-common`);
  const names = (await host.list(bootDir)) ?? [];
  const kernels = names.filter((name) => /^vmlinuz(-.+)?$/.test(name)).sort(byVersion.compare);
  const kernel = kernels.at(-1);
  if (kernel === undefined) {
    throw new CliError(`--disk needs a kernel to boot, and ${root === '/' ? '' : root}/boot has no vmlinuz*: install one in the source `
      + '(Debian: apt-get install linux-image-amd64) or save without --disk (a file-system image, booted with an external kernel)');
  }
  const version = kernel.slice('vmlinuz'.length);
  const initrd = [`initrd.img${version}`, `initramfs${version}.img`, `initrd${version}.img`].find((name) => names.includes(name));
  return { kernel: `/boot/${kernel}`, initrd: initrd === undefined ? undefined : `/boot/${initrd}` };
}
