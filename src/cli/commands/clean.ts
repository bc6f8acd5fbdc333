import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { applyCleanModelWithReport, fitClean, type CleanParams } from '../../clean/clean.js';
import { keepPolicies, type KeepPolicy } from '../../clean/dedupe.js';
import { encodeMethods, unseenPolicies, type EncodeMethod, type UnseenPolicy } from '../../clean/encoder.js';
import {
  imputeStrategies,
  knnWeightings,
  type ImputeStrategy,
  type KnnWeighting,
} from '../../clean/imputer.js';
import { cleanModelText, infActions, loadCleanModel, type InfAction } from '../../clean/model.js';
import {
  outlierActions,
  outlierMethods,
  type OutlierAction,
  type OutlierMethod,
} from '../../clean/outliers.js';
import { constantActions, scaleMethods, type ConstantAction, type ScaleMethod } from '../../clean/scaler.js';
import { similarityMethods, type SimilarityMethod } from '../../clean/text-similarity.js';
import {
  allowedRule,
  invalidActions,
  parseDate,
  parseRulesYaml,
  patternRule,
  rangeRules,
  type InvalidAction,
  type ValidationRule,
} from '../../clean/validate.js';
import { UsageError } from '../../core/errors.js';
import { WorkerPool } from '../../core/worker-pool.js';
import { readDataset } from '../../io/read.js';
import { contextFrom } from '../context.js';
import { addInputOptions, readOptionsFrom, type InputFlags } from '../io-options.js';
import { checkedText, describeParser, intAtLeast, list, positiveNumber } from '../options.js';
import { version } from '../version.js';
import { round3 } from '../../core/format.js';

interface CleanFlags extends InputFlags {
  id?: string;
  features?: string[];
  exclude?: string[];
  drop?: string[];
  rules?: string;
  require?: string[];
  range?: string[];
  pattern?: string[];
  allowed?: string[];
  past?: string[];
  asOf?: string;
  onInvalid: InvalidAction;
  dedupe?: string[];
  dedupeRows?: boolean;
  keep: KeepPolicy;
  fuzzyDedupe?: string;
  similarity: number;
  fuzzyMethod: SimilarityMethod;
  fuzzyWindow: number;
  fuzzyDigits: 'exact' | 'similar';
  log?: string[];
  outliers: OutlierMethod;
  outlierAction: OutlierAction;
  inf: InfAction;
  outlierCol: string;
  iqrFactor: number;
  zscoreThreshold: number;
  contamination: string;
  nEstimators: number;
  maxSamples: number;
  impute: string;
  fillValue?: string;
  knnK: number;
  knnWeights: KnnWeighting;
  missingIndicators?: boolean;
  scale: ScaleMethod;
  constant: ConstantAction;
  encode: EncodeMethod;
  encodeCols?: string[];
  maxLevels: number;
  unseen: UnseenPolicy;
  apply?: string;
  keepAllRows?: boolean;
  output?: string;
  model?: string;
  json?: boolean;
}

const similarityValue = describeParser(
  (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !(n > 0 && n <= 1))
      throw new InvalidArgumentError(`expected a number in (0, 1], got '${v}'.`);
    return n;
  },
  { type: 'number', exclusiveMinimum: 0, maximum: 1 },
);

const collect = describeParser(
  (v: string, prev: string[] = []): string[] => [...prev, v],
  { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
  true,
);

/**
 * Parse `--impute`: a strategy for every numeric column, per-column `col=strategy` entries, or both
 * (`median,age=knn`).
 * @throws UsageError for an unknown strategy, two defaults, or an empty entry.
 */
export function parseImputeSpec(spec: string): {
  strategy: ImputeStrategy;
  perColumn: Record<string, ImputeStrategy>;
} {
  let strategy: ImputeStrategy | undefined;
  const perColumn: Record<string, ImputeStrategy> = {};
  const known = (s: string, where: string): ImputeStrategy => {
    if (!(imputeStrategies as readonly string[]).includes(s)) {
      throw new UsageError(
        `--impute: unknown strategy '${s}'${where}`,
        `use one of: ${imputeStrategies.join(', ')}`,
      );
    }
    return s as ImputeStrategy;
  };
  for (const raw of spec.split(',')) {
    const part = raw.trim();
    if (part === '') throw new UsageError(`--impute: empty entry in '${spec}'`);
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (strategy !== undefined) {
        throw new UsageError(
          `--impute: two default strategies ('${strategy}' and '${part}')`,
          'give one, plus col=strategy entries',
        );
      }
      strategy = known(part, '');
    } else {
      const col = part.slice(0, eq).trim();
      if (col === '') throw new UsageError(`--impute: missing column name in '${part}'`);
      perColumn[col] = known(part.slice(eq + 1).trim(), ` for column '${col}'`);
    }
  }
  return { strategy: strategy ?? 'none', perColumn };
}

