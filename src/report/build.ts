import type { ClusterModel } from '../cluster/cluster-model.js';
import { formatValue } from '../core/format.js';
import type { Distance } from '../core/distance.js';
import type { Matrix } from '../core/matrix.js';
import type { WorkerPool } from '../core/worker-pool.js';
import type { TuneResult } from '../tune/tune.js';
import { pcaProjection, type Projection } from './projection.js';
import { segmentQuality, type SegmentQuality } from './quality.js';

/** Discriminator and schema version of report files (`schemas/report.schema.json`). */
export const reportFormat = 'segment.report';
export const reportVersion = 2;

/** One input file of the run, identified by content. */
export interface ReportInput {
  role: 'segments' | 'model' | 'tune' | 'names';
  path: string;
  /** Data rows (segments file only). */
  rows: number | null;
  /** SHA-256 of the file's bytes (null for stdin). */
  sha256: string | null;
}

/** Statistics of one feature within one segment (or overall). */
export interface FeatureProfile {
  feature: string;
  mean: number;
  median: number;
  /** Population standard deviation. */
  std: number;
  /** (segment mean − overall mean) / overall std; 0 when the feature is constant. */
  diffSd: number;
  /**
   * segment mean / overall mean, for a quantity that is never negative (counts, amounts, days) with a positive
   * overall mean; null otherwise: a ratio of means of a centred or signed column (z-scores, PCA components) means
   * nothing, and against a mean near 0 it explodes.
   */
  lift: number | null;
}

export interface SegmentSection {
  segment: number;
  /** Business name from the names file, else "Segment N" (−1: "Noise"). */
  name: string;
  size: number;
  share: number;
  profile: FeatureProfile[];
  /** Plain-language summary: share and the most distinguishing features. */
  summary: string;
}

/** Histogram of one feature by segment (counts per bin; edges shared by all segments). */
export interface Distribution {
  feature: string;
  edges: number[];
  counts: { segment: number; counts: number[] }[];
}

/** The top merges of a hierarchical model's tree (scipy layout: node ids ≥ nLeaves are merges). */
export interface DendrogramTop {
  nLeaves: number;
  merges: { id: number; left: number; right: number; height: number; size: number }[];
}

/**
 * The report (JSON schema version 2). Keys are always written in this order. It holds no wall-clock value, so the
 * same inputs and seed give the same bytes (version 1 had `run.timings`).
 */
export interface Report {
  format: typeof reportFormat;
  version: number;
  run: {
    toolVersion: string;
    seed: number;
    inputs: ReportInput[];
    algorithm: string | null;
    parameters: Record<string, unknown> | null;
  };
  dataset: {
    rows: number;
    features: string[];
    idColumn: string | null;
    segmentColumn: string;
    distance: Distance;
  };
  segments: SegmentSection[];
  noise: { rows: number; share: number };
  overall: FeatureProfile[];
  indices: SegmentQuality['indices'] & { noisePolicy: 'exclude'; notes: string[] };
  distributions: Distribution[];
  projection: Projection;
  tuning: TuneResult | null;
  dendrogram: DendrogramTop | null;
  warnings: string[];
}

export interface BuildReportOptions {
  features: readonly string[];
  segmentColumn: string;
  idColumn: string | null;
  distance: Distance;
  model: ClusterModel | null;
  tuning: TuneResult | null;
  names: Map<number, string>;
  inputs: ReportInput[];
  seed: number;
  toolVersion: string;
  sampleSize: number;
  /** Points in the 2-D projection (a seeded sample above it). */
  maxPoints: number;
  /** Features given a distribution chart (the most distinguishing ones). */
  maxDistributions: number;
  pool?: WorkerPool | undefined;
}

/** Bins of every distribution histogram. */
const BINS = 20;
/** Merges kept for the dendrogram chart. */
const DENDROGRAM_MERGES = 30;

