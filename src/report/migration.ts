import { numericColumn, stringColumn, Dataset, type Column, type NumericColumn } from '../core/dataset.js';
import { DataError, UsageError } from '../core/errors.js';
import { rowsById } from '../core/ids.js';
import { segmentLabel } from '../cluster/segment-names.js';
import { segmentLabels } from '../core/labels.js';
import { contingency } from '../core/matching.js';
import { chartBlock, escapeHtml } from '../render/page.js';
import { vegaLiteSchema, type ReportChart } from '../render/charts.js';
import { fileSha256 } from '../io/hash.js';
import { readDataset, type ReadOptions } from '../io/read.js';
import type { ReportInput } from './build.js';

/**
 * Migration between two runs: how the customers of a baseline segmentation moved to the current one. Rows are
 * paired by an id column; the transition matrix counts paired ids by baseline segment (row) and current segment
 * (column), noise (−1) included as its own row and column when present.
 */
export interface Migration {
  /** The baseline segments file: its path as given, SHA-256 of its bytes (null for stdin), its data rows. */
  baseline: { path: string; sha256: string | null; rows: number };
  /** The id column rows are paired by. */
  idColumn: string;
  /** Shift in percentage points above which a segment's share change is a warning. */
  maxShift: number;
  /** Ids in both files. */
  paired: number;
  /** Paired ids in the same segment in both files. */
  unchanged: number;
  /** Paired ids whose segment differs. */
  changed: number;
  /** Ids only in the current file. */
  new: number;
  /** Ids only in the baseline file. */
  lost: number;
  /**
   * Every segment of either file, ascending (noise −1 first when present): its share of the baseline's rows
   * (`before`, 0–1), of the current rows (`after`, 0–1), and `shift` = (after − before) · 100, in percentage points.
   */
  segments: MigrationSegment[];
  /**
   * The transition matrix over paired ids, row-major: every (from, to) of the baseline segments × current segments
   * among the paired ids, zeros included; `rowShare` = count / paired ids in `from` (the rows of a `from` sum to 1).
   */
  matrix: MigrationCell[];
}

export interface MigrationSegment {
  segment: number;
  /** Business name from the names file, else "Segment N" (−1: "Noise"). */
  name: string;
  before: number;
  after: number;
  shift: number;
}

export interface MigrationCell {
  from: number;
  to: number;
  count: number;
  rowShare: number;
}

/** One id whose segment changed, appeared (`from` null) or disappeared (`to` null). */
export interface Move {
  id: string;
  from: number | null;
  to: number | null;
}

/** The labels of one file and the row of each of its ids (in file order, as `rowsById` gives them). */
export interface LabelledIds {
  ids: ReadonlyMap<string, number>;
  labels: Int32Array;
}

export interface MigrationOptions {
  baseline: Migration['baseline'];
  idColumn: string;
  /** Percentage points, > 0. */
  maxShift: number;
  names?: ReadonlyMap<number, string>;
}

/** Default of `--max-shift`, in percentage points. */
export const DEFAULT_MAX_SHIFT = 5;

/**
 * The ids of a labelled dataset's id column and its labels, for {@link computeMigration}. O(n).
 * @throws DataError naming `source` when the column is missing, an id repeats (count and examples) or a row has no id.
 */
export function labelledIds(ds: Dataset, labels: Int32Array, idColumn: string, source: string): LabelledIds {
  if (!ds.has(idColumn))
    throw new DataError(
      `${source}: no id column '${idColumn}'`,
      `the columns are ${ds.names.join(', ')}; name the id column with --id`,
    );
  return { ids: rowsById(ds, idColumn, source), labels };
}

/**
 * Compare the current segmentation with a baseline one, pairing rows by id: the transition matrix, the paired /
 * unchanged / changed / new / lost counts, the share of every segment before and after, and every id that moved.
 * Moves are listed in the current file's order (changed and new ids), then lost ids in the baseline's order.
 * O(n + s²) for n ids and s segments.
 * @throws DataError when the two files have no id in common.
 * @example
 * const { migration, moves } = computeMigration(labelledIds(cur, labels, 'id', 'now.parquet'), labelledIds(old, oldLabels, 'id', 'old.parquet'), { baseline, idColumn: 'id', maxShift: 5 });
 */
