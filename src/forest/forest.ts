import { DataError, InternalError, invalidParameter } from '../core/errors.js';
import { silentLogger, type Logger, type Progress } from '../core/logger.js';
import { formatBytes } from '../core/format.js';
import { matrixColumn, type Matrix } from '../core/matrix.js';
import { blocks, type Task, type WorkerPool } from '../core/worker-pool.js';
import { binColumns, findBinEdges, type FeatureColumns } from './binning.js';
import { encodeLabels, type Labels } from './labels.js';
import { buildTrees, treeModule, type TreeArrays, type TreeContext, type TreeGrowth } from './tree.js';

const OWNER = 'forest.RandomForestClassifier';

/** Discriminator and schema version of saved forests. */
export const forestFormat = 'segment.forest';
export const forestVersion = 1;

/** Parameters of {@link fitForest} (scikit-learn's `RandomForestClassifier` names in camelCase). */
export interface ForestParams {
  /** Number of trees. Default 100. */
  nEstimators?: number | undefined;
  /**
   * Features examined per split: `sqrt` (default, ⌊√d⌋ as scikit-learn's classifier), `log2`, `all`, an int count,
   * or a float fraction in (0, 1) of the features (⌊f · d⌋, at least 1).
   */
  maxFeatures?: 'sqrt' | 'log2' | 'all' | number | undefined;
  /** Depth limit; null (default) grows until the leaves are pure or too small. */
  maxDepth?: number | null | undefined;
  /** Fewest rows a node needs to be split. Default 2. */
  minSamplesSplit?: number | undefined;
  /** Fewest rows in a leaf. Default 1. */
  minSamplesLeaf?: number | undefined;
  /** Grow every tree on a bootstrap sample (default true). */
  bootstrap?: boolean | undefined;
  /** Histogram bins per feature, in [2, 256]. Default 256. */
  maxBins?: number | undefined;
  /** Seed of the bootstraps and feature draws (tree t uses stream t). Default 42. */
  seed?: number | undefined;
}

/** {@link ForestParams} with every default filled in. */
export interface ResolvedForestParams {
  nEstimators: number;
  maxFeatures: 'sqrt' | 'log2' | 'all' | number;
  maxDepth: number | null;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  bootstrap: boolean;
  maxBins: number;
  seed: number;
}

/**
 * Fill in defaults and check every parameter.
 * @throws UsageError naming the parameter, the constraint and the value.
 */
export function resolveForestParams(p: ForestParams = {}): ResolvedForestParams {
  const r: ResolvedForestParams = {
    nEstimators: p.nEstimators ?? 100,
    maxFeatures: p.maxFeatures ?? 'sqrt',
    maxDepth: p.maxDepth ?? null,
    minSamplesSplit: p.minSamplesSplit ?? 2,
    minSamplesLeaf: p.minSamplesLeaf ?? 1,
    bootstrap: p.bootstrap ?? true,
    maxBins: p.maxBins ?? 256,
    seed: p.seed ?? 42,
  };
  const int = (name: string, v: number, min: number): void => {
    if (!Number.isInteger(v) || v < min) throw invalidParameter(OWNER, name, `an int in [${min}, inf)`, v);
  };
  int('nEstimators', r.nEstimators, 1);
  int('minSamplesSplit', r.minSamplesSplit, 2);
  int('minSamplesLeaf', r.minSamplesLeaf, 1);
  if (r.maxDepth !== null) int('maxDepth', r.maxDepth, 1);
  int('seed', r.seed, 0);
  if (!Number.isInteger(r.maxBins) || r.maxBins < 2 || r.maxBins > 256) {
    throw invalidParameter(OWNER, 'maxBins', 'an int in [2, 256]', r.maxBins);
  }
  const mf = r.maxFeatures;
  if (
    typeof mf === 'number'
      ? !(Number.isInteger(mf) ? mf >= 1 : mf > 0 && mf < 1)
      : mf !== 'sqrt' && mf !== 'log2' && mf !== 'all'
  ) {
    throw invalidParameter(
      OWNER,
      'maxFeatures',
      "an int in [1, inf), a float in (0, 1), or one of 'sqrt', 'log2', 'all'",
      mf,
    );
  }
  return r;
}

