import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined | null = null;

/**
 * Run a full garbage collection now, so that large arrays just let go (a dataset's columns copied into a matrix) are
 * freed before a long computation that allocates little (and so would not trigger a collection) rather than after
 * it. The collector is made callable once (V8's `--expose-gc`); where that is refused, nothing happens.
 */
export function collectGarbage(): void {
  if (gc === null) {
    try {
      setFlagsFromString('--expose-gc');
      const f = runInNewContext('gc') as unknown;
      gc = typeof f === 'function' ? (f as () => void) : undefined;
    } catch {
      gc = undefined;
    }
  }
  gc?.();
}
