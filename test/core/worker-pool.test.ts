import { describe, expect, it } from 'vitest';
import { WorkerPool, blocks } from '../../src/core/worker-pool.js';

const kernel = new URL('./kernels/sum-kernel.ts', import.meta.url).href;

async function blockSums(threads: number, data: Float64Array): Promise<number[]> {
  const pool = new WorkerPool(threads);
  try {
    return await pool.run<number>(
      blocks(data.length, 1000).map(([s, e]) => ({ module: kernel, fn: 'sumBlock', args: [data, s, e] })),
    );
  } finally {
    await pool.close();
  }
}

describe('WorkerPool', () => {
  it('returns results in task order, identical for 1 and 2 threads', async () => {
    const data = new Float64Array(new SharedArrayBuffer(10_500 * 8));
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(i) * 1e3;
    const one = await blockSums(1, data);
    const two = await blockSums(2, data);
    expect(one.length).toBe(11);
    expect(two).toEqual(one);
    expect(one[10]).toBeCloseTo(
      Array.from(data.subarray(10_000)).reduce((a, b) => a + b, 0),
      6,
    );
  });

  it('calls back on this thread once per completed task, with 1 and 2 threads, without changing results', async () => {
    const data = new Float64Array(new SharedArrayBuffer(10_500 * 8));
    for (let i = 0; i < data.length; i++) data[i] = i;
    const tasks = blocks(data.length, 1000).map(([s, e]) => ({
      module: kernel,
      fn: 'sumBlock',
      args: [data, s, e],
    }));
    for (const threads of [1, 2]) {
      const pool = new WorkerPool(threads);
      try {
        const seen: number[] = [];
        const sums = await pool.run<number>(tasks, (i) => seen.push(i));
        expect(sums).toEqual(await blockSums(1, data));
        expect(seen.sort((a, b) => a - b)).toEqual(tasks.map((_, i) => i));
      } finally {
        await pool.close();
      }
    }
  });

  it('propagates a kernel failure as a rejected promise', async () => {
    const pool = new WorkerPool(2);
    try {
      await expect(
        pool.run([
          { module: kernel, fn: 'fail', args: [] },
          { module: kernel, fn: 'fail', args: [] },
        ]),
      ).rejects.toThrow(/boom/);
      await expect(pool.run([{ module: kernel, fn: 'nope', args: [] }])).rejects.toThrow(/not found/);
    } finally {
      await pool.close();
    }
  });

  it('splits rows into blocks that depend only on n and the block size', () => {
    expect(blocks(5, 2)).toEqual([
      [0, 2],
      [2, 4],
      [4, 5],
    ]);
    expect(blocks(0, 2)).toEqual([]);
  });
});
