import type { ClusterModel } from '../cluster/cluster-model.js';
import { segmentDisplayName, segmentNameCol } from '../cluster/segment-names.js';
import type { Distance } from '../core/distance.js';
import { DataError, UsageError } from '../core/errors.js';
import { chainStepKind } from '../model/kinds.js';
import { isUnsupported, type SqlDef, type SqlStep } from '../sql/chain-sql.js';
import {
  float64,
  parseTableName,
  sqlDialect,
  type SqlDialect,
  type SqlDialectName,
} from '../sql/dialects.js';

export {
  parseTableName,
  sqlDialect,
  sqlDialects,
  type SqlDialect,
  type SqlDialectName,
} from '../sql/dialects.js';

/** Options of {@link exportSql}. */
export interface ExportSqlOptions {
  dialect: SqlDialectName;
  /** The table to score: `table`, `schema.table`, `project.dataset.table` (see {@link parseTableName}). */
  table: string;
  /** Column identifying rows, returned next to `segment` (default: the model's id). */
  id?: string | undefined;
  /** Also return the model's features as the chain computes them (to audit the query against segment assign). */
  withFeatures?: boolean | undefined;
  /** Also return `segment_name`: the model's name of each segment (`Segment N` without one; NULL with the segment). */
  segmentName?: boolean | undefined;
  /** Names the model in messages (its path). */
  source?: string | undefined;
}

/** The exported query and what it leaves out. */
export interface ExportedSql {
  sql: string;
  /** Steps of the chain the query skips because `segment assign` does not apply them either (dedupe, …). */
  skipped: string[];
  /** What the query does not reproduce, one sentence each (for warnings). */
  notReproduced: string[];
}

/**
 * The SQL query that scores every row of a warehouse table with a saved model: the model's fitted chain (clean
 * steps, select) replayed as one CTE per step, then the assignment rule, returning the id and `segment`. Constants are
 * float64 values written at full precision and every expression keeps segment's order of operations, so the segments
 * equal `segment assign`'s row for row (k-means, hierarchical), except for the training exceptions a model records.
 * Rows `segment assign` would refuse (a feature missing or not finite after the chain) get a NULL segment.
 * DBSCAN models are exported as nearest segment centroid (no core-point rule, no noise). O(chain size + k · d).
 * @throws UsageError for a step SQL cannot express (KNN imputation, isolation-forest flags, validation that
 *   fails the run, date inputs), an unknown dialect, a bad table name or a missing id; DataError for a model
 *   without segments.
 */