/** Number of features examined per split for `d` features. */
export function featuresPerSplit(maxFeatures: ResolvedForestParams['maxFeatures'], d: number): number {
  let k: number;
  if (maxFeatures === 'sqrt') k = Math.floor(Math.sqrt(d));
  else if (maxFeatures === 'log2') k = Math.floor(Math.log2(d));
  else if (maxFeatures === 'all') k = d;
  else if (Number.isInteger(maxFeatures)) k = maxFeatures;
  else k = Math.floor(maxFeatures * d);
  return Math.max(1, Math.min(d, k));
}

/** Binned training data shared by the trees (SharedArrayBuffers when threaded). */
export interface BinnedSet {
  binned: Uint8Array;
  n: number;
  d: number;
  edges: Float64Array;
  edgeOffset: Int32Array;
  y: Int32Array;
  nClasses: number;
}

/**
 * Bin a feature table and its class codes once, for several forests on subsets of its rows or columns (RFE).
 * O(n · d · log bins).
 * @throws DataError on a non-finite feature value.
 */
export function binTrainingSet(
  X: FeatureColumns,
  y: Int32Array,
  nClasses: number,
  maxBins: number,
  shared: boolean,
  seed = 0,
): BinnedSet {
  const bins = findBinEdges(X, maxBins, seed);
  const edgeOffset = new Int32Array(X.columns.length + 1);
  for (let j = 0; j < X.columns.length; j++) edgeOffset[j + 1] = edgeOffset[j]! + bins.edges[j]!.length;
  const edges = new Float64Array(edgeOffset[X.columns.length]!);
  bins.edges.forEach((e, j) => edges.set(e, edgeOffset[j]!));
  const yy = shared
    ? new Int32Array(new SharedArrayBuffer(Math.max(4, y.length * 4)), 0, y.length)
    : y.slice();
  yy.set(y);
  return {
    binned: binColumns(X, bins, shared),
    n: X.nRows,
    d: X.columns.length,
    edges,
    edgeOffset,
    y: yy,
    nClasses,
  };
}

/**
 * Grow a forest on binned data, optionally on a subset of its columns (`features`) and rows (`rows`). Trees are
 * built in parallel, one task per tree; tree t depends only on the data, the parameters and t, so the forest is
 * the same for any thread count.
 */
