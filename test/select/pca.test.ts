import { afterAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/core/worker-pool.js';
import { columnMoments } from '../../src/select/covariance.js';
import { symmetricEigen } from '../../src/core/eigen.js';
import { fitPca, pcaFromMoments, pcaTransform } from '../../src/select/pca.js';

/**
 * 400 rows of 6 uniform LCG columns mixed by A, summed in the same order as the Python script that produced the
 * reference values below (scikit-learn 1.2.1, PCA(svd_solver="full")), so both see bit-identical inputs.
 */
function mixed(): Float64Array[] {
  const n = 400;
  const A = [
    [3, 1, 0, 0, 0, 0],
    [1, 2, 0.5, 0, 0, 0],
    [0, 0, 1, 0.25, 0, 0],
    [5, 0, 0, 0, 0.5, 0],
    [0, 0, 0, 0, 0, 0.125],
    [0.5, -1, 0, 2, 0, 0],
  ];
  let s = 7;
  const U = Array.from({ length: 6 }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 6; j++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      U[j]![i] = (s + 0.5) / 4294967296;
    }
  }
  return A.map((row) => {
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let k = 0; k < row.length; k++) acc = acc + row[k]! * U[k]![i]!;
      c[i] = acc;
    }
    return c;
  });
}

const sk = {
  explainedVariance: [
    2.8734332118748545, 0.5385517893205896, 0.23585181699471588, 0.07214141351023325, 0.0031438900840195963,
    0.001246169428534338,
  ],
  ratio: [
    0.7715223058509713, 0.1446021841049438, 0.06332666335688944, 0.0193701073227477, 0.0008441404926137684,
    0.00033459887183404395,
  ],
  singularValues: [
    33.86000371438354, 14.658859571566788, 9.700766721290211, 5.365111740735981, 1.1200054212028703,
    0.7051394202462382,
  ],
  absComponents: [
    [
      0.5108679580993836, 0.18909766578264464, 0.0009014310210122192, 0.834366669664927,
      0.0007516490249213387, 0.08418363962812536,
    ],
    [
      0.207643951904361, 0.6037293564294552, 0.04446783749538211, 0.18876465453668023, 0.0002187982068664744,
      0.7448391250305612,
    ],
    [
      0.12610612895034598, 0.6397255053373239, 0.3599638500244296, 0.28353442850519917, 0.002496475522286336,
      0.6040501172914804,
    ],
    [
      0.2308050113293711, 0.12408217699094158, 0.9060311291672307, 0.19555034890052564, 0.00839674286964146,
      0.2685699328526075,
    ],
    [
      0.7882607171586787, 0.41665196229673135, 0.21613512802944254, 0.38516963872899745, 0.09417103172860414,
      0.03328598376207043,
    ],
    [
      0.0732751758496607, 0.03884546909497559, 0.029000429959537225, 0.03482533629977911, 0.9955171853129435,
      0.0036719062291757734,
    ],
  ],
  noiseVariance3: 0.025510491007595726,
  absScores: [
    [1.4260103350448792, 0.6335536342294494],
    [0.22819129648650166, 0.3429241052787024],
    [0.17161224007406745, 1.6342637848017327],
  ],
  // PCA of StandardScaler().fit_transform(X)
  zExplainedVariance: [
    2.369394003921756, 1.3192161768478736, 1.0579029733326673, 0.956043570401365, 0.3089226295662614,
    0.0035582399150375157,
  ],
  zRatio: [
    0.39391175315199206, 0.21931968940095906, 0.17587636931655598, 0.15894224357922698, 0.05135838716539097,
    0.0005915573858749872,
  ],
  zAbsComponents: [
    [
      0.6430629380091727, 0.4689934638988955, 0.05936234709979992, 0.594327994336436, 0.045012877438116404,
      0.08797372527464743,
    ],
    [
      0.049761890629369754, 0.2955262504438123, 0.5318177360802049, 0.1083105695976829, 0.1555650139560561,
      0.769042412404163,
    ],
  ],
};