export function computeMigration(
  current: LabelledIds,
  baseline: LabelledIds,
  o: MigrationOptions,
): { migration: Migration; moves: Move[] } {
  const from: number[] = [];
  const to: number[] = [];
  const moves: Move[] = [];
  let unchanged = 0;
  let added = 0;
  for (const [id, i] of current.ids) {
    const c = current.labels[i]!;
    const j = baseline.ids.get(id);
    if (j === undefined) {
      added++;
      moves.push({ id, from: null, to: c });
      continue;
    }
    const b = baseline.labels[j]!;
    from.push(b);
    to.push(c);
    if (b === c) unchanged++;
    else moves.push({ id, from: b, to: c });
  }
  let lost = 0;
  for (const [id, j] of baseline.ids) {
    if (current.ids.has(id)) continue;
    lost++;
    moves.push({ id, from: baseline.labels[j]!, to: null });
  }
  const paired = from.length;
  if (paired === 0)
    throw new DataError(
      `${o.baseline.path} and the segments file have no id in common in '${o.idColumn}'`,
      'check --id, or that the baseline segments the same customers',
    );

  const t = contingency(Int32Array.from(from), Int32Array.from(to));
  const matrix: MigrationCell[] = [];
  t.rows.forEach((f, i) =>
    t.cols.forEach((c, j) => {
      const count = t.table[i * t.cols.length + j]!;
      matrix.push({ from: f, to: c, count, rowShare: count / t.rowSums[i]! });
    }),
  );

  const counts = (labels: Int32Array) => {
    const m = new Map<number, number>();
    for (const l of labels) m.set(l, (m.get(l) ?? 0) + 1);
    return m;
  };
  const before = counts(baseline.labels);
  const after = counts(current.labels);
  const nBefore = baseline.labels.length;
  const nAfter = current.labels.length;
  const segments = [...new Set([...before.keys(), ...after.keys()])]
    .sort((a, b) => a - b)
    .map((s): MigrationSegment => {
      const b = nBefore > 0 ? (before.get(s) ?? 0) / nBefore : 0;
      const a = nAfter > 0 ? (after.get(s) ?? 0) / nAfter : 0;
      return {
        segment: s,
        name: segmentLabel(s, o.names?.get(s)),
        before: b,
        after: a,
        shift: (a - b) * 100,
      };
    });

  return {
    migration: {
      baseline: o.baseline,
      idColumn: o.idColumn,
      maxShift: o.maxShift,
      paired,
      unchanged,
      changed: paired - unchanged,
      new: added,
      lost,
      segments,
      matrix,
    },
    moves,
  };
}

/** Where the baseline segments file is and how to read it, for {@link migrationSince}. */
export interface BaselineSource {
  /** The path as given (named in messages and in the report; `-` = stdin). */
  path: string;
  /** Where to read it (the path resolved against the command's folder). */
  file: string;
  /** The input options of the segments file; its `format` is not applied (the baseline's is its own extension's). */
  read: ReadOptions;
  segmentCol: string;
  /** The id column (`--id`, else the model's); null refuses. */
  idColumn: string | null;
  maxShift: number;
  names?: ReadonlyMap<number, string>;
}

/**
 * Refuse a baseline comparison that cannot pair rows, before anything is read: no id column (`--id`, else the
 * model's), a sample (`--sample`: ids are paired one for one), or stdin on both sides. Returns the id column.
 * @throws UsageError naming the flag to give or drop.
 */
export function baselineIdColumn(
  b: { path: string; idColumn: string | null; sample?: number | undefined },
  source: string,
): string {
  if (b.idColumn === null)
    throw new UsageError(
      '--baseline-segments pairs rows by id: give the id column with --id',
      'the segments file and the baseline need a column of unique customer ids',
    );
  if (b.sample !== undefined)
    throw new UsageError('--sample cannot be used with --baseline-segments', 'ids are paired one for one');
  if (b.path === '-' && source === '-')
    throw new UsageError('only one input can be - (stdin)', 'give --baseline-segments as a file');
  return b.idColumn;
}

