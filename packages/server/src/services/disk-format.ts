/**
 * Disk formats (SPEC §3 "Image record"): which of `raw qcow2 vmdk vdi vhd vhdx iso ova gzip
 * other` an image's bytes are, and the guest disk size (`virtual_size`) their header gives, found
 * from a few small windows of the bytes as they stream past — never the whole image. A probe
 * first keeps the first 64 KiB (every magic SPEC §3 lists lies there: qcow2 `QFI\xfb`, VMDK
 * `KDMV`, VHDX `vhdxfile`, VDI, VHD `conectix`, ISO `CD001` at 32769, tar `ustar` at 257, gzip
 * `1f 8b`); only a VHDX needs more, its region table at 192 KiB and then its metadata table,
 * wherever the region table says. Pure: no I/O, no HTTP; once its windows are filled it is
 * `done` and wants no more chunks. A header that has the magic but cannot be read (truncated, nonsense
 * fields) is not trusted: the bytes count as raw with an unknown virtual size. The list of
 * formats is the API's (`@repoman/api`), one list for the contract and the domain.
 */
import { DISK_FORMATS, type DiskFormat } from '@repoman/api';

export { DISK_FORMATS, type DiskFormat };

export function isDiskFormat(value: string): value is DiskFormat {
  return (DISK_FORMATS as readonly string[]).includes(value);
}

export interface DiskFormatResult {
  readonly diskFormat: DiskFormat;
  /** Guest disk size in bytes; null when the header does not say (or cannot be read). */
  readonly virtualSize: number | null;
}

const HEAD_BYTES = 64 * 1024;
const VHDX_REGION_TABLE = 192 * 1024;
const VHDX_TABLE_BYTES = 64 * 1024;
/** The metadata items VHDX writers place right after the table; the size item is 8 bytes. */
const VHDX_METADATA_WINDOW = 2 * VHDX_TABLE_BYTES;
// GUIDs as they lie on disk (the first three fields little-endian).
const VHDX_METADATA_REGION = Buffer.from('06a27c8b90479a4bb8fe575f050f886e', 'hex');
const VHDX_VIRTUAL_DISK_SIZE = Buffer.from('2442a52f1bcd7648b2115dbed83bf4b8', 'hex');
const VDI_SIGNATURE = 0xbeda107f;

const UNREADABLE: DiskFormatResult = { diskFormat: 'raw', virtualSize: null };

function has(bytes: Buffer, offset: number, text: string | Buffer): boolean {
  const expected = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  return bytes.length >= offset + expected.length && bytes.subarray(offset, offset + expected.length).equals(expected);
}

/** A safe integer from a 64-bit field, or null when it is zero or too big to be a size. */
function size64(value: bigint): number | null {
  return value > 0n && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : null;
}

/**
 * The format and virtual size of an image of `size` bytes whose first bytes are `head` (64 KiB
 * or all of a smaller image). A VHDX's virtual size needs `vhdx` (see DiskFormatProbe).
 */
export function detectDiskFormat(head: Buffer, size: number, vhdxSize: number | null = null): DiskFormatResult {
  if (has(head, 0, 'QFI\xfb')) {
    if (head.length < 32) return UNREADABLE;
    const version = head.readUInt32BE(4);
    const virtualSize = size64(head.readBigUInt64BE(24));
    return (version === 2 || version === 3) && virtualSize !== null ? { diskFormat: 'qcow2', virtualSize } : UNREADABLE;
  }
  if (has(head, 0, 'KDMV')) {
    if (head.length < 20) return UNREADABLE;
    const version = head.readUInt32LE(4);
    const sectors = size64(head.readBigUInt64LE(12));
    return version >= 1 && version <= 3 && sectors !== null && sectors <= Number.MAX_SAFE_INTEGER / 512
      ? { diskFormat: 'vmdk', virtualSize: sectors * 512 }
      : UNREADABLE;
  }
  if (has(head, 0, 'vhdxfile')) return { diskFormat: 'vhdx', virtualSize: vhdxSize };
  if (head.length >= 0x48 && head.readUInt32LE(0x40) === VDI_SIGNATURE) {
    const virtualSize = head.length >= 0x178 ? size64(head.readBigUInt64LE(0x170)) : null;
    return virtualSize === null ? UNREADABLE : { diskFormat: 'vdi', virtualSize };
  }
  if (has(head, 0, 'conectix')) {
    // A dynamic VHD starts with a copy of its footer; "current size" is at 48, big-endian.
    const virtualSize = head.length >= 56 ? size64(head.readBigUInt64BE(48)) : null;
    return virtualSize === null ? UNREADABLE : { diskFormat: 'vhd', virtualSize };
  }
  if (has(head, 32769, 'CD001')) return { diskFormat: 'iso', virtualSize: size };
  if (has(head, 257, 'ustar')) return { diskFormat: 'ova', virtualSize: null };
  if (has(head, 0, Buffer.from([0x1f, 0x8b]))) return { diskFormat: 'gzip', virtualSize: null };
  return { diskFormat: 'raw', virtualSize: size };
}

