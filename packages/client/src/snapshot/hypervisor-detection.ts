/**
 * Which hypervisor this machine runs on, for the image's `hypervisor` field when save-image
 * is not given `--hypervisor`. First `systemd-detect-virt --vm`, then the firmware's DMI
 * strings (/sys/class/dmi/id/sys_vendor and product_name), then /sys/hypervisor/type (Xen
 * paravirtual guests have no DMI). Names are mapped to the words images use:
 * kvm (also qemu, amazon, google), xen, vmware, virtualbox (oracle), hyperv (microsoft),
 * parallels, bhyve; any other VM word is kept as it is. Bare metal and containers without a
 * VM under them give nothing, and the field is left alone.
 */
import type { CommandRunner } from './command-runner.js';
import type { SnapshotHost } from './snapshot-host.js';

export interface DetectedHypervisor {
  readonly hypervisor: string;
  /** How it was found, for messages. */
  readonly how: string;
}

const VIRT_WORDS: Readonly<Record<string, string>> = {
  kvm: 'kvm', qemu: 'kvm', amazon: 'kvm', google: 'kvm', xen: 'xen', vmware: 'vmware', oracle: 'virtualbox',
  microsoft: 'hyperv', parallels: 'parallels', bhyve: 'bhyve',
};

/** A `systemd-detect-virt --vm` word → the image's hypervisor; undefined for none. */
export function hypervisorFromVirt(word: string): string | undefined {
  const key = word.trim().toLowerCase();
  if (key === '' || key === 'none') return undefined;
  return VIRT_WORDS[key] ?? key;
}

const DMI_RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bQEMU\b|\bKVM\b|Amazon EC2|Google Compute Engine/i, 'kvm'],
  [/\bXen\b/i, 'xen'],
  [/VMware/i, 'vmware'],
  [/innotek|VirtualBox/i, 'virtualbox'],
  [/Microsoft Corporation.*Virtual Machine/i, 'hyperv'],
  [/Parallels/i, 'parallels'],
  [/BHYVE/i, 'bhyve'],
];

/** DMI vendor and product → the image's hypervisor; undefined when they name no VM. */
export function hypervisorFromDmi(vendor: string, product: string): string | undefined {
  const text = `${vendor.trim()} ${product.trim()}`;
  return DMI_RULES.find(([pattern]) => pattern.test(text))?.[1];
}

export async function detectHypervisor(runner: CommandRunner, host: SnapshotHost): Promise<DetectedHypervisor | undefined> {
  if (await runner.which('systemd-detect-virt')) {
    const answer = await runner.run(['systemd-detect-virt', '--vm']).catch(() => undefined);
    const word = answer?.stdout.trim() ?? '';
    const hypervisor = hypervisorFromVirt(word);
    if (hypervisor) return { hypervisor, how: `systemd-detect-virt --vm said ${word}` };
  }
  const vendor = await host.readText('/sys/class/dmi/id/sys_vendor');
  const product = await host.readText('/sys/class/dmi/id/product_name');
  if (vendor !== undefined || product !== undefined) {
    const hypervisor = hypervisorFromDmi(vendor ?? '', product ?? '');
    if (hypervisor) return { hypervisor, how: `DMI says ${`${vendor?.trim() ?? ''} ${product?.trim() ?? ''}`.trim()}` };
  }
  const type = (await host.readText('/sys/hypervisor/type'))?.trim();
  if (type) return { hypervisor: hypervisorFromVirt(type) ?? type, how: `/sys/hypervisor/type says ${type}` };
  return undefined;
}
