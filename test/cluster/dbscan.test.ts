import { afterAll, describe, expect, it } from 'vitest';
import { assignToCores, dbscan, kDistances } from '../../src/cluster/dbscan.js';
import type { Distance } from '../../src/core/distance.js';
import { KdTree } from '../../src/cluster/kd-tree.js';
import { DataError, UsageError } from '../../src/core/errors.js';
import type { Matrix } from '../../src/core/matrix.js';
import { Random } from '../../src/core/random.js';
import { WorkerPool } from '../../src/core/worker-pool.js';

const mat = (rows: number[][]): Matrix => ({
  data: Float64Array.from(rows.flat()),
  nRows: rows.length,
  nCols: rows[0]!.length,
});

// ---------------------------------------------------------------------------------------------------------------
// Reference implementations.

/** Distance between rows i and j as scikit-learn defines it (cosine: zero rows have similarity 0, self distance 0). */
function dist(X: Matrix, i: number, j: number, metric: Distance): number {
  if (i === j && metric === 'cosine') return 0;
  const d = X.nCols;
  const a = X.data;
  let s = 0;
  if (metric === 'euclidean') {
    for (let k = 0; k < d; k++) s += (a[i * d + k]! - a[j * d + k]!) ** 2;
    return Math.sqrt(s);
  }
  if (metric === 'manhattan') {
    for (let k = 0; k < d; k++) s += Math.abs(a[i * d + k]! - a[j * d + k]!);
    return s;
  }
  let na = 0;
  let nb = 0;
  for (let k = 0; k < d; k++) {
    s += a[i * d + k]! * a[j * d + k]!;
    na += a[i * d + k]! ** 2;
    nb += a[j * d + k]! ** 2;
  }
  return na === 0 || nb === 0 ? 1 : 1 - s / Math.sqrt(na * nb);
}

interface Naive {
  labels: Int32Array;
  isCore: Uint8Array;
  /** Non-core points with core points of two or more clusters within eps (where the tie-break matters). */
  contested: number;
}

/**
 * O(n²) DBSCAN, a literal transcription of scikit-learn's: neighbourhoods from all pairwise distances (ascending
 * index, or descending when `reverse`), then `dbscan_inner`'s stack expansion.
 */
function naiveDbscan(X: Matrix, eps: number, minSamples: number, metric: Distance, reverse = false): Naive {
  const n = X.nRows;
  const neigh: number[][] = [];
  for (let i = 0; i < n; i++) {
    const l: number[] = [];
    for (let j = 0; j < n; j++) if (dist(X, i, j, metric) <= eps) l.push(j);
    neigh.push(reverse ? l.reverse() : l);
  }
  const isCore = Uint8Array.from(neigh, (l) => (l.length >= minSamples ? 1 : 0));
  const labels = new Int32Array(n).fill(-1);
  let labelNum = 0;
  const stack: number[] = [];
  for (let i = 0; i < n; i++) {
    if (labels[i] !== -1 || !isCore[i]) continue;
    let v = i;
    for (;;) {
      if (labels[v] === -1) {
        labels[v] = labelNum;
        if (isCore[v]) for (const u of neigh[v]!) if (labels[u] === -1) stack.push(u);
      }
      if (stack.length === 0) break;
      v = stack.pop()!;
    }
    labelNum++;
  }
  let contested = 0;
  for (let i = 0; i < n; i++) {
    if (isCore[i]) continue;
    const seen = new Set(neigh[i]!.filter((j) => isCore[j]).map((j) => labels[j]));
    if (seen.size > 1) contested++;
  }
  return { labels, isCore, contested };
}

/** Brute-force k-th smallest distance to another row, self counted as the 0-th neighbour. */
function naiveKDist(X: Matrix, k: number, metric: Distance): Float64Array {
  const out = new Float64Array(X.nRows);
  for (let i = 0; i < X.nRows; i++) {
    const ds = Array.from({ length: X.nRows }, (_, j) => dist(X, i, j, metric)).sort((a, b) => a - b);
    out[i] = ds[k]!;
  }
  return out;
}