export function exportSql(model: ClusterModel, opts: ExportSqlOptions): ExportedSql {
  const d = sqlDialect(opts.dialect);
  const source = opts.source ?? 'the model';
  const table = parseTableName(opts.table)
    .map((p) => d.ident(p))
    .join('.');
  if (model.algorithm === 'hdbscan' || model.algorithm === 'optics') {
    throw new UsageError(
      `${source} is an ${model.algorithm} model, which export-sql cannot write as SQL (its rule reads every training row)`,
      'score it with segment assign',
    );
  }
  const id = opts.id ?? model.id;
  if (id === null || id === undefined || id === '') {
    throw new UsageError(
      `${source} has no id column, and the query must return one next to each segment`,
      'name the column identifying rows with --id COL',
    );
  }
  if (model.segments.length === 0) {
    throw new DataError(`${source} has no segments (every training row was noise): nothing to assign`);
  }
  if (model.algorithm !== 'kmeans' && model.metric === 'gower') {
    const what =
      model.algorithm === 'kmedoids'
        ? 'k-medoids'
        : model.algorithm === 'dbscan'
          ? 'DBSCAN'
          : model.algorithm;
    throw new UsageError(
      `${source} is a ${what} model under Gower's distance, which export-sql cannot write as SQL`,
      `score it with segment assign, or fit ${what} with --distance euclidean or manhattan`,
    );
  }

  if (id === 'segment' || (opts.segmentName && id === segmentNameCol)) {
    throw new UsageError(`the id column is named '${id}', like a column the query returns`, 'rename it');
  }
  const clash = opts.withFeatures
    ? model.features.find((f) => f === 'segment' || (opts.segmentName && f === segmentNameCol))
    : undefined;
  if (clash !== undefined) {
    throw new UsageError(
      `the model has a feature named '${clash}', like a column the query returns`,
      '--with-features would return two columns of that name: leave it out, or drop --segment-name',
    );
  }

  const skipped: string[] = [];
  const notReproduced: string[] = [];
  const steps: SqlStep[] = [];
  const text = new Set<string>();
  const rawTypes = new Map<string, string>();
  for (const c of model.inputSchema ?? []) if (c.kind !== 'numeric') text.add(c.name);

  (model.chain ?? []).forEach((entry, k) => {
    const kind = chainStepKind(entry.stage);
    if (kind?.toSql === undefined) {
      throw new UsageError(
        `${source}: the chain has a '${entry.stage}' stage, which export-sql cannot express`,
        'score prepared data instead, or export a model fitted after clean/select only',
      );
    }
    const where = `${source} (chain stage ${k + 1})`;
    kind.toSql(kind.load(entry.model, where), { dialect: d, index: k, steps, skipped, text, rawTypes });
  });

  // Which columns each step must output: walk back from the model's features.
  const features = model.features;
  let needed = [...features];
  const outputs: string[][] = new Array<string[]>(steps.length);
  for (let s = steps.length - 1; s >= 0; s--) {
    const step = steps[s]!;
    outputs[s] = needed;
    const before: string[] = [];
    const add = (n: string): void => {
      if (!before.includes(n)) before.push(n);
    };
    for (const n of needed) {
      const def = step.defs.get(n);
      if (def === undefined) {
        if (step.removes.has(n)) {
          throw new DataError(
            `${source}: feature '${n}' is removed by the ${step.name} step before the model uses it`,
            'the model file is inconsistent; refit it',
          );
        }
        add(n);
      } else if (isUnsupported(def)) {
        throw new UsageError(
          `${source}: the ${step.name} step (${def.unsupported}) cannot be expressed in SQL (it computes '${n}')`,
          def.hint,
        );
      } else def.deps.forEach(add);
    }
    needed = before;
  }
  const raw = needed;
  if (raw.includes(id) || features.includes(id)) {
    throw new UsageError(`the id column '${id}' is also an input of the model`, 'name another --id');
  }
  for (const n of raw) {
    const type = rawTypes.get(n);
    if (type === 'date' || type === 'timestamp') {
      throw new UsageError(
        `${source}: input column '${n}' is a ${type}, which segment reads as epoch milliseconds; export-sql does not reproduce that`,
        `derive a numeric column from '${n}' (e.g. days since) before segment clean`,
      );
    }
  }

  // Internal column names that cannot clash with the id.
  const internal = (base: string): string => {
    let n = base;
    while (n === id) n = '_' + n;
    return n;
  };
  const okCol = internal('is_finite');
  const distCol = (j: number): string => internal(`dist_${j}`);

  const q = (n: string): string => d.ident(n);
  const ctes: { name: string; comment: string; body: string }[] = [];
  const cteName = (base: string): string => {
    const last = parseTableName(opts.table).pop()!.toLowerCase();
    let n = base;
    while (n.toLowerCase() === last || ctes.some((c) => c.name === n)) n = n + '_';
    return n;
  };
  const select = (cols: string[]): string => `  SELECT\n${cols.map((c) => `    ${c}`).join(',\n')}`;

  // Input: the columns the chain reads, numbers as float64 with NaN read as missing (as segment reads them).
  const inputCols = [`${q(id)} AS ${q(id)}`];
  for (const n of raw) {
    if (text.has(n)) inputCols.push(`CAST(${q(n)} AS ${d.text}) AS ${q(n)}`);
    else if (rawTypes.get(n) === 'boolean') {
      inputCols.push(`CAST(CASE WHEN ${q(n)} THEN 1 WHEN NOT ${q(n)} THEN 0 END AS ${d.double}) AS ${q(n)}`);
    } else {
      const v = `CAST(${q(n)} AS ${d.double})`;
      inputCols.push(`CASE WHEN ${d.isNan(v)} THEN NULL ELSE ${v} END AS ${q(n)}`);
    }
  }
  let prev = cteName('seg_input');
  ctes.push({
    name: prev,
    comment: 'input: the columns the model reads, numbers as float64 (NaN counts as missing, as in segment)',
    body: `${select(inputCols)}\n  FROM ${table}`,
  });
  steps.forEach((step, s) => {
    const out = outputs[s]!;
    if (!out.some((n) => step.defs.has(n))) {
      if (step.defs.size > 0) skipped.push(`${step.name} (the model does not use what it computes)`);
      return;
    }
    const from = prev;
    const cols = [q(id)];
    for (const n of out) {
      const def = step.defs.get(n) as SqlDef | undefined;
      cols.push(def ? `${def.render(q)} AS ${q(n)}` : q(n));
    }
    const name = cteName(`seg_${ctes.length}_${step.name.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`);
    ctes.push({ name, comment: step.comment, body: `${select(cols)}\n  FROM ${from}` });
    prev = name;
  });

  // Assignment: distance to every centre, then the nearest (ties: the lowest index, as segment assign).
  const { centres, labels, metric, what } = centresOf(model);
  const dim = features.length;
  for (const c of centres) {
    if (c.length !== dim) {
      throw new DataError(
        `${source}: a centroid has ${c.length} values for ${dim} features`,
        'refit the model',
      );
    }
  }
  const f = features.map(q);
  const finite = f.map((x) => `${x} - ${x} = 0`).join(' AND ');
  const distCols = [q(id)];
  if (opts.withFeatures) for (const x of f) distCols.push(x);
  distCols.push(`CASE WHEN ${finite} THEN 1 ELSE 0 END AS ${q(okCol)}`);
  centres.forEach((c, j) => distCols.push(`${distance(d, metric, f, c)} AS ${q(distCol(j))}`));
  const distName = cteName('seg_distances');
  ctes.push({
    name: distName,
    comment: `${what}: ${metricLabel(metric)} to each of the ${centres.length} centre(s); ${okCol} = every feature is a finite number`,
    body: `${select(distCols)}\n  FROM ${prev}`,
  });
  const k = centres.length;
  const whens = [`WHEN ${q(okCol)} = 0 THEN NULL`];
  for (let j = 0; j < k - 1; j++) {
    const conds: string[] = [];
    for (let i = j + 1; i < k; i++) conds.push(`${q(distCol(j))} <= ${q(distCol(i))}`);
    whens.push(`WHEN ${conds.join(' AND ')} THEN ${labels[j]!}`);
  }
  const assign = `CASE\n      ${whens.join('\n      ')}\n      ELSE ${labels[k - 1]!}\n    END`;
  const finalCols = [q(id)];
  if (opts.withFeatures) for (const x of f) finalCols.push(x);
  finalCols.push(`${assign} AS ${q('segment')}`);

  if (model.exceptions.length > 0) {
    notReproduced.push(
      `${model.exceptions.length} training exception(s): training rows whose fitted segment differs from the nearest-centre rule keep the rule's segment in SQL`,
    );
  }
  if (model.algorithm === 'dbscan') {
    notReproduced.push(
      "DBSCAN's rule (the segment of the nearest core point within eps, else noise -1): the query assigns every row to the segment with the nearest centroid",
    );
  }

  const header = headerLines(model, d, opts.table, id, skipped, notReproduced, opts.segmentName === true);
  const nearest = '-- the segment of the nearest centre (NULL when a feature is missing or not finite)';
  let tail: string;
  if (opts.segmentName) {
    // The segment as one more CTE, then its name: a CASE over the number, names as string literals.
    ctes.push({
      name: cteName('seg_assigned'),
      comment: nearest.slice(3),
      body: `${select(finalCols)}\n  FROM ${distName}`,
    });
    const names = model.segments.map(
      (s) => `WHEN ${s.segment} THEN ${d.string(segmentDisplayName(model, s.segment))}`,
    );
    const cols = [q(id), ...(opts.withFeatures ? f : []), q('segment')];
    cols.push(`CASE ${q('segment')}\n    ${names.join('\n    ')}\n  END AS ${q(segmentNameCol)}`);
    tail = `-- the name of each segment (NULL with the segment)\nSELECT\n${cols.map((c) => `  ${c}`).join(',\n')}\nFROM ${ctes.at(-1)!.name}`;
  } else {
    tail = `${nearest}\nSELECT\n${finalCols.map((c) => `  ${c.replaceAll('\n  ', '\n')}`).join(',\n')}\nFROM ${distName}`;
  }
  const body = ctes
    .map((c, i) => `${i === 0 ? 'WITH\n' : ''}-- ${commentText(c.comment)}\n${c.name} AS (\n${c.body}\n)`)
    .join(',\n');
  const sql = `${header.map((l) => `-- ${commentText(l)}`.trimEnd()).join('\n')}\n${body}\n${tail}\n`;
  return { sql, skipped, notReproduced };
}

