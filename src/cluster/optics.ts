import type { Distance } from '../core/distance.js';
import { DataError, UsageError, invalidParameter } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { Matrix } from '../core/matrix.js';
import type { WorkerPool } from '../core/worker-pool.js';
import { kDistances } from './dbscan.js';
import { KdTree } from './kd-tree.js';

/** How clusters are extracted from the reachability plot. */
export const opticsClusterMethods = ['xi', 'dbscan'] as const;
export type OpticsClusterMethod = (typeof opticsClusterMethods)[number];

/** Distances OPTICS accepts. */
export const opticsDistances: readonly Distance[] = ['euclidean', 'manhattan'];

/** Parameters of {@link optics} (scikit-learn's names in camelCase). */
export interface OpticsParams {
  /**
   * Int >= 2: the core distance of a row is the distance to its minSamples-th nearest row, itself counted
   * (scikit-learn's min_samples, R's minPts).
   */
  minSamples: number;
  /** Float > 0: largest neighbourhood radius (default Infinity: every scale). */
  maxEps?: number | undefined;
  /** Xi (default) or DBSCAN-style extraction at `eps`. */
  clusterMethod?: OpticsClusterMethod | undefined;
  /** Xi: float in (0, 1), the minimum steepness of a cluster's boundary (default 0.05). */
  xi?: number | undefined;
  /** DBSCAN extraction: the radius (required for it, <= maxEps). */
  eps?: number | undefined;
  /** Xi: int >= 2, fewest rows in a cluster (default minSamples). */
  minClusterSize?: number | undefined;
  /** Xi: predecessor correction (default true, as scikit-learn and R). */
  predecessorCorrection?: boolean | undefined;
  /** Euclidean (default) or manhattan. */
  distance?: Distance | undefined;
  /** Worker threads for the core distances (fixed blocks: results do not depend on the thread count). */
  pool?: WorkerPool | undefined;
  /** Progress of the ordering (one tick per 1,000 rows). */
  logger?: Logger | undefined;
  /**
   * How equal reachabilities are ordered: 'scikit-learn' (default: distances rounded to 15 decimals, the lowest row
   * first) or 'R' (R's `dbscan::optics`: no rounding, the highest row first). Unreached rows always go in row order.
   */
  ties?: OpticsTies | undefined;
}

/** Tie-breaking conventions of the two references (see {@link OpticsParams.ties}). */
export type OpticsTies = 'scikit-learn' | 'R';

/** Result of {@link optics}. */
export interface OpticsResult {
  /** Position → row: the cluster ordering (scikit-learn's ordering_, R's order − 1). */
  ordering: Int32Array;
  /** Row → reachability distance (Infinity for the first row of each component), as scikit-learn's reachability_. */
  reachability: Float64Array;
  /** Row → core distance (Infinity when above maxEps), as scikit-learn's core_distances_. */
  coreDistances: Float64Array;
  /** Row → the row it was reached from (−1 for none), as scikit-learn's predecessor_. */
  predecessor: Int32Array;
  /** Row → cluster 0..nClusters−1 or −1 for noise, as scikit-learn's labels_. */
  labels: Int32Array;
  /** Xi: the clusters as [start, end] positions in the ordering (inclusive), scikit-learn's cluster_hierarchy_. */
  clusters: [number, number][];
  nClusters: number;
  nNoise: number;
}

const OWNER = 'cluster.optics';

/**
 * Check OPTICS parameters (and their combinations) before any work.
 * @throws UsageError naming the parameter.
 */
