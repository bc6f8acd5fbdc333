import type { Distance } from '../core/distance.js';
import { DataError, invalidParameter } from '../core/errors.js';
import { gowerDistance, noCommonColumn, type GowerScale } from '../core/gower.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { Matrix } from '../core/matrix.js';
import { blocks, type Task, type WorkerPool } from '../core/worker-pool.js';
import { kDistances } from './dbscan.js';
import { KdTree, type KdTreeArrays } from './kd-tree.js';

/** How flat clusters are chosen from the condensed tree. */
export const clusterSelections = ['eom', 'leaf'] as const;
export type ClusterSelection = (typeof clusterSelections)[number];

/** Distances HDBSCAN accepts (Gower's with {@link HdbscanParams.gower}). */
export const hdbscanDistances: readonly (Distance | 'gower')[] = ['euclidean', 'manhattan', 'gower'];

/** Parameters of {@link hdbscan} (scikit-learn's names in camelCase). */
export interface HdbscanParams {
  /** Int >= 2: smallest cluster of the condensed tree (R's minPts, scikit-learn's min_cluster_size). */
  minClusterSize: number;
  /**
   * Int >= 1: the core distance of a row is the distance to its minSamples-th nearest row, itself counted
   * (scikit-learn's min_samples, R's minPts). Default: minClusterSize.
   */
  minSamples?: number | undefined;
  /** Excess of mass (default) or the leaves of the condensed tree. */
  clusterSelection?: ClusterSelection | undefined;
  /** Float >= 0: clusters born below this distance are merged up to the cluster alive at it (scikit-learn). */
  clusterSelectionEpsilon?: number | undefined;
  /**
   * Euclidean (default), manhattan, or gower: X then comes from `gowerMatrix` and `gower` is its fitted scale; core
   * distances and the spanning tree are computed over all pairs (O(n²·d) time, O(n) memory).
   */
  distance?: Distance | 'gower' | undefined;
  /** Gower's fitted scale (with `distance: 'gower'`). */
  gower?: GowerScale | null | undefined;
  /**
   * Worker threads for the core distances and the first Borůvka round (fixed blocks: results do not depend on the
   * thread count).
   */
  pool?: WorkerPool | undefined;
  /** Spanning tree algorithm: Borůvka on the kd-tree (default) or Prim over all pairs (the cross-check). */
  spanningTree?: 'boruvka' | 'prim' | undefined;
  /** Progress of the core distances and of the spanning tree. */
  logger?: Logger | undefined;
}

/** Result of {@link hdbscan}. */
export interface HdbscanResult {
  /** Row → cluster 0..nClusters−1 (numbered by the condensed tree's order), or −1 for noise. */
  labels: Int32Array;
  /** Row → membership probability in [0, 1] (0 for noise), as R's `membership_prob`. */
  probabilities: Float64Array;
  /** Row → GLOSH outlier score in [0, 1], as R's `outlier_scores`. */
  outlierScores: Float64Array;
  /** Row → core distance. */
  coreDistances: Float64Array;
  nClusters: number;
  nNoise: number;
  /** The condensed tree at cluster level, for the report's icicle chart. */
  tree: CondensedSummary;
}

/** Steps of a cluster's size curve in {@link CondensedSummary}. */
export const CURVE_STEPS = 8;

/**
 * The condensed tree at cluster level (cluster 0 is the root; children have larger ids than their parent), in
 * λ = 1 / distance as scikit-learn's `condensed_tree_`. An infinite λ (distance 0: duplicate rows) is drawn at
 * 1.1 × the largest finite one, and the root is born at λ = 0.
 */
export interface CondensedSummary {
  /** Cluster → parent cluster (−1 for the root). */
  parent: Int32Array;
  /** λ at which the cluster appears (splits off its parent). */
  lambdaBirth: Float64Array;
  /** λ at which it splits into two clusters or its last rows leave. */
  lambdaDeath: Float64Array;
  /** Rows in the cluster when it appears. */
  size: Int32Array;
  /** Excess of mass (R's and scikit-learn's stability). */
  stability: Float64Array;
  /** Label (as {@link HdbscanResult.labels}) of a chosen cluster, −1 for the others. */
  label: Int32Array;
  /**
   * Cluster-major, {@link CURVE_STEPS} per cluster: rows still in the cluster at λ = birth + s·(death − birth) /
   * CURVE_STEPS for s = 0 … CURVE_STEPS − 1 (the width of each step of the icicle).
   */
  curve: Int32Array;
}

const OWNER = 'cluster.hdbscan';

/**
 * HDBSCAN* (Campello, Moulavi & Sander 2013) with the semantics of R's `dbscan::hdbscan(x, minPts)` when
 * minClusterSize = minSamples = minPts, plus scikit-learn's leaf selection and cluster_selection_epsilon.
 *
 * 1. Core distances: the distance to the minSamples-th nearest row, itself counted (`kDistances` with
 *    k = minSamples − 1 on the project's kd-tree; parallel over fixed blocks).
 * 2. The minimum spanning tree of the mutual reachability distance max(core(a), core(b), d(a, b)): Borůvka's
 *    algorithm on the kd-tree ({@link boruvkaMst}, O(n·d) memory), or Prim's over implicit distances
 *    ({@link primMst}, O(n²·d) time, O(n) memory). Edges of equal weight are ordered by their rows, so the tree is
 *    unique; its edges are listed in the order Prim's algorithm from row 0 adds them.
 * 3. The single-linkage hierarchy: MST edges sorted by weight (ties in that order), joined with union-find.
 * 4. The condensed tree, walked from the top: a merge whose two sides both have >= minClusterSize rows splits the
 *    cluster into two new ones born at its height; otherwise both sides stay in the cluster. A row leaves its
 *    cluster at the height of the merge where it joins as a single row (or at the cluster's split height when the
 *    cluster has already split), as R's `computeStability`. Stability of a cluster: Σ (1/ε_row − 1/ε_birth) over
 *    the rows that leave it + (rows of its children)·(1/ε_death − 1/ε_birth).
 * 5. Selection: excess of mass (a cluster is kept instead of its children when its stability is not lower than
 *    the sum of theirs), or every leaf; the root is never a cluster. With clusterSelectionEpsilon > 0, a chosen
 *    cluster born below it is replaced by its ancestor alive at that distance (scikit-learn's epsilon search,
 *    never the root). A row gets the chosen cluster above the node it left from, else noise.
 * 6. Membership probability (R): (max core distance in the cluster − core distance) / max (1 when the max is 0);
 *    GLOSH (R): 1 − ε_max/ε_row, ε_max the lowest death distance among the leaves under the node the row left
 *    (0 when 0/0).
 *
 * Deterministic whatever the thread count. Expects finite values.
 * @throws UsageError (invalidParameter) for invalid parameters; DataError when there are fewer rows than
 *   minSamples.
 */
