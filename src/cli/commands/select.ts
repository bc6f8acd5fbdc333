import { InvalidArgumentError, Option, type Command } from 'commander';
import { Dataset, numericColumn, takeColumn, type Column } from '../../core/dataset.js';
import { UsageError } from '../../core/errors.js';
import { WorkerPool } from '../../core/worker-pool.js';
import { readDataset } from '../../io/read.js';
import { pcaEmbedding, tsne, type Embedding } from '../../select/embed.js';
import { applySelectModel, loadSelectModel, selectModelText } from '../../select/model.js';
import type { PcaParams } from '../../select/pca.js';
import { fitSelect, type SelectParams } from '../../select/select.js';
import { contextFrom, type Context } from '../context.js';
import { addInputOptions, readOptionsFrom, type InputFlags } from '../io-options.js';
import { describeParser, intAtLeast, list, positiveNumber, checkedText } from '../options.js';
import { version } from '../version.js';
import { round3 } from '../../core/format.js';

interface SelectFlags extends InputFlags {
  id?: string;
  features?: string[];
  exclude?: string[];
  varianceThreshold?: number;
  maxCorr?: number;
  pca?: string;
  standardize?: boolean;
  rfe?: number;
  rfecv?: boolean;
  target?: string;
  surrogateK?: number;
  cv: number;
  minFeatures: number;
  rfeStep: number;
  importance: 'impurity' | 'permutation';
  nEstimators: number;
  maxDepth?: number;
  rfeSample: number;
  embed?: 'pca' | 'tsne';
  embedSample: number;
  perplexity: number;
  apply?: string;
  output?: string;
  model?: string;
  json?: boolean;
}

const nonNegative = describeParser(
  (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) {
      throw new InvalidArgumentError(`expected a number >= 0, got '${v}'.`);
    }
    return n;
  },
  { type: 'number', minimum: 0 },
);

const correlationBound = describeParser(
  (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1) {
      throw new InvalidArgumentError(`expected a correlation in (0, 1], got '${v}'.`);
    }
    return n;
  },
  { type: 'number', exclusiveMinimum: 0, maximum: 1 },
);

/**
 * Parse `--pca`: a whole number is a component count (≥ 1), anything else a variance fraction in (0, 1].
 * @throws UsageError naming the flag and the value.
 */
export function parsePcaFlag(v: string): PcaParams {
  const s = v.trim();
  if (/^\d+$/.test(s)) {
    const k = Number(s);
    if (k < 1) {
      throw new UsageError(
        `--pca ${v}: a component count must be at least 1`,
        'use --pca 3, or a fraction such as 0.85',
      );
    }
    return { nComponents: k };
  }
  const f = Number(s);
  if (s === '' || !Number.isFinite(f)) {
    throw new UsageError(
      `--pca expects a component count or a variance fraction, got '${v}'`,
      'use --pca 3 or --pca 0.85',
    );
  }
  if (f <= 0 || f > 1) {
    throw new UsageError(
      `--pca ${v}: a variance fraction must be in (0, 1]`,
      'use a fraction such as 0.85, or a whole number of components',
    );
  }
  return { varianceRatio: f };
}

/** Flags that fit something (refused with --apply). */
const fitOnly = [
  'features',
  'exclude',
  'varianceThreshold',
  'maxCorr',
  'pca',
  'standardize',
  'rfe',
  'rfecv',
  'target',
  'surrogateK',
  'cv',
  'minFeatures',
  'rfeStep',
  'importance',
  'nEstimators',
  'maxDepth',
  'rfeSample',
  'model',
] as const;