export function checkOpticsParams(params: OpticsParams): void {
  const { minSamples: ms } = params;
  const maxEps = params.maxEps ?? Infinity;
  const method = params.clusterMethod ?? 'xi';
  const xi = params.xi ?? 0.05;
  if (!Number.isInteger(ms) || ms < 2) throw invalidParameter(OWNER, 'minSamples', 'an int in [2, inf)', ms);
  if (!(maxEps > 0)) throw invalidParameter(OWNER, 'maxEps', 'a float in (0, inf]', maxEps);
  if (!opticsClusterMethods.includes(method))
    throw invalidParameter(OWNER, 'clusterMethod', "'xi' or 'dbscan'", method);
  if (!(xi > 0 && xi < 1)) throw invalidParameter(OWNER, 'xi', 'a float in (0, 1)', xi);
  const mcs = params.minClusterSize;
  if (mcs !== undefined && (!Number.isInteger(mcs) || mcs < 2))
    throw invalidParameter(OWNER, 'minClusterSize', 'an int in [2, inf)', mcs);
  if (!opticsDistances.includes(params.distance ?? 'euclidean'))
    throw invalidParameter(OWNER, 'distance', "'euclidean' or 'manhattan'", params.distance);
  if (method === 'dbscan') {
    const eps = params.eps;
    if (eps === undefined)
      throw new UsageError('OPTICS with cluster method dbscan needs eps', 'pass --eps X (<= --max-eps)');
    if (!(eps > 0) || !Number.isFinite(eps)) throw invalidParameter(OWNER, 'eps', 'a float in (0, inf)', eps);
    if (eps > maxEps)
      throw new UsageError(
        `eps (${eps}) is above max-eps (${maxEps}): reachability above max-eps is undefined`,
        'lower --eps or raise --max-eps',
      );
  } else if (params.eps !== undefined) {
    throw new UsageError('eps applies to the dbscan cluster method', 'add --cluster-method dbscan');
  }
  if (method === 'dbscan' && (params.xi !== undefined || mcs !== undefined))
    throw new UsageError('xi and min-cluster-size apply to the xi cluster method, not dbscan');
}

/**
 * OPTICS (Ankerst, Breunig, Kriegel & Sander 1999) as scikit-learn's `OPTICS` (and R's `dbscan::optics` for the
 * ordering): the cluster ordering, reachability, core distances and predecessors, then the labels by the xi method
 * (scikit-learn's `cluster_optics_xi`) or a DBSCAN cut at eps (`cluster_optics_dbscan`, R's `extractDBSCAN`).
 *
 * Ordering: the next row is the unprocessed one with the lowest reachability, ties to the lowest row (and the lowest
 * unprocessed row when none is reachable), as scikit-learn's argmin. Core and reachability distances are rounded to
 * 15 decimals as scikit-learn does (`np.around`), so near-ties break the same way. R's `dbscan::optics` takes the
 * highest row among equal reachabilities and does not round: `ties: 'R'` reproduces its ordering.
 *
 * Cost: with maxEps infinite, each processed core row updates every unprocessed row: O(n²·d) time, O(n) memory.
 * With a finite maxEps, kd-tree range queries (O(n·(log n + neighbours)) typical) and an indexed heap, O(n) memory.
 * Core distances: k-nearest-neighbour queries on the project's kd-tree, parallel over fixed blocks. Deterministic.
 * @throws UsageError for invalid parameters; DataError when there are fewer rows than minSamples.
 */
export async function optics(X: Matrix, params: OpticsParams): Promise<OpticsResult> {
  checkOpticsParams(params);
  const ms = params.minSamples;
  const n = X.nRows;
  if (n < ms) throw new DataError(`OPTICS needs at least ${ms} rows (min-samples); got ${n}`);
  const g = await opticsGraph(X, {
    minSamples: ms,
    maxEps: params.maxEps ?? Infinity,
    distance: params.distance ?? 'euclidean',
    pool: params.pool,
    logger: params.logger,
    ties: params.ties ?? 'scikit-learn',
  });
  let labels: Int32Array;
  let clusters: [number, number][] = [];
  if ((params.clusterMethod ?? 'xi') === 'dbscan') {
    labels = extractDbscan(g.reachability, g.coreDistances, g.ordering, params.eps!);
  } else {
    const r = extractXi(g.reachability, g.predecessor, g.ordering, {
      minSamples: ms,
      minClusterSize: params.minClusterSize ?? ms,
      xi: params.xi ?? 0.05,
      predecessorCorrection: params.predecessorCorrection ?? true,
    });
    labels = r.labels;
    clusters = r.clusters;
  }
  let nClusters = 0;
  let nNoise = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i]! < 0) nNoise++;
    else if (labels[i]! + 1 > nClusters) nClusters = labels[i]! + 1;
  }
  return { ...g, labels, clusters, nClusters, nNoise };
}

/** numpy's `np.around(x, 15)`: x·10¹⁵ rounded half to even, divided by 10¹⁵ (scikit-learn's OPTICS tie guard). */
export function around15(x: number): number {
  const y = x * 1e15;
  if (!(Math.abs(y) < 4503599627370496)) return y / 1e15; // integral already (or ±Infinity / NaN)
  let r = Math.round(y);
  if (r - y === 0.5 && r % 2 !== 0) r -= 1;
  return r / 1e15;
}