export async function hdbscan(X: Matrix, params: HdbscanParams): Promise<HdbscanResult> {
  const mcs = params.minClusterSize;
  const ms = params.minSamples ?? mcs;
  const selection = params.clusterSelection ?? 'eom';
  const epsilon = params.clusterSelectionEpsilon ?? 0;
  const metric = params.distance ?? 'euclidean';
  if (!Number.isInteger(mcs) || mcs < 2)
    throw invalidParameter(OWNER, 'minClusterSize', 'an int in [2, inf)', mcs);
  if (!Number.isInteger(ms) || ms < 1) throw invalidParameter(OWNER, 'minSamples', 'an int in [1, inf)', ms);
  if (!clusterSelections.includes(selection))
    throw invalidParameter(OWNER, 'clusterSelection', "'eom' or 'leaf'", selection);
  if (!(epsilon >= 0) || !Number.isFinite(epsilon))
    throw invalidParameter(OWNER, 'clusterSelectionEpsilon', 'a float in [0, inf)', epsilon);
  if (!hdbscanDistances.includes(metric))
    throw invalidParameter(OWNER, 'distance', "'euclidean', 'manhattan' or 'gower'", metric);
  if (metric === 'gower' && !params.gower)
    throw invalidParameter(OWNER, 'gower', "Gower's fitted scale with distance 'gower'", params.gower);
  const n = X.nRows;
  if (n < Math.max(2, ms)) {
    throw new DataError(`HDBSCAN needs at least ${Math.max(2, ms)} rows (min-samples); got ${n}`);
  }
  const logger = params.logger ?? silentLogger;
  const coreProgress = logger.progress('HDBSCAN core distances', n);
  const gower = metric === 'gower' ? params.gower! : null;
  const gd = gower ? gowerPairs(X, gower) : null;
  let core: Float64Array;
  if (gd) {
    core = gowerCoreDistances(n, ms - 1, gd, (k) => coreProgress.tick(k));
  } else {
    const m = metric as Distance;
    core = ms <= 1 ? new Float64Array(n) : await kDistances(X, ms - 1, m, params.pool);
    coreProgress.tick(n);
  }
  coreProgress.done();
  const treeProgress = logger.progress('HDBSCAN spanning tree', n - 1);
  const mst = gd
    ? primMstBy(n, core, gd, (k) => treeProgress.tick(k))
    : params.spanningTree === 'prim'
      ? primMst(X, core, metric === 'manhattan', (k) => treeProgress.tick(k))
      : await boruvkaMst(X, core, metric === 'manhattan', (k) => treeProgress.tick(k), params.pool);
  treeProgress.done();
  const tree = singleLinkage(mst, n);
  const condensed = condense(tree, mcs);
  const selected = selectClusters(condensed, selection, epsilon);
  return finish(condensed, selected, core);
}

/** A minimum spanning tree: edge i joins `a[i]` and `b[i]` at `w[i]` (n − 1 edges, in the order Prim adds them). */
export interface SpanningTree {
  a: Int32Array;
  b: Int32Array;
  w: Float64Array;
}

/**
 * Edge (a1, b1) before edge (a2, b2) among edges of equal weight: by lower row, then higher row. With the weight
 * first, a strict total order on edges: the spanning tree it makes minimal is unique, whichever algorithm finds it.
 */
function edgeLess(a1: number, b1: number, a2: number, b2: number): boolean {
  const l1 = a1 < b1 ? a1 : b1;
  const l2 = a2 < b2 ? a2 : b2;
  if (l1 !== l2) return l1 < l2;
  return (a1 < b1 ? b1 : a1) < (a2 < b2 ? b2 : a2);
}

/**
 * Prim's algorithm on the mutual reachability distance, computed on the fly: O(n²·d) time, O(n) memory. Starts
 * at row 0; the next edge is the lightest one leaving the tree, edges of equal weight ordered by their lower row,
 * then their higher row (so the tree and its edge order equal {@link boruvkaMst}'s).
 */