/**
 * Parse `--contamination`: `auto` or an outlier share in (0, 0.5].
 * @throws UsageError for anything else.
 */
function parseContamination(v: string): number | 'auto' {
  if (v === 'auto') return 'auto';
  const x = Number(v);
  if (v.trim() === '' || !(x > 0 && x <= 0.5))
    throw new UsageError(`--contamination must be auto or a number in (0, 0.5], got '${v}'`);
  return x;
}

/** `--impute` checked as commander parses it (so `segment run` refuses a bad spec before any step runs). */
const checkedImputeSpec = checkedText(parseImputeSpec, { type: 'string', minLength: 1 });

/** Options that only make sense when fitting (refused with --apply). */
const fitOnly = [
  'features',
  'exclude',
  'drop',
  'rules',
  'require',
  'range',
  'pattern',
  'allowed',
  'past',
  'onInvalid',
  'dedupe',
  'dedupeRows',
  'keep',
  'fuzzyDedupe',
  'similarity',
  'fuzzyMethod',
  'fuzzyWindow',
  'fuzzyDigits',
  'inf',
  'log',
  'outliers',
  'outlierAction',
  'outlierCol',
  'iqrFactor',
  'zscoreThreshold',
  'contamination',
  'nEstimators',
  'maxSamples',
  'impute',
  'fillValue',
  'knnK',
  'knnWeights',
  'missingIndicators',
  'scale',
  'constant',
  'encode',
  'encodeCols',
  'maxLevels',
  'model',
];

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

