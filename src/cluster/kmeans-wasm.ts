/**
 * The WebAssembly versions of the k-means kernels (wasm/kmeans.ts, compiled into kmeans-wasm-bytes.ts): one
 * compiled module per thread, one instance per shared memory. The kernels give the same bits as the JavaScript
 * ones; they run when every array of the computation lives in one {@link WasmArena}.
 */
import { collectGarbage } from '../core/gc.js';
import { KMEANS_WASM } from './kmeans-wasm-bytes.js';

/** Where the WebAssembly kernels find their memory and their scratch space (posted to workers with the context). */
export interface WasmRef {
  readonly memory: WebAssembly.Memory;
  /** The arena's id: threads keep one instance per memory. */
  readonly id: number;
  /** Byte address of task 0's scratch area; task t's starts `scratchBytes · t` further. */
  readonly scratch: number;
  readonly scratchBytes: number;
}

/** The module's exports; every address is a byte offset in the shared memory. */
export interface KMeansWasm {
  first(
    x: number,
    n: number,
    d: number,
    blockSize: number,
    b0: number,
    b1: number,
    closest: number,
    nearest: number,
    cands: number,
    nTrials: number,
    pot: number,
    second: number,
    secondD: number,
    rest: number,
    track: number,
  ): void;
  trials(
    x: number,
    n: number,
    d: number,
    blockSize: number,
    b: number,
    closest: number,
    nearest: number,
    cands: number,
    nTrials: number,
    candDist: number,
    kMax: number,
    pot: number,
    scratch: number,
  ): void;
  adopt(
    x: number,
    n: number,
    d: number,
    blockSize: number,
    b: number,
    closest: number,
    nearest: number,
    cands: number,
    candDist: number,
    kMax: number,
    second: number,
    secondD: number,
    rest: number,
    track: number,
    t: number,
    centre: number,
    scratch: number,
  ): void;
  trialsScratch(blockSize: number, d: number): number;
  hamerlyScratch(blockSize: number, k: number, d: number): number;
  handover(
    x: number,
    n: number,
    d: number,
    k: number,
    blockSize: number,
    b0: number,
    b1: number,
    closest: number,
    nearest: number,
    ppSecond: number,
    secondD: number,
    rest: number,
    labels: number,
    upper: number,
    lower: number,
    second: number,
    lowerSecond: number,
    partials: number,
  ): void;
  hamerly(
    x: number,
    n: number,
    d: number,
    k: number,
    blockSize: number,
    C: number,
    labels: number,
    upper: number,
    lower: number,
    second: number,
    lowerSecond: number,
    aux: number,
    partials: number,
    b0: number,
    b1: number,
    mode: number,
    scratch: number,
  ): void;
}

let compiled: WebAssembly.Module | undefined;
let current: { id: number; exports: KMeansWasm } | undefined;
let sizing: KMeansWasm | undefined;

function instantiate(memory: WebAssembly.Memory): KMeansWasm {
  compiled ??= new WebAssembly.Module(Buffer.from(KMEANS_WASM, 'base64'));
  return new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as KMeansWasm;
}

/** The kernels bound to `ref`'s memory (instantiated on first use in this thread). */
export function kmeansWasm(ref: WasmRef): KMeansWasm {
  if (current?.id === ref.id) return current.exports;
  if (current !== undefined) {
    // Another memory: let go of the last one now. A worker thread allocates little and seldom collects its garbage,
    // and each task it ran left objects that hold the last memory, which would otherwise stay allocated.
    current = undefined;
    collectGarbage();
  }
  current = { id: ref.id, exports: instantiate(ref.memory) };
  return current.exports;
}

/** Scratch bytes one task needs, as the kernels lay it out: the larger of the seeding's and Hamerly's. */
export function scratchBytes(blockSize: number, k: number, d: number): number {
  sizing ??= instantiate(new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }));
  return (
    Math.ceil(Math.max(sizing.trialsScratch(blockSize, d), sizing.hamerlyScratch(blockSize, k, d)) / 16) * 16
  );
}

/** Byte address of task `task`'s scratch area. */
export function taskScratch(ref: WasmRef, task: number): number {
  return ref.scratch + task * ref.scratchBytes;
}

/** Byte address of an array in the shared memory. */
export function addr(a: Float64Array | Int32Array): number {
  return a.byteOffset;
}
