import { DataError } from '../core/errors.js';
import type { Task, WorkerPool } from '../core/worker-pool.js';

/** Numeric columns of equal length: the column-major view of a dataset's features (no copy). */
export interface ColumnData {
  readonly columns: readonly Float64Array[];
  readonly nRows: number;
}

/** Means and covariance of a set of columns. */
export interface Moments {
  nRows: number;
  nCols: number;
  /** Column means. */
  mean: Float64Array;
  /**
   * d × d covariance, row-major and symmetric, with n − 1 in the denominator (numpy's `np.cov`, ddof = 1). The row
   * and column of a constant feature are exactly 0.
   */
  cov: Float64Array;
  /** Column minima. */
  min: Float64Array;
  /** Column maxima. */
  max: Float64Array;
}

/** Options of {@link columnMoments}. */
export interface MomentsOptions {
  /** Worker pool: the cross-product blocks run in parallel. Absent or 1 thread: in this thread. */
  pool?: WorkerPool | undefined;
  /** Rows per block (default 4096). Results depend on it, never on the thread count. */
  blockSize?: number | undefined;
}

const DEFAULT_BLOCK = 4096;
/** Blocks per streamed chunk: 2 chunks of 16 × 4096 rows × d values are all the extra memory used. */
const CHUNK_BLOCKS = 16;

/**
 * Column means and covariance matrix, streamed: the rows are copied a chunk at a time (a few MB, never an n × d
 * copy), and the cross products of each fixed row block run in worker threads while the next chunk is copied.
 *
 * Accuracy: two passes, as numpy. The means come first (block sums added with Neumaier's compensated summation);
 * the second pass sums products of centred values, so there is no cancellation between large sums of squares. The
 * per-block products are added in block order with compensated summation, so the result depends on `blockSize`
 * but is byte-identical for any thread count.
 *
 * Complexity: O(n · d²) time (two passes over the data), O(d² · n / blockSize) for the block partials of a chunk
 * plus O(blockSize · d) per chunk buffer.
 * Values must be finite (check first); a NaN would spread to its row and column of the result.
 * @throws DataError when there are fewer than 2 rows or the columns have unequal lengths.
 */
export async function columnMoments(X: ColumnData, opts: MomentsOptions = {}): Promise<Moments> {
  const { columns, nRows: n } = X;
  const d = columns.length;
  for (const c of columns) {
    if (c.length < n) throw new DataError(`columnMoments: a column has ${c.length} rows, expected ${n}`);
  }
  if (n < 2) throw new DataError(`a covariance needs at least 2 rows; got ${n}`);
  const blockSize = Math.max(1, Math.floor(opts.blockSize ?? DEFAULT_BLOCK));
  const nBlocks = Math.ceil(n / blockSize);

  // Pass 1: means (and ranges: a constant column gets its exact value as mean, hence exact zeros below).
  const mean = new Float64Array(d);
  const min = new Float64Array(d);
  const max = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const col = columns[j]!;
    let sum = 0;
    let comp = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let b = 0; b < nBlocks; b++) {
      const s = b * blockSize;
      const e = Math.min(n, s + blockSize);
      let bs = 0;
      for (let i = s; i < e; i++) {
        const v = col[i]!;
        bs += v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      const t = sum + bs;
      comp += Math.abs(sum) >= Math.abs(bs) ? sum - t + bs : bs - t + sum;
      sum = t;
    }
    min[j] = lo;
    max[j] = hi;
    mean[j] = lo === hi ? lo : (sum + comp) / n;
  }

  // Pass 2: centred cross products by block, streamed in chunks.
  const tri = (d * (d + 1)) / 2;
  const parallel = opts.pool !== undefined && opts.pool.nThreads > 1;
  const chunkRows = CHUNK_BLOCKS * blockSize;
  const nChunks = Math.ceil(n / chunkRows);
  const alloc = (len: number): Float64Array =>
    parallel ? new Float64Array(new SharedArrayBuffer(Math.max(1, len) * 8), 0, len) : new Float64Array(len);
  const bufCount = parallel && nChunks > 1 ? 2 : 1;
  const bufs = Array.from({ length: bufCount }, () => alloc(CHUNK_BLOCKS * d * blockSize));
  const parts = Array.from({ length: bufCount }, () => alloc(CHUNK_BLOCKS * tri));
  const meanShared = alloc(d);
  meanShared.set(mean);
  const sum = new Float64Array(tri);
  const comp = new Float64Array(tri);

  const fill = (c: number): number => {
    const buf = bufs[c % bufCount]!;
    const first = c * CHUNK_BLOCKS;
    const last = Math.min(nBlocks, first + CHUNK_BLOCKS);
    for (let b = first; b < last; b++) {
      const s = b * blockSize;
      const e = Math.min(n, s + blockSize);
      const base = (b - first) * d * blockSize;
      for (let j = 0; j < d; j++) buf.set(columns[j]!.subarray(s, e), base + j * blockSize);
    }
    return last - first;
  };
  const lengthsOf = (c: number, count: number): Int32Array => {
    const lens = new Int32Array(count);
    for (let bi = 0; bi < count; bi++) {
      const s = (c * CHUNK_BLOCKS + bi) * blockSize;
      lens[bi] = Math.min(n, s + blockSize) - s;
    }
    return lens;
  };
  const reduce = (c: number, count: number): void => {
    const part = parts[c % bufCount]!;
    for (let bi = 0; bi < count; bi++) {
      for (let t = 0; t < tri; t++) {
        const v = part[bi * tri + t]!;
        const s = sum[t]!;
        const u = s + v;
        comp[t] = comp[t]! + (Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s);
        sum[t] = u;
      }
    }
  };

  if (!parallel) {
    for (let c = 0; c < nChunks; c++) {
      const count = fill(c);
      crossProductBlocks(bufs[0]!, d, blockSize, lengthsOf(c, count), 0, count, meanShared, parts[0]!);
      reduce(c, count);
    }
  } else {
    const pool = opts.pool!;
    let pending: { c: number; count: number; done: Promise<unknown> } | undefined;
    for (let c = 0; c < nChunks; c++) {
      const count = fill(c);
      if (pending) {
        await pending.done;
        reduce(pending.c, pending.count);
      }
      const lens = lengthsOf(c, count);
      const tasks: Task[] = [];
      for (let bi = 0; bi < count; bi++) {
        tasks.push({
          module: import.meta.url,
          fn: 'crossProductBlocks',
          args: [bufs[c % bufCount], d, blockSize, lens, bi, bi + 1, meanShared, parts[c % bufCount]],
        });
      }
      pending = { c, count, done: pool.run(tasks) };
    }
    if (pending) {
      await pending.done;
      reduce(pending.c, pending.count);
    }
  }

  const cov = new Float64Array(d * d);
  for (let j = 0, t = 0; j < d; j++) {
    for (let k = j; k < d; k++, t++) {
      const v = (sum[t]! + comp[t]!) / (n - 1);
      cov[j * d + k] = v;
      cov[k * d + j] = v;
    }
  }
  return { nRows: n, nCols: d, mean, cov, min, max };
}

