import type { ClusterModel, CondensedTreeRecord } from '../cluster/cluster-model.js';
import type { ClusterDistance } from '../core/distance.js';
import type { GowerScale } from '../core/gower.js';
import { UsageError } from '../core/errors.js';
import type { Matrix } from '../core/matrix.js';
import type { WorkerPool } from '../core/worker-pool.js';
import type { TuneResult } from '../tune/tune.js';
import { computeKpi, type KpiSpec, type KpiStat } from '../profile/kpi.js';
import { autoNames, completeNames } from '../profile/names.js';
import {
  byText,
  distinction,
  profileColumn,
  segmentMembers,
  type ColumnProfile,
  type NumericProfile,
  type ProfiledColumn,
} from '../profile/profile.js';
import { numericProfileColumn, type ProfileColumn } from '../profile/source.js';
import { formatPercent } from '../core/format.js';
import { withUnit } from './cells.js';
import { migrationWarnings, type Migration } from './migration.js';
import { gowerProjection, projectRows, type Projection, type ProjectionChoice } from './projection.js';
import { segmentQuality, type SegmentQuality } from './quality.js';

/** Discriminator and schema version of report files (`schemas/report.schema.json`). */
export const reportFormat = 'segment.report';
export const reportVersion = 3;

/** One input file of the run, identified by content. */
export interface ReportInput {
  role: 'segments' | 'model' | 'tune' | 'names' | 'profile-input' | 'baseline-segments';
  path: string;
  /** Data rows (segments files only). */
  rows: number | null;
  /** SHA-256 of the file's bytes (null for stdin). */
  sha256: string | null;
}

/** How a segment got its name. */
export type NameSource = 'names-file' | 'model' | 'auto';

/** A segment's value of a KPI. */
export interface SegmentKpi {
  column: string;
  stat: KpiStat;
  value: number | null;
}

/** A KPI over all rows: the reference line of its chart. */
export interface OverallKpi {
  column: string;
  stat: KpiStat;
  /** `mean` of a 0/1 or yes/no column: a rate in [0, 1]. */
  rate: boolean;
  unit: string | null;
  overall: number | null;
}

/** A profiled column: how it was obtained and its unit. */
export interface ReportColumn extends ProfiledColumn {
  unit: string | null;
}

export interface SegmentSection {
  segment: number;
  /** From the names file, else the model, else made from the segment's most distinguishing columns. */
  name: string;
  nameSource: NameSource;
  description: string | null;
  size: number;
  share: number;
  /** Profiles of the profiled columns (`dataset.profile.columns`), in their units. */
  profile: ColumnProfile[];
  kpis: SegmentKpi[];
  /** Plain-language summary: share and the most distinguishing columns, in their units. */
  summary: string;
}

/** Histogram of a numeric profiled column by segment, in its units (counts per bin; edges shared by all segments). */
export interface Distribution {
  column: string;
  edges: number[];
  counts: { segment: number; counts: number[] }[];
}

/** The top merges of a hierarchical model's tree (scipy layout: node ids ≥ nLeaves are merges). */
export interface DendrogramTop {
  nLeaves: number;
  merges: { id: number; left: number; right: number; height: number; size: number }[];
}

/**
 * The report (JSON schema version 3). Keys are always written in this order. It holds no wall-clock value, so the
 * same inputs and seed give the same bytes (version 1 had `run.timings`; version 2 profiled the clustered features
 * as they were in the segments file, z-scores included).
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
    distance: ClusterDistance;
    /** Where the profiles come from: the segments file (recorded cleaning undone) or a raw table joined by id. */
    profile: { source: 'segments' | 'profile-input'; columns: ReportColumn[] };
  };
  segments: SegmentSection[];
  noise: { rows: number; share: number };
  overall: ColumnProfile[];
  kpis: OverallKpi[];
  indices: SegmentQuality['indices'] & { noisePolicy: 'exclude'; notes: string[] };
  distributions: Distribution[];
  projection: Projection;
  tuning: TuneResult | null;
  dendrogram: DendrogramTop | null;
  /** An HDBSCAN model's condensed tree at cluster level (the icicle chart), else null. */
  condensedTree?: CondensedTreeRecord | null;
  warnings: string[];
  /** Migration since a baseline segments file (`--baseline-segments`), else null. */
  migration: Migration | null;
}

