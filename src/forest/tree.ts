/**
 * CART classification trees on binned features: the kernels behind {@link fitForest}, run in worker threads (or in
 * process). A tree depends only on its inputs and its index (its random stream), never on the thread that built
 * it. Side-effect free on import.
 */
import { Random } from '../core/random.js';

/** URL of this module, for `WorkerPool` tasks. */
export const treeModule = import.meta.url;

/** Growth parameters of one tree (scikit-learn's `DecisionTreeClassifier` names). */
export interface TreeGrowth {
  /** Features examined per split (at least one non-constant one is always found when it exists). */
  maxFeatures: number;
  /** Depth limit, or −1 for none. */
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  /** Draw a bootstrap sample of the rows (as many draws as rows); false: every row once. */
  bootstrap: boolean;
}

/** Everything a tree task needs: binned data and labels (SharedArrayBuffers when threaded), and parameters. */
export interface TreeContext {
  /** Column-major n × dAll bins. */
  binned: Uint8Array;
  n: number;
  dAll: number;
  /** The columns the trees may use (indices into the binned columns). */
  features: Int32Array;
  /** Class code of every row, in [0, nClasses). */
  y: Int32Array;
  nClasses: number;
  /** The training rows (indices), or null for all n rows. */
  rows: Int32Array | null;
  /** Bin edges, flattened: feature j's edges at `[edgeOffset[j], edgeOffset[j + 1])`. */
  edges: Float64Array;
  edgeOffset: Int32Array;
  growth: TreeGrowth;
  seed: number;
  /** Weight of each class code (scikit-learn's `class_weight`), multiplying the bootstrap counts; absent: 1. */
  classWeight?: Float64Array | null | undefined;
}

/**
 * One fitted tree, as flat arrays. Node 0 is the root. Internal nodes: `feature` ≥ 0 (a binned column index), go
 * left when value ≤ `threshold` (equivalently bin ≤ `splitBin`). Leaves: `feature` = −1 and `left` is the leaf's
 * index into `value` (nClasses class probabilities per leaf).
 */
export interface TreeArrays {
  feature: Int32Array;
  threshold: Float64Array;
  splitBin: Int32Array;
  left: Int32Array;
  right: Int32Array;
  /** Gini impurity and weighted sample count of every node. */
  impurity: Float64Array;
  weight: Float64Array;
  value: Float64Array;
  nLeaves: number;
  depth: number;
  /** Unnormalised mean decrease in impurity per binned column (length dAll). */
  importance: Float64Array;
}

/** Nodes this small are split by sorting their rows instead of filling a histogram. */
const SMALL_NODE = 24;

/** Kernel: build trees `[t0, t1)` of a forest. Exported for the worker pool. */
export function buildTrees(ctx: TreeContext, t0: number, t1: number): TreeArrays[] {
  const out: TreeArrays[] = [];
  for (let t = t0; t < t1; t++) out.push(buildTree(ctx, t));
  return out;
}

/**
 * Grow one tree depth-first (as scikit-learn's `DepthFirstTreeBuilder`): bootstrap counts become sample weights,
 * each node draws features without replacement until `maxFeatures` have been examined and at least one was not
 * constant, and the split maximising the weighted Gini decrease wins (first found on ties). Leaves are pure, or too
 * small, or at the depth limit.
 *
 * Complexity: O(maxFeatures · m · depth) for m distinct in-bag rows, plus O(bins · classes) per examined feature of
 * large nodes.
 */