/** Where a VHDX's metadata region starts, from its region table; null when absent or unreadable. */
function vhdxMetadataOffset(table: Buffer): number | null {
  if (table.length < 16 || !has(table, 0, 'regi')) return null;
  const entries = table.readUInt32LE(8);
  for (let i = 0; i < entries && 16 + (i + 1) * 32 <= table.length; i++) {
    const entry = 16 + i * 32;
    if (table.subarray(entry, entry + 16).equals(VHDX_METADATA_REGION)) return size64(table.readBigUInt64LE(entry + 16));
  }
  return null;
}

/** The virtual disk size from a window starting at a VHDX's metadata table; null when not found in it. */
function vhdxVirtualSize(window: Buffer): number | null {
  if (window.length < 32 || !has(window, 0, 'metadata')) return null;
  const entries = window.readUInt16LE(10);
  for (let i = 0; i < entries && 32 + (i + 1) * 32 <= window.length; i++) {
    const entry = 32 + i * 32;
    if (!window.subarray(entry, entry + 16).equals(VHDX_VIRTUAL_DISK_SIZE)) continue;
    const offset = window.readUInt32LE(entry + 16);
    return offset + 8 <= window.length ? size64(window.readBigUInt64LE(offset)) : null;
  }
  return null;
}

/** Bytes kept from `offset` on, filled as the stream passes them. */
class Window {
  readonly bytes: Buffer;
  filled = 0;

  constructor(readonly offset: number, length: number) {
    // Only the filled part is ever read.
    this.bytes = Buffer.allocUnsafe(length);
  }

  /** Copies what of the chunk at stream position `at` falls in the window; true once it is full. */
  take(chunk: Uint8Array, at: number): boolean {
    const from = Math.max(this.offset + this.filled, at);
    const to = Math.min(this.offset + this.bytes.length, at + chunk.length);
    // A window whose start has already passed cannot be filled in order: give it up.
    if (from > this.offset + this.filled) return true;
    if (to > from) {
      this.bytes.set(chunk.subarray(from - at, to - at), from - this.offset);
      this.filled += to - from;
    }
    return this.filled === this.bytes.length;
  }

  get content(): Buffer {
    return this.bytes.subarray(0, this.filled);
  }
}

/**
 * Watches an upload's chunks in order (`push` each one as it passes; it is copied, never
 * kept) and then says what the bytes were (`result` with the total size).
 */
export class DiskFormatProbe {
  #position = 0;
  #head = new Window(0, HEAD_BYTES);
  #regions: Window | undefined;
  #metadata: Window | undefined;
  /** The window being filled; undefined once nothing more is wanted. */
  #wanted: Window | undefined = this.#head;

  /** True once no later byte can change the result: the caller may stop pushing. */
  get done(): boolean {
    return this.#wanted === undefined;
  }

  push(chunk: Uint8Array): void {
    const at = this.#position;
    this.#position += chunk.length;
    if (this.#wanted === undefined || this.#position <= this.#wanted.offset) return;
    if (this.#wanted.take(chunk, at)) this.#next(chunk, at);
  }

  #next(chunk: Uint8Array, at: number): void {
    const done = this.#wanted;
    this.#wanted = undefined;
    if (done === this.#head && has(this.#head.content, 0, 'vhdxfile')) {
      this.#regions = new Window(VHDX_REGION_TABLE, VHDX_TABLE_BYTES);
      this.#wanted = this.#regions;
    } else if (done !== undefined && done === this.#regions) {
      const offset = vhdxMetadataOffset(done.content);
      if (offset !== null) {
        this.#metadata = new Window(offset, VHDX_METADATA_WINDOW);
        this.#wanted = this.#metadata;
      }
    }
    // The chunk that completed one window may already hold the start of the next.
    if (this.#wanted !== undefined && this.#position > this.#wanted.offset && this.#wanted.take(chunk, at)) this.#next(chunk, at);
  }

  result(size: number): DiskFormatResult {
    const vhdxSize = this.#metadata === undefined ? null : vhdxVirtualSize(this.#metadata.content);
    return detectDiskFormat(this.#head.content, size, vhdxSize);
  }
}