/** `segment select <data>`: variance and correlation filters, RFE/RFECV, PCA, and 2-D embeddings. */
export function registerSelect(program: Command): void {
  const cmd = program
    .command('select')
    .description(
      'feature selection and reduction: variance / correlation filters, RFE(CV), PCA, 2-D embedding',
    )
    .argument('<data>', 'input file, or - for CSV on stdin')
    .option('--id <col>', 'id column, carried through untouched')
    .option(
      '--features <cols>',
      'candidate features (default: numeric columns but the id, segment, target, dates)',
      list,
    )
    .option('--exclude <cols>', 'columns to leave out of the candidates (carried through)', list)
    .option(
      '--variance-threshold <x>',
      'drop features whose population variance is <= x (0: constant ones)',
      nonNegative,
    )
    .option(
      '--max-corr <r>',
      'drop one feature of each pair with |Pearson r| > r (the lower-variance one)',
      correlationBound,
    )
    .option(
      '--pca <n|fraction>',
      'replace the features by principal components: a count (3) or a variance fraction (0.85)',
      checkedText(parsePcaFlag, { type: 'number', exclusiveMinimum: 0 }),
    )
    .option('--standardize', 'PCA on z-scores (correlation matrix) instead of centred values')
    .option(
      '--rfe <n>',
      'recursive feature elimination by random-forest importance down to n features',
      intAtLeast(1),
    )
    .option('--rfecv', 'RFE choosing the feature count by cross-validated accuracy')
    .option('--target <col>', 'RFE: the column to predict (e.g. segment from a previous clustering)')
    .option(
      '--surrogate-k <k>',
      'RFE without a target: predict k k-means clusters of the features',
      intAtLeast(2),
    )
    .option('--cv <folds>', 'RFECV: stratified folds', intAtLeast(2), 5)
    .option('--min-features <n>', 'RFECV: fewest features considered', intAtLeast(1), 1)
    .option('--rfe-step <n>', 'RFE: features eliminated per round', intAtLeast(1), 1)
    .addOption(
      new Option(
        '--importance <kind>',
        'RFE ranking: forest impurity decrease, or permutation on held-out rows',
      )
        .choices(['impurity', 'permutation'])
        .default('impurity'),
    )
    .option('--n-estimators <n>', 'RFE: trees per forest', intAtLeast(1), 100)
    .option('--max-depth <n>', 'RFE: tree depth limit (default: none)', intAtLeast(1))
    .option('--rfe-sample <n>', 'RFE: rank on a seeded sample of at most n rows', intAtLeast(2), 20_000)
    .addOption(
      new Option(
        '--embed <method>',
        'write a 2-D projection (id or row, x, y) to -o instead of the data',
      ).choices(['pca', 'tsne']),
    )
    .option('--embed-sample <n>', 't-SNE: rows embedded (seeded sample)', intAtLeast(2), 1000)
    .option('--perplexity <x>', 't-SNE perplexity', positiveNumber, 30)
    .option('--apply <model>', 'replay a saved select model on this data instead of fitting')
    .option(
      '-o, --output <path>',
      'selected data (.parquet, .csv, .json; - = CSV on stdout), or the embedding',
    )
    .option('--model <path>', 'write the fitted selection (JSON) for --apply, assign and run')
    .option('--json', 'print what was kept, dropped and why, PCA variances and loadings, RFE ranks, as JSON');
  addInputOptions(cmd).addHelpText(
    'after',
    `
Steps run in this order, each only when asked: --variance-threshold, --max-corr, --rfe / --rfecv, --pca. The
output keeps every non-feature column (id, text, target, segment) and replaces the features by the kept ones, or by
pc1..pcN. Features must be complete (segment clean --impute first).

Cost: filters and PCA stream the data twice, O(n·d²), no copy of the table; RFE fits about d forests on at most
--rfe-sample rows, RFECV about (--cv + 1)·d; t-SNE is O(N²) per iteration for N = --embed-sample rows.

Examples:
  $ segment select clean.parquet --id customer_id --max-corr 0.95 --pca 0.85 -o reduced.parquet --model select.json
  $ segment select segments.parquet --rfe 5 --target segment --json
  $ segment select features.parquet --rfecv --surrogate-k 6 --json | jq .rfe.cv
  $ segment select features.parquet --embed tsne --id customer_id -o embedding.parquet
  $ segment select new.parquet --apply select.json -o new-reduced.parquet`,
  );
  cmd.action(async (data: string, flags: SelectFlags, self: Command) => {
    const ctx = contextFrom(self);
    if (!flags.output && !flags.model && !flags.json) {
      throw new UsageError('select writes nothing without -o, --model or --json', 'add -o selected.parquet');
    }
    if (flags.json && flags.output === '-')
      throw new UsageError('--json and -o - both write to stdout; pick one');
    const fromCli = (name: string): boolean => self.getOptionValueSource(name) === 'cli';
    if (flags.embed !== 'tsne') {
      for (const name of ['embedSample', 'perplexity']) {
        if (fromCli(name)) throw new UsageError(`--${kebab(name)} applies to --embed tsne only`);
      }
    }
    if (flags.embed && !flags.output) {
      throw new UsageError('--embed writes the projection to -o', 'add -o embedding.parquet');
    }
    const files = await ctx.outputs(
      [
        { flag: 'input', path: data },
        { flag: '--apply', path: flags.apply },
      ],
      [
        { flag: '-o', path: flags.output },
        { flag: '--model', path: !flags.apply && flags.model },
      ],
    );
    const started = performance.now();

    if (flags.apply) {
      for (const name of fitOnly) {
        if (fromCli(name)) {
          throw new UsageError(
            `--${kebab(name)} cannot be combined with --apply: the saved model decides every step`,
            'fit a new model without --apply',
          );
        }
      }
      const model = await loadSelectModel(flags.apply);
      const ds = await readDataset(data, readOptionsFrom(flags, ctx));
      const out = applySelectModel(ds, model);
      const embedding = flags.embed ? await embed(out, model.output, flags.id ?? model.id, flags, ctx) : null;
      if (flags.output) await files.writeDataset('-o', embedding?.data ?? out);
      await files.commit();
      if (flags.json) {
        ctx.printJson({
          input: data === '-' ? 'stdin' : data,
          model: flags.apply,
          nRows: out.nRows,
          features: model.features,
          output: model.output,
          embedding: embedding?.summary ?? null,
          file: flags.output ?? null,
          seconds: round3((performance.now() - started) / 1000),
        });
      }
      ctx.logger.log(
        'info',
        `applied ${flags.apply}: ${model.features.length} -> ${model.output.length} feature(s)`,
      );
      return;
    }

    const rfeAsked = flags.rfe !== undefined || flags.rfecv === true;
    if (flags.rfe !== undefined && flags.rfecv)
      throw new UsageError('--rfe N and --rfecv are exclusive; pick one');
    if (!rfeAsked) {
      for (const name of [
        'target',
        'surrogateK',
        'cv',
        'minFeatures',
        'rfeStep',
        'importance',
        'nEstimators',
        'maxDepth',
        'rfeSample',
      ]) {
        if (fromCli(name)) throw new UsageError(`--${kebab(name)} applies to --rfe / --rfecv only`);
      }
    } else if (flags.target === undefined && flags.surrogateK === undefined) {
      throw new UsageError(
        `--${flags.rfecv ? 'rfecv' : 'rfe'} needs a target to rank features by`,
        'add --target COL (e.g. segment), or --surrogate-k K to rank by how well features predict K clusters',
      );
    } else if (flags.target !== undefined && flags.surrogateK !== undefined) {
      throw new UsageError('--target and --surrogate-k are exclusive; pick one');
    }
    if (!flags.rfecv && (fromCli('cv') || fromCli('minFeatures'))) {
      throw new UsageError('--cv and --min-features apply to --rfecv only');
    }
    if (flags.standardize && flags.pca === undefined)
      throw new UsageError('--standardize applies to --pca only');
    const pca = flags.pca !== undefined ? parsePcaFlag(flags.pca) : undefined;
    if (
      flags.varianceThreshold === undefined &&
      flags.maxCorr === undefined &&
      !rfeAsked &&
      pca === undefined &&
      !flags.embed
    ) {
      throw new UsageError(
        'nothing to select',
        'give --variance-threshold, --max-corr, --rfe, --rfecv, --pca or --embed',
      );
    }
    const params: SelectParams = {
      id: flags.id,
      features: flags.features,
      exclude: flags.exclude,
      varianceThreshold: flags.varianceThreshold,
      maxCorr: flags.maxCorr,
      pca: pca ? { ...pca, standardize: flags.standardize ?? false } : undefined,
      rfe: rfeAsked
        ? {
            nFeaturesToSelect: flags.rfe,
            cv: flags.rfecv ? flags.cv : undefined,
            minFeaturesToSelect: flags.rfecv ? flags.minFeatures : undefined,
            target: flags.target,
            surrogateClusters: flags.surrogateK,
            step: flags.rfeStep,
            importance: flags.importance,
            forest: { nEstimators: flags.nEstimators, maxDepth: flags.maxDepth ?? null, seed: ctx.seed },
            sampleSize: flags.rfeSample,
          }
        : undefined,
      seed: ctx.seed,
    };

    const ds = await readDataset(data, readOptionsFrom(flags, ctx));
    const readSeconds = (performance.now() - started) / 1000;
    const pool = new WorkerPool(ctx.threads);
    const fitStart = performance.now();
    let fit;
    let embedding;
    try {
      fit = await fitSelect(ds, params, { pool, toolVersion: version });
      embedding = flags.embed
        ? await embed(fit.data, fit.model.output, flags.id ?? null, flags, ctx, pool)
        : null;
    } finally {
      await pool.close();
    }
    const fitSeconds = (performance.now() - fitStart) / 1000;
    for (const w of fit.summary.warnings) ctx.logger.log('warn', w);
    if (flags.output) await files.writeDataset('-o', embedding?.data ?? fit.data);
    if (flags.model) await files.writeText('--model', selectModelText(fit.model));
    await files.commit();
    if (flags.json) {
      ctx.printJson({
        input: data === '-' ? 'stdin' : data,
        ...fit.summary,
        embedding: embedding?.summary ?? null,
        file: flags.output ?? null,
        model: flags.model ?? null,
        timings: { readSeconds: round3(readSeconds), fitSeconds: round3(fitSeconds) },
      });
    }
    const s = fit.summary;
    ctx.logger.log(
      'info',
      `kept ${s.selected.length} of ${s.features.length} feature(s)` +
        (s.pca ? `, ${s.pca.nComponents} principal component(s)` : '') +
        ` (${fitSeconds.toFixed(2)} s)`,
    );
  });
}

