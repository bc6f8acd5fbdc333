import { describe, expect, it } from 'vitest';
import { contingency, linearSumAssignment, matchSegments } from '../../src/core/matching.js';
import {
  adjustedRandIndex,
  ksStatistic,
  normalizedMutualInfo,
  psi,
  wasserstein1,
} from '../../src/stability/metrics.js';
import {
  compareSegmentations,
  defaultThresholds,
  describeFailedGates,
  renderStability,
} from '../../src/stability/stability.js';
import { ari as refAri } from '../helpers/ari.js';

const i32 = (xs: number[]) => Int32Array.from(xs);
const f64 = (xs: number[]) => Float64Array.from(xs);
// Reference values: scikit-learn 1.2.1 / scipy 1.10.1 on the same literals.
const a = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2, -1, 3, 3, 1, 0, 2, -1, 3];
const b = [1, 1, 0, 0, 0, 0, 2, 2, 2, 1, -1, -1, 3, 0, 1, 2, 2, 3];

describe('agreement indices', () => {
  it('ARI and NMI (arithmetic) equal scikit-learn, noise a label of its own', () => {
    const c = contingency(i32(a), i32(b));
    expect(Math.abs(adjustedRandIndex(c) - 0.5054363796650014)).toBeLessThan(1e-12);
    expect(Math.abs(normalizedMutualInfo(c) - 0.7010680453012125)).toBeLessThan(1e-12);
    expect(Math.abs(adjustedRandIndex(c) - refAri(a, b))).toBeLessThan(1e-12);
    const c2 = contingency(
      i32([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]),
      i32([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]),
    );
    expect(Math.abs(adjustedRandIndex(c2) - -0.14583333333333334)).toBeLessThan(1e-12);
    expect(Math.abs(normalizedMutualInfo(c2) - 0.053605369642813865)).toBeLessThan(1e-12);
    const c3 = contingency(i32([0, 0, 0, 1, 1, 1, 2, 2, 2]), i32([0, 0, 0, 0, 0, 0, 1, 1, 1]));
    expect(Math.abs(adjustedRandIndex(c3) - 0.5)).toBeLessThan(1e-12);
    expect(Math.abs(normalizedMutualInfo(c3) - 0.733680436651211)).toBeLessThan(1e-12);
  });

  it('is 1 for a relabelled permutation and handles single clusters as scikit-learn', () => {
    const c = contingency(i32([0, 0, 1, 1, 2, -1]), i32([5, 5, 3, 3, 0, -1]));
    expect(adjustedRandIndex(c)).toBe(1);
    expect(normalizedMutualInfo(c)).toBeCloseTo(1, 14);
    const one = contingency(i32([0, 0, 0]), i32([0, 0, 0]));
    expect(adjustedRandIndex(one)).toBe(1);
    expect(normalizedMutualInfo(one)).toBe(1);
    expect(normalizedMutualInfo(contingency(i32([0, 0, 0]), i32([0, 1, 2])))).toBe(0);
  });
});

describe('Hungarian matching', () => {
  it('finds the minimum-cost assignment of scipy linear_sum_assignment (square and rectangular)', () => {
    const cost = f64([4, 1, 3, 7, 2, 0, 5, 1, 3, 2, 2, 6]);
    expect(linearSumAssignment(cost, 3, 4)).toEqual([
      [0, 1],
      [1, 3],
      [2, 2],
    ]);
    const t = f64([4, 2, 3, 1, 0, 2, 3, 5, 2, 7, 1, 6]);
    expect(linearSumAssignment(t, 4, 3)).toEqual([
      [1, 0],
      [2, 2],
      [3, 1],
    ]);
    const m = [
      [40, 4, 8, 11, 9, 40, 43, 29, 1],
      [4, 16, 21, 31, 23, 13, 7, 34, 36],
      [1, 5, 22, 19, 44, 25, 21, 21, 33],
      [29, 8, 36, 37, 47, 39, 14, 15, 32],
      [32, 34, 43, 14, 46, 0, 3, 48, 47],
      [14, 6, 15, 2, 44, 33, 29, 12, 23],
      [9, 38, 23, 1, 12, 35, 25, 18, 12],
    ];
    const pairs = linearSumAssignment(f64(m.flat().map((v) => -v)), 7, 9);
    expect(pairs).toEqual([
      [0, 6],
      [1, 8],
      [2, 4],
      [3, 3],
      [4, 7],
      [5, 5],
      [6, 1],
    ]);
    expect(pairs.reduce((s, [i, j]) => s + m[i]![j]!, 0)).toBe(279);
  });

  it('matches segments by overlap with the Jaccard of scipy, noise never matched', () => {
    const mt = matchSegments(contingency(i32(a), i32(b)));
    expect(mt.matches.map((x) => [x.a, x.b, x.overlap])).toEqual([
      [0, 1, 3],
      [1, 0, 4],
      [2, 2, 4],
      [3, 3, 2],
    ]);
    const ref = [0.6, 0.8, 0.6666666666666666, 0.6666666666666666];
    mt.matches.forEach((x, k) => expect(Math.abs(x.jaccard - ref[k]!)).toBeLessThan(1e-12));
    expect(mt.matches[0]!.shareA).toBeCloseTo(4 / 18, 15);
    expect(mt.matches[3]!.shift).toBeCloseTo(2 / 18 - 3 / 18, 15);
    expect(mt.vanished).toEqual([]);
    expect(mt.appeared).toEqual([]);
  });

  it('reports vanished and new segments', () => {
    const mt = matchSegments(contingency(i32([0, 0, 1, 1, 2, 2]), i32([0, 0, 1, 1, 1, 1])));
    expect(mt.matches.map((x) => [x.a, x.b])).toEqual([
      [0, 0],
      [1, 1],
    ]);
    expect(mt.vanished).toEqual([{ segment: 2, share: 2 / 6 }]);
    const mt2 = matchSegments(contingency(i32([0, 0, 0, 0]), i32([0, 0, 1, -1])));
    expect(mt2.appeared).toEqual([{ segment: 1, share: 0.25 }]);
  });
});