/**
 * Build the report of a labelled dataset: sizes and shares, per-segment profiles (mean, median, std, difference from
 * the overall mean in standard deviations, lift), validity indices, histograms of the most distinguishing features,
 * a 2-D PCA projection, the tuning evidence and dendrogram when given, plain-language summaries and warnings.
 * O(n·d·log n) time (medians), O(n·d) memory.
 */
export async function buildReport(X: Matrix, labels: Int32Array, o: BuildReportOptions): Promise<Report> {
  const n = X.nRows;
  const d = X.nCols;
  const features = [...o.features];
  const quality = await segmentQuality(X, labels, features, {
    distance: o.distance,
    sampleSize: o.sampleSize,
    seed: o.seed,
    pool: o.pool,
  });

  const col = (j: number, rows?: number[]) => {
    const out = new Float64Array(rows ? rows.length : n);
    if (rows) rows.forEach((r, i) => (out[i] = X.data[r * d + j]!));
    else for (let i = 0; i < n; i++) out[i] = X.data[i * d + j]!;
    return out;
  };
  const overall: FeatureProfile[] = features.map((f, j) => {
    const v = col(j);
    const s = stats(v);
    // Lift is a ratio of means: defined only for a feature that is never negative and has a positive mean.
    let min = Infinity;
    for (const x of v) if (x < min) min = x;
    const lift = min >= 0 && s.mean > 0 ? 1 : null;
    return { feature: f, mean: s.mean, median: s.median, std: s.std, diffSd: 0, lift };
  });
  const members = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const l = labels[i]!;
    if (l < 0) continue;
    let m = members.get(l);
    if (!m) members.set(l, (m = []));
    m.push(i);
  }
  const segIds = [...members.keys()].sort((a, b) => a - b);
  const segments: SegmentSection[] = segIds.map((s) => {
    const rows = members.get(s)!;
    const profile = features.map((f, j): FeatureProfile => {
      const st = stats(col(j, rows));
      const o0 = overall[j]!;
      return {
        feature: f,
        mean: st.mean,
        median: st.median,
        std: st.std,
        diffSd: o0.std > 0 ? (st.mean - o0.mean) / o0.std : 0,
        lift: o0.lift !== null ? st.mean / o0.mean : null,
      };
    });
    const name = o.names.get(s) ?? `Segment ${s}`;
    return {
      segment: s,
      name,
      size: rows.length,
      share: rows.length / n,
      profile,
      summary: summarise(name, rows.length, n, profile),
    };
  });

  // Histograms of the features whose segment means differ most (in overall standard deviations).
  const spread = features.map((_, j) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of segments) {
      lo = Math.min(lo, s.profile[j]!.diffSd);
      hi = Math.max(hi, s.profile[j]!.diffSd);
    }
    return { j, spread: segments.length > 0 ? hi - lo : 0 };
  });
  spread.sort((a, b) => b.spread - a.spread || a.j - b.j);
  const distributions: Distribution[] = spread.slice(0, o.maxDistributions).map(({ j }) => {
    const all = col(j);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of all) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!(hi > lo)) hi = lo + 1;
    const edges = Array.from({ length: BINS + 1 }, (_, b) => lo + ((hi - lo) * b) / BINS);
    const counts = segIds.map((s) => {
      const c = new Array<number>(BINS).fill(0);
      for (const r of members.get(s)!) {
        const b = Math.min(BINS - 1, Math.floor(((X.data[r * d + j]! - lo) / (hi - lo)) * BINS));
        c[b]!++;
      }
      return { segment: s, counts: c };
    });
    return { feature: features[j]!, edges, counts };
  });

  const warnings: string[] = [];
  for (const s of segments) {
    if (s.share < 0.01)
      warnings.push(
        `${s.name} holds ${(s.share * 100).toFixed(2)} % of the rows (${s.size}): consider --min-size`,
      );
  }
  if (quality.noise > 0.5 * n)
    warnings.push(`${((quality.noise / n) * 100).toFixed(1)} % of the rows are noise`);
  if (segments.length > 1) {
    const biggest = Math.max(...segments.map((s) => s.share));
    if (biggest > 0.9) warnings.push(`one segment holds ${(biggest * 100).toFixed(1)} % of the rows`);
  }
  if (o.model) {
    const extra = o.model.features.filter((f) => !features.includes(f));
    if (extra.length > 0) warnings.push(`the model's features ${extra.join(', ')} are not profiled`);
  }
  if (o.tuning && o.model) {
    const rec = o.tuning.recommendation.params;
    const used = o.model.params;
    const differ = Object.entries(rec).filter(([k, v]) => {
      const key = k === 'k' ? 'nClusters' : k;
      return used[key] !== undefined && used[key] !== v;
    });
    if (differ.length > 0) {
      warnings.push(
        `tuning recommended ${differ.map(([k, v]) => `${k}=${v}`).join(' ')} but the model uses ${differ.map(([k]) => `${k}=${String(used[k === 'k' ? 'nClusters' : k])}`).join(' ')}`,
      );
    }
  }

  const dendrogram =
    o.model && o.model.algorithm === 'hierarchical' && o.model.dendrogram
      ? topOfTree(o.model.dendrogram, o.model.nRows)
      : null;
  const projection = pcaProjection(X, labels, o.maxPoints, o.seed);
  return {
    format: reportFormat,
    version: reportVersion,
    run: {
      toolVersion: o.toolVersion,
      seed: o.seed,
      inputs: o.inputs,
      algorithm: o.model?.algorithm ?? o.tuning?.algorithm ?? null,
      parameters: o.model ? { ...o.model.params } : null,
    },
    dataset: {
      rows: n,
      features,
      idColumn: o.idColumn,
      segmentColumn: o.segmentColumn,
      distance: o.distance,
    },
    segments,
    noise: { rows: quality.noise, share: n > 0 ? quality.noise / n : 0 },
    overall,
    indices: { ...quality.indices, noisePolicy: 'exclude', notes: quality.notes },
    distributions,
    projection,
    tuning: o.tuning,
    dendrogram,
    warnings,
  };
}

