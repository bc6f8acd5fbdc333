import type { ChainEntry } from '../core/chain.js';
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
  if (r.columns) columns = r.columns.map((c) => lookup(c, '--profile-columns'));
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
      const c = source.column(name);
      if (c.kind === 'categorical' && c.levels.length > MAX_PROFILE_LEVELS) {
        skipped.push(`${name} (${c.levels.length} distinct values)`);
        continue;
      }
      columns.push(c);
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
  return { columns, kpis, warnings };
}
