import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collector = (options?: { type: 'minor' | 'major' }) => void;

let gc: Collector | undefined | null = null;

/**
 * Run a full garbage collection now, so that large arrays just let go (a dataset's columns copied into a matrix) are
 * freed before a long computation that allocates little (and so would not trigger a collection) rather than after
 * it. The collector is made callable once (V8's `--expose-gc`); where that is refused, nothing happens.
 */
export function collectGarbage(): void {
  collector()?.();
}

/**
 * Run a young-generation collection now (a millisecond or so): array buffers made and dropped since the last one are
 * freed, such as those {@link releaseBuffer} leaves.
 */
export function collectYoung(): void {
  collector()?.({ type: 'minor' });
}

/**
 * Hand a large buffer back to the system without waiting for a full collection: its memory moves to a new buffer
 * that nothing holds (every view of the old one becomes empty), which the next young-generation collection frees.
 */
export function releaseBuffer(buffer: ArrayBuffer): void {
  structuredClone(buffer, { transfer: [buffer] });
}

function collector(): Collector | undefined {
  if (gc === null) {
    try {
      setFlagsFromString('--expose-gc');
      const f = runInNewContext('gc') as unknown;
      gc = typeof f === 'function' ? (f as Collector) : undefined;
    } catch {
      gc = undefined;
    }
  }
  return gc;
}