/**
 * Read a baseline segments file and compare the current segments with it ({@link computeMigration}); also returns
 * the moved ids as a dataset and the baseline's entry of the report's inputs. O(n + s²).
 * @throws UsageError as {@link baselineIdColumn}; DataError for a missing id or label column, repeated or missing ids, unusable labels, no id in common.
 */
export async function migrationSince(
  current: { ds: Dataset; labels: Int32Array; source: string },
  b: BaselineSource,
): Promise<{ migration: Migration; moves: Dataset; input: ReportInput }> {
  const id = baselineIdColumn({ ...b, sample: b.read.sample }, current.source);
  const cur = labelledIds(current.ds, current.labels, id, current.source);
  const { format: _format, ...read } = b.read;
  const ds = await readDataset(b.file, read);
  const base = labelledIds(ds, segmentLabels(ds, b.segmentCol, b.path), id, b.path);
  const sha256 = b.path === '-' ? null : await fileSha256(b.file);
  const baseline = { path: b.path === '-' ? 'stdin' : b.path, sha256, rows: ds.nRows };
  const { migration, moves } = computeMigration(cur, base, {
    baseline,
    idColumn: id,
    maxShift: b.maxShift,
    ...(b.names ? { names: b.names } : {}),
  });
  const styles = [idStyle(current.ds, id), idStyle(ds, id)];
  return {
    migration,
    moves: movesDataset(moves, styles[0] === styles[1] ? styles[0]! : 'text'),
    input: { role: 'baseline-segments', path: baseline.path, rows: ds.nRows, sha256 },
  };
}

/** A shift in points with one decimal and its sign (`+8.4`, `−0.5`, `0.0`). */
const signed = (x: number): string => {
  const t = Math.abs(x).toFixed(1);
  return Number(t) === 0 ? t : `${x > 0 ? '+' : '−'}${t}`;
};

/**
 * `the share of Recent big spenders (segment 2) moved from 18.0 % to 26.4 % (+8.4 points) since the baseline`: one
 * per segment past maxShift.
 */
export function migrationWarnings(m: Migration): string[] {
  return m.segments
    .filter((s) => Math.abs(s.shift) > m.maxShift)
    .map(
      (s) =>
        `the share of ${s.name}${s.name === `Segment ${s.segment}` || s.segment < 0 ? '' : ` (segment ${s.segment})`} moved from ${(s.before * 100).toFixed(1)} % to ${(s.after * 100).toFixed(1)} % ` +
        `(${signed(s.shift)} points) since the baseline`,
    );
}

/** How moved ids are written: numbers, exact whole numbers past 2^53 (kept as text in memory), or text. */
export type IdStyle = 'number' | 'big-integer' | 'text';

/**
 * How an id column's values can be written back: `number` for plain whole numbers (not dates, times or booleans),
 * `big-integer` for whole numbers kept as exact text, else `text`. O(n).
 */
export function idStyle(ds: Dataset, idColumn: string): IdStyle {
  const c = ds.column(idColumn);
  if (c.kind === 'string') return c.integer ? 'big-integer' : 'text';
  if (c.kind !== 'numeric' || (c.type !== 'integer' && c.type !== 'double')) return 'text';
  for (const v of c.values) if (!Number.isNaN(v) && !Number.isInteger(v)) return 'text';
  return 'number';
}

/** The moved ids as a dataset: `id`, `from_segment`, `to_segment` (missing for new and lost ids). */
export function movesDataset(moves: readonly Move[], style: IdStyle): Dataset {
  const ids = moves.map((m) => m.id);
  const id: Column =
    style === 'number'
      ? numericColumn('id', Float64Array.from(ids, Number), 'integer')
      : stringColumn('id', ids, { integer: style === 'big-integer' });
  const seg = (name: string, pick: (m: Move) => number | null): NumericColumn =>
    numericColumn(
      name,
      Float64Array.from(moves, (m) => pick(m) ?? Number.NaN),
      'integer',
    );
  return Dataset.of(
    [id, seg('from_segment', (m) => m.from), seg('to_segment', (m) => m.to)],
    {},
    moves.length,
  );
}