export function primMst(
  X: Matrix,
  core: Float64Array,
  l1: boolean,
  onEdges?: (count: number) => void,
): SpanningTree {
  const { nRows: n, nCols: d, data } = X;
  const a = new Int32Array(Math.max(0, n - 1));
  const b = new Int32Array(Math.max(0, n - 1));
  const w = new Float64Array(Math.max(0, n - 1));
  // Euclidean distances are compared squared (sqrt is monotonic, and sqrt(x·x) = x exactly in binary floating
  // point, so the weights equal the unsquared ones).
  const key = l1 ? core : core.map((c) => c * c);
  const best = new Float64Array(n).fill(Infinity);
  const from = new Int32Array(n).fill(-1);
  // Rows not yet reached, kept in increasing order so ties go to the lowest row.
  let rest = Int32Array.from({ length: n - 1 }, (_, i) => i + 1);
  let nRest = n - 1;
  let cur = 0;
  for (let e = 0; e < n - 1; e++) {
    const co = cur * d;
    const cc = key[cur]!;
    let nextPos = -1;
    let nextW = Infinity;
    for (let p = 0; p < nRest; p++) {
      const j = rest[p]!;
      const jo = j * d;
      let s = 0;
      if (l1) for (let t = 0; t < d; t++) s += Math.abs(data[co + t]! - data[jo + t]!);
      else
        for (let t = 0; t < d; t++) {
          const u = data[co + t]! - data[jo + t]!;
          s += u * u;
        }
      const cj = key[j]!;
      const m = s > cc ? (s > cj ? s : cj) : cc > cj ? cc : cj;
      if (m < best[j]! || (m === best[j] && edgeLess(cur, j, from[j]!, j))) {
        best[j] = m;
        from[j] = cur;
      }
      const bj = best[j]!;
      if (bj < nextW || (bj === nextW && edgeLess(from[j]!, j, from[rest[nextPos]!]!, rest[nextPos]!))) {
        nextW = bj;
        nextPos = p;
      }
    }
    const next = rest[nextPos]!;
    a[e] = from[next]!;
    b[e] = next;
    w[e] = l1 ? nextW : Math.sqrt(nextW);
    // Remove it, keeping the order (an occasional copy; the scan above dominates).
    rest.copyWithin(nextPos, nextPos + 1, nRest);
    nRest--;
    if (nRest > 0 && nRest < rest.length >> 2) rest = rest.slice(0, nRest);
    cur = next;
    if (onEdges && (e & 1023) === 1023) onEdges(1024);
  }
  if (onEdges && (n - 1) % 1024 > 0) onEdges((n - 1) % 1024);
  return { a, b, w };
}

/** Gower's distance of rows i and j of a `gowerMatrix`, refusing a pair without a common column. */
function gowerPairs(G: Matrix, scale: GowerScale): (i: number, j: number) => number {
  const { data, nCols: d } = G;
  return (i, j) => {
    const v = gowerDistance(scale, data, i, data, j, d);
    if (Number.isNaN(v)) throw noCommonColumn(i, j);
    return v;
  };
}

/**
 * Core distances from a distance function: the k-th smallest distance from each row to the others (0 when k = 0),
 * over all pairs with a sorted buffer of k. O(n²·(d + k)) time, O(k) extra memory.
 */
export function gowerCoreDistances(
  n: number,
  k: number,
  dist: (i: number, j: number) => number,
  onRows?: (count: number) => void,
): Float64Array {
  const core = new Float64Array(n);
  if (k <= 0) return core;
  if (k >= n) throw new DataError(`the ${k}-th nearest neighbour needs more than ${k} rows; got ${n}`);
  const buf = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    buf.fill(Infinity);
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const v = dist(i, j);
      if (v >= buf[k - 1]!) continue;
      let p = k - 1;
      while (p > 0 && buf[p - 1]! > v) {
        buf[p] = buf[p - 1]!;
        p--;
      }
      buf[p] = v;
    }
    core[i] = buf[k - 1]!;
    if (onRows && (i & 255) === 255) onRows(256);
  }
  if (onRows && n % 256 > 0) onRows(n % 256);
  return core;
}

/**
 * {@link primMst} over a distance function (Gower's): the same order of rows and edges, distances compared as
 * they are. O(n²·d) time, O(n) memory.
 */
export function primMstBy(
  n: number,
  core: Float64Array,
  dist: (i: number, j: number) => number,
  onEdges?: (count: number) => void,
): SpanningTree {
  const m = Math.max(0, n - 1);
  const a = new Int32Array(m);
  const b = new Int32Array(m);
  const w = new Float64Array(m);
  const best = new Float64Array(n).fill(Infinity);
  const from = new Int32Array(n).fill(-1);
  const reached = new Uint8Array(n);
  let cur = 0;
  reached[0] = 1;
  for (let e = 0; e < m; e++) {
    const cc = core[cur]!;
    let next = -1;
    let nextW = Infinity;
    for (let j = 0; j < n; j++) {
      if (reached[j]) continue;
      const s = dist(cur, j);
      const cj = core[j]!;
      const mr = s > cc ? (s > cj ? s : cj) : cc > cj ? cc : cj;
      if (mr < best[j]! || (mr === best[j] && edgeLess(cur, j, from[j]!, j))) {
        best[j] = mr;
        from[j] = cur;
      }
      const bj = best[j]!;
      if (next < 0 || bj < nextW || (bj === nextW && edgeLess(from[j]!, j, from[next]!, next))) {
        nextW = bj;
        next = j;
      }
    }
    a[e] = from[next]!;
    b[e] = next;
    w[e] = nextW;
    reached[next] = 1;
    cur = next;
    if (onEdges && (e & 1023) === 1023) onEdges(1024);
  }
  if (onEdges && m % 1024 > 0) onEdges(m % 1024);
  return { a, b, w };
}

/**
 * Borůvka's algorithm on the mutual reachability distance max(core(a), core(b), d(a, b)) over the project's kd-tree
 * (as McInnes & Healy 2017, with one tree): each round, every component finds its lightest edge to another
 * component and all those edges join the tree, so there are at most log2(n) rounds. The search for a row skips a
 * node whose rows all lie in the row's component (node components are refreshed each round), whose lowest core
 * distance or box distance already exceeds the component's best edge, and a row whose own core distance does.
 * Edges are compared by (weight, lower row, higher row): a strict total order, so the tree is unique and does not
 * depend on the search order. The edges are then listed in the order Prim's algorithm from row 0 adds them (ties to
 * {@link edgeLess}): the tree and the order of {@link primMst}. Typically O(n·log² n) on
 * few dimensions; O(n·d) memory.
 */