/**
 * Gaussian clumps around `nCenters` centres in [−5, 5]^d, 10 % uniform noise in [−7, 7]^d, a few exact duplicate
 * rows, and (when `zeros`) a few all-zero rows.
 */
function clumps(n: number, d: number, seed: number, zeros = false): Matrix {
  const rng = new Random(seed);
  const nCenters = 4;
  const centers = Array.from({ length: nCenters * d }, () => -5 + 10 * rng.next());
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    if (i % 10 === 9) {
      for (let j = 0; j < d; j++) data[i * d + j] = -7 + 14 * rng.next();
    } else if (i % 37 === 36) {
      const src = rng.int(i);
      for (let j = 0; j < d; j++) data[i * d + j] = data[src * d + j]!;
    } else if (zeros && i % 53 === 52) {
      // stays zero
    } else {
      const c = rng.int(nCenters);
      const s = 0.4 + 0.4 * c;
      for (let j = 0; j < d; j++) data[i * d + j] = centers[c * d + j]! + s * rng.normal();
    }
  }
  return { data, nRows: n, nCols: d };
}

/**
 * Two interleaved half-circles ("moons") with jitter, every 10th point uniform noise. Only + − × ÷ on a MINSTD
 * LCG, so Python produces bit-identical points:
 *
 *   state = seed
 *   def u():
 *       global state; state = state * 48271 % 2147483647; return state / 2147483647
 *   for i in range(n):
 *       if i % 10 == 9: x = -1.5 + 4 * u(); y = -1 + 2.5 * u()
 *       else:
 *           w = 2 * u() - 1; a = 2 * w / (1 + w * w); b = (1 - w * w) / (1 + w * w)
 *           x, y = (a, b) if i % 2 == 0 else (1 - a, 0.5 - b)
 *           x += 0.2 * (u() - 0.5); y += 0.2 * (u() - 0.5)
 */
function moons(n: number, seed: number): Matrix {
  let state = seed;
  const u = (): number => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
  const data = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    let x: number;
    let y: number;
    if (i % 10 === 9) {
      x = -1.5 + 4 * u();
      y = -1 + 2.5 * u();
    } else {
      const w = 2 * u() - 1;
      const a = (2 * w) / (1 + w * w);
      const b = (1 - w * w) / (1 + w * w);
      [x, y] = i % 2 === 0 ? [a, b] : [1 - a, 0.5 - b];
      x += 0.2 * (u() - 0.5);
      y += 0.2 * (u() - 0.5);
    }
    data[2 * i] = x;
    data[2 * i + 1] = y;
  }
  return { data, nRows: n, nCols: 2 };
}

const decode = (s: string): number[] => Array.from(s, (ch) => (ch === '.' ? -1 : ch.charCodeAt(0) - 65));

// ---------------------------------------------------------------------------------------------------------------

describe('dbscan vs a naive O(n²) transcription of scikit-learn', () => {
  const metrics: Distance[] = ['euclidean', 'manhattan', 'cosine'];
  // eps per (metric, d): small (mostly noise), medium (several clusters, contested borders), large (merging).
  const epsFor: Record<Distance, Record<number, number[]>> = {
    euclidean: { 2: [0.25, 0.5, 1.1], 5: [0.9, 1.6, 2.6] },
    manhattan: { 2: [0.35, 0.7, 1.5], 5: [1.8, 3.2, 5.5] },
    cosine: { 2: [0.0005, 0.003, 0.02], 5: [0.01, 0.04, 0.12] },
  };
  for (const d of [2, 5])
    for (const metric of metrics)
      it(`gives identical labels and core flags: ${metric}, ${d}-D, 3 seeds × 3 eps × 3 minSamples`, async () => {
        let contested = 0;
        for (const seed of [1, 2, 3]) {
          const X = clumps(700, d, seed + 10 * d, metric === 'cosine');
          for (const eps of epsFor[metric][d]!)
            for (const minSamples of [1, 4, 10]) {
              const ref = naiveDbscan(X, eps, minSamples, metric);
              const got = await dbscan(X, { eps, minSamples, distance: metric });
              const tag = `seed ${seed} eps ${eps} minSamples ${minSamples}`;
              expect(Array.from(got.isCore), tag).toEqual(Array.from(ref.isCore));
              expect(Array.from(got.labels), tag).toEqual(Array.from(ref.labels));
              const nClusters = Math.max(-1, ...ref.labels) + 1;
              expect(got.nClusters, tag).toBe(nClusters);
              expect(got.nNoise, tag).toBe(ref.labels.filter((l) => l === -1).length);
              expect(got.nCore, tag).toBe(ref.isCore.reduce((a, b) => a + b, 0));
              contested += ref.contested;
            }
        }
        // The data must exercise the tie-break: border points within eps of core points of two clusters.
        expect(contested).toBeGreaterThan(0);
      });

  it('border assignment does not depend on the order of neighbour lists (why the kd-tree order is free)', () => {
    for (const seed of [1, 2]) {
      const X = clumps(400, 2, seed);
      const fwd = naiveDbscan(X, 0.5, 6, 'euclidean');
      const rev = naiveDbscan(X, 0.5, 6, 'euclidean', true);
      expect(fwd.contested).toBeGreaterThan(0);
      expect(Array.from(rev.labels)).toEqual(Array.from(fwd.labels));
    }
  });
});