describe('distribution drift', () => {
  it('PSI on deciles with an epsilon for empty bins (hand-computed)', () => {
    const ref = f64([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(psi(ref, ref)).toBe(0);
    // a's deciles 0.9, 1.8, …, 8.1 put one value per bin; b puts 0.5 in the first bin, none in bins 2–5 (→ 1e-4).
    const cur = f64([0, 0, 0, 0, 0, 5, 6, 7, 8, 9]);
    const hand = (0.5 - 0.1) * Math.log(0.5 / 0.1) + 4 * (1e-4 - 0.1) * Math.log(1e-4 / 0.1);
    expect(Math.abs(psi(ref, cur)! - hand)).toBeLessThan(1e-12);
    expect(psi(f64([NaN]), ref)).toBeNull();
    expect(psi(f64([3, 3, 3, 3]), f64([3, 3, 4]))).toBeGreaterThan(0);
  });

  it('KS statistic and Wasserstein distance equal scipy', () => {
    const x = f64([1.5, 2.25, 3.0, 0.5, 7.75, 2.0, 4.5, 3.25]);
    const y = f64([2.0, 3.5, 1.0, 6.0, 5.5, 2.25, 8.0]);
    expect(Math.abs(ksStatistic(x, y)! - 0.32142857142857145)).toBeLessThan(1e-12);
    expect(Math.abs(wasserstein1(x, y)! - 0.9598214285714286)).toBeLessThan(1e-12);
    const x2 = f64([0.1, 0.2, 0.2, 0.9, 1.3, -0.4, 2.2, 0.7, 0.7, 0.05, 1.9]);
    const y2 = f64([0.3, 0.35, 0.2, 1.1, -0.1, 2.5, 0.6]);
    expect(Math.abs(ksStatistic(x2, y2)! - 0.2597402597402597)).toBeLessThan(1e-12);
    expect(Math.abs(wasserstein1(x2, y2)! - 0.2493506493506493)).toBeLessThan(1e-12);
    expect(ksStatistic(x, x)).toBe(0);
    expect(wasserstein1(x, f64([NaN]))).toBeNull();
  });
});

describe('compareSegmentations gates', () => {
  const feat = { name: 'x', a: f64([1, 2, 3, 4]), b: f64([1, 2, 3, 4]) };
  it('passes identical inputs and fails a perturbed one, naming the gate', () => {
    const ok = compareSegmentations({
      labelsA: i32([0, 0, 1, 1]),
      labelsB: i32([1, 1, 0, 0]),
      features: [feat],
      thresholds: defaultThresholds,
    });
    expect(ok.pass).toBe(true);
    expect(ok.ari).toBe(1);
    expect(ok.gates.map((g) => g.pass)).toEqual([true, true, true, true]);
    expect(renderStability(ok)).toMatch(/stability: pass/);
    const bad = compareSegmentations({
      labelsA: i32([0, 0, 1, 1]),
      labelsB: i32([0, 1, 0, 1]),
      features: [feat],
      thresholds: defaultThresholds,
    });
    expect(bad.pass).toBe(false);
    expect(describeFailedGates(bad.gates)).toMatch(/^ari -0\.5 < 0\.8; jaccard /);
  });

  it('fails a gate whose metric cannot be computed; a disabled gate always passes', () => {
    const base = { labelsA: i32([0, 1]), labelsB: i32([0, 1]) };
    const none = compareSegmentations({ ...base, features: [], thresholds: defaultThresholds });
    expect(none.gates.find((g) => g.name === 'psi')!.pass).toBe(false);
    expect(none.gates.find((g) => g.name === 'psi')!.value).toBeNull();
    const off = compareSegmentations({
      ...base,
      features: [],
      thresholds: { ...defaultThresholds, maxPsi: null, maxKs: null },
    });
    expect(off.pass).toBe(true);
    const nan = compareSegmentations({
      ...base,
      features: [{ name: 'x', a: f64([NaN, NaN]), b: f64([1, 2]) }],
      thresholds: defaultThresholds,
    });
    expect(describeFailedGates(nan.gates)).toMatch(/psi cannot be computed .*\(x\)/);
  });

  it('counts a vanished segment as Jaccard 0', () => {
    const r = compareSegmentations({
      labelsA: i32([0, 0, 1, 1, 2, 2]),
      labelsB: i32([0, 0, 1, 1, 1, 1]),
      features: [],
      thresholds: { ...defaultThresholds, maxPsi: null, maxKs: null, minAri: null },
    });
    const j = r.gates.find((g) => g.name === 'jaccard')!;
    expect([j.value, j.at, j.pass]).toEqual([0, '2 vanished', false]);
  });
});