export async function growForest(
  set: BinnedSet,
  params: ResolvedForestParams,
  opts: {
    features?: Int32Array | undefined;
    rows?: Int32Array | null | undefined;
    pool?: WorkerPool | undefined;
    classes: (string | number)[];
    featureNames?: readonly string[] | null | undefined;
    /** Weight per class code (see {@link classWeights}); absent: every row weighs its bootstrap count. */
    classWeight?: Float64Array | null | undefined;
    /** Most nodes the whole forest may hold (see {@link forestNodeBudget}); absent: no limit. */
    maxNodes?: number | undefined;
    /** Hint of the error past `maxNodes` (the flags that shrink the trees where the forest is used). */
    budgetHint?: string | undefined;
    /** Progress over the trees; the forest never depends on it. */
    logger?: Logger | undefined;
  },
): Promise<FittedForest> {
  const features = opts.features ?? Int32Array.from({ length: set.d }, (_, j) => j);
  if (features.length === 0) throw new DataError('a random forest needs at least one feature');
  const growth: TreeGrowth = {
    maxFeatures: featuresPerSplit(params.maxFeatures, features.length),
    maxDepth: params.maxDepth ?? -1,
    minSamplesSplit: params.minSamplesSplit,
    minSamplesLeaf: params.minSamplesLeaf,
    bootstrap: params.bootstrap,
  };
  const parallel = opts.pool !== undefined && opts.pool.nThreads > 1;
  let rows = opts.rows ?? null;
  if (rows && parallel && !(rows.buffer instanceof SharedArrayBuffer)) {
    const r = new Int32Array(new SharedArrayBuffer(Math.max(4, rows.length * 4)), 0, rows.length);
    r.set(rows);
    rows = r;
  }
  const nRows = rows ? rows.length : set.n;
  if (nRows < 1) throw new DataError('a random forest needs at least one row');
  const ctx: TreeContext = {
    binned: set.binned,
    n: set.n,
    dAll: set.d,
    features,
    y: set.y,
    nClasses: set.nClasses,
    rows,
    edges: set.edges,
    edgeOffset: set.edgeOffset,
    growth,
    seed: params.seed,
    ...(opts.classWeight ? { classWeight: opts.classWeight } : {}),
  };
  // Trees are grown in batches so that a forest past its node budget is refused before it fills the memory. The
  // total only grows, so whether the budget is exceeded does not depend on the batch size (or thread count).
  const maxNodes = opts.maxNodes ?? Infinity;
  const batch = parallel ? 4 * opts.pool!.nThreads : 1;
  const trees: TreeArrays[] = [];
  let nodes = 0;
  const progress = (opts.logger ?? silentLogger).progress('trees', params.nEstimators);
  for (let t0 = 0; t0 < params.nEstimators; t0 += batch) {
    const t1 = Math.min(params.nEstimators, t0 + batch);
    let grown: TreeArrays[];
    if (parallel) {
      const tasks: Task[] = [];
      for (let t = t0; t < t1; t++)
        tasks.push({ module: treeModule, fn: 'buildTrees', args: [ctx, t, t + 1] });
      grown = (await opts.pool!.run<TreeArrays[]>(tasks, () => progress.tick())).flat();
    } else {
      grown = buildTrees(ctx, t0, t1);
      progress.tick(t1 - t0);
    }
    for (const tree of grown) nodes += tree.feature.length;
    if (nodes > maxNodes) throw forestTooLarge(maxNodes, nRows, params, opts.budgetHint);
    trees.push(...grown);
  }
  progress.done();
  return FittedForest.fromTrees(trees, {
    classes: opts.classes,
    nFeatures: set.d,
    featureNames: opts.featureNames ?? null,
    params,
  });
}

/** Bytes a forest node costs at its peak: typed arrays while growing, the flat copy, and its JSON text. */
const BYTES_PER_NODE = 256;
/** JSON text of a node in a model file, typically (25–31 bytes measured on fully grown and depth-12 forests). */
const JSON_BYTES_PER_NODE = 28;
/** Nodes of the largest forest a model file may hold (about 340 MB of JSON, well under V8's 512 MiB string limit). */
const MAX_MODEL_NODES = 12_000_000;

/**
 * The node budget of a forest under a memory budget of `memoryLimit` bytes: what its trees, their flat copy and the
 * model's JSON text take at their peak, and never more than a model file can hold (12M nodes, ~340 MB of JSON).
 * O(1).
 */
export function forestNodeBudget(memoryLimit: number): number {
  return Math.max(1, Math.min(MAX_MODEL_NODES, Math.floor(memoryLimit / BYTES_PER_NODE)));
}

function forestTooLarge(
  maxNodes: number,
  nRows: number,
  params: ResolvedForestParams,
  hint = 'limit the trees with maxDepth or minSamplesLeaf, or train on fewer rows',
): DataError {
  const limits =
    params.maxDepth === null && params.minSamplesLeaf === 1
      ? 'unlimited depth, one row per leaf'
      : `max depth ${params.maxDepth ?? 'none'}, min ${params.minSamplesLeaf} row(s) per leaf`;
  return new DataError(
    `the random forest would hold more than ${maxNodes.toLocaleString('en-US')} nodes (a model of over ` +
      `${formatBytes(maxNodes * JSON_BYTES_PER_NODE)}): ${params.nEstimators} trees ` +
      `of ${limits} on ${nRows.toLocaleString('en-US')} rows grow too large`,
    maxNodes < MAX_MODEL_NODES
      ? `${hint}; or raise --memory-limit`
      : `${hint} (a model holds at most ${MAX_MODEL_NODES.toLocaleString('en-US')} nodes)`,
  );
}