/** Text safe inside a `--` comment: names from the model cannot end the comment line. */
function commentText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ');
}

function headerLines(
  model: ClusterModel,
  d: SqlDialect,
  table: string,
  id: string,
  skipped: string[],
  notReproduced: string[],
  segmentName: boolean,
): string[] {
  const stages = (model.chain ?? []).map((c) => c.stage);
  const lines = [
    `segment export-sql (${d.name}): scores ${table} with a ${model.algorithm} model of ${model.segments.length} segment(s)`,
    `model ${model.hash ?? '(no hash)'}, written by segment ${model.toolVersion}`,
    `chain: ${[...stages, model.algorithm].join(' -> ')}; features: ${model.features.join(', ')}`,
    `returns ${id} and segment${segmentName ? ' (and its name, segment_name)' : ''}; segment is NULL where segment assign would refuse the row (a feature missing or`,
    `not finite after the chain)`,
  ];
  if (skipped.length > 0)
    lines.push('', 'not applied here (segment assign does not apply them to new rows either):');
  for (const s of skipped) lines.push(`  - ${s}`);
  if (notReproduced.length > 0) lines.push('', 'not reproduced:');
  for (const s of notReproduced) lines.push(`  - ${s}`);
  return lines;
}

function metricLabel(m: Distance): string {
  return m === 'euclidean'
    ? 'squared euclidean distance'
    : m === 'manhattan'
      ? 'manhattan distance'
      : 'cosine distance';
}

