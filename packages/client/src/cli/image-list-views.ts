/**
 * How the commands print HEPiX image lists: a table of lists, and one list with each image
 * and whether the signed document names it (or why not), and the URL subscribers fetch.
 */
import type { ImageListRecord } from '@repoman/api';
import { formatTime } from './format.js';
import type { IOStreams } from './io-streams.js';
import { printFields, printTable } from './output.js';

export function printImageListTable(io: IOStreams, lists: readonly ImageListRecord[]): void {
  printTable(io, ['LIST', 'TITLE', 'IMAGES', 'PUBLISHED', 'VERSION', 'URL'], lists.map((list) => [
    `${list.owner}/${list.name}`, list.title, String(list.images.length), String(list.images.filter((image) => image.published).length), list.version ?? '-', list.url,
  ]));
}

export function printImageList(io: IOStreams, list: ImageListRecord): void {
  printFields(io, [
    ['name', `${list.owner}/${list.name}`],
    ['title', list.title],
    ['description', list.description],
    ['vo', list.vo ?? ''],
    ['group', list.group ?? ''],
    ['identifier', list.uuid],
    ['version', list.version ?? 'not signed yet'],
    ['signed', formatTime(list.signed)],
    ['expires', formatTime(list.expires)],
    ['url', list.url],
  ]);
  if (list.images.length === 0) {
    io.stdout.write('images: none (the signed list is empty)\n');
    return;
  }
  printTable(io, ['IMAGE', 'VERSION', 'IN LIST', 'WHY NOT'], list.images.map((image) => [
    image.image, String(image.version), image.published ? 'yes' : 'no', image.reason ?? '',
  ]));
}
