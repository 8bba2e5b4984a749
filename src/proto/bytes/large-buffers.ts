/**
 * Memory for a large response body, allocated so that the bodies a caller drops are freed one at
 * a time, in young-generation GCs, and glibc reuses each one's pages for the next body.
 *
 * Why (issue 14, docs/architecture.md): before V8 allocates an ArrayBuffer's memory it runs a
 * young GC ("external memory pressure") once the young generation's ArrayBuffers hold at least
 * twice the semi-space maximum (32 MiB in 64-bit Node). Left alone, that check comes with
 * whatever allocation happens next: often after two 16 MiB bodies are dead, which are then freed
 * together; 32 MiB free at the top of glibc's heap is over its trim threshold (twice its mmap
 * threshold, which follows the largest freed block), so the pages go back to the kernel and the
 * next body faults 4,096 of them in again (about 40 ms a body on the bench VM, against 6 ms).
 * Asking for the check right after a large body's memory is allocated (a 1-byte ArrayBuffer)
 * runs that GC while the previous body is dead and this one alive: one body freed at a time,
 * below the trim threshold, its pages reused by the next one. Nothing is kept: no scratch memory,
 * no process flags; the cost is one tiny allocation per large body.
 */

/** Bodies from this size on get the early check (below it a body is not worth a GC of its own). */
export const EARLY_CHECK_BYTES = 1024 * 1024;

/**
 * The last 1-byte buffer allocated for the check, kept so that the allocation is not optimised
 * away; it costs nothing and keeps nothing else alive.
 */
const probe: { last?: ArrayBuffer } = {};

/**
 * Uninitialised memory for a body of `length` bytes (the caller fills all of it).
 *
 * @example
 * ```ts
 * const buf = bodyMemory(16 * 1024 * 1024); // read the body into buf
 * ```
 */
export function bodyMemory(length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  if (length >= EARLY_CHECK_BYTES) afterLargeAllocation();
  return buf;
}

/**
 * Call right after allocating a large buffer (a body of `EARLY_CHECK_BYTES` or more, e.g. joined
 * with `Buffer.concat`): lets V8 run its young GC now, while only earlier bodies are dead.
 */
export function afterLargeAllocation(): void {
  probe.last = new ArrayBuffer(1);
}