/**
 * Fit a random forest classifier (Breiman 2001, as scikit-learn's `RandomForestClassifier`): histogram-binned
 * CART trees (Gini, up to 256 bins per feature, thresholds at midpoints between bin values), each on a bootstrap
 * sample with `maxFeatures` features drawn per split, grown in parallel over the pool.
 *
 * Complexity: O(n · d · log bins) to bin, then O(nEstimators · maxFeatures · n · depth) for the trees; memory
 * O(n · d) bytes for the bins plus O(n) per concurrent tree.
 * @throws UsageError for invalid parameters; DataError when X has a non-finite value, y a missing label, or their
 * lengths differ, or when the trees grow past `maxNodes` (checked after every batch of trees, so the refusal comes
 * before the memory is exhausted).
 */
export async function fitForest(
  X: Matrix,
  y: Labels,
  params: ForestParams = {},
  opts: {
    pool?: WorkerPool | undefined;
    featureNames?: readonly string[] | undefined;
    /**
     * scikit-learn's `class_weight`: `balanced` (n / (K · count of the class), from the whole y), or one weight per
     * class in the order of the sorted classes. Multiplies each row's bootstrap count in the Gini criterion and the
     * leaf frequencies. Default: none.
     */
    classWeight?: 'balanced' | readonly number[] | undefined;
    /** Most nodes the forest may hold; past it a DataError is thrown (see {@link forestNodeBudget}). */
    maxNodes?: number | undefined;
    /** Hint of that error. */
    budgetHint?: string | undefined;
    /** Progress over the trees; the forest never depends on it. */
    logger?: Logger | undefined;
  } = {},
): Promise<FittedForest> {
  const p = resolveForestParams(params);
  if (y.length !== X.nRows) {
    throw new DataError(`the target has ${y.length} values for ${X.nRows} rows`);
  }
  if (X.nRows < 1 || X.nCols < 1)
    throw new DataError('a random forest needs at least one row and one feature');
  if (opts.featureNames && opts.featureNames.length !== X.nCols) {
    throw invalidParameter(OWNER, 'featureNames', `${X.nCols} names`, opts.featureNames.length);
  }
  const { codes, classes } = encodeLabels(y);
  const columns = Array.from({ length: X.nCols }, (_, j) => matrixColumn(X, j));
  const parallel = opts.pool !== undefined && opts.pool.nThreads > 1;
  const set = binTrainingSet({ columns, nRows: X.nRows }, codes, classes.length, p.maxBins, parallel, p.seed);
  const classWeight =
    opts.classWeight === undefined ? null : classWeights(codes, classes.length, opts.classWeight);
  return growForest(set, p, {
    pool: opts.pool,
    classes,
    featureNames: opts.featureNames ?? null,
    classWeight,
    maxNodes: opts.maxNodes,
    budgetHint: opts.budgetHint,
    logger: opts.logger,
  });
}

/**
 * Weight of each class code: `balanced` gives n / (K · n_k) as scikit-learn's `compute_class_weight`; an array is
 * checked and copied. O(n).
 * @throws UsageError when an explicit weight is missing, negative or not finite, or the count differs from K.
 */
export function classWeights(
  codes: Int32Array,
  nClasses: number,
  spec: 'balanced' | readonly number[],
): Float64Array {
  const out = new Float64Array(nClasses);
  if (spec === 'balanced') {
    const counts = new Float64Array(nClasses);
    for (const c of codes) counts[c] = counts[c]! + 1;
    for (let k = 0; k < nClasses; k++) out[k] = counts[k]! > 0 ? codes.length / (nClasses * counts[k]!) : 0;
    return out;
  }
  if (spec.length !== nClasses || spec.some((v) => !Number.isFinite(v) || v < 0)) {
    throw invalidParameter(OWNER, 'classWeight', `'balanced' or ${nClasses} finite weights >= 0`, spec);
  }
  out.set(spec);
  return out;
}