describe('dbscan vs scikit-learn 1.2.1 (embedded labels)', () => {
  // /usr/bin/python3: X = moons(150, 7) (see moons()); DBSCAN(eps, min_samples, metric).fit(X);
  // labels as letters (A = 0, '.' = noise), core_sample_indices_ as a 0/1 string.
  const X = moons(150, 7);
  const cases: { metric: Distance; eps: number; minSamples: number; labels: string; core: string }[] = [
    {
      metric: 'euclidean',
      eps: 0.2,
      minSamples: 5,
      labels:
        'ABABACACA.ABABABACA.ABABACDBDBACDCACABABACACDCABA.ACABABABD.ABDBABACDAACDBDCACA.ACDCACDBA.DCACDBACDADBACDBACA.ABABABACA.ACACABDBD.D.ABDBA.A.ACDBA.ABD.',
      core: '111111101011111111101111111111111111111011111111101111111110111110111011111111101111111110111100111111111111100111111110111111111010111110101111100110',
    },
    {
      metric: 'euclidean',
      eps: 0.3,
      minSamples: 8,
      labels:
        'ABABACACA.ABABABACA.ABABACABABACACACABABACACACABAAACABABABA.ABABABACAAACABACACA.ACACACABA.ACACABACAAABACABACACABABABACA.ACACABABA.ABABABABA.ACABABABAA',
      core: '111111101011111111101111111111111111111111111111101111111110111110111011111111101111101110111100111111111111101111111010111111111010111110101111101110',
    },
    {
      metric: 'euclidean',
      eps: 0.12,
      minSamples: 3,
      labels:
        'ABCBADA.A.AB.BAEAFA.ABABGHIBI.AFIHGDAE.KAH.HIHAEA.AJAEAECBI.AKLBA.GJI.AHIBLDAHA.AFIHAJIBG.IJGHL.GHIALKGHIKAHA..BGEABGJA.AFAHCEIBI.I.ABIBA.A.ADLBA..EI.',
      core: '111111101011011111101111111110111111110011011111101111111110110110101011111011101110111010101100111101110111100010111110011111111010111010101111100110',
    },
    {
      metric: 'manhattan',
      eps: 0.25,
      minSamples: 5,
      labels:
        'ABABACAEA.ABABABACA.ABABACDBDBACDCACABABACACDCABA.AEABABABD.ABDBABAEDAACDBDCACA.ACDCAEDBA.DEACDBACDADBACDBACA.ABABABAEA.ACACABDBD.D.ABDBA.A.ACDBA.ABD.',
      core: '111111101011111111101111111110111111111011111111101111111110111110111011111110101111111110111100111111111111100111111110111111111010111110101111100110',
    },
    {
      metric: 'cosine',
      eps: 0.002,
      minSamples: 4,
      labels:
        'AB.BCBCDEACB.BCB.BCE.BFBDBGBHBCBGBDBEB.BFB.BHBCBABCDFBCB.B.IEBBBFGDDIDEBHBBBEHEE.BIHCDIBDBI.DBBBDBIFBBDBHB.BAB.BDBFBDDEH.BCB.BIBI.GB.BIB.GC.ABBBCG.BID',
      core: '110111111111011101010111110101111111110111011111111111110101111111111111111101110111110111100111110011110101110111111011010101111011011101101111110111',
    },
    {
      metric: 'cosine',
      eps: 0.003,
      minSamples: 6,
      labels:
        '.A.ABABCD.BA.ABA.ABD.AEACAAAFABAAA.ADA.AEA.AFABA.ABCEABA.A.FDAAAEACCFCDAFAAADFDD.AFFBC.A.AF..AAACA.EAACAFAEA.A.ACAEAC.DF.ABA.AFAF.AA.AFA.AB..AAABA.AFC',
      core: '010111110011011101010111010111011101010111011011011001110101011111111011111101100011110101100111010111110101010111010001010101011001011101100111100111',
    },
  ];

  it('reproduces the generator bit for bit (first points as printed by Python)', () => {
    expect(X.data[0]).toBe(-0.9809545216682867);
    expect(X.data[1]).toBe(-0.05779161193623061);
    expect(X.data[298]).toBe(0.00607287953890534);
  });

  for (const c of cases)
    it(`labels equal scikit-learn's exactly: ${c.metric} eps ${c.eps} minSamples ${c.minSamples}`, async () => {
      const r = await dbscan(X, { eps: c.eps, minSamples: c.minSamples, distance: c.metric });
      expect(Array.from(r.labels)).toEqual(decode(c.labels));
      expect(Array.from(r.isCore).join('')).toBe(c.core);
    });

  it('follows scikit-learn on all-zero rows under cosine (distance 1 to every other row)', async () => {
    // DBSCAN(eps, min_samples=2, metric='cosine').fit([[0,0],[0,0],[1,0],[1,0.1],[0,1]]).labels_
    const Z = mat([
      [0, 0],
      [0, 0],
      [1, 0],
      [1, 0.1],
      [0, 1],
    ]);
    const lab = async (eps: number): Promise<number[]> =>
      Array.from((await dbscan(Z, { eps, minSamples: 2, distance: 'cosine' })).labels);
    expect(await lab(0.5)).toEqual([-1, -1, 0, 0, -1]);
    expect(await lab(0.99)).toEqual([-1, -1, 0, 0, 0]);
    expect(await lab(1.0)).toEqual([0, 0, 0, 0, 0]);
    expect(await lab(1.5)).toEqual([0, 0, 0, 0, 0]);
    const one = await dbscan(Z, { eps: 0.5, minSamples: 1, distance: 'cosine' });
    expect(Array.from(one.labels)).toEqual([0, 1, 2, 2, 3]);
    const none = await dbscan(Z, { eps: 1.5, minSamples: 6, distance: 'cosine' });
    expect(none.nNoise).toBe(5);
    // Nothing but zero rows: an empty tree.
    const allZero = mat([
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    expect(
      Array.from((await dbscan(allZero, { eps: 0.5, minSamples: 1, distance: 'cosine' })).labels),
    ).toEqual([0, 1, 2]);
    expect((await dbscan(allZero, { eps: 0.5, minSamples: 2, distance: 'cosine' })).nNoise).toBe(3);
    expect(Array.from(await kDistances(allZero, 2, 'cosine'))).toEqual([1, 1, 1]);
    expect(Array.from(assignToCores(mat([[1, 0]]), allZero, Int32Array.of(4, 5, 6), 1, 'cosine'))).toEqual([
      4,
    ]);
  });
});

describe('kDistances', () => {
  // NearestNeighbors(n_neighbors=4, metric).fit(Y).kneighbors(Y)[0][:, 3] with Y = moons(150, 7)[:40].
  const ref: Record<Distance, number[]> = {
    euclidean: [
      0.16250874577871355, 0.2525151095214894, 0.39647534287787056, 0.12252378252636575, 0.1149502004000108,
      0.1289230929127834, 0.13478064257570183, 0.4714903902658113, 0.2116492156490403, 0.5006665861649909,
      0.11866517497163961, 0.0876900280833123, 0.2894903910327632, 0.07421126149420207, 0.1149502004000108,
      0.5304526778354298, 0.1766139457197829, 0.15291374368925528, 0.13522223582016474, 0.7976914212701274,
      0.23302116792872168, 0.10291367524367104, 0.31274791200476576, 0.28201272393621934, 0.2799125058777789,
      0.35467905065873473, 0.7198699726878381, 0.10620038286793491, 0.626293143934291, 0.42009742097969094,
      0.2418185635964976, 0.1476646655773809, 0.6667446606512121, 0.5291908767374649, 0.3558826138670314,
      0.15291374368925528, 0.23302116792872168, 0.36414700331184646, 0.26602904451210857, 0.36414700331184646,
    ],
    manhattan: [
      0.2050755722614787, 0.33303918324034193, 0.4683235347830984, 0.14943699954163825, 0.14278072044447215,
      0.159569857861512, 0.16818634970276758, 0.6522107794986232, 0.27982398602954667, 0.6832101503739769,
      0.15833872096385465, 0.12331975966980965, 0.3521365197032684, 0.09099867024751701, 0.15059135199577728,
      0.5799385458424264, 0.22954644463983953, 0.19137163296944687, 0.17124274701136258, 1.0558902589576509,
      0.3188094783253563, 0.13790718080101053, 0.41591351315195435, 0.39357879969036197, 0.3107976698944248,
      0.4809668904148509, 0.9876219607032586, 0.13790718080101053, 0.8576295396908871, 0.5518125193434824,
      0.25873544132835946, 0.159569857861512, 0.9279969861054723, 0.7380981917674498, 0.4091161043781569,
      0.19137163296944687, 0.3188094783253563, 0.43553042510163176, 0.3522928523159568, 0.45919936984250226,
    ],
    cosine: [
      0.011865891672427575, 0.006424868901385605, 0.06357883974080514, 0.0008998094494518938,
      0.0010034809330714545, 0.008822186100838514, 0.0014004835862936327, 0.031333071335597484,
      0.008986968501775605, 0.01675874623194684, 0.0050969086896108795, 0.0006428695484843594,
      0.031333071335597484, 0.0006428695484843594, 0.0029571686258846874, 0.01076682972831855,
      0.013396139360154491, 0.008822186100838514, 0.002964114115714178, 0.01698219752890351,
      0.03404462727284707, 0.00046018114566948043, 0.03628871012619461, 0.005235332504875845,
      0.013618309785745408, 0.005214142940192512, 0.030278340957545002, 0.0014232199433643622,
      0.08153039012930352, 0.008240698933078217, 0.016520226764069723, 0.014141821727113646,
      0.02039547875799097, 0.004299716778803142, 0.048182411886130705, 0.008894198595890579,
      0.013396139360154491, 0.013270472364978136, 0.018621566873091133, 0.006251284897971554,
    ],
  };
  const Y: Matrix = { data: moons(150, 7).data.slice(0, 80), nRows: 40, nCols: 2 };

  for (const metric of ['euclidean', 'manhattan', 'cosine'] as const)
    it(`equals scikit-learn's NearestNeighbors k-th distance: ${metric}`, async () => {
      const got = await kDistances(Y, 3, metric);
      expect(got.length).toBe(40);
      for (let i = 0; i < 40; i++) expect(got[i]).toBeCloseTo(ref[metric][i]!, 12);
    });

  it('equals brute force on clumpy data with duplicates and zero rows, several k', async () => {
    for (const metric of ['euclidean', 'manhattan', 'cosine'] as const)
      for (const d of [2, 5]) {
        const X = clumps(300, d, 5 + d, metric === 'cosine');
        for (const k of [1, 4, 9]) {
          const got = await kDistances(X, k, metric);
          const ref2 = naiveKDist(X, k, metric);
          for (let i = 0; i < X.nRows; i++)
            expect(Math.abs(got[i]! - ref2[i]!), `${metric} ${d}-D k ${k} row ${i}`).toBeLessThan(1e-12);
        }
      }
  });

  it('rejects k < 1 (usage) and k >= n (data)', async () => {
    await expect(kDistances(Y, 0)).rejects.toThrow(UsageError);
    await expect(kDistances(Y, 40)).rejects.toThrow(DataError);
    await expect(kDistances(Y, 2, 'chebyshev' as Distance)).rejects.toThrow(/metric/);
  });
});

describe('assignToCores', () => {
  function naiveAssign(X: Matrix, cores: Matrix, lab: Int32Array, eps: number, metric: Distance): Int32Array {
    const both: Matrix = {
      data: Float64Array.from([...X.data, ...cores.data]),
      nRows: X.nRows + cores.nRows,
      nCols: X.nCols,
    };
    const out = new Int32Array(X.nRows).fill(-1);
    for (let i = 0; i < X.nRows; i++) {
      let best = Infinity;
      for (let c = 0; c < cores.nRows; c++) {
        const v = dist(both, i, X.nRows + c, metric);
        if (v <= eps && v < best) {
          best = v;
          out[i] = lab[c]!;
        }
      }
    }
    return out;
  }

  for (const metric of ['euclidean', 'manhattan', 'cosine'] as const)
    it(`labels each row with its nearest core within eps: ${metric}`, async () => {
      const X = clumps(600, 3, 21, metric === 'cosine');
      const eps = metric === 'euclidean' ? 1.0 : metric === 'manhattan' ? 1.6 : 0.02;
      const fit = await dbscan(X, { eps, minSamples: 5, distance: metric });
      const coreRows = [...fit.isCore.keys()].filter((i) => fit.isCore[i] === 1);
      expect(coreRows.length).toBeGreaterThan(50);
      const cores: Matrix = {
        data: Float64Array.from(coreRows.flatMap((i) => Array.from(X.data.subarray(i * 3, i * 3 + 3)))),
        nRows: coreRows.length,
        nCols: 3,
      };
      const coreLabels = Int32Array.from(coreRows, (i) => fit.labels[i]!);
      const Q = clumps(300, 3, 99, metric === 'cosine');
      expect(Array.from(assignToCores(Q, cores, coreLabels, eps, metric))).toEqual(
        Array.from(naiveAssign(Q, cores, coreLabels, eps, metric)),
      );
      // On the training rows: cores keep their label, noise stays noise.
      const back = assignToCores(X, cores, coreLabels, eps, metric);
      for (let i = 0; i < X.nRows; i++) {
        if (fit.isCore[i]) expect(back[i]).toBe(fit.labels[i]);
        if (fit.labels[i] === -1) expect(back[i]).toBe(-1);
      }
    });

  it('breaks ties by the lowest core index, handles zero rows and empty cores, checks shapes', () => {
    const cores = mat([
      [1, 0],
      [-1, 0],
      [1, 0],
    ]);
    const lab = Int32Array.of(5, 6, 7);
    expect(
      Array.from(
        assignToCores(
          mat([
            [0, 0],
            [1, 0.5],
            [3, 0],
          ]),
          cores,
          lab,
          1,
          'euclidean',
        ),
      ),
    ).toEqual([5, 5, -1]);
    // Cosine: a zero row is at distance 1 from every core.
    expect(
      Array.from(
        assignToCores(
          mat([
            [0, 0],
            [0, 2],
          ]),
          cores,
          lab,
          1,
          'cosine',
        ),
      ),
    ).toEqual([5, 5]);
    expect(
      Array.from(
        assignToCores(
          mat([
            [0, 0],
            [0, 2],
          ]),
          cores,
          lab,
          0.5,
          'cosine',
        ),
      ),
    ).toEqual([-1, -1]);
    expect(
      Array.from(
        assignToCores(
          mat([[0, 3]]),
          mat([
            [0, 0],
            [1, 1],
          ]),
          Int32Array.of(1, 2),
          1,
          'cosine',
        ),
      ),
    ).toEqual([2]);
    expect(
      Array.from(
        assignToCores(
          mat([[-1, 0]]),
          mat([
            [1, 0],
            [0, 0],
          ]),
          Int32Array.of(1, 2),
          1,
          'cosine',
        ),
      ),
    ).toEqual([2]);
    expect(
      Array.from(
        assignToCores(
          mat([[0, 1]]),
          { data: new Float64Array(0), nRows: 0, nCols: 2 },
          new Int32Array(0),
          1,
          'euclidean',
        ),
      ),
    ).toEqual([-1]);
    expect(() => assignToCores(mat([[0, 1, 2]]), cores, lab, 1, 'euclidean')).toThrow(DataError);
    expect(() => assignToCores(mat([[0, 1]]), cores, Int32Array.of(1), 1, 'euclidean')).toThrow(DataError);
    expect(() => assignToCores(mat([[0, 1]]), cores, lab, 0, 'euclidean')).toThrow(UsageError);
  });
});

describe('dbscan edge cases and parameters', () => {
  const X = clumps(500, 2, 4);

  it('all noise when eps is tiny', async () => {
    const rng = new Random(3);
    const U: Matrix = { data: Float64Array.from({ length: 1000 }, () => rng.next()), nRows: 500, nCols: 2 };
    const r = await dbscan(U, { eps: 1e-9, minSamples: 2 });
    expect(r.nClusters).toBe(0);
    expect(r.nCore).toBe(0);
    expect(r.nNoise).toBe(500);
    expect(r.labels.every((l) => l === -1)).toBe(true);
  });

  it('all core, one cluster when eps covers everything', async () => {
    const r = await dbscan(X, { eps: 100, minSamples: 10 });
    expect(r.nClusters).toBe(1);
    expect(r.nCore).toBe(500);
    expect(r.nNoise).toBe(0);
    expect(r.labels.every((l) => l === 0)).toBe(true);
    expect(r.isCore.every((c) => c === 1)).toBe(true);
  });

  it('minSamples = 1: every row is core; isolated rows are singleton clusters numbered in row order', async () => {
    const r = await dbscan(mat([[10], [0], [10.5], [20], [0.2]]), { eps: 0.6, minSamples: 1 });
    expect(Array.from(r.labels)).toEqual([0, 1, 0, 2, 1]);
    expect(r.nCore).toBe(5);
  });

  it('one row; identical rows; minSamples larger than n', async () => {
    expect(Array.from((await dbscan(mat([[1, 2]]), { eps: 1, minSamples: 1 })).labels)).toEqual([0]);
    expect(Array.from((await dbscan(mat([[1, 2]]), { eps: 1, minSamples: 2 })).labels)).toEqual([-1]);
    const same = mat(Array.from({ length: 50 }, () => [3, 3, 3]));
    const r = await dbscan(same, { eps: 1e-12, minSamples: 50 });
    expect(r.nCore).toBe(50);
    expect(r.nClusters).toBe(1);
    expect((await dbscan(same, { eps: 1, minSamples: 51 })).nNoise).toBe(50);
  });

  it('counts the point itself and includes distance == eps (as scikit-learn)', async () => {
    // 0, 1, 2 on a line: with eps 1 the middle point has 3 neighbours (itself, both ends at exactly 1). The far
    // point 10 keeps the tree from taking the whole box at once, so the per-point comparison is tested too.
    for (const far of [[], [[10]]]) {
      const r = await dbscan(mat([[0], [1], [2], ...far]), { eps: 1, minSamples: 3 });
      expect(Array.from(r.isCore).slice(0, 3)).toEqual([0, 1, 0]);
      expect(Array.from(r.labels).slice(0, 3)).toEqual([0, 0, 0]);
      const m1 = await dbscan(mat([[0, 0], [1, 1], [2, 2], ...far.map(() => [10, 10])]), {
        eps: 2,
        minSamples: 3,
        distance: 'manhattan',
      });
      expect(Array.from(m1.isCore).slice(0, 3)).toEqual([0, 1, 0]);
      // Border points at exactly eps from a core.
      const b = await dbscan(mat([[0], [1], [1], [2], ...far]), { eps: 1, minSamples: 3 });
      expect(Array.from(b.labels).slice(0, 4)).toEqual([0, 0, 0, 0]);
    }
  });

  it('rejects bad parameters with scikit-learn style messages', async () => {
    await expect(dbscan(X, { eps: 0, minSamples: 5 })).rejects.toThrow(
      "The 'eps' parameter of cluster.dbscan must be a float in (0, inf). Got 0.",
    );
    await expect(dbscan(X, { eps: -1, minSamples: 5 })).rejects.toThrow(UsageError);
    await expect(dbscan(X, { eps: NaN, minSamples: 5 })).rejects.toThrow(/'eps'/);
    await expect(dbscan(X, { eps: Infinity, minSamples: 5 })).rejects.toThrow(/'eps'/);
    await expect(dbscan(X, { eps: 1, minSamples: 0 })).rejects.toThrow(
      "The 'minSamples' parameter of cluster.dbscan must be an int in [1, inf). Got 0.",
    );
    await expect(dbscan(X, { eps: 1, minSamples: 2.5 })).rejects.toThrow(UsageError);
    await expect(dbscan(X, { eps: 1, minSamples: 5, distance: 'l3' as Distance })).rejects.toThrow(
      /'metric'/,
    );
    await expect(
      dbscan({ data: new Float64Array(0), nRows: 0, nCols: 2 }, { eps: 1, minSamples: 5 }),
    ).rejects.toThrow(DataError);
  });
});

describe('kd-tree', () => {
  it('partitions positions into leaves with boxes that contain their points', () => {
    const X = clumps(1000, 3, 8);
    const t = KdTree.build(X, { leafSize: 8 });
    expect(Array.from(t.idx).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    for (let node = 0; node < t.nNodes; node++) {
      for (let p = t.nodeStart[node]!; p < t.nodeEnd[node]!; p++)
        for (let j = 0; j < 3; j++) {
          const v = t.pts[p * 3 + j]!;
          expect(v).toBe(X.data[t.idx[p]! * 3 + j]);
          expect(v >= t.lo[node * 3 + j]! && v <= t.hi[node * 3 + j]!).toBe(true);
        }
      if (t.splitDim[node]! >= 0) {
        const l = 2 * node + 1;
        expect(t.nodeStart[l]).toBe(t.nodeStart[node]);
        expect(t.nodeEnd[l + 1]).toBe(t.nodeEnd[node]);
        expect(t.nodeEnd[l]).toBe(t.nodeStart[l + 1]);
        const sd = t.splitDim[node]!;
        expect(t.hi[l * 3 + sd]!).toBeLessThanOrEqual(t.lo[(l + 1) * 3 + sd]!);
      } else {
        expect(t.nodeEnd[node]! - t.nodeStart[node]!).toBeGreaterThanOrEqual(4);
      }
    }
  });
});

describe('dbscan threads', () => {
  const pool = new WorkerPool(2);
  afterAll(() => pool.close());

  it('gives byte-identical results with 1 and 2 threads (several blocks), and kDistances too', async () => {
    const X = clumps(12_000, 2, 77);
    for (const metric of ['euclidean', 'cosine'] as const) {
      const eps = metric === 'euclidean' ? 0.15 : 0.00005;
      const a = await dbscan(X, { eps, minSamples: 8, distance: metric });
      const b = await dbscan(X, { eps, minSamples: 8, distance: metric, pool });
      expect(a.nClusters).toBeGreaterThan(1);
      expect(a.nNoise).toBeGreaterThan(0);
      expect(Buffer.from(b.labels.buffer).equals(Buffer.from(a.labels.buffer))).toBe(true);
      expect(Buffer.from(b.isCore.buffer).equals(Buffer.from(a.isCore.buffer))).toBe(true);
    }
    const Y = clumps(9000, 5, 78);
    const a = await dbscan(Y, { eps: 1.2, minSamples: 10, distance: 'manhattan' });
    const b = await dbscan(Y, { eps: 1.2, minSamples: 10, distance: 'manhattan', pool });
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
    const ka = await kDistances(Y, 9, 'euclidean');
    const kb = await kDistances(Y, 9, 'euclidean', pool);
    expect(Buffer.from(kb.buffer).equals(Buffer.from(ka.buffer))).toBe(true);
  });
});
