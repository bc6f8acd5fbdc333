import type { ClusterModel } from '../cluster/cluster-model.js';
import { chainOf, type ChainEntry } from '../core/chain.js';
import { assertNoInfinite } from '../core/matrix.js';
import { numericStats, segmentMembers } from '../profile/profile.js';
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
  labels: Int32Array,
  features: readonly string[],
  model: ClusterModel | null,
): { chain: ChainEntry[]; warning: string | null } {
  const own = chainOf(ds);
  if (own.length > 0 || !model?.chain?.length) return { chain: own, warning: null };
  // The features the model's chain would undo, and each segment's rows.
  const undo = chainProfileSource(ds, model.chain);
  const transformed = features.filter((f) => ds.has(f) && undo.column(f).origin === 'inverted');
  if (transformed.length === 0) return { chain: model.chain, warning: null };
  const members = segmentMembers(labels);
  const inModelSpace = transformed.every((f) => {
    const j = model.features.indexOf(f);
    const values = ds.numeric(f).values;
    const all = numericStats(values, null, false);
    const std = all.std || 1;
    for (const [segment, rows] of members) {
      const at = model.segments.find((s) => s.segment === segment)?.centroid[j];
      const mean = numericStats(values, rows, false).mean;
      if (at === undefined || mean === null || Math.abs(mean - at) > 0.25 * std) return false;
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