export async function boruvkaMst(
  X: Matrix,
  core: Float64Array,
  l1: boolean,
  onEdges?: (count: number) => void,
  pool?: WorkerPool,
): Promise<SpanningTree> {
  const n = X.nRows;
  const d = X.nCols;
  const m = Math.max(0, n - 1);
  const ea = new Int32Array(m);
  const eb = new Int32Array(m);
  const ew = new Float64Array(m);
  if (n <= 1) return { a: ea, b: eb, w: ew };
  const parallel = pool !== undefined && pool.nThreads > 1;
  const tree = KdTree.build(X, { leafSize: 16, shared: parallel });
  const { pts, idx, lo, hi, nodeStart, nodeEnd, splitDim, nNodes } = tree;
  // Work in tree positions; Euclidean distances and core distances compared squared.
  const sharedF64 = (len: number): Float64Array =>
    parallel ? new Float64Array(new SharedArrayBuffer(Math.max(1, len) * 8), 0, len) : new Float64Array(len);
  const pc = sharedF64(n);
  for (let p = 0; p < n; p++) {
    const c = core[idx[p]!]!;
    pc[p] = l1 ? c : c * c;
  }
  const nodeCore = sharedF64(nNodes);
  for (let node = nNodes - 1; node >= 0; node--) {
    if (splitDim[node]! < 0) {
      let mn = Infinity;
      for (let p = nodeStart[node]!, e = nodeEnd[node]!; p < e; p++) if (pc[p]! < mn) mn = pc[p]!;
      nodeCore[node] = mn;
    } else nodeCore[node] = Math.min(nodeCore[2 * node + 1]!, nodeCore[2 * node + 2]!);
  }
  const uf = Int32Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => {
    while (uf[x] !== x) {
      uf[x] = uf[uf[x]!]!;
      x = uf[x]!;
    }
    return x;
  };
  const comp = new Int32Array(n);
  const nodeComp = new Int32Array(nNodes);
  const bestW = new Float64Array(n);
  const bestLo = new Int32Array(n);
  const bestHi = new Int32Array(n);
  const bestP = new Int32Array(n);
  const bestQ = new Int32Array(n);
  const stack = new Int32Array(128);
  // Join every component to its lightest edge (each such edge is in the tree); returns the edges added.
  const joinBest = (): number => {
    let added = 0;
    for (let c = 0; c < n; c++) {
      if (comp[c] !== c || bestLo[c]! < 0) continue;
      const ra = find(bestP[c]!);
      const rb = find(bestQ[c]!);
      if (ra === rb) continue;
      uf[ra] = rb;
      ea[nEdges + added] = bestLo[c]!;
      eb[nEdges + added] = bestHi[c]!;
      ew[nEdges + added] = bestW[c]!;
      added++;
    }
    if (added === 0) throw new Error('Borůvka: no edge between components (non-finite values?)');
    onEdges?.(added);
    return added;
  };
  let nEdges = 0;
  let round = 0;
  while (nEdges < m) {
    for (let p = 0; p < n; p++) comp[p] = find(p);
    if (round++ === 0 && parallel) {
      // First round: every row is its own component, so each row's search is independent: fixed blocks of rows
      // on the workers, each finding its lightest edge (the same as the serial search: a strict order on edges).
      const outW = sharedF64(n);
      const outQ = new Int32Array(new SharedArrayBuffer(Math.max(1, n) * 4), 0, n);
      const arrays = tree.arrays();
      const tasks: Task[] = blocks(n, 4096).map(([s, e]) => ({
        module: import.meta.url,
        fn: 'boruvkaFirstRoundBlock',
        args: [arrays, pc, nodeCore, l1, s, e, outW, outQ],
      }));
      await pool.run<number>(tasks);
      bestLo.fill(-1);
      for (let p = 0; p < n; p++) {
        const q = outQ[p]!;
        if (q < 0) continue;
        const ri = idx[p]!;
        const rq = idx[q]!;
        bestW[p] = outW[p]!;
        bestLo[p] = ri < rq ? ri : rq;
        bestHi[p] = ri < rq ? rq : ri;
        bestP[p] = p;
        bestQ[p] = q;
      }
      nEdges += joinBest();
      continue;
    }
    for (let node = nNodes - 1; node >= 0; node--) {
      if (splitDim[node]! < 0) {
        const s = nodeStart[node]!;
        const e = nodeEnd[node]!;
        let c = s < e ? comp[s]! : -2;
        for (let p = s + 1; p < e; p++) {
          if (comp[p] !== c) {
            c = -1;
            break;
          }
        }
        nodeComp[node] = c;
      } else {
        const a = nodeComp[2 * node + 1]!;
        const b = nodeComp[2 * node + 2]!;
        nodeComp[node] = a === b || b === -2 ? a : a === -2 ? b : -1;
      }
    }
    bestW.fill(Infinity);
    bestLo.fill(-1);
    bestHi.fill(-1);
    for (let p = 0; p < n; p++) {
      const c = comp[p]!;
      const cp = pc[p]!;
      if (cp > bestW[c]!) continue;
      const ri = idx[p]!;
      const po = p * d;
      let sp = 0;
      stack[sp++] = 0;
      while (sp > 0) {
        const node = stack[--sp]!;
        if (nodeComp[node] === c) continue;
        const bw = bestW[c]!;
        if (nodeCore[node]! > bw) continue;
        const o = node * d;
        let lb = 0;
        for (let j = 0; j < d; j++) {
          const v = pts[po + j]!;
          const g = v < lo[o + j]! ? lo[o + j]! - v : v > hi[o + j]! ? v - hi[o + j]! : 0;
          lb += l1 ? g : g * g;
        }
        if (lb > bw) continue;
        const sd = splitDim[node]!;
        if (sd >= 0) {
          const left = 2 * node + 1;
          if (pts[po + sd]! <= hi[left * d + sd]!) {
            stack[sp++] = left + 1;
            stack[sp++] = left;
          } else {
            stack[sp++] = left;
            stack[sp++] = left + 1;
          }
          continue;
        }
        for (let q = nodeStart[node]!, e = nodeEnd[node]!; q < e; q++) {
          if (comp[q] === c) continue;
          const qo = q * d;
          let dist = 0;
          if (l1) for (let j = 0; j < d; j++) dist += Math.abs(pts[po + j]! - pts[qo + j]!);
          else
            for (let j = 0; j < d; j++) {
              const u = pts[po + j]! - pts[qo + j]!;
              dist += u * u;
            }
          const cq = pc[q]!;
          const w = dist > cp ? (dist > cq ? dist : cq) : cp > cq ? cp : cq;
          const cur = bestW[c]!;
          if (w > cur) continue;
          const rq = idx[q]!;
          const rl = ri < rq ? ri : rq;
          const rh = ri < rq ? rq : ri;
          if (w < cur || rl < bestLo[c]! || (rl === bestLo[c] && rh < bestHi[c]!)) {
            bestW[c] = w;
            bestLo[c] = rl;
            bestHi[c] = rh;
            bestP[c] = p;
            bestQ[c] = q;
          }
        }
      }
    }
    nEdges += joinBest();
  }
  const out = primOrder(ea, eb, ew, n);
  if (!l1) for (let e = 0; e < m; e++) out.w[e] = Math.sqrt(out.w[e]!);
  return out;
}