export interface BuildReportOptions {
  features: readonly string[];
  segmentColumn: string;
  idColumn: string | null;
  distance: ClusterDistance;
  /** Gower's scale of a model under Gower's distance (X then comes from `gowerMatrix`). */
  gower?: GowerScale | undefined;
  model: ClusterModel | null;
  tuning: TuneResult | null;
  /** Names given (names file, else the model's); the others are made from the profiles. */
  names: Map<number, { name: string; description: string | null; source: Exclude<NameSource, 'auto'> }>;
  /** Columns to profile, row-aligned with `X`, in their units, and their source; default: the features of `X`. */
  profile?: { source: 'segments' | 'profile-input'; columns: ProfileColumn[] } | undefined;
  /** Units of profiled and KPI columns by name (e.g. `€`, `days`). */
  units?: ReadonlyMap<string, string> | undefined;
  /** KPIs and their columns (row-aligned with `X`). */
  kpis?: { spec: KpiSpec; column: ProfileColumn }[] | undefined;
  inputs: ReportInput[];
  seed: number;
  toolVersion: string;
  sampleSize: number;
  /** Points in the 2-D projection (a seeded sample above it). */
  maxPoints: number;
  /** How the rows are projected to 2-D. Default PCA. */
  projection?: ProjectionChoice | undefined;
  /** Numeric columns given a distribution chart (the most distinguishing ones). */
  maxDistributions: number;
  pool?: WorkerPool | undefined;
  /** Migration since a baseline: its shift warnings join the report's. */
  migration?: Migration | null;
}

/** Bins of every distribution histogram. */
const BINS = 20;
/** Merges kept for the dendrogram chart. */
const DENDROGRAM_MERGES = 30;

/**
 * Build the report of a labelled dataset: sizes and shares; profiles of every profiled column in its units (numeric:
 * mean, quartiles, std, difference from the overall mean in standard deviations, lift; categorical: level shares
 * against overall); KPIs; names; validity indices on the features `X`; histograms of the most distinguishing numeric
 * columns; a 2-D projection (PCA, t-SNE or UMAP); the tuning evidence and dendrogram when given; plain-language summaries and warnings.
 * O(n·(d + columns)·log n) time (quantiles), O(n·d) memory.
 */