/** The OPTICS graph: ordering, reachability, core distances and predecessors (see {@link optics}). */
export async function opticsGraph(
  X: Matrix,
  o: {
    minSamples: number;
    maxEps: number;
    distance: Distance;
    pool?: WorkerPool | undefined;
    logger?: Logger | undefined;
    ties?: OpticsTies | undefined;
  },
): Promise<Pick<OpticsResult, 'ordering' | 'reachability' | 'coreDistances' | 'predecessor'>> {
  const n = X.nRows;
  const l1 = o.distance === 'manhattan';
  const core = await kDistances(X, o.minSamples - 1, o.distance, o.pool);
  const r = o.ties === 'R';
  const round = r ? (x: number): number => x : around15;
  for (let i = 0; i < n; i++) core[i] = core[i]! > o.maxEps ? Infinity : round(core[i]!);
  const reach = new Float64Array(n).fill(Infinity);
  const pred = new Int32Array(n).fill(-1);
  const ordering = new Int32Array(n);
  const progress = (o.logger ?? silentLogger).progress('OPTICS ordering', n);
  if (o.maxEps === Infinity) denseOrder(X, core, reach, pred, ordering, l1, r, progress);
  else sparseOrder(X, core, reach, pred, ordering, l1, o.maxEps, r, progress);
  progress.done();
  return { ordering, reachability: reach, coreDistances: core, predecessor: pred };
}

type Tick = { tick(n?: number): void };

/** Every processed core row updates every unprocessed row: O(n²·d) time, O(n) memory. */
function denseOrder(
  X: Matrix,
  core: Float64Array,
  reach: Float64Array,
  pred: Int32Array,
  ordering: Int32Array,
  l1: boolean,
  rTies: boolean,
  progress: Tick,
): void {
  const { nRows: n, nCols: d, data } = X;
  const round = rTies ? (x: number): number => x : around15;
  // Unprocessed rows in increasing order, so that a strict `<` keeps the lowest row among ties.
  const rest = Int32Array.from({ length: n }, (_, i) => i);
  let nRest = n;
  let cur = 0;
  rest.copyWithin(0, 1, nRest--);
  for (let pos = 0; pos < n; pos++) {
    ordering[pos] = cur;
    if ((pos + 1) % 1000 === 0) progress.tick(1000);
    if (nRest === 0) break;
    const c = core[cur]!;
    const co = cur * d;
    let bestP = 0;
    let bestR = Infinity;
    const isCore = c !== Infinity;
    for (let p = 0; p < nRest; p++) {
      const j = rest[p]!;
      if (isCore) {
        const jo = j * d;
        let s = 0;
        if (l1) for (let t = 0; t < d; t++) s += Math.abs(data[co + t]! - data[jo + t]!);
        else {
          for (let t = 0; t < d; t++) {
            const u = data[co + t]! - data[jo + t]!;
            s += u * u;
          }
          s = Math.sqrt(s);
        }
        const rd = round(s > c ? s : c);
        if (rd < reach[j]!) {
          reach[j] = rd;
          pred[j] = cur;
        }
      }
      if (reach[j]! < bestR || (rTies && reach[j] === bestR && bestR < Infinity)) {
        bestR = reach[j]!;
        bestP = p;
      }
    }
    cur = rest[bestP]!;
    rest.copyWithin(bestP, bestP + 1, nRest--);
  }
  progress.tick(n % 1000);
}

/**
 * Range queries within maxEps on a kd-tree; the next row comes from an indexed min-heap keyed by (reachability,
 * row), or is the lowest unprocessed row when the heap is empty. O(n) memory.
 */