/** The trees of a forest in flat arrays (one allocation each, shareable with workers). */
export interface FlatForest {
  nTrees: number;
  nClasses: number;
  /** Tree t's nodes are `[nodeOffset[t], nodeOffset[t + 1])`; child indices are local to the tree. */
  nodeOffset: Int32Array;
  /** Tree t's leaves are `[leafOffset[t], leafOffset[t + 1])` in `value` (nClasses each). */
  leafOffset: Int32Array;
  /** Split column (an index into X's columns), −1 for a leaf. */
  feature: Int32Array;
  threshold: Float64Array;
  /** Split bin (training binning), or an empty array for a forest loaded from JSON. */
  splitBin: Int32Array;
  /** Internal node: left child; leaf: its index within the tree's leaves. */
  left: Int32Array;
  /** Internal node: right child; leaf: −1. */
  right: Int32Array;
  /** Leaf class probabilities. */
  value: Float64Array;
}

/** The JSON form of a fitted forest (`toJSON` / `FittedForest.fromJSON`). */
export interface ForestJson {
  format: typeof forestFormat;
  version: number;
  task: 'classification';
  classes: (string | number)[];
  nFeatures: number;
  featureNames: string[] | null;
  params: ResolvedForestParams;
  featureImportances: number[];
  trees: {
    nTrees: number;
    nodeOffset: number[];
    leafOffset: number[];
    feature: number[];
    threshold: number[];
    left: number[];
    right: number[];
    value: number[];
  };
}

const PREDICT_BLOCK = 4096;

/**
 * A fitted random forest classifier: predicts class probabilities (the mean of the trees' leaf frequencies) and
 * classes, exposes the impurity-based importances, and serialises to versioned JSON.
 */
export class FittedForest {
  /** Class labels; probability column k is `classes[k]`. */
  readonly classes: readonly (string | number)[];
  /** Columns X must have at prediction time. */
  readonly nFeatures: number;
  /** Names of those columns, when known. */
  readonly featureNames: readonly string[] | null;
  readonly params: ResolvedForestParams;
  /**
   * Mean decrease in impurity per column (scikit-learn's `feature_importances_`): each tree's weighted Gini
   * decreases normalised to sum 1, averaged over the trees with a split, normalised again. Zero for unused columns.
   */
  readonly featureImportances: Float64Array;
  /** The trees. */
  readonly flat: FlatForest;
  private shared: FlatForest | undefined;

  private constructor(
    flat: FlatForest,
    meta: {
      classes: readonly (string | number)[];
      nFeatures: number;
      featureNames: readonly string[] | null;
      params: ResolvedForestParams;
    },
    importances: Float64Array,
  ) {
    this.flat = flat;
    this.classes = meta.classes;
    this.nFeatures = meta.nFeatures;
    this.featureNames = meta.featureNames;
    this.params = meta.params;
    this.featureImportances = importances;
  }

  /** Assemble a forest from built trees (internal: used by {@link growForest}). */
  static fromTrees(
    trees: readonly TreeArrays[],
    meta: {
      classes: readonly (string | number)[];
      nFeatures: number;
      featureNames: readonly string[] | null;
      params: ResolvedForestParams;
    },
  ): FittedForest {
    const K = meta.classes.length;
    const nTrees = trees.length;
    const nodeOffset = new Int32Array(nTrees + 1);
    const leafOffset = new Int32Array(nTrees + 1);
    trees.forEach((t, i) => {
      nodeOffset[i + 1] = nodeOffset[i]! + t.feature.length;
      leafOffset[i + 1] = leafOffset[i]! + t.nLeaves;
    });
    const N = nodeOffset[nTrees]!;
    const flat: FlatForest = {
      nTrees,
      nClasses: K,
      nodeOffset,
      leafOffset,
      feature: new Int32Array(N),
      threshold: new Float64Array(N),
      splitBin: new Int32Array(N),
      left: new Int32Array(N),
      right: new Int32Array(N),
      value: new Float64Array(leafOffset[nTrees]! * K),
    };
    const imp = new Float64Array(meta.nFeatures);
    let used = 0;
    trees.forEach((t, i) => {
      const o = nodeOffset[i]!;
      flat.feature.set(t.feature, o);
      flat.threshold.set(t.threshold, o);
      flat.splitBin.set(t.splitBin, o);
      flat.left.set(t.left, o);
      flat.right.set(t.right, o);
      flat.value.set(t.value, leafOffset[i]! * K);
      if (t.feature.length > 1) {
        let s = 0;
        for (let j = 0; j < meta.nFeatures; j++) s += t.importance[j]!;
        if (s > 0) for (let j = 0; j < meta.nFeatures; j++) imp[j] = imp[j]! + t.importance[j]! / s;
        used++;
      }
    });
    let total = 0;
    for (let j = 0; j < meta.nFeatures; j++) total += imp[j]!;
    if (used > 0 && total > 0) for (let j = 0; j < meta.nFeatures; j++) imp[j] = imp[j]! / total;
    return new FittedForest(flat, meta, imp);
  }

