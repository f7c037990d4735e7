/**
 * How records look in tables and descriptions for people: the image table (short and
 * `--long`), an image's fields, a user's and a group's. `--json` bypasses all of this.
 */
import type { Group, Image, User, Whoami } from '@repoman/api';
import { formatBytes, formatTime, yesNo } from './format.js';
import type { IOStreams } from './io-streams.js';
import { listCell, printFields, printTable } from './output.js';

export function printImageTable(io: IOStreams, images: readonly Image[], long: boolean): void {
  if (!long) {
    printTable(io, ['IMAGE', 'SIZE', 'STATUS', 'VERSION', 'MODIFIED', 'PUBLIC'], images.map((image) => [
      `${image.owner}/${image.name}`, formatBytes(image.size), image.status, String(image.version), formatTime(image.modified), yesNo(image.unauthenticated_access),
    ]));
    return;
  }
  printTable(io, ['IMAGE', 'SIZE', 'STATUS', 'VERSION', 'MODIFIED', 'PUBLIC', 'READ-ONLY', 'OS', 'ARCH', 'HYPERVISOR', 'SHARED WITH', 'DESCRIPTION'],
    images.map((image) => [
      `${image.owner}/${image.name}`, formatBytes(image.size), image.status, String(image.version), formatTime(image.modified),
      yesNo(image.unauthenticated_access), yesNo(image.read_only), [image.os_type, image.os_variant].filter(Boolean).join(' ') || '-',
      image.os_arch ?? '-', image.hypervisor ?? '-', sharedCell(image), image.description || '-',
    ]));
}

function sharedCell(image: Image): string {
  const users = image.shared_with?.users ?? [];
  const groups = (image.shared_with?.groups ?? []).map((group) => `@${group}`);
  return listCell([...users, ...groups]);
}

export function printImage(io: IOStreams, image: Image): void {
  printFields(io, [
    ['name', image.name],
    ['owner', image.owner],
    ['uuid', image.uuid],
    ['description', image.description || '-'],
    ['os_variant', image.os_variant ?? '-'],
    ['os_type', image.os_type ?? '-'],
    ['os_arch', image.os_arch ?? '-'],
    ['hypervisor', image.hypervisor ?? '-'],
    ['status', image.status],
    ['size', image.size === null ? '-' : `${formatBytes(image.size)} (${image.size} bytes)`],
    ['sha256', image.checksum?.value ?? '-'],
    ['version', String(image.version)],
    // Servers older than SPEC §3's versions do not send it.
    ...(image.versions === undefined ? [] : [['versions kept', String(image.versions)] as [string, string]]),
    ['created', formatTime(image.created)],
    ['uploaded', formatTime(image.uploaded)],
    ['modified', formatTime(image.modified)],
    ['expires', image.expires ? formatTime(image.expires) : 'never'],
    ['read_only', yesNo(image.read_only)],
    ['unauthenticated_access', yesNo(image.unauthenticated_access)],
    ['shared_with users', listCell(image.shared_with?.users)],
    ['shared_with groups', listCell(image.shared_with?.groups)],
    ['file_url', image.file_url ?? '-'],
    ['http_file_url', image.http_file_url ?? '-'],
    // Servers older than SPEC §3's disk formats do not send these.
    ...(image.disk_format === undefined ? [] : [
      ['disk_format', image.disk_format ?? 'unknown'],
      ['virtual_size', image.virtual_size == null ? 'unknown' : `${formatBytes(image.virtual_size)} (${image.virtual_size} bytes)`],
      ['min_disk', image.min_disk ? `${image.min_disk} GB` : '-'],
      ['min_ram', image.min_ram ? `${image.min_ram} MB` : '-'],
    ] as Array<[string, string]>),
  ]);
}

export function printUserTable(io: IOStreams, users: readonly User[], long: boolean): void {
  const headers = long ? ['USER', 'DN', 'FULL NAME', 'EMAIL', 'SUSPENDED', 'GROUPS'] : ['USER', 'GROUPS', 'DN'];
  printTable(io, headers, users.map((user) => long
    ? [user.user_name, user.client_dn, user.full_name || '-', user.email || '-', yesNo(user.suspended), listCell(user.groups)]
    : [user.user_name, listCell(user.groups), user.client_dn]));
}

export function printUser(io: IOStreams, user: User | Whoami): void {
  const fields: Array<[string, string]> = [
    ['user_name', user.user_name],
    ['client_dn', user.client_dn],
    ['full_name', user.full_name || '-'],
    ['email', user.email || '-'],
    ['suspended', yesNo(user.suspended)],
    ['groups', listCell(user.groups)],
  ];
  if ('permissions' in user) {
    fields.push(['permissions', listCell(user.permissions)], ['admin', yesNo(user.admin)]);
    fields.push(['voms fqans', listCell(user.fqans)], ['voms groups', listCell(user.voms_groups)]);
  }
  if (user.usage !== undefined) {
    const of = (limit: number | undefined, show: (n: number) => string) => (limit === undefined || limit === 0 ? 'unlimited' : show(limit));
    fields.push(['usage', `${formatBytes(user.usage.bytes)} of ${of(user.quota_bytes, formatBytes)}`]);
    fields.push(['images', `${user.usage.images} of ${of(user.quota_images, String)}`]);
  }
  fields.push(['created', formatTime(user.created)], ['modified', formatTime(user.modified)]);
  printFields(io, fields);
}

export function printGroupTable(io: IOStreams, groups: readonly Group[]): void {
  printTable(io, ['GROUP', 'PROTECTED', 'MEMBERS', 'PERMISSIONS'], groups.map((group) => [
    group.name, yesNo(group.protected), listCell(group.users), listCell(group.permissions),
  ]));
}

export function printGroup(io: IOStreams, group: Group): void {
  printFields(io, [
    ['name', group.name],
    ['protected', yesNo(group.protected)],
    ['users', listCell(group.users)],
    ['permissions', listCell(group.permissions)],
    ['voms_fqans', listCell(group.voms_fqans)],
    ['voms_auto_register', yesNo(group.voms_auto_register === true)],
    ['created', formatTime(group.created)],
    ['modified', formatTime(group.modified)],
  ]);
}