function sparseOrder(
  X: Matrix,
  core: Float64Array,
  reach: Float64Array,
  pred: Int32Array,
  ordering: Int32Array,
  l1: boolean,
  maxEps: number,
  rTies: boolean,
  progress: Tick,
): void {
  const { nRows: n, nCols: d, data } = X;
  const round = rTies ? (x: number): number => x : around15;
  const tree = KdTree.build(X);
  const { pts, idx, lo, hi, nodeStart, nodeEnd, splitDim } = tree;
  const r = l1 ? maxEps : maxEps * maxEps;
  const processed = new Uint8Array(n);
  const heap = new Int32Array(n);
  const where = new Int32Array(n).fill(-1);
  let size = 0;
  const less = (a: number, b: number): boolean =>
    reach[a]! < reach[b]! || (reach[a] === reach[b] && (rTies ? a > b : a < b));
  const up = (k: number): void => {
    const v = heap[k]!;
    while (k > 0) {
      const p = (k - 1) >> 1;
      if (!less(v, heap[p]!)) break;
      heap[k] = heap[p]!;
      where[heap[k]!] = k;
      k = p;
    }
    heap[k] = v;
    where[v] = k;
  };
  const down = (k: number): void => {
    const v = heap[k]!;
    for (;;) {
      let c = 2 * k + 1;
      if (c >= size) break;
      if (c + 1 < size && less(heap[c + 1]!, heap[c]!)) c++;
      if (!less(heap[c]!, v)) break;
      heap[k] = heap[c]!;
      where[heap[k]!] = k;
      k = c;
    }
    heap[k] = v;
    where[v] = k;
  };
  const stack = new Int32Array(2 * Math.ceil(Math.log2(tree.nNodes + 1)) + 4);
  let lowest = 0;
  for (let pos = 0; pos < n; pos++) {
    let cur: number;
    if (size > 0) {
      cur = heap[0]!;
      where[cur] = -1;
      size--;
      if (size > 0) {
        heap[0] = heap[size]!;
        where[heap[0]!] = 0;
        down(0);
      }
    } else {
      while (processed[lowest] === 1) lowest++;
      cur = lowest;
    }
    processed[cur] = 1;
    ordering[pos] = cur;
    if ((pos + 1) % 1000 === 0) progress.tick(1000);
    const c = core[cur]!;
    if (c === Infinity) continue;
    const qo = cur * d;
    let sp = 0;
    stack[sp++] = 0;
    while (sp > 0) {
      const node = stack[--sp]!;
      const o = node * d;
      let lb = 0;
      for (let j = 0; j < d; j++) {
        const v = data[qo + j]!;
        const gap = v < lo[o + j]! ? lo[o + j]! - v : v > hi[o + j]! ? v - hi[o + j]! : 0;
        lb += l1 ? gap : gap * gap;
      }
      if (lb > r) continue;
      if (splitDim[node]! >= 0) {
        stack[sp++] = 2 * node + 2;
        stack[sp++] = 2 * node + 1;
        continue;
      }
      for (let s = nodeStart[node]!, e = nodeEnd[node]!; s < e; s++) {
        const j = idx[s]!;
        if (processed[j] === 1) continue;
        const so = s * d;
        let dist = 0;
        if (l1) for (let t = 0; t < d; t++) dist += Math.abs(pts[so + t]! - data[qo + t]!);
        else
          for (let t = 0; t < d; t++) {
            const u = pts[so + t]! - data[qo + t]!;
            dist += u * u;
          }
        if (dist > r) continue;
        if (!l1) dist = Math.sqrt(dist);
        const rd = round(dist > c ? dist : c);
        if (rd < reach[j]!) {
          reach[j] = rd;
          pred[j] = cur;
          if (where[j]! < 0) {
            heap[size] = j;
            where[j] = size;
            size++;
          }
          up(where[j]!);
        }
      }
    }
  }
  progress.tick(n % 1000);
}

/**
 * DBSCAN-style labels from an OPTICS graph (scikit-learn's `cluster_optics_dbscan`, R's `extractDBSCAN`): along
 * the ordering, a row whose reachability is above eps starts a new cluster when its core distance is within eps and
 * is noise otherwise; other rows join the current cluster. O(n).
 */
export function extractDbscan(
  reachability: Float64Array,
  coreDistances: Float64Array,
  ordering: Int32Array,
  eps: number,
): Int32Array {
  const n = ordering.length;
  const labels = new Int32Array(n);
  let cluster = -1;
  for (let p = 0; p < n; p++) {
    const i = ordering[p]!;
    const far = reachability[i]! > eps;
    const near = coreDistances[i]! <= eps;
    if (far && near) cluster++;
    labels[i] = far && !near ? -1 : cluster;
  }
  return labels;
}

/**
 * Is a region steep enough: the scikit-learn `_extend_region` walk from `start` over steep points (which extend the
 * region) and points that are neither steep nor in the `xward` direction (at most minSamples in a row).
 */
function extendRegion(steep: Uint8Array, xward: Uint8Array, start: number, minSamples: number): number {
  const n = steep.length;
  let nonXward = 0;
  let end = start;
  for (let index = start; index < n; index++) {
    if (steep[index] === 1) {
      nonXward = 0;
      end = index;
    } else if (xward[index] === 0) {
      nonXward++;
      if (nonXward > minSamples) break;
    } else return end;
  }
  return end;
}

interface SteepDown {
  start: number;
  end: number;
  mib: number;
}

