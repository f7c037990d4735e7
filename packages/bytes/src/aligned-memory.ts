/**
 * Page-aligned shared memory for byte batches (the server's upload batches, the client's
 * download batches). Writing a file with O_DIRECT (direct-file.ts) needs buffers whose address
 * is aligned to the device's block size, and JavaScript cannot ask for an address:
 * SharedArrayBuffers and Buffers come from malloc (16-byte aligned, which the kernel refuses
 * with EINVAL). A WebAssembly.Memory is mapped by V8 on whole pages, so views at offsets that
 * are multiples of 64 KiB (a wasm page) are page-aligned, and its buffer is a
 * SharedArrayBuffer the hashing thread can read (background-sha256.ts, by buffer and offset).
 * Memory is taken in slabs (one mapping for many batches: V8 reserves a lot of address space
 * per memory) and handed out in slices that never cross a slab.
 */

// The global WebAssembly object, which the ES2023 and node type libraries do not describe.
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => { readonly buffer: SharedArrayBuffer };
};

const WASM_PAGE_BYTES = 64 * 1024;
const SLAB_BYTES = 8 * 1024 * 1024;

/** Alignment (in the address space) of every buffer `alignedSharedBuffers` hands out. */
export const ALIGNMENT = WASM_PAGE_BYTES;

/**
 * An allocator of page-aligned Buffers over shared memory. Each slice starts at a multiple of
 * 64 KiB in its slab and has exactly `bytes` bytes; `buffer.buffer` is the slab (a
 * SharedArrayBuffer) and `buffer.byteOffset` the slice's place in it. Nothing is ever freed
 * by the allocator: a slab goes when no slice of it is referenced any more.
 */
export function alignedSharedBuffers(): (bytes: number) => Buffer {
  let slab: SharedArrayBuffer | undefined;
  let next = 0;
  return (bytes) => {
    const span = Math.max(1, Math.ceil(bytes / WASM_PAGE_BYTES)) * WASM_PAGE_BYTES;
    if (slab === undefined || next + span > slab.byteLength) {
      const pages = Math.max(span, SLAB_BYTES) / WASM_PAGE_BYTES;
      slab = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }).buffer;
      next = 0;
    }
    const buffer = Buffer.from(slab, next, bytes);
    next += span;
    return buffer;
  };
}