/** The 2-D projection as a dataset (id or 1-based row number, x, y) and a summary. */
async function embed(
  ds: Dataset,
  features: readonly string[],
  id: string | null,
  flags: SelectFlags,
  ctx: Context,
  pool?: WorkerPool,
): Promise<{ data: Dataset; summary: Record<string, unknown> }> {
  const columns = features.map((f) => ds.numeric(f).values);
  const X = { columns, nRows: ds.nRows };
  let e: Embedding;
  let summary: Record<string, unknown>;
  if (flags.embed === 'tsne') {
    const r = await tsne(
      X,
      { perplexity: flags.perplexity, sampleSize: flags.embedSample, seed: ctx.seed },
      { pool, memoryLimit: ctx.memoryLimit },
    );
    e = r;
    summary = {
      method: 'tsne',
      rows: r.rows.length,
      perplexity: flags.perplexity,
      klDivergence: r.klDivergence,
      nIter: r.nIter,
    };
  } else {
    const r = await pcaEmbedding(X, { pool });
    e = r;
    summary = { method: 'pca', rows: r.rows.length, explainedVarianceRatio: r.explainedVarianceRatio };
  }
  const cols: Column[] = [];
  if (id !== null) cols.push(takeColumn(ds.column(id), e.rows));
  else
    cols.push(
      numericColumn(
        'row',
        Float64Array.from(e.rows, (i) => i + 1),
        'integer',
      ),
    );
  cols.push(numericColumn('x', e.x), numericColumn('y', e.y));
  return { data: Dataset.of(cols, {}, e.rows.length), summary };
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}