  /**
   * Rebuild a forest from its JSON form.
   * @throws DataError when the value is not a forest of this format or its arrays are inconsistent.
   */
  static fromJSON(value: unknown, source = 'forest'): FittedForest {
    const o = value as Partial<ForestJson> | null;
    const bad = (why: string): DataError =>
      new DataError(`${source}: not a valid segment forest (${why})`, 'fit one again');
    if (!o || typeof o !== 'object' || o.format !== forestFormat) throw bad(`no "format": "${forestFormat}"`);
    if (typeof o.version !== 'number' || o.version > forestVersion)
      throw bad(`unknown version ${String(o.version)}`);
    const t = o.trees;
    if (!t || !Array.isArray(o.classes) || typeof o.nFeatures !== 'number' || !o.params)
      throw bad('fields missing');
    const K = o.classes.length;
    const nodeOffset = Int32Array.from(t.nodeOffset ?? []);
    const leafOffset = Int32Array.from(t.leafOffset ?? []);
    const N = nodeOffset[t.nTrees] ?? -1;
    if (
      nodeOffset.length !== t.nTrees + 1 ||
      leafOffset.length !== t.nTrees + 1 ||
      t.feature?.length !== N ||
      t.threshold?.length !== N ||
      t.left?.length !== N ||
      t.right?.length !== N ||
      t.value?.length !== leafOffset[t.nTrees]! * K
    ) {
      throw bad('tree arrays of inconsistent lengths');
    }
    const flat: FlatForest = {
      nTrees: t.nTrees,
      nClasses: K,
      nodeOffset,
      leafOffset,
      feature: Int32Array.from(t.feature),
      threshold: Float64Array.from(t.threshold),
      splitBin: new Int32Array(0),
      left: Int32Array.from(t.left),
      right: Int32Array.from(t.right),
      value: Float64Array.from(t.value),
    };
    for (let i = 0; i < N; i++) {
      if (flat.feature[i]! >= o.nFeatures) throw bad(`node ${i} splits on column ${flat.feature[i]}`);
    }
    return new FittedForest(
      flat,
      { classes: o.classes, nFeatures: o.nFeatures, featureNames: o.featureNames ?? null, params: o.params },
      Float64Array.from(o.featureImportances ?? new Array<number>(o.nFeatures).fill(0)),
    );
  }

  /** Number of trees. */
  get nTrees(): number {
    return this.flat.nTrees;
  }

  /** Plain JSON (numbers round-trip exactly, so a reloaded forest predicts identically). */
  toJSON(): ForestJson {
    const f = this.flat;
    return {
      format: forestFormat,
      version: forestVersion,
      task: 'classification',
      classes: [...this.classes],
      nFeatures: this.nFeatures,
      featureNames: this.featureNames ? [...this.featureNames] : null,
      params: this.params,
      featureImportances: Array.from(this.featureImportances),
      trees: {
        nTrees: f.nTrees,
        nodeOffset: Array.from(f.nodeOffset),
        leafOffset: Array.from(f.leafOffset),
        feature: Array.from(f.feature),
        threshold: Array.from(f.threshold),
        left: Array.from(f.left),
        right: Array.from(f.right),
        value: Array.from(f.value),
      },
    };
  }

