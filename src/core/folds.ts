import { Random } from './random.js';

const FOLD_STREAM = 0x666f6c64;

/**
 * Stratified fold of every row (as `StratifiedKFold(shuffle=True)`): the rows of each class 0 … nClasses − 1, in a
 * seeded random order (one stream, class 0 first), are dealt to the folds in turn (continuing where the previous
 * class stopped), so fold sizes differ by at most one and every fold gets each class in proportion. Rows with any
 * other label stay in fold 0. O(n · nClasses).
 */
export function stratifiedFolds(
  y: ArrayLike<number>,
  nClasses: number,
  folds: number,
  seed: number,
): Int32Array {
  const rng = new Random(seed, FOLD_STREAM);
  const out = new Int32Array(y.length);
  let next = 0;
  for (let c = 0; c < nClasses; c++) {
    const members: number[] = [];
    for (let i = 0; i < y.length; i++) if (y[i] === c) members.push(i);
    rng.shuffle(members);
    for (const i of members) {
      out[i] = next;
      next = (next + 1) % folds;
    }
  }
  return out;
}