function expectRel(got: ArrayLike<number>, want: readonly number[], tol = 1e-9): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const rel = Math.abs(got[i]! - want[i]!) / Math.max(Math.abs(want[i]!), 1e-300);
    expect(rel, `entry ${i}: ${got[i]} vs ${want[i]}`).toBeLessThan(tol);
  }
}

const pool = new WorkerPool(2);
afterAll(() => pool.close());

describe('symmetricEigen', () => {
  it('decomposes a hand-checked matrix (eigenvalues 3 and 1 of [[2,1],[1,2]])', () => {
    const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
    expect(values[0]).toBeCloseTo(3, 14);
    expect(values[1]).toBeCloseTo(1, 14);
    expect(Math.abs(vectors[0]!)).toBeCloseTo(Math.SQRT1_2, 14);
    expect(Math.abs(vectors[1]!)).toBeCloseTo(Math.SQRT1_2, 14);
  });

  it('returns orthonormal vectors with A v = λ v on a random symmetric matrix', () => {
    const d = 9;
    const a = new Float64Array(d * d);
    let s = 3;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        const v = s / 4294967296 - 0.5;
        a[i * d + j] = v;
        a[j * d + i] = v;
      }
    }
    const { values, vectors } = symmetricEigen(a, d);
    for (let k = 0; k < d; k++) {
      if (k > 0) expect(values[k]!).toBeLessThanOrEqual(values[k - 1]!);
      for (let i = 0; i < d; i++) {
        let av = 0;
        for (let j = 0; j < d; j++) av += a[i * d + j]! * vectors[k * d + j]!;
        expect(av).toBeCloseTo(values[k]! * vectors[k * d + i]!, 12);
      }
      for (let l = 0; l < d; l++) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += vectors[k * d + j]! * vectors[l * d + j]!;
        expect(dot).toBeCloseTo(k === l ? 1 : 0, 12);
      }
    }
  });

  it('handles a diagonal matrix and 1×1', () => {
    expect(Array.from(symmetricEigen(Float64Array.from([1, 0, 0, 0, 5, 0, 0, 0, 3]), 3).values)).toEqual([
      5, 3, 1,
    ]);
    expect(Array.from(symmetricEigen(Float64Array.from([4]), 1).values)).toEqual([4]);
  });
});

describe('fitPca against scikit-learn', () => {
  const X = { columns: mixed(), nRows: 400 };

  it('explained variances, ratios and singular values within 1e-9 relative; |components| within 1e-9', async () => {
    const fit = await fitPca(X, { nComponents: 6 }, { pool });
    expectRel(fit.explainedVariance, sk.explainedVariance);
    expectRel(fit.explainedVarianceRatio, sk.ratio);
    expectRel(fit.singularValues, sk.singularValues);
    for (let c = 0; c < 6; c++) {
      const row = Array.from(fit.components.subarray(c * 6, c * 6 + 6), Math.abs);
      for (let j = 0; j < 6; j++) expect(Math.abs(row[j]! - sk.absComponents[c]![j]!)).toBeLessThan(1e-9);
    }
    expect(fit.noiseVariance).toBe(0);
  });

  it('standardised PCA equals scikit-learn on StandardScaler output', async () => {
    const fit = await fitPca(X, { nComponents: 6, standardize: true }, { pool });
    expectRel(fit.explainedVariance, sk.zExplainedVariance);
    expectRel(fit.explainedVarianceRatio, sk.zRatio);
    for (let c = 0; c < 2; c++) {
      for (let j = 0; j < 6; j++) {
        expect(Math.abs(Math.abs(fit.components[c * 6 + j]!) - sk.zAbsComponents[c]![j]!)).toBeLessThan(1e-9);
      }
    }
  });

  it('a variance fraction keeps the fewest components reaching it (sklearn: 2 at 0.85, 3 at 0.95, 4 standardised)', async () => {
    expect((await fitPca(X, { varianceRatio: 0.85 })).nComponents).toBe(2);
    expect((await fitPca(X, { varianceRatio: 0.95 })).nComponents).toBe(3);
    expect((await fitPca(X, { varianceRatio: 0.85, standardize: true })).nComponents).toBe(4);
    expect((await fitPca(X, { varianceRatio: 1 })).nComponents).toBe(6);
    const three = await fitPca(X, { nComponents: 3 });
    expectRel([three.noiseVariance], [sk.noiseVariance3]);
  });

  it('scores equal scikit-learn transform up to the sign of each component', async () => {
    const fit = await fitPca(X, { nComponents: 2 });
    const [a, b] = pcaTransform(fit, X);
    for (let i = 0; i < 3; i++) {
      expect(Math.abs(Math.abs(a![i]!) - sk.absScores[i]![0]!)).toBeLessThan(1e-9);
      expect(Math.abs(Math.abs(b![i]!) - sk.absScores[i]![1]!)).toBeLessThan(1e-9);
    }
  });

  it('sign convention: the largest absolute loading of every component is positive', async () => {
    const fit = await fitPca(X, { nComponents: 6 });
    for (let c = 0; c < 6; c++) {
      const row = Array.from(fit.components.subarray(c * 6, c * 6 + 6));
      const big = row.reduce((best, v, j) => (Math.abs(v) > Math.abs(row[best]!) ? j : best), 0);
      expect(row[big]!).toBeGreaterThan(0);
    }
  });
});

