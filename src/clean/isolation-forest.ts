import { invalidParameter } from '../core/errors.js';
import type { Progress } from '../core/logger.js';
import type { Matrix } from '../core/matrix.js';
import { Random } from '../core/random.js';

/** Parameters of {@link fitIsolationForest} (scikit-learn's names and defaults). */
export interface IsolationForestParams {
  /** Number of trees (default 100). */
  nEstimators?: number | undefined;
  /** Rows drawn without replacement for each tree, capped at the number of rows (default 256). */
  maxSamples?: number | undefined;
  /** Seed of the subsamples, split features and thresholds. */
  seed: number;
}

/**
 * One isolation tree in preorder. Node i splits when `feature[i] >= 0`: rows with `x[feature] <= value` go to
 * node i + 1, the others to `right[i]`. A leaf has `feature[i] = −1` and `value[i]` = the training rows that reached it.
 */
export interface IsolationTree {
  feature: number[];
  value: number[];
  right: number[];
}

/** A fitted isolation forest (plain JSON). */
export interface FittedIsolationForest {
  nEstimators: number;
  /** Subsample size ψ actually used (min of maxSamples and the rows). */
  maxSamples: number;
  maxDepth: number;
  trees: IsolationTree[];
}

const OWNER = 'clean.IsolationForest';
const EULER_GAMMA = 0.5772156649015329;

/**
 * Average path length of an unsuccessful binary-search-tree search among n points, c(n) = 2·H(n − 1) − 2(n − 1)/n
 * with H(i) ≈ ln(i) + γ; c(1) = 0 and c(2) = 1 (Liu et al. 2008, as scikit-learn's `_average_path_length`).
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

/**
 * Fit an isolation forest (Liu, Ting & Zhou 2008) as scikit-learn's IsolationForest: each tree sees ψ rows drawn
 * without replacement and grows to depth ⌈log2 ψ⌉; a node splits on a feature drawn at random among those not
 * constant in it, at a threshold drawn uniformly between the feature's minimum and maximum in the node; nodes with
 * one row, at the depth limit, or constant in every feature are leaves. The random numbers come from this
 * project's seeded generator, so trees differ from scikit-learn's for the same seed while following the same law.
 * X must be complete (no NaN). O(T · ψ · log ψ · d) time, O(T · ψ) memory for T trees.
 * @throws UsageError (invalidParameter) for nEstimators or maxSamples below 1.
 */
export function fitIsolationForest(
  X: Matrix,
  params: IsolationForestParams,
  progress?: Progress,
): FittedIsolationForest {
  const nEstimators = params.nEstimators ?? 100;
  const requested = params.maxSamples ?? 256;
  if (!Number.isInteger(nEstimators) || nEstimators < 1) {
    throw invalidParameter(OWNER, 'nEstimators', 'an int in [1, inf)', nEstimators);
  }
  if (!Number.isInteger(requested) || requested < 1) {
    throw invalidParameter(OWNER, 'maxSamples', 'an int in [1, inf)', requested);
  }
  const { data, nRows: n, nCols: d } = X;
  const psi = Math.min(requested, n);
  const maxDepth = Math.ceil(Math.log2(Math.max(psi, 2)));
  const rng = new Random(params.seed, 0x1f0e);
  const trees: IsolationTree[] = [];
  const order = new Int32Array(d);
  for (let t = 0; t < nEstimators; t++) {
    const rows = rng.sampleIndices(n, psi);
    const tree: IsolationTree = { feature: [], value: [], right: [] };
    const grow = (a: number, b: number, depth: number): void => {
      const node = tree.feature.length;
      tree.feature.push(-1);
      tree.value.push(b - a);
      tree.right.push(0);
      if (b - a <= 1 || depth >= maxDepth) return;
      // Draw features without replacement until one is not constant in the node (scikit-learn's random splitter).
      for (let j = 0; j < d; j++) order[j] = j;
      for (let left = d; left > 0; left--) {
        const pick = rng.int(left);
        const f = order[pick]!;
        order[pick] = order[left - 1]!;
        order[left - 1] = f;
        let lo = Infinity;
        let hi = -Infinity;
        for (let r = a; r < b; r++) {
          const v = data[rows[r]! * d + f]!;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        if (!(hi > lo)) continue;
        let threshold = lo + rng.next() * (hi - lo);
        if (threshold >= hi) threshold = lo;
        // Partition rows[a..b): values <= threshold first.
        let p = a;
        for (let r = a; r < b; r++) {
          const idx = rows[r]!;
          if (data[idx * d + f]! <= threshold) {
            rows[r] = rows[p]!;
            rows[p++] = idx;
          }
        }
        tree.feature[node] = f;
        tree.value[node] = threshold;
        grow(a, p, depth + 1);
        tree.right[node] = tree.feature.length;
        grow(p, b, depth + 1);
        return;
      }
    };
    grow(0, psi, 0);
    trees.push(tree);
    progress?.tick();
  }
  return { nEstimators, maxSamples: psi, maxDepth, trees };
}

/**
 * Anomaly scores as scikit-learn's `score_samples`: −2^(−E[h(x)] / c(ψ)), where h(x) is the depth of x's leaf plus
 * c(rows at that leaf) and E the mean over trees. Between −1 and 0; the lower, the more anomalous (−0.5 is the
 * 'auto' threshold). X must be complete and have the forest's column count. O(rows · T · depth) time.
 */
export function isolationScores(forest: FittedIsolationForest, X: Matrix, progress?: Progress): Float64Array {
  const { data, nRows: n, nCols: d } = X;
  const out = new Float64Array(n);
  const denominator = forest.trees.length * averagePathLength(forest.maxSamples);
  for (let i = 0; i < n; i++) {
    if ((i & 4095) === 4095) progress?.tick(4096);
    const base = i * d;
    let sum = 0;
    for (const tree of forest.trees) {
      let node = 0;
      let depth = 0;
      for (;;) {
        const f = tree.feature[node]!;
        if (f < 0) break;
        node = data[base + f]! <= tree.value[node]! ? node + 1 : tree.right[node]!;
        depth++;
      }
      sum += depth + averagePathLength(tree.value[node]!);
    }
    // scikit-learn takes the ratio as 1 when c(ψ) = 0 (a single-row subsample).
    out[i] = -Math.pow(2, -(denominator > 0 ? sum / denominator : 1));
  }
  return out;
}
