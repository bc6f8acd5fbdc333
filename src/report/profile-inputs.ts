import type { ClusterModel } from '../cluster/cluster-model.js';
import { chainOf, type ChainEntry } from '../core/chain.js';
import { assertNoInfinite, type Matrix } from '../core/matrix.js';
import type { Dataset } from '../core/dataset.js';
import { DataError, UsageError } from '../core/errors.js';
import type { KpiSpec } from '../profile/kpi.js';
import {
  chainProfileSource,
  combinedSource,
  MAX_PROFILE_LEVELS,
  rawProfileSource,
  type ProfileColumn,
  type ProfileSource,
} from '../profile/source.js';

/** What to profile: the segments file (and its chain), a raw table joined by id, the columns and KPIs asked for. */
export interface ProfileRequest {
  raw: { data: Dataset; name: string } | null;
  id: string | undefined;
  segmentColumn: string;
  /** The clustered features (default profile without a raw table: in original units, one-hot folded). */
  features: readonly string[];
  columns: readonly string[] | undefined;
  kpis: readonly KpiSpec[];
}

/**
 * The columns a report profiles and the columns of its KPIs, row-aligned with the segments file. Without a raw
 * table: the features, with the chain's scaling and log undone and one-hot columns folded back. With one: its
 * columns (joined by id), except dates and text with more than {@link MAX_PROFILE_LEVELS} levels (named in a
 * warning); KPI columns are looked up in the raw table first, then in the segments file. O(n) per column.
 * @throws UsageError for a raw table without an id column to join on; DataError for a column or KPI column that
 *   neither holds, and for the join's failures.
 */
export function profileSources(
  ds: Dataset,
  chain: readonly ChainEntry[],
  r: ProfileRequest,
): { columns: ProfileColumn[]; kpis: { spec: KpiSpec; column: ProfileColumn }[]; warnings: string[] } {
  const roles = new Set([r.segmentColumn, ...(r.id ? [r.id] : [])]);
  const fromSegments = chainProfileSource(ds, chain);
  let source: ProfileSource = fromSegments;
  if (r.raw) {
    if (!r.id) {
      throw new UsageError(
        '--profile-input needs --id: the column that pairs its rows with the segments file',
      );
    }
    if (!ds.has(r.id)) throw new DataError(`the segments file has no id column '${r.id}'`);
    source = combinedSource(rawProfileSource(ds, r.raw.data, r.id, r.raw.name), fromSegments);
  }
  const where = r.raw ? `${r.raw.name} or the segments file` : 'the segments file';
  const lookup = (name: string, flag: string): ProfileColumn => {
    if (!source.has(name) || roles.has(name)) {
      const available = source.names.filter((n) => !roles.has(n));
      throw new DataError(
        `${flag}: no column '${name}' in ${where}`,
        `columns: ${available.slice(0, 15).join(', ')}${available.length > 15 ? ', …' : ''}${r.raw ? '' : '; columns of the raw table come with --profile-input FILE --id COL'}`,
      );
    }
    return source.column(name);
  };

  const warnings: string[] = [];
  let columns: ProfileColumn[];
  if (r.columns) columns = [...new Set(r.columns)].map((c) => lookup(c, '--profile-columns'));
  else {
    const names = r.raw
      ? r.raw.data.names.filter((n) => !roles.has(n))
      : [...new Set(r.features.map((f) => source.nameOf(f)))];
    const skipped: string[] = [];
    columns = [];
    for (const name of names) {
      if (source.temporal(name)) {
        skipped.push(`${name} (dates)`);
        continue;
      }
      const table = r.raw?.data.has(name) ? r.raw.data : ds;
      if (table.has(name) && manyLevels(table, name)) {
        skipped.push(`${name} (more than ${MAX_PROFILE_LEVELS} distinct values)`);
        continue;
      }
      columns.push(source.column(name));
    }
    if (skipped.length > 0)
      warnings.push(
        `not profiled: ${skipped.join(', ')}; name them with --profile-columns to profile them anyway`,
      );
  }
  const kpis = r.kpis.map((spec) => ({
    spec,
    column: lookup(spec.column, `--kpi ${spec.column}:${spec.stat}`),
  }));
  // Means and quartiles need finite numbers: ±∞ (in a raw table, or from undoing a log) is refused.
  for (const c of [...columns, ...kpis.map((k) => k.column)])
    if (c.kind === 'numeric') assertNoInfinite(c.values, c.name, r.raw ? r.raw.name : 'the segments file');
  return { columns, kpis, warnings };
}

/** Whether a text column holds more than {@link MAX_PROFILE_LEVELS} distinct values (stops counting past it). */
function manyLevels(table: Dataset, name: string): boolean {
  const c = table.column(name);
  if (c.kind === 'numeric') return false;
  if (c.kind === 'categorical') return c.levels.length > MAX_PROFILE_LEVELS;
  const seen = new Set<string>();
  for (const v of c.values) {
    if (v === null) continue;
    seen.add(v);
    if (seen.size > MAX_PROFILE_LEVELS) return true;
  }
  return false;
}

/**
 * The fitted chain whose transformations a report may undo: the one the segments file carries, else the model's
 * when the file's features are in the model's space (each segment's feature means within a quarter of a standard
 * deviation of its centroid, for every feature the chain scales or logs). A file without a chain whose features
 * are not in the model's space (`segment assign` output, in raw units) is profiled as it is. O(n·d).
 * @returns the chain, and a warning when the model's chain was not used.
 */
export function recordedChain(
  ds: Dataset,
  X: Matrix,
  labels: Int32Array,
  features: readonly string[],
  model: ClusterModel | null,
): { chain: ChainEntry[]; warning: string | null } {
  const own = chainOf(ds);
  if (own.length > 0 || !model?.chain?.length) return { chain: own, warning: null };
  const transformed = new Set<string>();
  for (const e of model.chain) {
    if (e.stage !== 'clean') continue;
    for (const s of (e.model as { steps?: { step: string; columns?: unknown[] }[] }).steps ?? []) {
      if (s.step === 'scale') for (const c of s.columns as { name: string }[]) transformed.add(c.name);
      else if (s.step === 'log1p') for (const c of s.columns as string[]) transformed.add(c);
    }
  }
  const cols = features.map((f, j) => ({ f, j })).filter(({ f }) => transformed.has(f));
  if (cols.length === 0) return { chain: model.chain, warning: null };
  const d = X.nCols;
  const n = X.nRows;
  const centroid = new Map(model.segments.map((s) => [s.segment, s.centroid]));
  const inModelSpace = cols.every(({ j }) => {
    let sum = 0;
    let sq = 0;
    const segSum = new Map<number, [number, number]>();
    for (let i = 0; i < n; i++) {
      const x = X.data[i * d + j]!;
      sum += x;
      sq += x * x;
      const l = labels[i]!;
      if (l < 0) continue;
      const t = segSum.get(l) ?? [0, 0];
      t[0] += x;
      t[1]++;
      segSum.set(l, t);
    }
    const mean = sum / n;
    const std = Math.sqrt(Math.max(0, sq / n - mean * mean)) || 1;
    for (const [l, [s, c]] of segSum) {
      const at = centroid.get(l)?.[j];
      if (at === undefined || Math.abs(s / c - at) > 0.25 * std) return false;
    }
    return true;
  });
  return inModelSpace
    ? { chain: model.chain, warning: null }
    : {
        chain: [],
        warning:
          "the segments file carries no cleaning chain and its features are not in the model's space " +
          '(segment assign output is in raw units): profiled as it is',
      };
}