describe('streamed covariance', () => {
  it('is byte-identical for 1 and 2 threads and many blocks, and matches a direct two-pass computation', async () => {
    const n = 50_000;
    const cols = Array.from({ length: 5 }, (_, j) => {
      const c = new Float64Array(n);
      for (let i = 0; i < n; i++) c[i] = 1e6 + Math.sin(i * (j + 1) * 0.37) * (j + 1) + (i % 7) * 0.01 * j;
      return c;
    });
    const X = { columns: cols, nRows: n };
    const one = await columnMoments(X, { blockSize: 256 });
    const two = await columnMoments(X, { blockSize: 256, pool });
    expect(Buffer.from(two.cov.buffer).equals(Buffer.from(one.cov.buffer))).toBe(true);
    expect(Buffer.from(two.mean.buffer).equals(Buffer.from(one.mean.buffer))).toBe(true);
    // Reference: plain two-pass covariance of (0, 0) and (1, 3) — large offset, so one-pass formulas would fail.
    const mean = cols.map((c) => c.reduce((a, b) => a + b, 0) / n);
    const cov = (j: number, k: number): number => {
      let s = 0;
      for (let i = 0; i < n; i++) s += (cols[j]![i]! - mean[j]!) * (cols[k]![i]! - mean[k]!);
      return s / (n - 1);
    };
    expect(Math.abs(one.cov[0]! - cov(0, 0)) / cov(0, 0)).toBeLessThan(1e-10);
    expect(Math.abs(one.cov[1 * 5 + 3]! - cov(1, 3)) / Math.abs(cov(1, 3))).toBeLessThan(1e-9);
  });

  it('gives exact zeros for a constant column', async () => {
    const c = new Float64Array(1000).fill(0.1);
    const v = Float64Array.from({ length: 1000 }, (_, i) => i);
    const m = await columnMoments({ columns: [c, v], nRows: 1000 });
    expect(m.cov[0]).toBe(0);
    expect(m.cov[1]).toBe(0);
    expect(m.mean[0]).toBe(0.1);
  });
});

describe('PCA errors', () => {
  const X = { columns: mixed(), nRows: 400 };
  it('refuses invalid parameters with a scikit-learn style message', async () => {
    await expect(fitPca(X, { varianceRatio: 1.5 })).rejects.toThrow(
      "The 'varianceRatio' parameter of select.pca must be a float in (0, 1]. Got 1.5.",
    );
    await expect(fitPca(X, { nComponents: 0 })).rejects.toThrow(/an int in \[1, inf\)/);
    await expect(fitPca(X, {})).rejects.toThrow(/nComponents/);
  });
  it('refuses more components than features (data error)', async () => {
    await expect(fitPca(X, { nComponents: 7 })).rejects.toMatchObject({ exitCode: 3 });
  });
  it('refuses data without variance', async () => {
    const c = new Float64Array(10).fill(2);
    const m = await columnMoments({ columns: [c, c], nRows: 10 });
    expect(() => pcaFromMoments(m, { nComponents: 1 })).toThrow(/no variance/);
  });
});
