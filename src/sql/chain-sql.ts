import type { CleanModel } from '../clean/clean-model.js';
import { UsageError } from '../core/errors.js';
import type { SelectModel } from '../select/select-model.js';
import { float64, type SqlDialect } from './dialects.js';

// The fitted chain's steps as SQL: each step kind that export-sql can express renders itself into SqlSteps (one CTE
// each) through a SqlChainContext. The step kinds and their order come from the registry (model/kinds.ts).

/** A column computed by a step from columns of the previous step. */
export interface SqlDef {
  deps: string[];
  /** The SQL expression, given how to reference a column of the previous step. */
  render: (ref: (name: string) => string) => string;
}

/** A column a step produces but SQL cannot compute. */
export interface SqlUnsupported {
  unsupported: string;
  hint: string;
}

/** One step of the chain as one CTE: the columns it defines and those it removes (others pass through). */
export interface SqlStep {
  name: string;
  comment: string;
  defs: Map<string, SqlDef | SqlUnsupported>;
  removes: Set<string>;
}

/** Whether a column definition is one SQL cannot compute. */
export const isUnsupported = (d: SqlDef | SqlUnsupported): d is SqlUnsupported => 'unsupported' in d;

/** What a chain step renders itself into (one `toSql` call per chain entry, oldest first). */
export interface SqlChainContext {
  dialect: SqlDialect;
  /** 0-based position of the entry in the chain. */
  index: number;
  /** The CTEs so far, one per step. */
  steps: SqlStep[];
  /** Steps the query leaves out because `segment assign` does not apply them either, one sentence each. */
  skipped: string[];
  /** Columns that hold text (cast as text in the input). */
  text: Set<string>;
  /** Types of the raw input columns, as the first stage recorded them (`date`, `boolean`, …). */
  rawTypes: Map<string, string>;
}

/** A clean model as SQL steps: its input's column kinds and types (first stage), then one step per clean step. */
export function cleanSql(m: CleanModel, ctx: SqlChainContext): void {
  if (ctx.index === 0) for (const c of m.input?.columns ?? []) if (c.type) ctx.rawTypes.set(c.name, c.type);
  for (const c of m.input?.columns ?? []) if (c.kind !== 'numeric') ctx.text.add(c.name);
  cleanSteps(ctx.dialect, m, ctx.steps, ctx.skipped, ctx.text);
}

/** A select model as SQL steps: the filters' drops, then PCA. */
export function selectSql(m: SelectModel, ctx: SqlChainContext): void {
  selectSteps(ctx.dialect, m, ctx.steps);
}

/** 0/1 (or a level index) as float64. */
function asDouble(d: SqlDialect, expr: string): string {
  return `CAST(${expr} AS ${d.double})`;
}