/**
 * Borůvka's first round for tree positions [s, e) (a worker kernel): each row's lightest mutual reachability edge
 * to another row, by (weight, lower row, higher row), as the serial search finds it. Writes the weight (squared for
 * euclidean) to `outW[p]` and the other row's tree position to `outQ[p]`.
 */
export function boruvkaFirstRoundBlock(
  t: KdTreeArrays,
  pc: Float64Array,
  nodeCore: Float64Array,
  l1: boolean,
  s: number,
  e: number,
  outW: Float64Array,
  outQ: Int32Array,
): number {
  const { d, pts, idx, lo, hi, nodeStart, nodeEnd, splitDim } = t;
  const stack = new Int32Array(128);
  for (let p = s; p < e; p++) {
    const cp = pc[p]!;
    const ri = idx[p]!;
    const po = p * d;
    let bw = Infinity;
    let bl = -1;
    let bh = -1;
    let bq = -1;
    let sp = 0;
    stack[sp++] = 0;
    while (sp > 0) {
      const node = stack[--sp]!;
      if (nodeCore[node]! > bw) continue;
      const o = node * d;
      let lb = 0;
      for (let j = 0; j < d; j++) {
        const v = pts[po + j]!;
        const g = v < lo[o + j]! ? lo[o + j]! - v : v > hi[o + j]! ? v - hi[o + j]! : 0;
        lb += l1 ? g : g * g;
      }
      if (lb > bw) continue;
      const sd = splitDim[node]!;
      if (sd >= 0) {
        const left = 2 * node + 1;
        if (pts[po + sd]! <= hi[left * d + sd]!) {
          stack[sp++] = left + 1;
          stack[sp++] = left;
        } else {
          stack[sp++] = left;
          stack[sp++] = left + 1;
        }
        continue;
      }
      for (let q = nodeStart[node]!, qe = nodeEnd[node]!; q < qe; q++) {
        if (q === p) continue;
        const qo = q * d;
        let dist = 0;
        if (l1) for (let j = 0; j < d; j++) dist += Math.abs(pts[po + j]! - pts[qo + j]!);
        else
          for (let j = 0; j < d; j++) {
            const u = pts[po + j]! - pts[qo + j]!;
            dist += u * u;
          }
        const cq = pc[q]!;
        const w = dist > cp ? (dist > cq ? dist : cq) : cp > cq ? cp : cq;
        if (w > bw) continue;
        const rq = idx[q]!;
        const rl = ri < rq ? ri : rq;
        const rh = ri < rq ? rq : ri;
        if (w < bw || rl < bl || (rl === bl && rh < bh)) {
          bw = w;
          bl = rl;
          bh = rh;
          bq = q;
        }
      }
    }
    outW[p] = bw;
    outQ[p] = bq;
  }
  return e - s;
}

/**
 * The edges of a spanning tree in the order Prim's algorithm from row 0 adds them (the lightest edge leaving the
 * tree first, ties by {@link edgeLess}), each as (row in the tree, new row). A binary heap: O(n log n).
 */
export function primOrder(ea: Int32Array, eb: Int32Array, ew: Float64Array, n: number): SpanningTree {
  const m = ea.length;
  const deg = new Int32Array(n + 1);
  for (let e = 0; e < m; e++) {
    deg[ea[e]! + 1]!++;
    deg[eb[e]! + 1]!++;
  }
  for (let i = 0; i < n; i++) deg[i + 1]! += deg[i]!;
  const adj = new Int32Array(2 * m);
  const fill = deg.slice(0, n);
  for (let e = 0; e < m; e++) {
    adj[fill[ea[e]!]!++] = e;
    adj[fill[eb[e]!]!++] = e;
  }
  const a = new Int32Array(m);
  const b = new Int32Array(m);
  const w = new Float64Array(m);
  const hw = new Float64Array(n);
  const hv = new Int32Array(n);
  const from = new Int32Array(n);
  const seen = new Uint8Array(n);
  let size = 0;
  const less = (i: number, j: number): boolean =>
    hw[i]! < hw[j]! || (hw[i] === hw[j] && edgeLess(from[hv[i]!]!, hv[i]!, from[hv[j]!]!, hv[j]!));
  const swap = (i: number, j: number): void => {
    const tw = hw[i]!;
    hw[i] = hw[j]!;
    hw[j] = tw;
    const tv = hv[i]!;
    hv[i] = hv[j]!;
    hv[j] = tv;
  };
  const push = (wt: number, v: number): void => {
    let i = size++;
    hw[i] = wt;
    hv[i] = v;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!less(i, up)) break;
      swap(i, up);
      i = up;
    }
  };
  const visit = (v: number): void => {
    seen[v] = 1;
    for (let k = deg[v]!; k < deg[v + 1]!; k++) {
      const e = adj[k]!;
      const u = ea[e] === v ? eb[e]! : ea[e]!;
      if (seen[u]) continue;
      from[u] = v;
      push(ew[e]!, u);
    }
  };
  visit(0);
  for (let k = 0; k < m; k++) {
    const v = hv[0]!;
    const wt = hw[0]!;
    size--;
    if (size > 0) {
      hw[0] = hw[size]!;
      hv[0] = hv[size]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) break;
        const c = l + 1 < size && less(l + 1, l) ? l + 1 : l;
        if (!less(c, i)) break;
        swap(c, i);
        i = c;
      }
    }
    a[k] = from[v]!;
    b[k] = v;
    w[k] = wt;
    visit(v);
  }
  return { a, b, w };
}

