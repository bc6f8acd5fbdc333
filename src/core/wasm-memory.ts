/**
 * Shared WebAssembly memories that hold typed arrays, so that WebAssembly kernels and JavaScript (in this thread
 * and in worker threads) work on the same bytes without a copy. A memory's buffer is a SharedArrayBuffer: arrays
 * on it go to workers like any shared array. Memories only grow (growing keeps every existing array valid); an
 * arena hands out aligned ranges from the bottom up and can be rolled back to a mark.
 */

import { collectGarbage } from './gc.js';

const PAGE = 65536;
/** wasm32 addresses: 65,536 pages of 64 KiB. */
const MAX_PAGES = 65536;
/** Largest arena handed out: below the 4 GiB address space, with room for the kernels' own work arrays. */
export const MAX_ARENA_BYTES = 3.5 * 1024 ** 3;

let nextId = 1;
const owners = new WeakMap<ArrayBufferLike, WasmArena>();

/**
 * Bytes of the arenas not yet collected. V8 does not count WebAssembly memories towards the pressure that starts a
 * collection, so arenas made one after another (a matrix per call) would pile up unreferenced: past
 * {@link COLLECT_PAST} of them, making another runs a collection first.
 */
const live = new Map<number, number>();
const finalized = new FinalizationRegistry<number>((id) => live.delete(id));
const COLLECT_PAST = 512 * 1024 * 1024;

function liveBytes(): number {
  let total = 0;
  for (const b of live.values()) total += b;
  return total;
}

/** A shared WebAssembly memory and a bump allocator over it. */
export class WasmArena {
  readonly memory: WebAssembly.Memory;
  /** Distinguishes arenas in the threads that cache an instance per memory. */
  readonly id: number;
  private top = 0;
  /** Set while a computation allocates from the arena (see {@link claim}). */
  private busy = false;

  private constructor(pages: number, maxPages: number) {
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: maxPages, shared: true });
    this.id = nextId++;
    this.limit = Math.min(MAX_ARENA_BYTES, maxPages * PAGE);
  }

  /** Bytes the arena can grow to (its memory's maximum). */
  private readonly limit: number;

  /**
   * A new arena of `bytes`, able to grow to `maxBytes` (a shared memory reserves its maximum up front), or
   * undefined past {@link MAX_ARENA_BYTES} or when the memory cannot be had.
   */
  static create(bytes: number, maxBytes = bytes): WasmArena | undefined {
    if (!(bytes <= MAX_ARENA_BYTES)) return undefined;
    const pages = Math.max(1, Math.ceil(bytes / PAGE));
    const maxPages = Math.min(
      MAX_PAGES,
      Math.max(pages, Math.ceil(Math.min(maxBytes, MAX_ARENA_BYTES) / PAGE)),
    );
    if (liveBytes() > COLLECT_PAST) collectGarbage();
    let arena: WasmArena;
    try {
      arena = new WasmArena(pages, maxPages);
    } catch {
      return undefined;
    }
    live.set(arena.id, pages * PAGE);
    finalized.register(arena, arena.id);
    return arena;
  }

  /** The arena an array was allocated from (by {@link f64} / {@link i32}), if any. */
  static of(a: Float64Array | Int32Array): WasmArena | undefined {
    return owners.get(a.buffer);
  }

  /** Whether a computation holds the arena (between {@link claim} and {@link release}). */
  get inUse(): boolean {
    return this.busy;
  }

  /** Bytes in use. */
  get used(): number {
    return this.top;
  }

  /**
   * Reserve the arena for one computation: returns the mark to {@link release} to, or undefined when another
   * computation holds it (the caller then uses an arena of its own).
   */
  claim(): number | undefined {
    if (this.busy) return undefined;
    this.busy = true;
    return this.top;
  }

  /** Give back everything allocated since `mark` and end the claim. The arrays handed out since are invalid. */
  release(mark: number): void {
    this.top = mark;
    this.busy = false;
  }

  /** Bytes above the allocations that were handed out before (their pages already in memory). */
  get spare(): number {
    return Math.max(0, this.high - Math.ceil(this.top / 16) * 16);
  }

  /** Whether allocations of `bytes` more (in total, alignment included) fit. */
  fits(bytes: number): boolean {
    return this.top + bytes <= this.limit;
  }

  /** Byte offset of a new zeroed range of `bytes`, 16-byte aligned; grows the memory when needed. */
  alloc(bytes: number): number {
    const at = Math.ceil(this.top / 16) * 16;
    const end = at + Math.max(bytes, 0);
    if (end > this.limit) throw new RangeError(`WebAssembly arena full (${end} of ${this.limit} bytes)`);
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      this.memory.grow(Math.ceil((end - have) / PAGE));
      live.set(this.id, this.memory.buffer.byteLength);
    }
    // Memory handed out before (and given back) is zeroed again; above it, it is still zero.
    if (at < this.high) new Uint8Array(this.memory.buffer, at, Math.min(end, this.high) - at).fill(0);
    this.top = end;
    this.high = Math.max(this.high, end);
    return at;
  }

  /** Highest byte ever handed out: memory above it is still zero. */
  private high = 0;

  /** A zeroed Float64Array of n values in the arena. */
  f64(n: number): Float64Array {
    const at = this.alloc(n * 8);
    const a = new Float64Array(this.memory.buffer, at, n);
    owners.set(a.buffer, this);
    return a;
  }

  /** A zeroed Int32Array of n values in the arena. */
  i32(n: number): Int32Array {
    const at = this.alloc(n * 4);
    const a = new Int32Array(this.memory.buffer, at, n);
    owners.set(a.buffer, this);
    return a;
  }
}