async function rulesFrom(flags: CleanFlags): Promise<ValidationRule[]> {
  const rules: ValidationRule[] = [];
  if (flags.rules) {
    let text: string;
    try {
      text = await readFile(flags.rules, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(
        `${flags.rules}: ${code === 'ENOENT' ? 'rules file not found' : 'cannot read the rules file'}`,
      );
    }
    rules.push(...parseRulesYaml(text, flags.rules));
  }
  for (const column of flags.require ?? []) rules.push({ column, check: 'required' });
  for (const spec of flags.range ?? []) {
    for (const part of spec.split(',')) {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new UsageError(`--range expects COL=MIN..MAX, got '${part}'`);
      rules.push(...rangeRules(part.slice(0, eq).trim(), part.slice(eq + 1)));
    }
  }
  for (const spec of flags.pattern ?? []) rules.push(patternRule(spec));
  for (const spec of flags.allowed ?? []) rules.push(allowedRule(spec));
  for (const column of flags.past ?? []) rules.push({ column, check: 'past' });
  return rules;
}

function asOfFrom(flags: CleanFlags): number | undefined {
  if (flags.asOf === undefined) return undefined;
  const ms = parseDate(flags.asOf);
  if (Number.isNaN(ms))
    throw new UsageError(`--as-of '${flags.asOf}' is not a date`, 'use YYYY-MM-DD or an ISO-8601 timestamp');
  return ms;
}

/** `segment clean <data>`: validate, dedupe, log, outliers, impute, scale, encode; or replay a saved model. */
export function registerClean(program: Command): void {
  const cmd = program
    .command('clean')
    .description('validate, dedupe, impute, scale, handle outliers and encode; record every fitted step')
    .argument('<data>', 'input file, or - for CSV on stdin')
    .option('--id <col>', 'id column, carried through untouched')
    .option(
      '--features <cols>',
      'numeric columns to clean (default: every numeric column but the id and dates)',
      list,
    )
    .option('--exclude <cols>', 'columns to leave out of the default features', list)
    .option('--drop <cols>', 'remove these columns (after validation and dedupe)', list)
    .option(
      '--rules <file>',
      'validation rules (YAML: columns → required, type, min, max, pattern, in, past)',
    )
    .option('--require <cols>', 'validation: these columns must not be missing', list)
    .option(
      '--range <col=min..max>',
      'validation: inclusive range (numbers or dates; a side may be empty); repeatable',
      collect,
    )
    .option('--pattern <col=regex>', 'validation: the whole value must match; repeatable', collect)
    .option('--allowed <col=a|b|c>', 'validation: allowed values; repeatable', collect)
    .option('--past <cols>', 'validation: dates not after --as-of', list)
    .option('--as-of <date>', 'the date of --past rules (default: now)')
    .addOption(
      new Option('--on-invalid <action>', 'rows breaking a rule: report them, drop them, or fail (exit 1)')
        .choices(invalidActions)
        .default('report'),
    )
    .option('--dedupe <cols>', 'remove rows with the same value of these key columns (composite key)', list)
    .option('--dedupe-rows', 'remove rows identical in every column')
    .addOption(
      new Option('--keep <policy>', 'which duplicate survives').choices(keepPolicies).default('first'),
    )
    .option(
      '--fuzzy-dedupe <col>',
      'remove rows whose text in this column is near-identical after normalisation',
    )
    .option('--similarity <x>', 'fuzzy dedupe: minimum similarity in (0, 1]', similarityValue, 0.92)
    .addOption(
      new Option('--fuzzy-method <name>', 'fuzzy dedupe similarity')
        .choices(similarityMethods)
        .default('jaro-winkler'),
    )
    .addOption(
      new Option(
        '--fuzzy-digits <mode>',
        'fuzzy dedupe: digits must be equal (exact) or only similar like letters',
      )
        .choices(['exact', 'similar'])
        .default('exact'),
    )
    .option('--fuzzy-window <n>', 'fuzzy dedupe: sorted-neighbourhood window (blocking)', intAtLeast(2), 10)
    .addOption(
      new Option(
        '--inf <action>',
        'infinite values (inf, -inf) in the numeric columns: refuse them, make them missing (then impute), or clip them to the finite range',
      )
        .choices(infActions)
        .default('error'),
    )
    .option('--log <cols>', 'replace these columns by log(1 + x) (skewed money columns)', list)
    .addOption(new Option('--outliers <method>', 'outlier detection').choices(outlierMethods).default('none'))
    .addOption(
      new Option(
        '--outlier-action <action>',
        'add an `outlier` 0/1 column, clip to the bounds, or drop the rows',
      )
        .choices(outlierActions)
        .default('flag'),
    )
    .option('--outlier-col <name>', 'name of the 0/1 column --outlier-action flag adds', 'outlier')
    .option('--iqr-factor <x>', 'IQR fences at Q1 - x·IQR and Q3 + x·IQR', positiveNumber, 1.5)
    .option('--zscore-threshold <x>', 'z-score outliers beyond mean ± x·std', positiveNumber, 3)
    .option(
      '--contamination <x|auto>',
      'isolation forest: outlier share in (0, 0.5], or auto (score < -0.5)',
      checkedText(parseContamination, {
        anyOf: [{ type: 'number', exclusiveMinimum: 0, maximum: 0.5 }, { const: 'auto' }],
      }),
      'auto',
    )
    .option('--n-estimators <n>', 'isolation forest: trees', intAtLeast(1), 100)
    .option('--max-samples <n>', 'isolation forest: rows per tree', intAtLeast(1), 256)
    .option(
      '--impute <spec>',
      `strategy (${imputeStrategies.join('|')}) for every numeric column, and/or col=strategy entries, e.g. median,age=knn`,
      checkedImputeSpec,
      'none',
    )
    .option('--fill-value <x>', 'value of the constant strategy (default 0, or missing_value for text)')
    .option('--knn-k <n>', 'KNN imputation: neighbours', intAtLeast(1), 5)
    .addOption(
      new Option('--knn-weights <w>', 'KNN imputation: donor weights')
        .choices(knnWeightings)
        .default('uniform'),
    )
    .option('--missing-indicators', 'add a 0/1 <col>_missing column for every imputed column that had gaps')
    .addOption(new Option('--scale <method>', 'scaling').choices(scaleMethods).default('none'))
    .addOption(
      new Option('--constant <action>', 'constant columns: leave unscaled or drop')
        .choices(constantActions)
        .default('keep'),
    )
    .addOption(new Option('--encode <method>', 'categorical encoding').choices(encodeMethods).default('none'))
    .option(
      '--encode-cols <cols>',
      'columns to encode (default: categorical columns with at most --max-levels levels)',
      list,
    )
    .option('--max-levels <n>', 'default --encode columns have at most this many levels', intAtLeast(1), 50)
    .addOption(
      new Option(
        '--unseen <policy>',
        'a level unseen at fit time: ignore (all zeros / missing, counted) or error',
      )
        .choices(unseenPolicies)
        .default('ignore'),
    )
    .option('--apply <model>', 'replay a saved clean model on this data instead of fitting')
    .option('--keep-all-rows', 'with --apply: keep rows the model would drop (validation / outliers)')
    .option('-o, --output <path>', 'cleaned data (.parquet, .csv, .json; - = CSV on stdout)')
    .option('--model <path>', 'write the fitted clean model (JSON) for --apply, assign and run')
    .option('--json', 'print the cleaning report (per step: counts, examples, warnings) as JSON on stdout');
  addInputOptions(cmd).addHelpText(
    'after',
    `
Steps run in this order: validate -> dedupe -> drop -> log -> outliers -> impute -> scale -> encode.
Outliers are detected on the observed values, before imputation. Every fitted statistic is recorded in
--model (and in the Parquet output's metadata); --apply replays it on new raw data without refitting
(dedupe is not replayed). The --id column is never transformed.

Cost: dedupe O(n) (keys) and O(n log n + n·window) (fuzzy, sorted-neighbourhood blocking); KNN imputation
keeps the training rows in the model and searches them per incomplete row; isolation forest O(n·trees·log 256).

Examples:
  $ segment clean customers.csv --id customer_id --dedupe-rows --fuzzy-dedupe email -o dedup.parquet
  $ segment clean customers.parquet --id customer_id --impute knn --knn-k 5 --scale zscore \\
      --outliers iqr --outlier-action clip --encode onehot -o clean.parquet --model clean.json
  $ segment clean new.csv --apply clean.json -o new-clean.parquet
  $ segment clean customers.csv --rules rules.yaml --on-invalid drop --json`,
  );
  cmd.action(async (data: string, flags: CleanFlags, self: Command) => {
    const ctx = contextFrom(self);
    if (!flags.output && !flags.model && !flags.json) {
      throw new UsageError('clean writes nothing without -o, --model or --json', 'add -o clean.parquet');
    }
    if (flags.json && flags.output === '-')
      throw new UsageError('--json and -o - both write to stdout; pick one');
    const out = await ctx.outputs(
      [
        { flag: 'input', path: data },
        { flag: '--apply', path: flags.apply },
        { flag: '--rules', path: flags.rules },
      ],
      [
        { flag: '-o', path: flags.output },
        { flag: '--model', path: !flags.apply && flags.model },
      ],
    );
    const asOf = asOfFrom(flags);
    const started = performance.now();

    if (flags.apply) {
      for (const name of fitOnly) {
        if (self.getOptionValueSource(name) === 'cli') {
          throw new UsageError(
            `--${kebab(name)} cannot be combined with --apply: the saved model decides every step`,
            'fit a new model without --apply',
          );
        }
      }
      const model = await loadCleanModel(flags.apply);
      const ds = await readDataset(data, readOptionsFrom(flags, ctx));
      const needsPool = model.steps.some((s) => s.step === 'impute' && s.knn !== null);
      const pool = needsPool ? new WorkerPool(ctx.threads) : undefined;
      let result;
      try {
        result = await applyCleanModelWithReport(ds, model, {
          pool,
          unseen: self.getOptionValueSource('unseen') === 'cli' ? flags.unseen : undefined,
          dropRows: !flags.keepAllRows,
          asOf,
        });
      } finally {
        await pool?.close();
      }
      if (flags.output) await out.writeDataset('-o', result.data);
      await out.commit();
      const { rows: _rows, ...summary } = result.report;
      if (flags.json) {
        ctx.printJson({
          ...summary,
          input: data === '-' ? 'stdin' : data,
          model: flags.apply,
          output: flags.output ?? null,
          seconds: round3((performance.now() - started) / 1000),
        });
      }
      const unseen = Object.values(result.report.encoding?.unseen ?? {}).reduce((a, b) => a + b, 0);
      if (unseen > 0)
        ctx.logger.log(
          'warn',
          `${unseen} value(s) of categorical levels unseen at fit time were encoded as no level`,
        );
      ctx.logger.log(
        'info',
        `applied ${flags.apply}: ${summary.nRowsIn.toLocaleString('en-US')} -> ${summary.nRowsOut.toLocaleString('en-US')} rows`,
      );
      return;
    }

    if (flags.keepAllRows) throw new UsageError('--keep-all-rows applies to --apply only');
    const contamination = parseContamination(flags.contamination);
    const impute = parseImputeSpec(flags.impute);
    const fuzzy = flags.fuzzyDedupe
      ? {
          column: flags.fuzzyDedupe,
          similarity: flags.similarity,
          method: flags.fuzzyMethod,
          window: flags.fuzzyWindow,
          digits: flags.fuzzyDigits,
        }
      : undefined;
    const rules = await rulesFrom(flags);
    const params: CleanParams = {
      id: flags.id,
      features: flags.features,
      exclude: flags.exclude,
      drop: flags.drop,
      rules,
      onInvalid: flags.onInvalid,
      asOf,
      dedupe: { keys: flags.dedupe, rows: flags.dedupeRows, fuzzy, keep: flags.keep },
      inf: flags.inf,
      log: flags.log,
      outliers: {
        method: flags.outliers,
        action: flags.outlierAction,
        flagColumn: flags.outlierCol,
        iqrFactor: flags.iqrFactor,
        zThreshold: flags.zscoreThreshold,
        contamination,
        nEstimators: flags.nEstimators,
        maxSamples: flags.maxSamples,
      },
      impute: {
        strategy: impute.strategy,
        perColumn: impute.perColumn,
        fillValue: flags.fillValue,
        knnK: flags.knnK,
        knnWeights: flags.knnWeights,
        indicators: flags.missingIndicators,
      },
      scale: { method: flags.scale, constant: flags.constant },
      encode: {
        method: flags.encode,
        columns: flags.encodeCols,
        maxLevels: flags.maxLevels,
        unseen: flags.unseen,
      },
      seed: ctx.seed,
    };
    const usesKnn = impute.strategy === 'knn' || Object.values(impute.perColumn).includes('knn');
    const ds = await readDataset(data, readOptionsFrom(flags, ctx));
    const pool = usesKnn ? new WorkerPool(ctx.threads) : undefined;
    let fit;
    try {
      fit = await fitClean(ds, params, {
        pool,
        toolVersion: version,
        source: data === '-' ? 'stdin' : data,
      });
    } finally {
      await pool?.close();
    }
    for (const w of fit.report.warnings) ctx.logger.log('warn', w);
    if (fit.report.validation && fit.report.validation.rowsFailing > 0) {
      ctx.logger.log(
        'warn',
        `${fit.report.validation.rowsFailing} row(s) break a validation rule` +
          (fit.report.validation.rowsDropped > 0 ? ' (dropped)' : ' (kept; --on-invalid drop removes them)'),
      );
    }
    if (flags.output) await out.writeDataset('-o', fit.data);
    if (flags.model) await out.writeText('--model', cleanModelText(fit.model));
    await out.commit();
    if (flags.json) {
      ctx.printJson({
        ...fit.report,
        input: data === '-' ? 'stdin' : data,
        output: flags.output ?? null,
        model: flags.model ?? null,
        seconds: round3((performance.now() - started) / 1000),
      });
    }
    const r = fit.report;
    const parts = [`${r.nRowsIn.toLocaleString('en-US')} -> ${r.nRowsOut.toLocaleString('en-US')} rows`];
    if (r.dedupe) parts.push(`${r.dedupe.rowsRemoved} duplicate(s) removed`);
    if (r.outliers)
      parts.push(
        `${r.outliers.rows} outlier row(s) ${r.outliers.action === 'drop' ? 'dropped' : r.outliers.action === 'clip' ? 'clipped' : 'flagged'}`,
      );
    if (r.imputation) parts.push(`${r.imputation.total} value(s) imputed`);
    if (r.scaling) parts.push(`${r.scaling.columns.length} column(s) scaled (${r.scaling.method})`);
    if (r.encoding) parts.push(`${r.encoding.columns.length} column(s) encoded (${r.encoding.method})`);
    ctx.logger.log('info', parts.join(', '));
  });
}
