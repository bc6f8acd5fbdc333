import { dbscan } from '../cluster/dbscan.js';
import type { ClusterAlgorithm } from '../cluster/fit.js';
import { suggestEps } from '../cluster/fit.js';
import { hdbscan, type ClusterSelection } from '../cluster/hdbscan.js';
import { fitKMedoids } from '../cluster/kmedoids.js';
import { gowerDbscan, gowerLinkageTree } from '../cluster/gower-cluster.js';
import { cutTree, linkageTree } from '../cluster/hierarchical.js';
import { kmeans, type KMeansAlgorithm } from '../cluster/kmeans.js';
import type { ClusterDistance, Distance, Linkage } from '../core/distance.js';
import type { GowerScale } from '../core/gower.js';
import { DataError, SegmentError, UsageError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { Matrix } from '../core/matrix.js';
import { Random } from '../core/random.js';
import type { WorkerPool } from '../core/worker-pool.js';
import { kneeIndex } from '../evaluate/knee.js';
import { computeValidity, dunn } from '../evaluate/metrics.js';
import { euclideanIndexNote, gowerValidity } from '../evaluate/precomputed.js';
import { round3 } from '../core/format.js';

/** Validity indices a grid can be ranked by. */
export const tuneMetrics = ['silhouette', 'davies-bouldin', 'calinski-harabasz', 'dunn'] as const;
export type TuneMetric = (typeof tuneMetrics)[number];

/** Higher is better for every index but Davies-Bouldin. */
export function higherIsBetter(m: TuneMetric): boolean {
  return m !== 'davies-bouldin';
}

/** Multiples of the k-distance knee tried when `--eps auto` is given to a DBSCAN grid. */
export const AUTO_EPS_FACTORS = [0.5, 0.75, 1, 1.25, 1.5] as const;

/** Rows above which silhouette and Dunn are computed on a seeded sample (both O(n²)). */
export const DEFAULT_SAMPLE_SIZE = 10_000;

/** What to search. */
export interface TuneOptions {
  algorithm: ClusterAlgorithm;
  /** k grid (k-means, hierarchical, k-medoids). */
  k?: number[] | undefined;
  /** eps grid, or 'auto' (knee of the k-distance curve × {@link AUTO_EPS_FACTORS}, per min-samples). */
  eps?: number[] | 'auto' | undefined;
  /** DBSCAN: min-samples grid; HDBSCAN: crossed with the min-cluster-size grid (default: each min-cluster-size). */
  minSamples?: number[] | undefined;
  /** HDBSCAN: min-cluster-size grid. */
  minClusterSize?: number[] | undefined;
  /** HDBSCAN: how clusters are selected from the condensed tree (default eom). */
  clusterSelection?: ClusterSelection | undefined;
  linkages?: Linkage[] | undefined;
  /**
   * Distance of DBSCAN / hierarchical / k-medoids and of the validity indices (k-means: euclidean). Gower needs
   * `gower`, the scale X (from `gowerMatrix`) was made with.
   */
  distance?: ClusterDistance | undefined;
  gower?: GowerScale | undefined;
  /** Index the recommendation maximises (minimises for Davies-Bouldin). */
  score: TuneMetric;
  nInit?: number | undefined;
  maxIter?: number | undefined;
  tol?: number | undefined;
  kmeansAlgorithm?: KMeansAlgorithm | undefined;
  seed: number;
  /** Rows above which silhouette and Dunn use a seeded sample of this size. */
  sampleSize?: number | undefined;
  /** DBSCAN candidates labelling more than this share of rows noise are not recommended (default 0.5). */
  maxNoise?: number | undefined;
}

/** Where the search runs. */
export interface TuneEnv {
  pool?: WorkerPool | undefined;
  memoryLimit?: number | undefined;
  logger?: Logger | undefined;
}

/** Scores of one candidate (null when the index is undefined for it). */
export interface CandidateScores {
  silhouette: number | null;
  /** Confidence interval of a sampled silhouette (absent when exact). */
  silhouetteInterval?: { lower: number; upper: number; confidence: number } | undefined;
  daviesBouldin: number | null;
  calinskiHarabasz: number | null;
  dunn: number | null;
  /** k-means only. */
  inertia?: number | undefined;
  /** k-medoids only: mean distance of the rows to their nearest medoid. */
  objective?: number | undefined;
}

/** One point of the grid, fitted and scored. */
export interface Candidate {
  params: Record<string, number | string>;
  nClusters: number;
  /** Rows labelled noise ((H)DBSCAN), and their share of all rows. */
  noise: number;
  noiseShare: number;
  /** Cluster sizes, largest first (noise excluded). */
  sizes: number[];
  scores: CandidateScores;
  /** Why the candidate cannot be scored (fewer than 2 clusters, …); such candidates are never recommended. */
  degenerate: string | null;
  /** Wall-clock time of the fit and scoring; never written to files (see {@link tuneArtifact}). */
  seconds?: number | undefined;
}

/** The result of {@link tune}. */
export interface TuneResult {
  algorithm: ClusterAlgorithm;
  nRows: number;
  nFeatures: number;
  score: TuneMetric;
  distance: ClusterDistance;
  evaluation: {
    /** Why some indices are null for every candidate (Davies-Bouldin and Calinski-Harabasz off euclidean). */
    notes?: string[] | undefined;
    /** How noise rows enter the indices: excluded (the indices describe the clustered rows only). */
    noisePolicy: 'exclude';
    /** Silhouette and Dunn on a seeded sample of this many rows when the data is larger; null = exact. */
    sampleSize: number | null;
  };
  candidates: Candidate[];
  recommendation: { params: Record<string, number | string>; score: number; reason: string };
  /**
   * k-means: inertia by k and its knee (Kneedle on the decreasing convex curve); k-medoids: the same with the
   * objective (mean distance to the nearest medoid) in `objective` instead of `inertia`.
   */
  elbow?:
    | { k: number[]; inertia?: number[] | undefined; objective?: number[] | undefined; kneeK: number | null }
    | undefined;
  /** DBSCAN: the sorted k-distance curve per min-samples (downsampled to ≤ 500 points) and its knee. */
  kDistance?:
    { minSamples: number; k: number; kneeEps: number; curve: { x: number; y: number }[] }[] | undefined;
}

/**
 * Fit every candidate of a parameter grid, score it with every validity index, and recommend the best by
 * `opts.score`. Hierarchical trees are built once per linkage and cut at every k.
 *
 * HDBSCAN candidates are one fit per min-cluster-size (per min-samples × min-cluster-size with a min-samples grid); k-medoids candidates one fit per k (PAM, or CLARA past PAM's
 * size, as `segment cluster`), its objective recorded like k-means' inertia.
 *
 * Noise ((H)DBSCAN −1) is excluded from the indices; a candidate with fewer than 2 clusters (or as many clusters as
 * scored rows) is reported as degenerate and never recommended. Above `sampleSize` rows, silhouette (with a
 * confidence interval, on a seeded sample of the clustered rows) and Dunn (on one seeded sample of rows shared by
 * all candidates, noise dropped) are estimated, so they stay comparable;
 * Davies-Bouldin, Calinski-Harabasz and inertia always use every row.
 * @throws UsageError for an empty or invalid grid or a k above the row count; DataError when every candidate is
 *   degenerate.
 */
export async function tune(X: Matrix, opts: TuneOptions, env: TuneEnv = {}): Promise<TuneResult> {
  const n = X.nRows;
  const logger = env.logger ?? silentLogger;
  const distance: ClusterDistance =
    opts.algorithm === 'kmeans' ? 'euclidean' : (opts.distance ?? 'euclidean');
  const scale = distance === 'gower' ? opts.gower : undefined;
  if (distance === 'gower' && !scale) throw new UsageError("--distance gower needs Gower's fitted scale");
  const note = euclideanIndexNote(distance);
  if (note && (opts.score === 'davies-bouldin' || opts.score === 'calinski-harabasz'))
    throw new UsageError(
      `--metric ${opts.score} needs the euclidean distance (centroid dispersion), not ${distance}`,
      'rank by --metric silhouette or dunn, which take any distance',
    );
  const sampleSize = opts.sampleSize ?? DEFAULT_SAMPLE_SIZE;
  if (n === 0) throw new DataError('no rows to tune on');
  const candidates: Candidate[] = [];
  const scorer = new Scorer(X, distance, scale, sampleSize, opts.seed, env.pool);
  let elbow: TuneResult['elbow'];
  let kDistance: TuneResult['kDistance'];

  switch (opts.algorithm) {
    case 'kmeans': {
      const ks = requireGrid(opts.k, '--k');
      checkK(ks, n);
      const progress = logger.progress('k-means grid', ks.length);
      for (const k of ks) {
        const t = performance.now();
        const r = await kmeans(X, {
          nClusters: k,
          nInit: opts.nInit,
          maxIter: opts.maxIter,
          tol: opts.tol,
          algorithm: opts.kmeansAlgorithm,
          seed: opts.seed,
          pool: env.pool,
          logger,
        });
        const c = await scorer.score(r.labels, { k }, t);
        c.scores.inertia = r.inertia;
        candidates.push(c);
        progress.tick();
      }
      progress.done();
      const inertia = candidates.map((c) => c.scores.inertia!);
      const knee = ks.length >= 3 ? kneeIndex(inertia, { curve: 'convex', direction: 'decreasing' }, ks) : -1;
      elbow = { k: ks, inertia, kneeK: knee >= 0 ? ks[knee]! : null };
      break;
    }
    case 'dbscan': {
      const mss = requireGrid(opts.minSamples, '--min-samples');
      const grid: { eps: number; minSamples: number }[] = [];
      if (opts.eps === undefined || opts.eps === 'auto') {
        kDistance = [];
        for (const ms of mss) {
          const s = await suggestEps(X, ms, distance, opts.seed, env.pool, scale);
          kDistance.push({ minSamples: ms, k: s.k, kneeEps: s.eps, curve: downsample(s.curve, 500) });
          for (const f of AUTO_EPS_FACTORS)
            grid.push({ eps: Number((s.eps * f).toPrecision(6)), minSamples: ms });
        }
      } else {
        for (const ms of mss) for (const eps of opts.eps) grid.push({ eps, minSamples: ms });
      }
      const progress = logger.progress('DBSCAN grid', grid.length);
      for (const g of grid) {
        const t = performance.now();
        const r =
          distance === 'gower'
            ? await gowerDbscan(X, scale!, g.eps, g.minSamples, env.pool)
            : await dbscan(X, { eps: g.eps, minSamples: g.minSamples, distance, pool: env.pool, logger });
        candidates.push(await scorer.score(r.labels, { eps: g.eps, minSamples: g.minSamples }, t));
        progress.tick();
      }
      progress.done();
      break;
    }
    case 'hierarchical': {
      const ks = requireGrid(opts.k, '--k');
      checkK(ks, n);
      const linkages = opts.linkages && opts.linkages.length > 0 ? opts.linkages : (['ward'] as Linkage[]);
      if (distance !== 'euclidean' && linkages.includes('ward')) {
        throw new UsageError(
          `ward linkage needs --distance euclidean, got '${distance}'`,
          'drop ward from --linkage',
        );
      }
      const progress = logger.progress('hierarchical grid', linkages.length * ks.length);
      for (const linkage of linkages) {
        const t0 = performance.now();
        const tree =
          distance === 'gower'
            ? await gowerLinkageTree(X, scale!, {
                linkage,
                memoryLimit: env.memoryLimit,
                pool: env.pool,
                logger,
              })
            : await linkageTree(X, {
                linkage,
                distance,
                memoryLimit: env.memoryLimit,
                pool: env.pool,
                logger,
              });
        const treeSeconds = (performance.now() - t0) / 1000;
        for (const k of ks) {
          const t = performance.now();
          const labels = Int32Array.from(cutTree(tree, { nClusters: k }));
          const c = await scorer.score(labels, { linkage, k }, t);
          c.seconds = round3((c.seconds ?? 0) + treeSeconds / ks.length);
          candidates.push(c);
          progress.tick();
        }
      }
      progress.done();
      break;
    }
    case 'hdbscan': {
      const sizes = requireGrid(opts.minClusterSize, '--min-cluster-size');
      const msGrid: (number | null)[] =
        opts.minSamples && opts.minSamples.length > 0 ? opts.minSamples : [null];
      if (distance === 'cosine')
        throw new UsageError('hdbscan supports --distance euclidean, manhattan or gower, not cosine');
      const progress = logger.progress('HDBSCAN grid', sizes.length * msGrid.length);
      for (const ms of msGrid) {
        for (const mcs of sizes) {
          const t = performance.now();
          const minSamples = ms ?? mcs;
          const r = await hdbscan(X, {
            minClusterSize: mcs,
            minSamples,
            clusterSelection: opts.clusterSelection ?? 'eom',
            clusterSelectionEpsilon: 0,
            distance,
            gower: distance === 'gower' ? scale : undefined,
            pool: env.pool,
            logger,
          });
          candidates.push(await scorer.score(r.labels, { minClusterSize: mcs, minSamples }, t));
          progress.tick();
        }
      }
      progress.done();
      break;
    }
    case 'kmedoids': {
      const ks = requireGrid(opts.k, '--k');
      checkK(ks, n);
      if (distance === 'cosine')
        throw new UsageError('k-medoids takes --distance euclidean or manhattan, not cosine');
      const names = Array.from({ length: X.nCols }, (_, j) => `x${j}`);
      const progress = logger.progress('k-medoids grid', ks.length);
      for (const k of ks) {
        const t = performance.now();
        const r = fitKMedoids(X, names, null, {
          nClusters: k,
          metric: distance,
          gower: scale ?? null,
          memoryLimit: env.memoryLimit,
          toolVersion: '',
          seed: opts.seed,
        });
        for (const w of r.summary.warnings) logger.log('warn', `k=${k}: ${w}`);
        const c = await scorer.score(r.labels, { k }, t);
        c.scores.objective = r.summary.objective!.swap;
        candidates.push(c);
        progress.tick();
      }
      progress.done();
      const objective = candidates.map((c) => c.scores.objective!);
      const knee =
        ks.length >= 3 ? kneeIndex(objective, { curve: 'convex', direction: 'decreasing' }, ks) : -1;
      elbow = { k: ks, objective, kneeK: knee >= 0 ? ks[knee]! : null };
      break;
    }
    default:
      throw new UsageError(`unknown algorithm '${String(opts.algorithm)}'`);
  }

  const recommendation = recommend(candidates, opts.score, elbow, scorer.sampled, opts.maxNoise ?? 0.5);
  return {
    algorithm: opts.algorithm,
    nRows: n,
    nFeatures: X.nCols,
    score: opts.score,
    distance,
    evaluation: {
      noisePolicy: 'exclude',
      sampleSize: scorer.sampled ? sampleSize : null,
      ...(note ? { notes: [note] } : {}),
    },
    candidates,
    recommendation,
    ...(elbow ? { elbow } : {}),
    ...(kDistance ? { kDistance } : {}),
  };
}

function requireGrid<T>(g: T[] | undefined, flag: string): T[] {
  if (!g || g.length === 0)
    throw new UsageError(`the grid needs ${flag}`, `e.g. ${flag} ${flag === '--k' ? '2..12' : '5..20'}`);
  return g;
}

function checkK(ks: number[], n: number): void {
  const over = ks.filter((k) => k > n);
  if (over.length > 0) {
    // A grid reaching past the data is a mistake in the grid (exit 2), unlike `cluster --k` on too few rows.
    throw new UsageError(`--k ${over.join(',')} exceeds the ${n} rows`, `use k <= ${n}`);
  }
}

/** Scores label vectors against one dataset; one shared sample of rows for the O(n²) indices. */
class Scorer {
  readonly sampled: boolean;
  private readonly sampleRows: Int32Array | null;

  constructor(
    private readonly X: Matrix,
    private readonly distance: ClusterDistance,
    private readonly scale: GowerScale | undefined,
    private readonly sampleSize: number,
    private readonly seed: number,
    private readonly pool: WorkerPool | undefined,
  ) {
    this.sampled = X.nRows > sampleSize;
    this.sampleRows = this.sampled ? new Random(seed, 11).sampleIndices(X.nRows, sampleSize) : null;
  }

  async score(
    labels: Int32Array,
    params: Record<string, number | string>,
    started: number,
  ): Promise<Candidate> {
    const n = labels.length;
    let noise = 0;
    let nClusters = 0;
    for (let i = 0; i < n; i++) {
      const l = labels[i]!;
      if (l < 0) noise++;
      else if (l + 1 > nClusters) nClusters = l + 1;
    }
    const counts = new Array<number>(nClusters).fill(0);
    for (let i = 0; i < n; i++) if (labels[i]! >= 0) counts[labels[i]!]!++;
    const sizes = counts.filter((c) => c > 0).sort((a, b) => b - a);
    const scores: CandidateScores = {
      silhouette: null,
      daviesBouldin: null,
      calinskiHarabasz: null,
      dunn: null,
    };
    const clustered = n - noise;
    let degenerate: string | null = null;
    if (sizes.length < 2)
      degenerate = `${sizes.length} cluster${sizes.length === 1 ? '' : 's'}${noise > 0 ? ' plus noise' : ''}`;
    else if (sizes.length >= clustered) degenerate = 'every scored row is its own cluster';
    if (degenerate === null && this.scale) {
      // Gower: silhouette and Dunn from distances computed row by row (no matrix), on the same seeded sample past
      // sampleSize rows; the euclidean indices are not given (evaluation.notes says why).
      const r = gowerValidity(this.X, labels, this.scale, { sampleSize: this.sampleSize, seed: this.seed });
      scores.silhouette = r.silhouette;
      scores.dunn = r.dunn;
    } else if (degenerate === null) {
      const distance = this.distance as Distance;
      const euclidean = distance === 'euclidean';
      try {
        // Noise is left out by the indices themselves (policy 'exclude'); one call checks the labels once.
        const r = await computeValidity(this.X, labels, {
          metrics: [
            ...(euclidean ? (['daviesBouldin', 'calinskiHarabasz'] as const) : []),
            this.sampled ? 'silhouetteSampled' : 'silhouette',
          ],
          distance,
          pool: this.pool,
          sampleSize: this.sampleSize,
          seed: this.seed,
        });
        scores.daviesBouldin = r.daviesBouldin ?? null;
        scores.calinskiHarabasz = r.calinskiHarabasz ?? null;
        if (r.silhouetteSampled) {
          const s = r.silhouetteSampled;
          scores.silhouette = s.mean;
          scores.silhouetteInterval = { lower: s.lower, upper: s.upper, confidence: s.confidence };
          const sub = subset(this.X, labels, this.sampleRows!);
          scores.dunn = await dunnOrNull(sub.X, sub.labels, distance, this.pool);
        } else {
          scores.silhouette = r.silhouette ?? null;
          scores.dunn = await dunnOrNull(this.X, labels, distance, this.pool);
        }
      } catch (e) {
        if (!(e instanceof DataError)) throw e;
        degenerate = e.message;
      }
    }
    return {
      params,
      nClusters: sizes.length,
      noise,
      noiseShare: round3(noise / n),
      sizes,
      scores,
      degenerate,
      seconds: round3((performance.now() - started) / 1000),
    };
  }
}

async function dunnOrNull(
  X: Matrix,
  labels: Int32Array,
  metric: Distance,
  pool?: WorkerPool,
): Promise<number | null> {
  try {
    const v = await dunn(X, labels, { distance: metric, pool });
    return Number.isFinite(v) ? v : null;
  } catch (e) {
    if (e instanceof SegmentError) return null;
    throw e;
  }
}

/** The given rows, noise dropped. */
function subset(X: Matrix, labels: Int32Array, rows: Int32Array): { X: Matrix; labels: Int32Array } {
  const d = X.nCols;
  const picked: number[] = [];
  for (const r of rows) if (labels[r]! >= 0) picked.push(r);
  const data = new Float64Array(picked.length * d);
  const lab = new Int32Array(picked.length);
  picked.forEach((r, i) => {
    data.set(X.data.subarray(r * d, (r + 1) * d), i * d);
    lab[i] = labels[r]!;
  });
  return { X: { data, nRows: picked.length, nCols: d }, labels: lab };
}

function metricValue(c: Candidate, m: TuneMetric): number | null {
  switch (m) {
    case 'silhouette':
      return c.scores.silhouette;
    case 'davies-bouldin':
      return c.scores.daviesBouldin;
    case 'calinski-harabasz':
      return c.scores.calinskiHarabasz;
    case 'dunn':
      return c.scores.dunn;
  }
}

function describe(p: Record<string, number | string>): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** Best candidate by the metric (first in grid order on ties), with the reason in words. */
function recommend(
  cands: Candidate[],
  m: TuneMetric,
  elbow: TuneResult['elbow'],
  sampled: boolean,
  maxNoise: number,
): TuneResult['recommendation'] {
  const valid = cands.filter((c) => c.degenerate === null && metricValue(c, m) !== null);
  // Excluding noise from the indices rewards tiny dense clusters amid mostly noise: such candidates are not
  // recommended unless every candidate is like that.
  const quiet = valid.filter((c) => c.noiseShare <= maxNoise);
  const scored = quiet.length > 0 ? quiet : valid;
  if (valid.length === 0) {
    const why = [...new Set(cands.map((c) => c.degenerate ?? `no ${m}`))].slice(0, 3).join('; ');
    throw new DataError(
      `every candidate of the grid is degenerate (${why}): nothing to recommend`,
      'widen the grid (other eps / min-samples / min-cluster-size / k values) or check the features',
    );
  }
  const better = higherIsBetter(m) ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
  let best = scored[0]!;
  for (const c of scored) if (better(metricValue(c, m)!, metricValue(best, m)!)) best = c;
  const bestValue = metricValue(best, m)!;
  const others = scored
    .filter((c) => c !== best)
    .sort((a, b) => (better(metricValue(a, m)!, metricValue(b, m)!) ? -1 : 1));
  let reason = `${describe(best.params)} has the ${higherIsBetter(m) ? 'highest' : 'lowest'} ${m} (${fmt(bestValue)}`;
  reason +=
    others.length > 0
      ? `; next best ${describe(others[0]!.params)} at ${fmt(metricValue(others[0]!, m)!)})`
      : ')';
  reason += ` among ${scored.length} scored candidate${scored.length === 1 ? '' : 's'}`;
  const skipped = cands.length - valid.length;
  if (skipped > 0) reason += ` (${skipped} degenerate skipped)`;
  const noisy = valid.length - quiet.length;
  if (quiet.length === 0)
    reason += `; every candidate labels more than ${Math.round(maxNoise * 100)} % of rows noise`;
  else if (noisy > 0)
    reason += ` (${noisy} with more than ${Math.round(maxNoise * 100)} % noise not considered)`;
  if (m === 'silhouette' && sampled && best.scores.silhouetteInterval && others.length > 0) {
    const iv = best.scores.silhouetteInterval;
    const close = others.filter((c) => c.scores.silhouette !== null && c.scores.silhouette >= iv.lower);
    if (close.length > 0) {
      reason += `; ${close.map((c) => describe(c.params)).join(', ')} within its ${Math.round(iv.confidence * 100)} % interval`;
    }
  }
  if (elbow && elbow.kneeK !== null) {
    const what = elbow.objective ? 'objective' : 'inertia';
    reason +=
      elbow.kneeK === best.params['k']
        ? `; the ${what} elbow agrees`
        : `; the ${what} elbow is at k=${elbow.kneeK}`;
  }
  if (best.noiseShare > 0) reason += `; ${(best.noiseShare * 100).toFixed(1)} % of rows are noise`;
  return { params: best.params, score: bestValue, reason };
}

function fmt(x: number): string {
  return Math.abs(x) >= 1000 ? x.toFixed(1) : x.toPrecision(4);
}

/** At most `max` points of a sorted curve (first and last kept), as {x: rank, y: value}. */
function downsample(curve: Float64Array, max: number): { x: number; y: number }[] {
  const n = curve.length;
  const out: { x: number; y: number }[] = [];
  if (n <= max) {
    for (let i = 0; i < n; i++) out.push({ x: i, y: curve[i]! });
    return out;
  }
  for (let j = 0; j < max; j++) {
    const i = Math.round((j * (n - 1)) / (max - 1));
    out.push({ x: i, y: curve[i]! });
  }
  return out;
}

/**
 * A tune result as `segment tune -o` writes it: without the wall-clock `seconds` of the candidates and of the
 * whole search, so the same data and seed give the same bytes. O(candidates).
 */
export function tuneArtifact<T extends { candidates: Candidate[]; seconds?: number | undefined }>(
  result: T,
): Omit<T, 'seconds'> {
  const { seconds: _total, ...rest } = result;
  return { ...rest, candidates: result.candidates.map(({ seconds: _s, ...c }) => c) };
}
