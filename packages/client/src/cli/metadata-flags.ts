/**
 * The image metadata flags shared by create-image and modify-image (SPEC §4): --description
 * --os-variant --os-type --os-arch --hypervisor --expires --read-only --unauthenticated-access
 * (alias --public); and the disk flags of create-image and modify-image: --disk-format (wins
 * over the server's detection; `auto` gives it back), --min-disk (GB), --min-ram (MB). The 2011
 * underscore spellings reach here through `normalizeArgv`.
 */
import type { Command } from 'commander';
import type { ImageFields } from '@repoman/api';
import { UsageError } from './cli-errors.js';
import { parseBool, parseDiskFormat, parseExpires, parseWhole } from './parse-values.js';

export const DISK_FORMAT_HELP = 'raw, qcow2, vmdk, vdi, vhd, vhdx, iso, ova, gzip or other (default: detected at upload; auto: detect again)';

export function addDiskOptions(command: Command): Command {
  return command
    .option('--disk-format <FORMAT>', DISK_FORMAT_HELP)
    .option('--min-disk <GB>', 'disk the image needs, in GB')
    .option('--min-ram <MB>', 'memory the image needs, in MB');
}

export function readDiskOptions(flags: Record<string, unknown>): ImageFields {
  const fields: ImageFields = {};
  if (typeof flags.diskFormat === 'string') fields.disk_format = parseDiskFormat(flags.diskFormat);
  if (typeof flags.minDisk === 'string') fields.min_disk = parseWhole(flags.minDisk, '--min-disk', 'GB');
  if (typeof flags.minRam === 'string') fields.min_ram = parseWhole(flags.minRam, '--min-ram', 'MB');
  return fields;
}

export function addMetadataOptions(command: Command): Command {
  return command
    .option('--description <TEXT>', 'what the image is')
    .option('--os-variant <VARIANT>', 'distribution and release, e.g. sl55, debian6, centos7')
    .option('--os-type <TYPE>', 'operating system, e.g. linux')
    .option('--os-arch <ARCH>', 'architecture, e.g. x86_64, i386')
    .option('--hypervisor <NAME>', 'the hypervisor it boots on, e.g. kvm, xen')
    .option('--expires <WHEN>', 'after this others get 410 Gone: 2026-12-31, +30d, or never')
    .option('--read-only [BOOL]', 'refuse uploads, changes and deletion until cleared (bare: true)')
    .option('--unauthenticated-access [BOOL]', 'anyone may download it, even without a certificate (bare: true)')
    .option('--public [BOOL]', 'same as --unauthenticated-access');
}

export function readMetadata(flags: Record<string, unknown>): ImageFields {
  const fields: ImageFields = {};
  const text = (key: string): string | undefined => (typeof flags[key] === 'string' ? (flags[key] as string) : undefined);
  if (text('description') !== undefined) fields.description = text('description');
  if (text('osVariant') !== undefined) fields.os_variant = text('osVariant');
  if (text('osType') !== undefined) fields.os_type = text('osType');
  if (text('osArch') !== undefined) fields.os_arch = text('osArch');
  if (text('hypervisor') !== undefined) fields.hypervisor = text('hypervisor');
  if (text('expires') !== undefined) fields.expires = parseExpires(text('expires') ?? '');
  if (flags.readOnly !== undefined) fields.read_only = parseBool(flags.readOnly as string, '--read-only');
  const access = flags.unauthenticatedAccess ?? flags.public;
  if (flags.unauthenticatedAccess !== undefined && flags.public !== undefined
    && parseBool(flags.unauthenticatedAccess as string, '--unauthenticated-access') !== parseBool(flags.public as string, '--public')) {
    throw new UsageError('--public and --unauthenticated-access disagree: give one');
  }
  if (access !== undefined) fields.unauthenticated_access = parseBool(access as string, '--unauthenticated-access');
  return fields;
}