/**
 * A single-linkage hierarchy in R's hclust layout: merge m joins `left[m]` and `right[m]` (a row r as −(r+1), an
 * earlier merge as its index) at `height[m]` into `size[m]` rows. Heights are non-decreasing.
 */
export interface MergeTree {
  left: Int32Array;
  right: Int32Array;
  height: Float64Array;
  size: Int32Array;
}

/** The single-linkage merges of a spanning tree: edges by weight (ties in edge order), union-find. O(n log n). */
export function singleLinkage(mst: SpanningTree, n: number): MergeTree {
  const m = n - 1;
  const order = Array.from({ length: m }, (_, i) => i).sort((x, y) => mst.w[x]! - mst.w[y]! || x - y);
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const node = Int32Array.from({ length: n }, (_, i) => -(i + 1));
  const rank = new Int32Array(n);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  const left = new Int32Array(m);
  const right = new Int32Array(m);
  const height = new Float64Array(m);
  const size = new Int32Array(m);
  const sizeOf = (v: number): number => (v < 0 ? 1 : size[v]!);
  for (let k = 0; k < m; k++) {
    const e = order[k]!;
    const ra = find(mst.a[e]!);
    const rb = find(mst.b[e]!);
    left[k] = node[ra]!;
    right[k] = node[rb]!;
    height[k] = mst.w[e]!;
    size[k] = sizeOf(left[k]!) + sizeOf(right[k]!);
    let root = ra;
    if (rank[ra]! < rank[rb]!) {
      parent[ra] = rb;
      root = rb;
    } else {
      parent[rb] = ra;
      if (rank[ra] === rank[rb]) rank[ra]!++;
    }
    node[root] = k;
  }
  return { left, right, height, size };
}

/** The condensed cluster tree: clusters (0 = root) and where each row leaves it. */
export interface CondensedTree {
  nClusters: number;
  parent: Int32Array;
  /** Children of each cluster: none (−1, −1) or two. */
  childA: Int32Array;
  childB: Int32Array;
  birth: Float64Array;
  death: Float64Array;
  stability: Float64Array;
  /** Rows of each cluster when it appears. */
  size: Int32Array;
  /** Row → the cluster it leaves. */
  rowCluster: Int32Array;
  /** Row → the distance at which it leaves it. */
  rowEps: Float64Array;
}

/** Walk the merges from the top and build the condensed tree with stabilities (see {@link hdbscan}, step 4). O(n). */
export function condense(t: MergeTree, minClusterSize: number): CondensedTree {
  const m = t.height.length;
  const n = m + 1;
  const cap = Math.max(1, 2 * Math.floor(n / Math.max(1, minClusterSize)) + 1);
  const parent = new Int32Array(cap).fill(-1);
  const childA = new Int32Array(cap).fill(-1);
  const childB = new Int32Array(cap).fill(-1);
  const birth = new Float64Array(cap);
  const death = new Float64Array(cap);
  const split = new Uint8Array(cap);
  const nChildren = new Float64Array(cap);
  const sumInv = new Float64Array(cap);
  const nRows = new Float64Array(cap);
  const size = new Int32Array(cap);
  size[0] = n;
  const rowCluster = new Int32Array(n);
  const rowEps = new Float64Array(n);
  const tracker = new Int32Array(m);
  let nClusters = 1;
  if (m > 0) birth[0] = t.height[m - 1]!;
  // The root's death starts at 0 (as R's): it only gets one when it splits.
  const leave = (row: number, c: number, eps: number): void => {
    rowCluster[row] = c;
    rowEps[row] = eps;
    sumInv[c] = sumInv[c]! + (1 / eps - 1 / birth[c]!);
    nRows[c] = nRows[c]! + 1;
  };
  for (let k = m - 1; k >= 0; k--) {
    const c = tracker[k]!;
    const l = t.left[k]!;
    const r = t.right[k]!;
    const h = t.height[k]!;
    if (l < 0 && r < 0) {
      const eps = split[c] ? death[c]! : h;
      leave(-l - 1, c, eps);
      leave(-r - 1, c, eps);
      if (!split[c]) death[c] = Math.min(h, death[c]!);
    } else if (l < 0 || r < 0) {
      leave(-(l < 0 ? l : r) - 1, c, split[c] ? death[c]! : h);
      tracker[l < 0 ? r : l] = c;
    } else if (t.size[l]! >= minClusterSize && t.size[r]! >= minClusterSize) {
      death[c] = h;
      split[c] = 1;
      nChildren[c] = t.size[l]! + t.size[r]!;
      const ca = nClusters++;
      const cb = nClusters++;
      childA[c] = ca;
      childB[c] = cb;
      for (const [id, sub] of [
        [ca, l],
        [cb, r],
      ] as const) {
        parent[id] = c;
        size[id] = t.size[sub]!;
        birth[id] = h;
        death[id] = t.height[sub]!;
        tracker[sub] = id;
      }
    } else {
      tracker[l] = c;
      tracker[r] = c;
    }
  }
  const stability = new Float64Array(nClusters);
  for (let c = 0; c < nClusters; c++) {
    const nc = nChildren[c]!;
    stability[c] = sumInv[c]! + (nc * (1 / death[c]!) - nc * (1 / birth[c]!));
  }
  return {
    nClusters,
    parent: parent.slice(0, nClusters),
    childA: childA.slice(0, nClusters),
    childB: childB.slice(0, nClusters),
    birth: birth.slice(0, nClusters),
    death: death.slice(0, nClusters),
    stability,
    size: size.slice(0, nClusters),
    rowCluster,
    rowEps,
  };
}

/**
 * The chosen clusters (flags by cluster id; never the root): excess of mass or leaves, then scikit-learn's
 * epsilon search when epsilon > 0. O(clusters · depth).
 */
