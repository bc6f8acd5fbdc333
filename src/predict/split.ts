/**
 * Seeded stratified splits of binary labels: a hold-out split and k folds. Each class keeps its share in every part.
 */
import { DataError, invalidParameter } from '../core/errors.js';
import { stratifiedFolds } from '../core/folds.js';
import { Random } from '../core/random.js';

const SPLIT_STREAM = 0x73706c74;

/** Rows of each class (0 then 1), in a seeded random order. */
function shuffledByClass(y: ArrayLike<number>, rng: Random): [number[], number[]] {
  const neg: number[] = [];
  const pos: number[] = [];
  for (let i = 0; i < y.length; i++) (y[i] === 1 ? pos : neg).push(i);
  rng.shuffle(neg);
  rng.shuffle(pos);
  return [neg, pos];
}

/** Training and held-out rows, each in increasing order. */
export interface HoldoutSplit {
  train: Int32Array;
  test: Int32Array;
}

/**
 * Stratified hold-out split (as `train_test_split(stratify=y)`): ⌈testSize · n⌉ test rows, shared between the
 * classes in proportion (largest remainders get the extra rows), each class's test rows drawn at random with the
 * seed. Every class with at least two rows keeps at least one row on each side. O(n).
 * @throws UsageError when testSize is not in (0, 1); DataError when a side would be empty.
 */
export function stratifiedHoldout(y: ArrayLike<number>, testSize: number, seed: number): HoldoutSplit {
  if (!(testSize > 0 && testSize < 1)) {
    throw invalidParameter('predict.split', 'testSize', 'a float in (0, 1)', testSize);
  }
  const n = y.length;
  const nTest = Math.ceil(testSize * n);
  if (nTest < 1 || n - nTest < 1) {
    throw new DataError(
      `a hold-out split of ${n} rows with test size ${testSize} leaves a side empty`,
      'use more rows or another --test-size',
    );
  }
  const classes = shuffledByClass(y, new Random(seed, SPLIT_STREAM));
  const exact = classes.map((c) => (nTest * c.length) / n);
  const take = exact.map((e) => Math.floor(e));
  let left = nTest - take[0]! - take[1]!;
  const order = [0, 1].sort((a, b) => exact[b]! - take[b]! - (exact[a]! - take[a]!) || a - b);
  for (const c of order) {
    if (left > 0 && take[c]! < classes[c]!.length) {
      take[c] = take[c]! + 1;
      left--;
    }
  }
  for (let c = 0; c < 2; c++) {
    const size = classes[c]!.length;
    if (size >= 2) take[c] = Math.min(size - 1, Math.max(1, take[c]!));
  }
  const isTest = new Uint8Array(n);
  classes.forEach((rows, c) => {
    for (let k = 0; k < take[c]!; k++) isTest[rows[k]!] = 1;
  });
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < n; i++) (isTest[i] ? test : train).push(i);
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}

/**
 * Stratified k-fold assignment of binary labels ({@link stratifiedFolds}; a row is positive when its label is 1,
 * negative otherwise): fold sizes differ by at most one and every fold holds each class in proportion. O(n).
 * @throws UsageError when k < 2; DataError when a class has fewer rows than folds.
 */
export function binaryFolds(
  y: ArrayLike<number>,
  k: number,
  seed: number,
  what = 'cross-validation',
): Int32Array {
  if (!Number.isInteger(k) || k < 2) throw invalidParameter('predict.split', 'cv', 'an int in [2, inf)', k);
  const classes = Int32Array.from(y, (v) => (v === 1 ? 1 : 0));
  let positives = 0;
  for (const c of classes) positives += c;
  const sizes = [classes.length - positives, positives];
  for (let c = 0; c < 2; c++) {
    if (sizes[c]! < k) {
      throw new DataError(
        `${what} with ${k} folds needs at least ${k} rows of each class; the ${c === 1 ? 'positive' : 'negative'} class has ${sizes[c]!}`,
        'use fewer folds or more rows',
      );
    }
  }
  return stratifiedFolds(classes, 2, k, seed);
}

/** Rows of fold `f` and the others, each in increasing order. */
export function foldRows(folds: Int32Array, f: number): HoldoutSplit {
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < folds.length; i++) (folds[i] === f ? test : train).push(i);
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}