  /**
   * Class probabilities: n × K row-major, the mean over trees of the leaf class frequencies (trees added in
   * order, so the bytes do not depend on the thread count). O(n · nTrees · depth).
   * @throws DataError when X has the wrong number of columns or a non-finite value.
   */
  async predictProba(X: Matrix, pool?: WorkerPool, progress?: Progress): Promise<Float64Array> {
    if (X.nCols !== this.nFeatures) {
      throw new DataError(`the forest was fitted on ${this.nFeatures} feature(s), got ${X.nCols}`);
    }
    const { data, nRows: n } = X;
    for (let i = 0; i < n * X.nCols; i++) {
      if (!Number.isFinite(data[i]!)) {
        throw new DataError(
          `row ${Math.floor(i / X.nCols) + 1} has a missing or non-finite feature value`,
          'impute first: segment clean --impute median',
        );
      }
    }
    const K = this.flat.nClasses;
    const parallel = pool !== undefined && pool.nThreads > 1 && n > PREDICT_BLOCK;
    if (!parallel) {
      const out = new Float64Array(n * K);
      // Each row's probabilities depend on the row alone: blocks only let progress advance.
      for (const [s, e] of blocks(n, PREDICT_BLOCK)) {
        predictRows(this.flat, data, X.nCols, s, e, out);
        progress?.tick(e - s);
      }
      return out;
    }
    const flat = this.sharedFlat();
    let x = data;
    if (!(x.buffer instanceof SharedArrayBuffer)) {
      x = new Float64Array(new SharedArrayBuffer(n * X.nCols * 8));
      x.set(data.subarray(0, n * X.nCols));
    }
    const out = new Float64Array(new SharedArrayBuffer(Math.max(8, n * K * 8)), 0, n * K);
    const parts = blocks(n, PREDICT_BLOCK);
    const tasks: Task[] = parts.map(([s, e]) => ({
      module: import.meta.url,
      fn: 'predictRows',
      args: [flat, x, X.nCols, s, e, out],
    }));
    await pool.run(tasks, (i) => progress?.tick(parts[i]![1] - parts[i]![0]));
    return out.slice();
  }

  /** Predicted class codes (index into `classes`; ties: the lowest). O(n · nTrees · depth). */
  async predict(X: Matrix, pool?: WorkerPool): Promise<Int32Array> {
    return argmaxRows(await this.predictProba(X, pool), this.flat.nClasses);
  }

  /** Predicted class labels (values of `classes`). */
  async predictLabels(X: Matrix, pool?: WorkerPool): Promise<(string | number)[]> {
    const codes = await this.predict(X, pool);
    return Array.from(codes, (c) => this.classes[c]!);
  }

  /** The flat arrays on SharedArrayBuffers (copied once). */
  sharedFlat(): FlatForest {
    if (this.shared) return this.shared;
    const share = <T extends Int32Array | Float64Array>(a: T): T => {
      const Ctor = a.constructor as new (buf: SharedArrayBuffer, off: number, len: number) => T;
      const out = new Ctor(new SharedArrayBuffer(Math.max(8, a.byteLength)), 0, a.length);
      out.set(a);
      return out;
    };
    const f = this.flat;
    this.shared = {
      ...f,
      nodeOffset: share(f.nodeOffset),
      leafOffset: share(f.leafOffset),
      feature: share(f.feature),
      threshold: share(f.threshold),
      splitBin: share(f.splitBin),
      left: share(f.left),
      right: share(f.right),
      value: share(f.value),
    };
    return this.shared;
  }
}

/** Index of the largest entry of each row of an n × K matrix (first on ties, as numpy's argmax). */
export function argmaxRows(p: Float64Array, K: number): Int32Array {
  const n = p.length / K;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < K; c++) if (p[i * K + c]! > p[i * K + best]!) best = c;
    out[i] = best;
  }
  return out;
}