export function selectClusters(ct: CondensedTree, selection: ClusterSelection, epsilon: number): Uint8Array {
  const { nClusters, childA, childB, parent, stability, birth } = ct;
  const isLeaf = (c: number): boolean => childA[c]! < 0;
  const chosen = new Uint8Array(nClusters);
  if (selection === 'leaf') {
    for (let c = 1; c < nClusters; c++) if (isLeaf(c)) chosen[c] = 1;
  } else {
    // Children always have larger ids than their parent: a reverse pass is a post-order.
    const score = new Float64Array(nClusters);
    const own = new Uint8Array(nClusters);
    for (let c = nClusters - 1; c >= 0; c--) {
      if (isLeaf(c)) {
        score[c] = stability[c]!;
        own[c] = 1;
        continue;
      }
      const children = score[childA[c]!]! + score[childB[c]!]!;
      if (stability[c]! < children) score[c] = children;
      else {
        score[c] = stability[c]!;
        own[c] = 1;
      }
    }
    // Top down: the first cluster on each path that keeps itself.
    const stack = isLeaf(0) ? [] : [childB[0]!, childA[0]!];
    while (stack.length > 0) {
      const c = stack.pop()!;
      if (own[c]) chosen[c] = 1;
      else stack.push(childB[c]!, childA[c]!);
    }
  }
  if (epsilon > 0) {
    const out = new Uint8Array(nClusters);
    const covered = new Uint8Array(nClusters);
    for (let c = 1; c < nClusters; c++) {
      if (!chosen[c]) continue;
      if (!(birth[c]! < epsilon)) {
        out[c] = 1;
        continue;
      }
      if (covered[c]) continue;
      // Walk up to the cluster alive at epsilon (born above it), never the root.
      let e = c;
      for (;;) {
        const p = parent[e]!;
        if (p === 0) break;
        e = p;
        if (birth[p]! > epsilon) break;
      }
      out[e] = 1;
      const stack = [e];
      while (stack.length > 0) {
        const x = stack.pop()!;
        if (x !== e) covered[x] = 1;
        if (!isLeaf(x)) stack.push(childA[x]!, childB[x]!);
      }
    }
    // A chosen cluster under another chosen one joins it.
    for (let c = 1; c < nClusters; c++) {
      if (!out[c]) continue;
      for (let p = parent[c]!; p > 0; p = parent[p]!) {
        if (out[p]) {
          out[c] = 0;
          break;
        }
      }
    }
    return out;
  }
  return chosen;
}

/** Labels, membership probabilities and GLOSH scores from the condensed tree and the chosen clusters. O(n + clusters · depth). */
function finish(ct: CondensedTree, chosen: Uint8Array, core: Float64Array): HdbscanResult {
  const { nClusters, parent, childA, childB, death, rowCluster, rowEps } = ct;
  const n = rowCluster.length;
  // Cluster → label of the chosen cluster at or above it (−1 when none), labels in cluster-id order.
  const labelOf = new Int32Array(nClusters).fill(-1);
  let nLabels = 0;
  for (let c = 1; c < nClusters; c++) {
    if (chosen[c]) labelOf[c] = nLabels++;
    else if (labelOf[parent[c]!]! >= 0) labelOf[c] = labelOf[parent[c]!]!;
  }
  // Lowest death among the leaves under each cluster (post-order: children have larger ids).
  const leafDeath = new Float64Array(nClusters);
  for (let c = nClusters - 1; c >= 0; c--) {
    leafDeath[c] = childA[c]! < 0 ? death[c]! : Math.min(leafDeath[childA[c]!]!, leafDeath[childB[c]!]!);
  }
  const labels = new Int32Array(n);
  const outlierScores = new Float64Array(n);
  let nNoise = 0;
  for (let i = 0; i < n; i++) {
    const c = rowCluster[i]!;
    labels[i] = labelOf[c]!;
    if (labels[i]! < 0) nNoise++;
    const s = 1 - leafDeath[c]! / rowEps[i]!;
    outlierScores[i] = Number.isNaN(s) ? 0 : s;
  }
  const maxCore = new Float64Array(nLabels);
  for (let i = 0; i < n; i++) {
    const l = labels[i]!;
    if (l >= 0 && core[i]! > maxCore[l]!) maxCore[l] = core[i]!;
  }
  const probabilities = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const l = labels[i]!;
    if (l < 0) continue;
    const mx = maxCore[l]!;
    probabilities[i] = mx > 0 ? (mx - core[i]!) / mx : 1;
  }
  const tree = summarize(ct, chosen, labelOf);
  return { labels, probabilities, outlierScores, coreDistances: core, nClusters: nLabels, nNoise, tree };
}

/** The cluster-level summary of the condensed tree with each cluster's size curve. O(n + clusters). */
function summarize(ct: CondensedTree, chosen: Uint8Array, labelOf: Int32Array): CondensedSummary {
  const { nClusters, parent, birth, death, rowCluster, rowEps } = ct;
  const n = rowCluster.length;
  let top = 0;
  const seen = (eps: number): void => {
    if (eps > 0 && 1 / eps > top) top = 1 / eps;
  };
  for (let c = 1; c < nClusters; c++) seen(birth[c]!);
  for (let c = 0; c < nClusters; c++) seen(death[c]!);
  for (let i = 0; i < n; i++) seen(rowEps[i]!);
  const cap = top > 0 ? 1.1 * top : 1;
  const lambda = (eps: number): number => (eps > 0 ? Math.min(1 / eps, cap) : cap);
  const lambdaBirth = new Float64Array(nClusters);
  const lambdaDeath = new Float64Array(nClusters);
  for (let c = 0; c < nClusters; c++) {
    lambdaBirth[c] = c === 0 ? 0 : lambda(birth[c]!);
    lambdaDeath[c] = Math.max(lambdaBirth[c]!, lambda(death[c]!));
  }
  // Rows leaving before each step, then sizes by prefix sums.
  const K = CURVE_STEPS;
  const gone = new Int32Array(nClusters * K);
  for (let i = 0; i < n; i++) {
    const c = rowCluster[i]!;
    const span = lambdaDeath[c]! - lambdaBirth[c]!;
    const lr = lambda(rowEps[i]!);
    const s0 = span > 0 ? Math.max(0, Math.ceil(((lr - lambdaBirth[c]!) / span) * K)) : 0;
    if (s0 < K) gone[c * K + s0]!++;
  }
  const curve = new Int32Array(nClusters * K);
  for (let c = 0; c < nClusters; c++) {
    let left = ct.size[c]!;
    for (let s = 0; s < K; s++) {
      left -= gone[c * K + s]!;
      curve[c * K + s] = left;
    }
  }
  const label = new Int32Array(nClusters).fill(-1);
  for (let c = 1; c < nClusters; c++) if (chosen[c]) label[c] = labelOf[c]!;
  return {
    parent: Int32Array.from(parent, (p, c) => (c === 0 ? -1 : p)),
    lambdaBirth,
    lambdaDeath,
    size: ct.size,
    stability: ct.stability,
    label,
    curve,
  };
}