export function buildTree(ctx: TreeContext, treeIndex: number): TreeArrays {
  const { binned, n, features, y, nClasses: K, growth } = ctx;
  const rng = new Random(ctx.seed, treeIndex);
  const pool = ctx.rows;
  const m = pool ? pool.length : n;

  // Bootstrap counts → weights of the distinct in-bag rows (idx holds row ids).
  const w = new Float64Array(n);
  if (growth.bootstrap) {
    for (let i = 0; i < m; i++) {
      const r = pool ? pool[rng.int(m)]! : rng.int(m);
      w[r] = w[r]! + 1;
    }
  } else if (pool) for (let i = 0; i < m; i++) w[pool[i]!] = 1;
  else w.fill(1);
  const cw = ctx.classWeight;
  if (cw) for (let r = 0; r < n; r++) if (w[r]! > 0) w[r] = w[r]! * cw[y[r]!]!;
  let nIn = 0;
  for (let i = 0; i < m; i++) if (w[pool ? pool[i]! : i]! > 0) nIn++;
  const idx = new Int32Array(nIn);
  {
    let p = 0;
    if (pool) {
      const sorted = Int32Array.from(pool).sort();
      for (let i = 0; i < m; i++) {
        const r = sorted[i]!;
        if (w[r]! > 0 && (i === 0 || sorted[i - 1] !== r)) idx[p++] = r;
      }
    } else for (let r = 0; r < n; r++) if (w[r]! > 0) idx[p++] = r;
  }

  // Labels and weights in node order (permuted with idx), so the histogram loops read them sequentially.
  const yP = new Int32Array(nIn);
  const wP = new Float64Array(nIn);
  for (let p = 0; p < nIn; p++) {
    yP[p] = y[idx[p]!]!;
    wP[p] = w[idx[p]!]!;
  }
  const cap = Math.max(1, 2 * nIn - 1);
  const feature = new Int32Array(cap);
  const threshold = new Float64Array(cap);
  const splitBin = new Int32Array(cap);
  const left = new Int32Array(cap);
  const right = new Int32Array(cap);
  const impurity = new Float64Array(cap);
  const weight = new Float64Array(cap);
  const valueBuf: number[] = [];
  const importance = new Float64Array(ctx.dAll);
  let nNodes = 0;
  let nLeaves = 0;
  let maxDepthSeen = 0;

  const dF = features.length;
  const order = Int32Array.from(features);
  const maxFeatures = Math.min(dF, Math.max(1, growth.maxFeatures));
  const hist = new Float64Array(256 * K);
  const binW = new Float64Array(256);
  const binCnt = new Int32Array(256);
  const leftC = new Float64Array(K);
  const bestLeft = new Float64Array(K);
  const keys = new Int32Array(SMALL_NODE);

  // Stack of pending nodes: start, end, depth, parent slot (node index and side) and class counts.
  interface Pending {
    start: number;
    end: number;
    depth: number;
    parent: number;
    isLeft: boolean;
    counts: Float64Array;
    w: number;
  }
  const rootCounts = new Float64Array(K);
  let rootW = 0;
  for (let p = 0; p < nIn; p++) {
    rootCounts[yP[p]!] = rootCounts[yP[p]!]! + wP[p]!;
    rootW += wP[p]!;
  }
  const stack: Pending[] = [
    { start: 0, end: nIn, depth: 0, parent: -1, isLeft: false, counts: rootCounts, w: rootW },
  ];

  while (stack.length > 0) {
    const node = stack.pop()!;
    const { start, end, depth, counts, w: wNode } = node;
    const id = nNodes++;
    if (node.parent >= 0) {
      if (node.isLeft) left[node.parent] = id;
      else right[node.parent] = id;
    }
    if (depth > maxDepthSeen) maxDepthSeen = depth;
    let sq = 0;
    for (let c = 0; c < K; c++) sq += counts[c]! * counts[c]!;
    const imp = wNode > 0 ? 1 - sq / (wNode * wNode) : 0;
    impurity[id] = imp;
    weight[id] = wNode;
    const count = end - start;

    let bestScore = -Infinity;
    let bestFeat = -1;
    let bestBin = -1;
    const canSplit =
      !(growth.maxDepth >= 0 && depth >= growth.maxDepth) &&
      count >= growth.minSamplesSplit &&
      count >= 2 * growth.minSamplesLeaf &&
      imp > Number.EPSILON;
    if (canSplit) {
      let visited = 0;
      let constants = 0;
      for (let t = 0; t < dF && (visited < maxFeatures || visited <= constants); t++) {
        const pick = t + rng.int(dF - t);
        const f = order[pick]!;
        order[pick] = order[t]!;
        order[t] = f;
        visited++;
        const col = f * n;
        if (count <= SMALL_NODE) {
          // Sort the node's rows by bin (insertion sort on bin · 256 + position) and scan the boundaries.
          for (let p = start; p < end; p++) {
            const key = (binned[col + idx[p]!]! << 8) | (p - start);
            let q = p - start;
            while (q > 0 && keys[q - 1]! > key) {
              keys[q] = keys[q - 1]!;
              q--;
            }
            keys[q] = key;
          }
          const firstBin = keys[0]! >> 8;
          const lastBin = keys[count - 1]! >> 8;
          if (firstBin === lastBin) {
            constants++;
            continue;
          }
          leftC.fill(0);
          let sqL = 0;
          let sqR = sq;
          let wL = 0;
          for (let q = 0; q < count - 1; q++) {
            const key = keys[q]!;
            const b = key >> 8;
            const p = start + (key & 255);
            const c = yP[p]!;
            const h = wP[p]!;
            const L = leftC[c]!;
            sqL += h * (2 * L + h);
            sqR += h * (h - 2 * (counts[c]! - L));
            leftC[c] = L + h;
            wL += h;
            const nb = keys[q + 1]! >> 8;
            if (nb === b) continue;
            const nLeft = q + 1;
            if (nLeft < growth.minSamplesLeaf) continue;
            if (count - nLeft < growth.minSamplesLeaf) break;
            const score = sqL / wL + sqR / (wNode - wL);
            if (score > bestScore) {
              bestScore = score;
              bestFeat = f;
              bestBin = b;
              bestLeft.set(leftC);
            }
          }
        } else {
          let lo = 255;
          let hi = 0;
          for (let p = start; p < end; p++) {
            const b = binned[col + idx[p]!]!;
            const h = wP[p]!;
            const o = b * K + yP[p]!;
            hist[o] = hist[o]! + h;
            binW[b] = binW[b]! + h;
            binCnt[b] = binCnt[b]! + 1;
            if (b < lo) lo = b;
            if (b > hi) hi = b;
          }
          if (lo === hi) {
            constants++;
            binW[lo] = 0;
            binCnt[lo] = 0;
            for (let c = 0; c < K; c++) hist[lo * K + c] = 0;
            continue;
          }
          leftC.fill(0);
          let sqL = 0;
          let sqR = sq;
          let wL = 0;
          let nLeft = 0;
          let b = lo;
          for (; b < hi; b++) {
            const cnt = binCnt[b]!;
            if (cnt === 0) continue;
            const base = b * K;
            for (let c = 0; c < K; c++) {
              const h = hist[base + c]!;
              if (h === 0) continue;
              const L = leftC[c]!;
              sqL += h * (2 * L + h);
              sqR += h * (h - 2 * (counts[c]! - L));
              leftC[c] = L + h;
            }
            wL += binW[b]!;
            nLeft += cnt;
            if (nLeft < growth.minSamplesLeaf) continue;
            if (count - nLeft < growth.minSamplesLeaf) break;
            const score = sqL / wL + sqR / (wNode - wL);
            if (score > bestScore) {
              bestScore = score;
              bestFeat = f;
              bestBin = b;
              bestLeft.set(leftC);
            }
          }
          for (let z = lo; z <= hi; z++) {
            if (binCnt[z] === 0) continue;
            binW[z] = 0;
            binCnt[z] = 0;
            for (let c = 0; c < K; c++) hist[z * K + c] = 0;
          }
        }
      }
    }

    if (bestFeat < 0) {
      feature[id] = -1;
      left[id] = nLeaves++;
      right[id] = -1;
      for (let c = 0; c < K; c++) valueBuf.push(wNode > 0 ? counts[c]! / wNode : 0);
      continue;
    }
    // Partition the rows: bin ≤ bestBin first.
    const col = bestFeat * n;
    let i = start;
    let j = end - 1;
    while (i <= j) {
      if (binned[col + idx[i]!]! <= bestBin) i++;
      else {
        const tmp = idx[i]!;
        idx[i] = idx[j]!;
        idx[j] = tmp;
        const ty = yP[i]!;
        yP[i] = yP[j]!;
        yP[j] = ty;
        const tw = wP[i]!;
        wP[i] = wP[j]!;
        wP[j] = tw;
        j--;
      }
    }
    const lc = Float64Array.from(bestLeft);
    const rc = new Float64Array(K);
    let wl = 0;
    for (let c = 0; c < K; c++) {
      rc[c] = counts[c]! - lc[c]!;
      wl += lc[c]!;
    }
    const wr = wNode - wl;
    let sl = 0;
    let sr = 0;
    for (let c = 0; c < K; c++) {
      sl += lc[c]! * lc[c]!;
      sr += rc[c]! * rc[c]!;
    }
    const impL = 1 - sl / (wl * wl);
    const impR = 1 - sr / (wr * wr);
    importance[bestFeat] = importance[bestFeat]! + (wNode * imp - wl * impL - wr * impR);
    feature[id] = bestFeat;
    splitBin[id] = bestBin;
    threshold[id] = ctx.edges[ctx.edgeOffset[bestFeat]! + bestBin]!;
    // Right pushed first so the left subtree is built (and numbered) first.
    stack.push({ start: i, end, depth: depth + 1, parent: id, isLeft: false, counts: rc, w: wr });
    stack.push({ start, end: i, depth: depth + 1, parent: id, isLeft: true, counts: lc, w: wl });
  }

  return {
    feature: feature.slice(0, nNodes),
    threshold: threshold.slice(0, nNodes),
    splitBin: splitBin.slice(0, nNodes),
    left: left.slice(0, nNodes),
    right: right.slice(0, nNodes),
    impurity: impurity.slice(0, nNodes),
    weight: weight.slice(0, nNodes),
    value: Float64Array.from(valueBuf),
    nLeaves,
    depth: maxDepthSeen,
    importance,
  };
}
