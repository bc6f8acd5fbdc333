import { afterAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/core/random.js';
import { WorkerPool } from '../../src/core/worker-pool.js';
import { pcaEmbedding, tsne } from '../../src/select/embed.js';

/** 4 gaussian blobs in 5-D, centres 10 apart on different axes; `label` is the blob. */
function blobs(perBlob: number, seed = 3): { columns: Float64Array[]; nRows: number; label: Int32Array } {
  const rng = new Random(seed);
  const n = 4 * perBlob;
  const columns = Array.from({ length: 5 }, () => new Float64Array(n));
  const label = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const g = i % 4;
    label[i] = g;
    for (let j = 0; j < 5; j++) columns[j]![i] = rng.normal() + (j === g ? 10 : 0);
  }
  return { columns, nRows: n, label };
}

/** Share of points whose nearest embedded neighbour has the same label. */
function neighbourAgreement(x: Float64Array, y: Float64Array, label: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < x.length; i++) {
    let best = -1;
    let bd = Infinity;
    for (let j = 0; j < x.length; j++) {
      if (j === i) continue;
      const d = (x[i]! - x[j]!) ** 2 + (y[i]! - y[j]!) ** 2;
      if (d < bd) {
        bd = d;
        best = j;
      }
    }
    if (label[best] === label[i]) ok++;
  }
  return ok / x.length;
}

const pool = new WorkerPool(2);
afterAll(() => pool.close());

describe('t-SNE', () => {
  it('separates well-separated blobs, and is identical for 1 and 2 threads', async () => {
    const data = blobs(130);
    const a = await tsne(data, { nIter: 300, perplexity: 20 });
    const b = await tsne(data, { nIter: 300, perplexity: 20 }, { pool });
    expect(a.rows.length).toBe(520);
    expect(Buffer.from(b.x.buffer).equals(Buffer.from(a.x.buffer))).toBe(true);
    expect(Buffer.from(b.y.buffer).equals(Buffer.from(a.y.buffer))).toBe(true);
    expect(neighbourAgreement(a.x, a.y, data.label)).toBeGreaterThan(0.98);
    expect(a.klDivergence).toBeGreaterThan(0);
    expect(a.nIter).toBe(300);
  });

  it('embeds a seeded sample of the rows when there are more than sampleSize', async () => {
    const data = blobs(100);
    const a = await tsne(data, { nIter: 250, sampleSize: 120, seed: 1 });
    const b = await tsne(data, { nIter: 250, sampleSize: 120, seed: 1 });
    expect(a.rows.length).toBe(120);
    expect(Array.from(a.rows)).toEqual(Array.from(b.rows));
    for (let i = 1; i < 120; i++) expect(a.rows[i]!).toBeGreaterThan(a.rows[i - 1]!);
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
  });

  it('refuses a perplexity at or above the sample size, bad parameters and an affinity matrix over budget', async () => {
    const data = blobs(5);
    await expect(tsne(data, { perplexity: 20 })).rejects.toThrow(
      /perplexity \(20\) must be below the number of rows embedded \(20\)/,
    );
    await expect(tsne(data, { nIter: 10 })).rejects.toThrow(/'nIter' parameter/);
    await expect(tsne(blobs(300), { perplexity: 5 }, { memoryLimit: 1_000_000 })).rejects.toThrow(
      /memory limit/,
    );
  });
});

describe('PCA embedding', () => {
  it('projects every row on the first two components', async () => {
    const data = blobs(50);
    const e = await pcaEmbedding(data, { pool });
    expect(e.rows.length).toBe(200);
    expect(e.explainedVarianceRatio[0]).toBeGreaterThan(e.explainedVarianceRatio[1]);
    expect(neighbourAgreement(e.x, e.y, data.label)).toBeGreaterThan(0.9);
    await expect(pcaEmbedding({ columns: [data.columns[0]!], nRows: 200 })).rejects.toThrow(/two features/);
  });
});