/** The heatmap of the transition matrix: baseline segments down, current segments across, counts as text. */
export function migrationChart(m: Migration): ReportChart {
  const names = new Map(m.segments.map((s) => [s.segment, s.name]));
  const name = (s: number) => segmentLabel(s, names.get(s));
  const rows = [...new Set(m.matrix.map((c) => c.from))].map(name);
  const cols = [...new Set(m.matrix.map((c) => c.to))].map(name);
  const values = m.matrix.map((c) => ({
    from: name(c.from),
    to: name(c.to),
    count: c.count,
    rowShare: c.rowShare,
  }));
  const x = { field: 'to', type: 'nominal', sort: cols, title: 'current segment', axis: { labelAngle: -40 } };
  const y = { field: 'from', type: 'nominal', sort: rows, title: 'baseline segment' };
  return {
    id: 'migration',
    title: `Where the baseline's segments went: ${m.paired.toLocaleString('en-US')} ids in both runs`,
    spec: {
      $schema: vegaLiteSchema,
      data: { values },
      width: { step: 64 },
      height: { step: 30 },
      layer: [
        {
          mark: { type: 'rect', tooltip: true },
          encoding: {
            x,
            y,
            color: {
              field: 'rowShare',
              type: 'quantitative',
              title: 'row share',
              scale: { scheme: 'blues', domain: [0, 1] },
              legend: { format: '%' },
            },
            tooltip: [
              { field: 'from', title: 'baseline' },
              { field: 'to', title: 'current' },
              { field: 'count', title: 'ids' },
              { field: 'rowShare', title: 'share of the baseline segment', format: '.1%' },
            ],
          },
        },
        {
          mark: { type: 'text', fontSize: 11 },
          encoding: {
            x: { field: 'to', type: 'nominal', sort: cols },
            y: { field: 'from', type: 'nominal', sort: rows },
            text: { field: 'count', type: 'quantitative' },
            color: { condition: { test: 'datum.rowShare > 0.5', value: 'white' }, value: 'black' },
          },
        },
      ],
    },
  };
}

/** The page's migration section: the counts, the heatmap and the table of shares and shifts ('' without one). */
export function migrationSection(m: Migration | null, charts: readonly ReportChart[]): string {
  if (!m) return '';
  const e = escapeHtml;
  const pct = (x: number) => `${(x * 100).toFixed(1)}\u00a0%`;
  const count = (x: number) => x.toLocaleString('en-US');
  return `<section id="migration">
<h2>Migration since the baseline</h2>
<p class="meta">Baseline <code>${e(m.baseline.path)}</code> (${count(m.baseline.rows)} rows), paired by <code>${e(m.idColumn)}</code></p>
<table><thead><tr><th>Paired</th><th>Unchanged</th><th>Changed</th><th>New</th><th>Lost</th></tr></thead><tbody>
<tr><td>${count(m.paired)}</td><td>${count(m.unchanged)}</td><td>${count(m.changed)}</td><td>${count(m.new)}</td><td>${count(m.lost)}</td></tr>
</tbody></table>
${charts.map(chartBlock).join('\n')}
<table><thead><tr><th>Segment</th><th>Share before</th><th>Share now</th><th>Shift (points)</th></tr></thead><tbody>
${m.segments
  .map(
    (s) =>
      `<tr><td>${e(s.name)}</td><td>${pct(s.before)}</td><td>${pct(s.after)}</td><td>${Math.abs(s.shift) > m.maxShift ? `<b>${signed(s.shift)}</b>` : signed(s.shift)}</td></tr>`,
  )
  .join('\n')}
</tbody></table>
<p class="meta">Shifts of more than ${e(String(m.maxShift))} points (in bold) are warnings.</p>
</section>`;
}

/** Plain-text lines of a migration: the counts, then each segment's shares and shift (`!` past --max-shift). */
export function migrationLines(m: Migration): string[] {
  const out = [
    `migration since ${m.baseline.path} (by ${m.idColumn}): ${m.paired} paired, ${m.unchanged} unchanged, ${m.changed} changed, ${m.new} new, ${m.lost} lost`,
  ];
  for (const s of m.segments) {
    out.push(
      `  ${s.name}: ${(s.before * 100).toFixed(1)} % → ${(s.after * 100).toFixed(1)} % (${signed(s.shift)} points)${Math.abs(s.shift) > m.maxShift ? '  !' : ''}`,
    );
  }
  return out;
}