function cleanSteps(
  d: SqlDialect,
  m: CleanModel,
  steps: SqlStep[],
  skipped: string[],
  text: Set<string>,
): void {
  const lit = (x: number): string => float64(d, x);
  for (const step of m.steps) {
    const defs = new Map<string, SqlDef | SqlUnsupported>();
    const removes = new Set<string>();
    switch (step.step) {
      case 'validate':
        if (step.onInvalid === 'fail') {
          throw new UsageError(
            'the clean step validate (--on-invalid fail) cannot be expressed in SQL: a query cannot stop the run on an invalid row',
            're-clean with --on-invalid report (segment assign keeps and scores every row then)',
          );
        }
        skipped.push(
          `clean validate (${step.rules.length} rule(s), --on-invalid ${step.onInvalid}): segment assign only reports invalid rows`,
        );
        continue;
      case 'dedupe':
        skipped.push('clean dedupe: new rows are scored one by one');
        continue;
      case 'drop':
        for (const c of step.columns) removes.add(c);
        steps.push({ name: 'clean drop', comment: `clean · drop ${step.columns.join(', ')}`, defs, removes });
        continue;
      case 'infinite': {
        // ±∞ are the only values beyond the largest finite float64.
        const big = lit(Number.MAX_VALUE);
        for (const { name, lo, hi } of step.columns) {
          defs.set(name, {
            deps: [name],
            render: (r) =>
              step.action === 'missing'
                ? `CASE WHEN ${r(name)} > ${big} OR ${r(name)} < -${big} THEN NULL ELSE ${r(name)} END`
                : `CASE WHEN ${r(name)} > ${big} THEN ${lit(hi)} WHEN ${r(name)} < -${big} THEN ${lit(lo)} ELSE ${r(name)} END`,
          });
        }
        steps.push({
          name: 'clean infinite',
          comment: `clean · infinite values of ${step.columns.map((c) => c.name).join(', ')} ${step.action === 'missing' ? 'made missing' : 'clipped to the training range'}`,
          defs,
          removes,
        });
        continue;
      }
      case 'log1p':
        for (const c of step.columns) defs.set(c, { deps: [c], render: (r) => d.log1p(r(c)) });
        steps.push({
          name: 'clean log1p',
          comment: `clean · log1p: log(1 + x) of ${step.columns.join(', ')}`,
          defs,
          removes,
        });
        continue;
      case 'outliers': {
        if (step.method === 'iforest') {
          if (step.action === 'drop') {
            skipped.push(
              'clean outliers (isolation forest, drop): segment assign keeps and scores every row',
            );
            continue;
          }
          defs.set(step.flagColumn, {
            unsupported: 'isolation-forest outlier flag',
            hint: 're-clean with --outliers iqr or --outliers zscore for SQL export, or leave the flag out of the features',
          });
          steps.push({
            name: 'clean outliers',
            comment: 'clean · outliers (isolation forest)',
            defs,
            removes,
          });
          continue;
        }
        if (step.action === 'drop') {
          skipped.push(`clean outliers (${step.method}, drop): segment assign keeps and scores every row`);
          continue;
        }
        if (step.action === 'clip') {
          for (const { name, lower, upper } of step.columns) {
            defs.set(name, {
              deps: [name],
              render: (r) =>
                `CASE WHEN ${r(name)} < ${lit(lower)} THEN ${lit(lower)} WHEN ${r(name)} > ${lit(upper)} THEN ${lit(upper)} ELSE ${r(name)} END`,
            });
          }
        } else {
          const cols = step.columns;
          defs.set(step.flagColumn, {
            deps: cols.map((c) => c.name),
            render: (r) =>
              asDouble(
                d,
                `CASE WHEN ${cols.map(({ name, lower, upper }) => `${r(name)} < ${lit(lower)} OR ${r(name)} > ${lit(upper)}`).join(' OR ') || 'FALSE'} THEN 1 ELSE 0 END`,
              ),
          });
        }
        steps.push({
          name: 'clean outliers',
          comment: `clean · outliers (${step.method} fences, ${step.action}${step.action === 'flag' ? ` into ${step.flagColumn}` : ''}); missing values are never outliers`,
          defs,
          removes,
        });
        continue;
      }
      case 'impute': {
        for (const name of step.indicators) {
          defs.set(name + '_missing', {
            deps: [name],
            render: (r) => asDouble(d, `CASE WHEN ${r(name)} IS NULL THEN 1 ELSE 0 END`),
          });
        }
        for (const e of step.numeric) {
          if (e.strategy === 'knn' || e.value === null) {
            defs.set(e.name, {
              unsupported: `KNN imputation of '${e.name}'`,
              hint: 're-clean with --impute median (or mean, mode, constant) for SQL export',
            });
          } else {
            const v = e.value;
            defs.set(e.name, { deps: [e.name], render: (r) => `COALESCE(${r(e.name)}, ${lit(v)})` });
          }
        }
        for (const e of step.text) {
          text.add(e.name);
          defs.set(e.name, { deps: [e.name], render: (r) => `COALESCE(${r(e.name)}, ${d.string(e.value)})` });
        }
        const what = [...step.numeric, ...step.text].map((e) => `${e.name} (${e.strategy})`).join(', ');
        steps.push({
          name: 'clean impute',
          comment: `clean · impute: missing values get the training value: ${what}${step.indicators.length > 0 ? `; indicators ${step.indicators.map((n) => n + '_missing').join(', ')}` : ''}`,
          defs,
          removes,
        });
        continue;
      }
      case 'scale':
        for (const { name, center, scale } of step.columns) {
          defs.set(name, { deps: [name], render: (r) => `(${r(name)} - ${lit(center)}) / ${lit(scale)}` });
        }
        if (step.constantAction === 'drop') for (const c of step.constant) removes.add(c);
        steps.push({
          name: 'clean scale',
          comment: `clean · scale (${step.method}): (x - center) / scale${step.constant.length > 0 ? `; constant column(s) ${step.constant.join(', ')} ${step.constantAction === 'drop' ? 'dropped' : 'left as they are'}` : ''}`,
          defs,
          removes,
        });
        continue;
      case 'encode': {
        const strict = step.unseen === 'error';
        for (const enc of step.columns) {
          text.add(enc.name);
          removes.add(enc.name);
          const known = enc.levels.map((l) => d.string(l)).join(', ');
          if (step.method === 'onehot') {
            enc.outputs.forEach((out, k) => {
              const level = d.string(enc.levels[k]!);
              defs.set(out, {
                deps: [enc.name],
                render: (r) =>
                  asDouble(
                    d,
                    strict
                      ? `CASE WHEN ${r(enc.name)} = ${level} THEN 1 WHEN ${r(enc.name)} IS NULL OR ${r(enc.name)} IN (${known}) THEN 0 END`
                      : `CASE WHEN ${r(enc.name)} = ${level} THEN 1 ELSE 0 END`,
                  ),
              });
            });
          } else {
            defs.set(enc.name, {
              deps: [enc.name],
              render: (r) =>
                asDouble(
                  d,
                  `CASE ${r(enc.name)} ${enc.levels.map((l, k) => `WHEN ${d.string(l)} THEN ${k}`).join(' ')} END`,
                ),
            });
            removes.delete(enc.name);
          }
        }
        steps.push({
          name: 'clean encode',
          comment: `clean · encode (${step.method}) ${step.columns.map((c) => c.name).join(', ')}: ${
            step.method === 'onehot' ? 'one 0/1 column per training level' : 'the level index'
          }; a missing value is ${step.method === 'onehot' ? 'all zeros' : 'missing'}, an unseen level ${
            strict
              ? 'makes the row missing (segment assign stops on it)'
              : step.method === 'onehot'
                ? 'all zeros'
                : 'missing'
          }`,
          defs,
          removes,
        });
        continue;
      }
    }
  }
}

