import { DataError } from '../core/errors.js';
import { describeParser, InvalidValueError } from '../core/params.js';
import { numericStats } from './profile.js';
import type { ProfileColumn } from './source.js';

/**
 * Statistics a KPI can take: `mean` (a rate for a 0/1 or yes/no column: churn, conversion), `sum`, `share` (the
 * segment's part of the column's total over all rows, e.g. of revenue) and `median`.
 */
export const kpiStats = ['mean', 'sum', 'share', 'median'] as const;
export type KpiStat = (typeof kpiStats)[number];

/** One KPI asked for: a column and a statistic. */
export interface KpiSpec {
  column: string;
  stat: KpiStat;
}

/** A KPI over all rows and per segment (missing values left out, as pandas does). */
export interface KpiValues {
  column: string;
  stat: KpiStat;
  /** `mean` of a 0/1 or yes/no column: a rate in [0, 1]. */
  rate: boolean;
  overall: number | null;
  /** One value per segment, in the order of the members given. */
  segments: (number | null)[];
}

const yes = new Set(['yes', 'y', 'true', 't', '1']);
const no = new Set(['no', 'n', 'false', 'f', '0']);

/**
 * Parse `COL:STAT[,COL:STAT…]` (the `--kpi` flag; a column name may itself hold a colon: the last one splits).
 * @throws InvalidValueError for an entry without a statistic or an unknown one.
 */
export function parseKpis(text: string): KpiSpec[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((entry) => {
      const at = entry.lastIndexOf(':');
      const column = at > 0 ? entry.slice(0, at).trim() : '';
      const stat = at > 0 ? entry.slice(at + 1).trim() : '';
      if (column === '' || !(kpiStats as readonly string[]).includes(stat)) {
        throw new InvalidValueError(
          `'${entry}' is not COL:STAT with STAT one of ${kpiStats.join(', ')} (e.g. churned:mean,revenue:share)`,
        );
      }
      return { column, stat: stat as KpiStat };
    });
}

/** The `--kpi` flag's parser: entries of every occurrence, in order (a pipeline gives a list of `COL:STAT`). */
export const kpiList = describeParser(
  function kpis(v: string, prev: KpiSpec[] = []): KpiSpec[] {
    return [...prev, ...parseKpis(v)];
  },
  { type: 'array', items: { type: 'string', pattern: `^.+:(${kpiStats.join('|')})$` } },
);

/**
 * Compute a KPI on a profile column, overall and for each segment's rows. O(n log n) for the median, O(n) else.
 * @throws DataError when the statistic needs numbers and the column is categorical (other than yes/no).
 */
export function computeKpi(c: ProfileColumn, spec: KpiSpec, members: readonly Int32Array[]): KpiValues {
  let values: Float64Array;
  let rate = false;
  if (c.kind === 'numeric') {
    values = c.values;
    rate = spec.stat === 'mean' && c.binary;
  } else {
    const positive = c.levels.map((l) => yes.has(l.trim().toLowerCase()));
    const negative = c.levels.map((l) => no.has(l.trim().toLowerCase()));
    if (spec.stat !== 'mean' || !c.levels.every((_, k) => positive[k] || negative[k])) {
      throw new DataError(
        `--kpi ${spec.column}:${spec.stat}: '${spec.column}' is categorical (${c.levels.slice(0, 5).join(', ')}${c.levels.length > 5 ? ', …' : ''})`,
        spec.stat === 'mean'
          ? 'mean takes a number, a 0/1 flag or a yes/no column'
          : `${spec.stat} takes a numeric column`,
      );
    }
    values = new Float64Array(c.codes.length);
    c.codes.forEach((k, i) => (values[i] = k < 0 ? Number.NaN : positive[k] ? 1 : 0));
    rate = true;
  }
  const total = spec.stat === 'share' ? sumOf(values, null) : null;
  if (spec.stat === 'share') {
    // A share of the total is a part of a whole: only for a quantity that is never negative.
    let min = Infinity;
    for (const x of values) if (x < min) min = x;
    if (min < 0)
      throw new DataError(
        `--kpi ${spec.column}:share: '${spec.column}' has negative values (down to ${min}): a share of its total would mean nothing`,
        'use sum or mean for a signed column',
      );
  }
  const of = (rows: Int32Array | null): number | null => {
    switch (spec.stat) {
      case 'mean':
        return numericStats(values, rows, false).mean;
      case 'median':
        return numericStats(values, rows).median;
      case 'sum':
        return sumOf(values, rows);
      case 'share': {
        const s = sumOf(values, rows);
        return s === null || total === null || total === 0 ? null : s / total;
      }
    }
  };
  return {
    column: spec.column,
    stat: spec.stat,
    rate,
    overall: of(null),
    segments: members.map((rows) => of(rows)),
  };
}

/** Sum of the present values (of `rows`, or of all); null when none is present. */
function sumOf(values: Float64Array, rows: Int32Array | null): number | null {
  const n = rows ? rows.length : values.length;
  let s = 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const x = values[rows ? rows[i]! : i]!;
    if (Number.isNaN(x)) continue;
    s += x;
    m++;
  }
  return m === 0 ? null : s;
}
