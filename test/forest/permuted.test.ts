import { afterAll, describe, expect, it } from 'vitest';
import type { Matrix } from '../../src/core/matrix.js';
import { Random } from '../../src/core/random.js';
import { WorkerPool } from '../../src/core/worker-pool.js';
import { fitForest } from '../../src/forest/forest.js';
import { eachPermutedProba, forestPaths } from '../../src/forest/importance.js';

const pool = new WorkerPool(2);
afterAll(() => pool.close());

/** Random features (some repeated values, some columns unused by the label) and a noisy 3-class label. */
function randomProblem(n: number, d: number, seed: number): { X: Matrix; y: number[] } {
  const rng = new Random(seed);
  const data = new Float64Array(n * d);
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) data[i * d + j] = j % 3 === 2 ? rng.int(4) : rng.next();
    const s = data[i * d]! + data[i * d + 1]! + 0.3 * rng.next();
    y.push(s < 0.8 ? 0 : s < 1.3 ? 1 : 2);
  }
  return { X: { data, nRows: n, nCols: d }, y };
}

describe('batched permuted prediction', () => {
  for (const [d, seed] of [
    [5, 1],
    [37, 2],
  ] as const) {
    it(`equals predictProba on the shuffled matrix, byte for byte (d = ${d})`, async () => {
      const train = randomProblem(600, d, seed);
      const test = randomProblem(257, d, seed + 100);
      const f = await fitForest(train.X, train.y, { nEstimators: 13, seed, maxDepth: seed === 2 ? 6 : null });
      const columns = Int32Array.from([d - 1, 0, 2, 1]);
      const repeats = 3;
      const n = test.X.nRows;
      const expected: Float64Array[] = [];
      for (const j of columns) {
        for (let r = 0; r < repeats; r++) {
          const column = Float64Array.from({ length: n }, (_, i) => test.X.data[i * d + j]!);
          const perm = new Random(7, j * repeats + r).shuffle(column.slice());
          const data = test.X.data.slice();
          for (let i = 0; i < n; i++) data[i * d + j] = perm[i]!;
          expected.push(await f.predictProba({ data, nRows: n, nCols: d }));
        }
      }
      for (const p of [undefined, pool]) {
        const got: Float64Array[] = [];
        const order: [number, number][] = [];
        await eachPermutedProba(
          f,
          test.X,
          columns,
          repeats,
          7,
          (q, r, proba) => {
            order.push([q, r]);
            got.push(proba.slice());
          },
          p,
        );
        expect(order).toEqual([0, 1, 2, 3].flatMap((q) => [0, 1, 2].map((r) => [q, r])));
        expect(got.length).toBe(expected.length);
        for (let k = 0; k < got.length; k++) expect(Array.from(got[k]!)).toEqual(Array.from(expected[k]!));
      }
    });
  }

  it('records each row’s leaf and the columns its path splits on', async () => {
    const { X, y } = randomProblem(300, 40, 3);
    const f = await fitForest(X, y, { nEstimators: 5, seed: 3 });
    const paths = forestPaths(f.flat, X.data, X.nRows, X.nCols);
    expect(paths.words).toBe(2);
    const fl = f.flat;
    for (let t = 0; t < fl.nTrees; t++) {
      for (let i = 0; i < X.nRows; i += 17) {
        let node = fl.nodeOffset[t]!;
        const seen = new Set<number>();
        while (fl.feature[node]! >= 0) {
          const j = fl.feature[node]!;
          seen.add(j);
          const local = X.data[i * 40 + j]! <= fl.threshold[node]! ? fl.left[node]! : fl.right[node]!;
          node = fl.nodeOffset[t]! + local;
        }
        expect(paths.leaf[t * X.nRows + i]).toBe((fl.leafOffset[t]! + fl.left[node]!) * fl.nClasses);
        for (let j = 0; j < 40; j++) {
          const word = paths.mask[((j >>> 5) * fl.nTrees + t) * X.nRows + i]!;
          expect(((word >>> (j & 31)) & 1) === 1).toBe(seen.has(j));
        }
      }
    }
  });
});