function selectSteps(d: SqlDialect, m: SelectModel, steps: SqlStep[]): void {
  const lit = (x: number): string => float64(d, x);
  const removed = new Set<string>();
  for (const s of m.steps) {
    if (s.step === 'variance-threshold' || s.step === 'rfe') for (const c of s.dropped) removed.add(c);
    else if (s.step === 'correlation') for (const c of s.dropped) removed.add(c.column);
  }
  if (removed.size > 0) {
    steps.push({
      name: 'select drop',
      comment: `select · features dropped by the filters: ${[...removed].join(', ')}`,
      defs: new Map(),
      removes: removed,
    });
  }
  for (const s of m.steps) {
    if (s.step !== 'pca') continue;
    const defs = new Map<string, SqlDef | SqlUnsupported>();
    s.names.forEach((name, k) => {
      const row = s.components[k]!;
      defs.set(name, {
        deps: [...s.features],
        render: (r) =>
          s.features
            .map((f, j) => `((${r(f)} - ${lit(s.mean[j]!)}) / ${lit(s.scale[j]!)}) * ${lit(row[j]!)}`)
            .join('\n      + '),
      });
    });
    steps.push({
      name: 'select pca',
      comment: `select · PCA: ${s.names.join(', ')} = ((x - mean) / scale) · loadings over ${s.features.join(', ')}`,
      defs,
      removes: new Set(m.features),
    });
  }
}