/** The centres the rule compares rows with, the segment of each, and the metric. */
function centresOf(model: ClusterModel): {
  centres: number[][];
  labels: number[];
  metric: Distance;
  what: string;
} {
  if (model.algorithm === 'kmeans') {
    return {
      centres: model.centroids,
      labels: model.centroidSegment,
      metric: 'euclidean',
      what: 'k-means',
    };
  }
  if (model.algorithm === 'kmedoids') {
    // Gower models are refused before; euclidean and manhattan medoids have no missing value (checked on load).
    return {
      centres: model.medoids.map((r) => r.map((v) => v ?? NaN)),
      labels: model.medoidSegment,
      metric: model.metric === 'manhattan' ? 'manhattan' : 'euclidean',
      what: `k-medoids (${model.metric}, nearest medoid)`,
    };
  }
  return {
    centres: model.segments.map((s) => s.centroid),
    labels: model.segments.map((s) => s.segment),
    // Gower models are refused before.
    metric: model.metric as Distance,
    what:
      model.algorithm === 'hierarchical'
        ? `hierarchical (${model.linkage})`
        : `${model.algorithm === 'dbscan' ? 'DBSCAN' : 'HDBSCAN'} (nearest segment centroid)`,
  };
}

/** Distance of a row (feature expressions `f`) to a constant centre, summed in feature order as segment does. */
function distance(d: SqlDialect, metric: Distance, f: string[], c: number[]): string {
  const lit = (x: number): string => float64(d, x);
  const sep = '\n      + ';
  if (metric === 'euclidean')
    return f.map((x, t) => `(${x} - ${lit(c[t]!)}) * (${x} - ${lit(c[t]!)})`).join(sep);
  if (metric === 'manhattan') return f.map((x, t) => `ABS(${x} - ${lit(c[t]!)})`).join(sep);
  let nb = 0;
  for (const y of c) nb += y * y;
  if (nb === 0) return lit(1);
  const dot = f.map((x, t) => `${x} * ${lit(c[t]!)}`).join(' + ');
  const na = f.map((x) => `${x} * ${x}`).join(' + ');
  return `CASE WHEN ${na} = 0 THEN ${lit(1)} ELSE ${lit(1)} - (${dot}) / SQRT((${na}) * ${lit(nb)}) END`;
}