/** Kernel: probabilities of rows [s, e) of a row-major matrix with d columns into `out` (n × K). */
export function predictRows(
  f: FlatForest,
  x: Float64Array,
  d: number,
  s: number,
  e: number,
  out: Float64Array,
): number {
  const K = f.nClasses;
  const inv = 1 / f.nTrees;
  const { feature, threshold, left, right, value, nodeOffset, leafOffset } = f;
  // Tree by tree over the rows, so one tree stays in cache; each row still adds the trees in order.
  for (let t = 0; t < f.nTrees; t++) {
    const base = nodeOffset[t]!;
    const lb = leafOffset[t]!;
    for (let i = s; i < e; i++) {
      const xb = i * d;
      let node = base;
      let fj = feature[node]!;
      while (fj >= 0) {
        node = base + (x[xb + fj]! <= threshold[node]! ? left[node]! : right[node]!);
        fj = feature[node]!;
      }
      const vb = (lb + left[node]!) * K;
      const ob = i * K;
      for (let c = 0; c < K; c++) out[ob + c] = out[ob + c]! + value[vb + c]!;
    }
  }
  for (let i = s * K; i < e * K; i++) out[i] = out[i]! * inv;
  return e - s;
}

/**
 * Kernel: probabilities of rows [s, e) of a column-major binned matrix with n rows (the forest's training
 * binning), using the split bins. Exported for the worker pool.
 * @throws InternalError when the forest has no split bins (loaded from JSON).
 */
export function predictBinnedRows(
  f: FlatForest,
  binned: Uint8Array,
  n: number,
  s: number,
  e: number,
  out: Float64Array,
): number {
  if (f.splitBin.length !== f.feature.length) throw new InternalError('this forest has no split bins');
  const K = f.nClasses;
  const inv = 1 / f.nTrees;
  const { feature, splitBin, left, right, value, nodeOffset, leafOffset } = f;
  for (let t = 0; t < f.nTrees; t++) {
    const base = nodeOffset[t]!;
    const lb = leafOffset[t]!;
    for (let i = s; i < e; i++) {
      let node = base;
      let fj = feature[node]!;
      while (fj >= 0) {
        node = base + (binned[fj * n + i]! <= splitBin[node]! ? left[node]! : right[node]!);
        fj = feature[node]!;
      }
      const vb = (lb + left[node]!) * K;
      const ob = i * K;
      for (let c = 0; c < K; c++) out[ob + c] = out[ob + c]! + value[vb + c]!;
    }
  }
  for (let i = s * K; i < e * K; i++) out[i] = out[i]! * inv;
  return e - s;
}

/**
 * Accuracy of a forest on binned rows (a column-major n × d binned matrix of the same binning), in parallel over
 * fixed row blocks. O(n · nTrees · depth).
 */
export async function binnedAccuracy(
  forest: FittedForest,
  binned: Uint8Array,
  n: number,
  y: Int32Array,
  pool?: WorkerPool,
): Promise<number> {
  const K = forest.flat.nClasses;
  const parallel = pool !== undefined && pool.nThreads > 1 && n > PREDICT_BLOCK;
  let out: Float64Array;
  if (!parallel) {
    out = new Float64Array(n * K);
    predictBinnedRows(forest.flat, binned, n, 0, n, out);
  } else {
    let b = binned;
    if (!(b.buffer instanceof SharedArrayBuffer)) {
      b = new Uint8Array(new SharedArrayBuffer(Math.max(1, binned.length)), 0, binned.length);
      b.set(binned);
    }
    out = new Float64Array(new SharedArrayBuffer(Math.max(8, n * K * 8)), 0, n * K);
    const flat = forest.sharedFlat();
    await pool.run(
      blocks(n, PREDICT_BLOCK).map(([s, e]) => ({
        module: import.meta.url,
        fn: 'predictBinnedRows',
        args: [flat, b, n, s, e, out],
      })),
    );
  }
  const pred = argmaxRows(out, K);
  let hit = 0;
  for (let i = 0; i < n; i++) if (pred[i] === y[i]) hit++;
  return n > 0 ? hit / n : 0;
}