export async function buildReport(X: Matrix, labels: Int32Array, o: BuildReportOptions): Promise<Report> {
  const n = X.nRows;
  const d = X.nCols;
  const features = [...o.features];
  const quality = await segmentQuality(X, labels, features, {
    distance: o.distance,
    gower: o.gower,
    sampleSize: o.sampleSize,
    seed: o.seed,
    pool: o.pool,
  });

  const members = segmentMembers(labels);
  const segIds = [...members.keys()];
  const rowsOf = [...members.values()];
  const columns: ProfileColumn[] =
    o.profile?.columns ??
    features.map((f, j) => {
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) v[i] = X.data[i * d + j]!;
      return numericProfileColumn(f, v, 'as-is', null);
    });
  const units = (name: string): string | null => o.units?.get(name) ?? defaultUnit(name);
  const profiles = columns.map((c) => profileColumn(c, members));
  const overall = profiles.map((p) => p.overall);
  const kpis = (o.kpis ?? []).map((k) => computeKpi(k.column, k.spec, rowsOf));
  const segProfiles = segIds.map((_, i) => profiles.map((p) => p.segments[i]!));
  const settled = completeNames(
    segIds,
    new Map([...o.names].map(([s, n]) => [s, n.name])),
    autoNames(segIds, segProfiles),
  );
  const segments: SegmentSection[] = segIds.map((s, i) => {
    const given = o.names.get(s);
    const name = settled[i]!;
    const size = rowsOf[i]!.length;
    const profile = segProfiles[i]!;
    return {
      segment: s,
      name,
      nameSource: given?.source ?? 'auto',
      description: given?.description ?? null,
      size,
      share: size / n,
      profile,
      kpis: kpis.map((k) => ({ column: k.column, stat: k.stat, value: k.segments[i]! })),
      summary: summarise(name, size, n, profile, overall, units),
    };
  });

  // Histograms of the numeric (non-flag) columns whose segment means differ most, in overall standard deviations.
  const spread = profiles
    .map((p, j) => {
      if (p.overall.kind !== 'numeric' || p.overall.binary || p.overall.count === 0) return null;
      const diffs = p.segments.map((q) => (q as NumericProfile).diffSd);
      return { j, spread: diffs.length > 0 ? Math.max(...diffs) - Math.min(...diffs) : 0 };
    })
    .filter((x): x is { j: number; spread: number } => x !== null)
    .sort((a, b) => b.spread - a.spread || a.j - b.j);
  const distributions: Distribution[] = spread.slice(0, o.maxDistributions).map(({ j }) => {
    const values = (columns[j] as Extract<ProfileColumn, { kind: 'numeric' }>).values;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!(hi > lo)) hi = lo + 1;
    const edges = Array.from({ length: BINS + 1 }, (_, b) => lo + ((hi - lo) * b) / BINS);
    const counts = segIds.map((s, i) => {
      const c = new Array<number>(BINS).fill(0);
      for (const r of rowsOf[i]!) {
        const v = values[r]!;
        if (Number.isNaN(v)) continue;
        c[Math.min(BINS - 1, Math.floor(((v - lo) / (hi - lo)) * BINS))]!++;
      }
      return { segment: s, counts: c };
    });
    return { column: columns[j]!.name, edges, counts };
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
  // The migration speaks of segments by the names settled here (given or made from the profiles).
  const named = new Map(segments.map((s) => [s.segment, s.name]));
  const migration = o.migration
    ? {
        ...o.migration,
        segments: o.migration.segments.map((s) => ({ ...s, name: named.get(s.segment) ?? s.name })),
      }
    : null;
  if (migration) warnings.push(...migrationWarnings(migration));

  const dendrogram =
    o.model && o.model.algorithm === 'hierarchical' && o.model.dendrogram
      ? topOfTree(o.model.dendrogram, o.model.nRows)
      : null;
  if (o.gower && (o.projection ?? 'pca') !== 'pca')
    throw new UsageError(
      `--projection ${o.projection}: a model under Gower's distance is drawn by PCA of its Gower coordinates`,
      'leave out --projection',
    );
  const projection = o.gower
    ? gowerProjection(X, labels, o.gower, o.maxPoints, o.seed)
    : await projectRows(X, labels, o.maxPoints, o.seed, o.projection ?? 'pca', o.pool);
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
      profile: {
        source: o.profile?.source ?? 'segments',
        columns: columns.map((c) => ({
          name: c.name,
          kind: c.kind === 'numeric' ? (c.binary ? 'binary' : 'numeric') : 'categorical',
          origin: c.origin,
          note: c.note,
          unit: c.kind === 'numeric' && !c.binary ? units(c.name) : null,
        })),
      },
    },
    segments,
    noise: { rows: quality.noise, share: n > 0 ? quality.noise / n : 0 },
    overall,
    kpis: kpis.map((k) => ({
      column: k.column,
      stat: k.stat,
      rate: k.rate,
      unit: k.rate || k.stat === 'share' ? null : units(k.column),
      overall: k.overall,
    })),
    indices: { ...quality.indices, noisePolicy: 'exclude', notes: quality.notes },
    distributions,
    projection,
    tuning: o.tuning,
    dendrogram,
    condensedTree: o.model && o.model.algorithm === 'hdbscan' ? (o.model.condensedTree ?? null) : null,
    warnings,
    migration,
  };
}

/** The unit a column's name implies: `days` for `*_days`; else none (give one with --units). */
export function defaultUnit(name: string): string | null {
  return /(^|_)days$/i.test(name) ? 'days' : null;
}

/**
 * "Recent big spenders holds 24.1 % of the rows (193): recency_days 4.2 days (overall 35.0 days), revenue €1,234
 * (overall €600), internet_service: Fiber optic 62 % (overall 39 %)."
 */
function summarise(
  name: string,
  size: number,
  n: number,
  profile: ColumnProfile[],
  overall: ColumnProfile[],
  unit: (column: string) => string | null,
): string {
  const top = profile
    .map((p, j) => ({ p, j, ...distinction(p) }))
    .filter((t) => Math.abs(t.score) >= 0.25 && !(t.p.kind === 'categorical' && t.score < 0))
    .sort((a, b) => Math.abs(b.score) - Math.abs(a.score) || byText(a.p.column, b.p.column))
    .slice(0, 3);
  const head = `${name} holds ${formatPercent(size / n)} of the rows (${size.toLocaleString('en-US')})`;
  if (top.length === 0) return `${head}: close to the overall average on every profiled column.`;
  const parts = top.map(({ p, j, level }) => {
    const all = overall[j]!;
    if (p.kind === 'categorical') {
      const l = p.levels.find((x) => x.level === level)!;
      return `${p.column}: ${level} ${formatPercent(l.share)} (overall ${formatPercent(l.overallShare)})`;
    }
    const a = all as NumericProfile;
    if (p.binary) return `${p.column} ${formatPercent(p.mean!)} (overall ${formatPercent(a.mean!)})`;
    const u = unit(p.column);
    return `${p.column} ${withUnit(p.mean!, u, a.std)} (overall ${withUnit(a.mean!, u, a.std)})`;
  });
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