function stats(v: Float64Array): { mean: number; median: number; std: number } {
  const n = v.length;
  if (n === 0) return { mean: NaN, median: NaN, std: NaN };
  let s = 0;
  for (const x of v) s += x;
  const mean = s / n;
  let ss = 0;
  for (const x of v) ss += (x - mean) ** 2;
  const sorted = Float64Array.from(v).sort();
  const median = n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return { mean, median, std: Math.sqrt(ss / n) };
}

/** "Segment 2 holds 18.0 % of the rows (108): high monetary (+1.9 SD), low recency_days (−1.1 SD)." */
function summarise(name: string, size: number, n: number, profile: FeatureProfile[]): string {
  const top = [...profile]
    .filter((p) => Math.abs(p.diffSd) >= 0.25)
    .sort((a, b) => Math.abs(b.diffSd) - Math.abs(a.diffSd) || a.feature.localeCompare(b.feature))
    .slice(0, 3);
  const head = `${name} holds ${formatValue((size / n) * 100, { digits: 3 })} % of the rows (${formatValue(size)})`;
  if (top.length === 0) return `${head}: close to the overall average on every feature.`;
  const parts = top.map(
    (p) =>
      `${p.diffSd > 0 ? 'high' : 'low'} ${p.feature} (${p.diffSd > 0 ? '+' : '−'}${Math.abs(p.diffSd).toFixed(1)} SD)`,
  );
  return `${head}: ${parts.join(', ')}.`;
}

/** The last merges of the tree: the part a chart can show. */
function topOfTree(
  t: { a: number[]; b: number[]; heights: number[]; sizes: number[] },
  nLeaves: number,
): DendrogramTop {
  const m = t.heights.length;
  const first = Math.max(0, m - DENDROGRAM_MERGES);
  const merges = [];
  for (let i = first; i < m; i++)
    merges.push({ id: nLeaves + i, left: t.a[i]!, right: t.b[i]!, height: t.heights[i]!, size: t.sizes[i]! });
  return { nLeaves, merges };
}