/**
 * Kernel: centre the blocks `[bi0, bi1)` of a chunk in place and write each block's upper-triangle cross
 * products Σ (x_j − m_j)(x_k − m_k), j ≤ k, to `out[bi · d(d+1)/2 …]`.
 *
 * Chunk layout: block `bi` occupies `[bi · d · blockSize, (bi + 1) · d · blockSize)`, column j of it starting
 * at `bi · d · blockSize + j · blockSize`, holding `lens[bi]` rows. Exported for the worker pool.
 */
export function crossProductBlocks(
  buf: Float64Array,
  d: number,
  blockSize: number,
  lens: Int32Array,
  bi0: number,
  bi1: number,
  mean: Float64Array,
  out: Float64Array,
): number {
  const tri = (d * (d + 1)) / 2;
  for (let bi = bi0; bi < bi1; bi++) {
    const len = lens[bi]!;
    const base = bi * d * blockSize;
    for (let j = 0; j < d; j++) {
      const off = base + j * blockSize;
      const m = mean[j]!;
      for (let i = 0; i < len; i++) buf[off + i] = buf[off + i]! - m;
    }
    let t = bi * tri;
    for (let j = 0; j < d; j++) {
      const aj = base + j * blockSize;
      let k = j;
      // Two columns at a time: each load of column j serves two products.
      for (; k + 1 < d; k += 2) {
        const ak = base + k * blockSize;
        const al = ak + blockSize;
        let s0 = 0;
        let s1 = 0;
        let r0 = 0;
        let r1 = 0;
        let i = 0;
        for (; i + 1 < len; i += 2) {
          const x0 = buf[aj + i]!;
          const x1 = buf[aj + i + 1]!;
          s0 += x0 * buf[ak + i]!;
          s1 += x1 * buf[ak + i + 1]!;
          r0 += x0 * buf[al + i]!;
          r1 += x1 * buf[al + i + 1]!;
        }
        if (i < len) {
          const x0 = buf[aj + i]!;
          s0 += x0 * buf[ak + i]!;
          r0 += x0 * buf[al + i]!;
        }
        out[t++] = s0 + s1;
        out[t++] = r0 + r1;
      }
      if (k < d) {
        const ak = base + k * blockSize;
        let s0 = 0;
        let s1 = 0;
        let i = 0;
        for (; i + 1 < len; i += 2) {
          s0 += buf[aj + i]! * buf[ak + i]!;
          s1 += buf[aj + i + 1]! * buf[ak + i + 1]!;
        }
        if (i < len) s0 += buf[aj + i]! * buf[ak + i]!;
        out[t++] = s0 + s1;
      }
    }
  }
  return bi1 - bi0;
}
