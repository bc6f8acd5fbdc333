import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { trustworthiness } from '../../src/evaluate/trustworthiness.js';
import { Random } from '../../src/core/random.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');

/** The four features of fixtures/blobs.csv. */
function blobs(): Float64Array[] {
  const lines = readFileSync(join(fixtures, 'blobs.csv'), 'utf8').trim().split('\n').slice(1);
  return [0, 1, 2, 3].map((j) => Float64Array.from(lines, (l) => Number(l.split(',')[j])));
}

// sklearn.manifold.trustworthiness (scikit-learn 1.2.1), from scripts/umap-reference.py.
const SKLEARN = { linear5: 0.8899431306306307, linear12: 0.89731728288908, product5: 0.9129431306306306 };

describe('trustworthiness', () => {
  const X = blobs();
  const n = X[0]!.length;

  it("equals scikit-learn's on fixed embeddings of the blobs fixture", () => {
    const x = Float64Array.from({ length: n }, (_, i) => X[0]![i]! + 0.5 * X[2]![i]!);
    const y = Float64Array.from({ length: n }, (_, i) => X[1]![i]! - 0.3 * X[3]![i]!);
    expect(Math.abs(trustworthiness(X, x, y, 5) - SKLEARN.linear5)).toBeLessThan(1e-12);
    expect(Math.abs(trustworthiness(X, x, y, 12) - SKLEARN.linear12)).toBeLessThan(1e-12);
    const px = Float64Array.from({ length: n }, (_, i) => X[0]![i]! * X[1]![i]!);
    const py = Float64Array.from({ length: n }, (_, i) => X[2]![i]! - X[3]![i]!);
    expect(Math.abs(trustworthiness(X, px, py, 5) - SKLEARN.product5)).toBeLessThan(1e-12);
  });

  it('is 1 for an embedding that keeps every distance, lower after shuffling, and reads rows through the index', () => {
    const rng = new Random(4);
    const a = Float64Array.from({ length: 200 }, () => rng.normal());
    const b = Float64Array.from({ length: 200 }, () => rng.normal());
    expect(trustworthiness([a, b], a, b, 5)).toBe(1);
    const shuffled = rng.shuffle(Float64Array.from(a));
    expect(trustworthiness([a, b], shuffled, b, 5)).toBeLessThan(0.9);
    // Rows 10..59 of the columns, embedded as themselves.
    const rows = Int32Array.from({ length: 50 }, (_, i) => i + 10);
    expect(trustworthiness([a, b], a.slice(10, 60), b.slice(10, 60), 5, rows)).toBe(1);
  });

  it('refuses k at or above half the rows and lengths that disagree', () => {
    const a = new Float64Array(10);
    expect(() => trustworthiness([a], a, a, 5)).toThrow(/nNeighbors/);
    expect(() => trustworthiness([a], a, a.subarray(1), 2)).toThrow(/differ in length/);
  });
});