/**
 * For `segment assign` (R's `predict.hdbscan`): each row of X gets the label of its nearest clustered training row
 * (ties to the lowest index) when it lies within that row's core distance, else −1. A kd-tree over the training
 * rows: O((n + m)·log m) typical.
 * @param train the training rows that are not noise, `m × d`; `trainLabels[i]` and `core[i]` are row i's label and
 *   core distance.
 */
export function assignNearestCore(
  X: Matrix,
  train: Matrix,
  trainLabels: Int32Array,
  core: Float64Array,
  metric: Distance,
): Int32Array {
  if (train.nRows > 0 && train.nCols !== X.nCols)
    throw new DataError(`the model has ${train.nCols} features but the data has ${X.nCols}`);
  const n = X.nRows;
  const d = X.nCols;
  const out = new Int32Array(n).fill(-1);
  if (train.nRows === 0) return out;
  const l1 = metric === 'manhattan';
  const tree = KdTree.build(train);
  const { pts, idx, lo, hi, nodeStart, nodeEnd, splitDim } = tree;
  const stack: number[] = [];
  for (let i = 0; i < n; i++) {
    const qo = i * d;
    let best = Infinity;
    let bestRow = -1;
    stack.length = 0;
    stack.push(0);
    while (stack.length > 0) {
      const node = stack.pop()!;
      // Lower bound on the (squared, for euclidean) distance to the node's box.
      let lb = 0;
      const o = node * d;
      for (let j = 0; j < d; j++) {
        const v = X.data[qo + j]!;
        const g = v < lo[o + j]! ? lo[o + j]! - v : v > hi[o + j]! ? v - hi[o + j]! : 0;
        lb += l1 ? g : g * g;
      }
      if (lb > best) continue;
      if (splitDim[node]! < 0) {
        for (let s = nodeStart[node]!, e = nodeEnd[node]!; s < e; s++) {
          const so = s * d;
          let dist = 0;
          if (l1) for (let j = 0; j < d; j++) dist += Math.abs(pts[so + j]! - X.data[qo + j]!);
          else
            for (let j = 0; j < d; j++) {
              const u = pts[so + j]! - X.data[qo + j]!;
              dist += u * u;
            }
          const row = idx[s]!;
          if (dist < best || (dist === best && row < bestRow)) {
            best = dist;
            bestRow = row;
          }
        }
        continue;
      }
      stack.push(2 * node + 2, 2 * node + 1);
    }
    const dist = l1 ? best : Math.sqrt(best);
    if (bestRow >= 0 && dist <= core[bestRow]!) out[i] = trainLabels[bestRow]!;
  }
  return out;
}

/**
 * The summary as the model keeps it: plain arrays, each chosen cluster's label replaced by its final segment
 * (`rawToFinal`: the fit's renumbering of labels), numbers rounded to 12 significant digits, an infinite stability
 * as null.
 */
export function condensedTreeOf(
  t: CondensedSummary,
  rawToFinal: Int32Array,
): {
  parent: number[];
  lambdaBirth: number[];
  lambdaDeath: number[];
  size: number[];
  stability: (number | null)[];
  segment: number[];
  curve: number[];
} {
  const r = (v: number): number => Number(v.toPrecision(12));
  return {
    parent: Array.from(t.parent),
    lambdaBirth: Array.from(t.lambdaBirth, r),
    lambdaDeath: Array.from(t.lambdaDeath, r),
    size: Array.from(t.size),
    // Infinite when rows leave at distance 0 (duplicates): null, as JSON has no infinity.
    stability: Array.from(t.stability, (v) => (Number.isFinite(v) ? r(v) : null)),
    segment: Array.from(t.label, (l) => (l >= 0 ? (rawToFinal[l] ?? -1) : -1)),
    curve: Array.from(t.curve),
  };
}

/**
 * {@link assignNearestCore} under Gower's distance (rows of `gowerMatrix` with the model's scale): the nearest
 * clustered training row over all of them (ties to the lowest; pairs without a common column skipped), its label when
 * within its core distance, else −1. O(n·m·d).
 */
export function assignNearestCoreGower(
  X: Matrix,
  train: Matrix,
  trainLabels: Int32Array,
  core: Float64Array,
  scale: GowerScale,
): Int32Array {
  if (train.nRows > 0 && train.nCols !== X.nCols)
    throw new DataError(`the model has ${train.nCols} features but the data has ${X.nCols}`);
  const d = X.nCols;
  const out = new Int32Array(X.nRows).fill(-1);
  for (let i = 0; i < X.nRows; i++) {
    let best = Infinity;
    let row = -1;
    for (let j = 0; j < train.nRows; j++) {
      const v = gowerDistance(scale, X.data, i, train.data, j, d);
      if (v < best) {
        best = v;
        row = j;
      }
    }
    if (row >= 0 && best <= core[row]!) out[i] = trainLabels[row]!;
  }
  return out;
}