/**
 * Xi clusters (Ankerst et al. 1999, §4.3) exactly as scikit-learn's `cluster_optics_xi` / `_xi_cluster`: steep down
 * and steep up areas of the reachability plot (ratio of consecutive reachabilities at least 1/(1 − xi) or at most
 * 1 − xi), paired into clusters with the paper's end-point adjustments, predecessor correction (a cluster's last row
 * must have been reached from a row inside it: R's `extractXi` test), at least minClusterSize rows. Labels: the
 * clusters in the order found (leaves first), each row labelled by the first cluster that covers it when no row of
 * that cluster is labelled yet (scikit-learn's `_extract_xi_labels`); the rest is noise. O(n + clusters·n).
 */
export function extractXi(
  reachability: Float64Array,
  predecessor: Int32Array,
  ordering: Int32Array,
  o: { minSamples: number; minClusterSize: number; xi: number; predecessorCorrection: boolean },
): { labels: Int32Array; clusters: [number, number][] } {
  const n = ordering.length;
  const rp = new Float64Array(n + 1);
  for (let p = 0; p < n; p++) rp[p] = reachability[ordering[p]!]!;
  rp[n] = Infinity;
  const xic = 1 - o.xi;
  const steepUp = new Uint8Array(n);
  const steepDown = new Uint8Array(n);
  const down = new Uint8Array(n);
  const upward = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    const ratio = rp[p]! / rp[p + 1]!; // NaN (inf/inf, 0/0) compares false everywhere, as numpy's
    steepUp[p] = ratio <= xic ? 1 : 0;
    steepDown[p] = ratio >= 1 / xic ? 1 : 0;
    down[p] = ratio > 1 ? 1 : 0;
    upward[p] = ratio < 1 ? 1 : 0;
  }
  let sdas: SteepDown[] = [];
  const clusters: [number, number][] = [];
  let index = 0;
  let mib = 0;
  const filter = (m: number): SteepDown[] => {
    if (m === Infinity) return [];
    const res = sdas.filter((s) => m <= rp[s.start]! * xic);
    for (const s of res) s.mib = Math.max(s.mib, m);
    return res;
  };
  // The last row must have been reached from a row of the cluster; shrink the end until it is.
  const correct = (s: number, e: number): [number, number] | null => {
    while (s < e) {
      if (rp[s]! > rp[e]!) return [s, e];
      const pe = predecessor[ordering[e]!]!;
      for (let i = s; i < e; i++) if (ordering[i] === pe) return [s, e];
      e--;
    }
    return null;
  };
  for (let steep = 0; steep < n; steep++) {
    if (steepUp[steep] === 0 && steepDown[steep] === 0) continue;
    if (steep < index) continue;
    for (let p = index; p <= steep; p++) if (rp[p]! > mib) mib = rp[p]!;
    if (steepDown[steep] === 1) {
      sdas = filter(mib);
      const dEnd = extendRegion(steepDown, upward, steep, o.minSamples);
      sdas.push({ start: steep, end: dEnd, mib: 0 });
      index = dEnd + 1;
      mib = rp[index]!;
    } else {
      sdas = filter(mib);
      const uStart = steep;
      const uEnd = extendRegion(steepUp, down, uStart, o.minSamples);
      index = uEnd + 1;
      mib = rp[index]!;
      const found: [number, number][] = [];
      for (const D of sdas) {
        let cStart = D.start;
        let cEnd = uEnd;
        if (rp[cEnd + 1]! * xic < D.mib) continue;
        const dMax = rp[D.start]!;
        if (dMax * xic >= rp[cEnd + 1]!) {
          while (rp[cStart + 1]! > rp[cEnd + 1]! && cStart < D.end) cStart++;
        } else if (rp[cEnd + 1]! * xic >= dMax) {
          while (rp[cEnd - 1]! > dMax && cEnd > uStart) cEnd--;
        }
        if (o.predecessorCorrection) {
          const c = correct(cStart, cEnd);
          if (c === null) continue;
          [cStart, cEnd] = c;
        }
        if (cEnd - cStart + 1 < o.minClusterSize) continue;
        if (cStart > D.end) continue;
        if (cEnd < uStart) continue;
        found.push([cStart, cEnd]);
      }
      found.reverse();
      clusters.push(...found);
    }
  }
  const byPos = new Int32Array(n).fill(-1);
  let label = 0;
  for (const [s, e] of clusters) {
    let free = true;
    for (let p = s; p <= e && free; p++) if (byPos[p] !== -1) free = false;
    if (!free) continue;
    byPos.fill(label++, s, e + 1);
  }
  const labels = new Int32Array(n);
  for (let p = 0; p < n; p++) labels[ordering[p]!] = byPos[p]!;
  return { labels, clusters };
}
