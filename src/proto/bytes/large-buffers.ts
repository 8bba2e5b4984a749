/**
 * Memory for large payloads (HTTP client bodies, WebSocket messages), allocated
 * so that the ones a caller drops are freed one at a time, in young-generation GCs, and glibc
 * reuses their pages for the next one instead of giving them back to the kernel and faulting
 * them in again (each page fault is a few µs in a VM; 256 of them per MiB), and so that V8 does
 * not run a full collection every few dozen milliseconds while they stream through.
 *
 * Three things decide it (issues 14 and 15, docs/architecture.md):
 * - When V8 frees them. Before V8 allocates an ArrayBuffer's memory it runs a young GC
 *   ("external memory pressure") once the young generation's ArrayBuffers hold at least twice
 *   the semi-space maximum (32 MiB in 64-bit Node). Left alone, that check comes with whatever
 *   allocation happens next: often after two 16 MiB bodies are dead, which are then freed
 *   together. Asking for the check right after a large payload's memory is allocated (a 1-byte
 *   ArrayBuffer) runs that GC while the previous one is dead and this one alive.
 * - What glibc does with freed memory at the top of its heap: it gives it back (trims) once it
 *   exceeds the trim threshold, twice the mmap threshold, which follows the largest mmapped block
 *   freed so far (up to 32 MiB). After 1 MiB messages that threshold is about 2 MiB, while one
 *   young GC frees up to 32 MiB of dead messages at once: trimmed, and every page faulted back.
 *   So on the first large payload the process allocates and drops one untouched block just under
 *   glibc's 32 MiB ceiling (mapped, never written: no memory used); freeing it raises the mmap
 *   threshold to ~32 MiB and the trim threshold to ~64 MiB, as any program that once freed such
 *   a block gets. The cost: up to 64 MiB of freed heap may stay with the process instead of
 *   going back to the kernel. Other C libraries ignore the block (it is freed like any other).
 * - When V8 starts a full (mark-compact) collection. It starts marking as soon as the old
 *   generation's room below its limit is less than the young generation's capacity. A process
 *   streaming 16 KiB messages has a small old generation (≈8 MB, limit ≈20 MB) and, after many
 *   young GCs, a young generation grown to its 16 MB maximum: room 12 MB < 16 MB, so V8 marked and
 *   compacted after every young GC (every ~45 ms; a fifth of the server's CPU). So on the first
 *   payload of 16 KiB or more the process keeps a heap reserve: 8 MB of strings on V8's heap
 *   (leaves: marking them costs nothing per byte), which lifts the old generation's limit above
 *   that line. An HTTP client reading 16 MiB bodies one after another fell into the same cycle:
 *   each mark-compact promoted the body being read, which counted towards the next limit (a
 *   full GC every two or three bodies). The cost: 8 MB of memory, once, in a process that
 *   receives such WebSocket payloads or HTTP bodies.
 *   `CONNCHAN_HEAP_RESERVE=0` in the environment turns it off.
 */
import { Buffer } from 'node:buffer';

/** Payloads from this size on get the early check (below it one is not worth a GC of its own). */
export const EARLY_CHECK_BYTES = 1024 * 1024;

/** The first payload of this size or more makes the process keep its heap reserve. */
const HEAP_RESERVE_TRIGGER_BYTES = 16 * 1024;

/**
 * The last 1-byte buffer allocated for the check, kept so that the allocation is not optimised
 * away; it costs nothing and keeps nothing else alive.
 */
const probe: { last?: ArrayBuffer } = {};

/**
 * Uninitialised memory for a received WebSocket payload or HTTP body of `length` bytes (the
 * caller fills all of it). From 16 KiB on, the first one also makes the process keep its heap
 * reserve.
 *
 * @example
 * ```ts
 * const payload = largeBuffer(frameLength); // unmask the frame's payload into it
 * ```
 */
export function largeBuffer(length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  if (length >= HEAP_RESERVE_TRIGGER_BYTES) {
    if (heapReserve === undefined) keepHeapReserve();
    if (length >= EARLY_CHECK_BYTES) afterLargeAllocation();
  }
  return buf;
}

/**
 * Call right after allocating a large buffer (a payload of `EARLY_CHECK_BYTES` or more, e.g.
 * joined with `Buffer.concat`): lets V8 run its young GC now, while only earlier ones are dead.
 * The first call also raises glibc's trim threshold (see the top of this file).
 *
 * @example
 * ```ts
 * const joined = Buffer.concat(chunks);
 * if (joined.length >= EARLY_CHECK_BYTES) afterLargeAllocation();
 * ```
 */
export function afterLargeAllocation(): void {
  if (!thresholdRaised) raiseTrimThreshold();
  probe.last = new ArrayBuffer(1);
}

/**
 * glibc's ceiling for its dynamic mmap threshold on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX), less
 * room for the block's header and page rounding: the block must be mapped (over the current
 * threshold) and no larger than the ceiling for its release to move the thresholds.
 */
export const RAISING_BLOCK_BYTES = 32 * 1024 * 1024 - 64 * 1024;

let thresholdRaised = false;

/** Allocates the untouched raising block and drops it; the young GC that follows frees it. */
function raiseTrimThreshold(): void {
  thresholdRaised = true;
  probe.last = Buffer.allocUnsafeSlow(RAISING_BLOCK_BYTES).buffer;
  // Replaced by the caller's 1-byte probe at once, so the block is garbage when the check runs.
}

/**
 * Strings of this many one-byte characters are made on V8's heap (Node makes longer ones
 * external: off the heap, not counted in the old generation).
 */
const RESERVE_STRING_CHARS = 1_000_000;
/** How many of them the reserve keeps: 8 MB (4 MB was the least that lifted the limit here). */
const RESERVE_STRINGS = 8;

/** The heap reserve: undefined until the first large payload, empty when turned off. */
let heapReserve: string[] | undefined;

/** Keeps the heap reserve (see the top of this file), unless `CONNCHAN_HEAP_RESERVE=0`. */
function keepHeapReserve(): void {
  heapReserve = [];
  if (globalThis.process?.env?.CONNCHAN_HEAP_RESERVE === '0') return;
  const page = Buffer.allocUnsafe(RESERVE_STRING_CHARS);
  for (let i = 0; i < RESERVE_STRINGS; i++) {
    heapReserve.push(page.fill(0x61 + i).toString('latin1'));
  }
}
