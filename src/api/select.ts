import type { Dataset } from '../core/dataset.js';
import { UsageError } from '../core/errors.js';
import { round3 } from '../core/format.js';
import {
  checkedText,
  describeParser,
  intAtLeast,
  InvalidValueError,
  list,
  positiveNumber,
  refuseFitOnly,
  withDefaults,
  type Param,
} from '../core/params.js';
import { toolVersion as version } from '../core/version.js';
import { WorkerPool } from '../core/worker-pool.js';
import { readDataset } from '../io/read.js';
import { inputParams, readOptionsOf, type InputOptions } from '../io/read-params.js';
import { embeddingDataset, type EmbeddingSummary } from '../select/embed.js';
import {
  applySelectModel,
  loadSelectModel,
  selectModelText,
  type SelectModel,
} from '../select/select-model.js';
import type { PcaParams } from '../select/pca.js';
import { fitSelect, type SelectParams, type SelectSummary } from '../select/select.js';
import { pathIn, type StepCommand, type StepEnv } from './env.js';

/** `--variance-threshold`: a number ≥ 0. */
const nonNegative = describeParser(
  (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) {
      throw new InvalidValueError(`expected a number >= 0, got '${v}'.`);
    }
    return n;
  },
  { type: 'number', minimum: 0 },
);

/** `--max-corr`: a correlation in (0, 1]. */
const correlationBound = describeParser(
  (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1) {
      throw new InvalidValueError(`expected a correlation in (0, 1], got '${v}'.`);
    }
    return n;
  },
  { type: 'number', exclusiveMinimum: 0, maximum: 1 },
);

/** `--umap-min-dist`: a distance in [0, 1] (the spread is 1). */
const minDistance = describeParser(
  (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
      throw new InvalidValueError(`expected a distance in [0, 1], got '${v}'.`);
    }
    return n;
  },
  { type: 'number', minimum: 0, maximum: 1 },
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

/**
 * The parameters of `segment select`, in help order. `fitOnly` marks those refused with `--apply` (the saved model
 * decides every step).
 */
export const selectParams: readonly Param[] = [
  { flags: '--id <col>', help: 'id column: never a feature, carried through untouched' },
  {
    flags: '--features <cols>',
    help: 'feature columns, the candidates (default: numeric columns but the id, segment, target, dates)',
    parse: list,
    fitOnly: true,
  },
  {
    flags: '--exclude <cols>',
    help: 'columns to leave out of the features (carried through)',
    parse: list,
    fitOnly: true,
  },
  {
    flags: '--variance-threshold <x>',
    help: 'drop features whose population variance is <= x (0: constant ones)',
    parse: nonNegative,
    fitOnly: true,
  },
  {
    flags: '--max-corr <r>',
    help: 'drop one feature of each pair with |Pearson r| > r (the lower-variance one)',
    parse: correlationBound,
    fitOnly: true,
  },
  {
    flags: '--pca <n|fraction>',
    help: 'replace the features by principal components: a count (3) or a variance fraction (0.85)',
    parse: checkedText(parsePcaFlag, { type: 'number', exclusiveMinimum: 0 }),
    fitOnly: true,
  },
  {
    flags: '--standardize',
    help: 'PCA on z-scores (correlation matrix) instead of centred values',
    fitOnly: true,
  },
  {
    flags: '--rfe <n>',
    help: 'recursive feature elimination by random-forest importance down to n features',
    parse: intAtLeast(1),
    fitOnly: true,
  },
  { flags: '--rfecv', help: 'RFE choosing the feature count by cross-validated accuracy', fitOnly: true },
  {
    flags: '--target <col>',
    help: 'RFE: the column to predict (e.g. segment from a previous clustering)',
    fitOnly: true,
  },
  {
    flags: '--surrogate-k <k>',
    help: 'RFE without a target: predict k k-means clusters of the features',
    parse: intAtLeast(2),
    fitOnly: true,
  },
  { flags: '--cv <folds>', help: 'RFECV: stratified folds', parse: intAtLeast(2), default: 5, fitOnly: true },
  {
    flags: '--min-features <n>',
    help: 'RFECV: fewest features considered',
    parse: intAtLeast(1),
    default: 1,
    fitOnly: true,
  },
  {
    flags: '--rfe-step <n>',
    help: 'RFE: features eliminated per round',
    parse: intAtLeast(1),
    default: 1,
    fitOnly: true,
  },
  {
    flags: '--importance <kind>',
    help: 'RFE ranking: forest impurity decrease, or permutation on held-out rows',
    choices: ['impurity', 'permutation'],
    default: 'impurity',
    fitOnly: true,
  },
  {
    flags: '--n-estimators <n>',
    help: 'RFE: trees per forest',
    parse: intAtLeast(1),
    default: 100,
    fitOnly: true,
  },
  {
    flags: '--max-depth <n>',
    help: 'RFE: tree depth limit (default: none)',
    parse: intAtLeast(1),
    fitOnly: true,
  },
  {
    flags: '--rfe-sample <n>',
    help: 'RFE: rank on a seeded sample of at most n rows',
    parse: intAtLeast(2),
    default: 20_000,
    fitOnly: true,
  },
  {
    flags: '--embed <method>',
    help: 'write a 2-D projection (id or row, x, y) to -o instead of the data',
    choices: ['pca', 'tsne', 'umap'],
    pipeline: false,
  },
  {
    flags: '--embed-sample <n>',
    help: 't-SNE, UMAP: rows embedded, a seeded sample (default: 1000 for t-SNE, every row for UMAP)',
    parse: intAtLeast(2),
    pipeline: false,
  },
  {
    flags: '--perplexity <x>',
    help: 't-SNE perplexity',
    parse: positiveNumber,
    default: 30,
    pipeline: false,
  },
  {
    flags: '--umap-neighbors <k>',
    help: 'UMAP: neighbours of each row in the fuzzy graph (itself included); larger keeps more global shape',
    parse: intAtLeast(2),
    default: 15,
    pipeline: false,
  },
  {
    flags: '--umap-min-dist <d>',
    help: 'UMAP: smallest distance between embedded points, in [0, 1]; smaller packs groups tighter',
    parse: minDistance,
    default: 0.1,
    pipeline: false,
  },
  {
    flags: '--umap-epochs <n>',
    help: 'UMAP: optimisation epochs (default: 500 up to 10,000 rows embedded, 200 above)',
    parse: intAtLeast(1),
    pipeline: false,
  },
  {
    flags: '--umap-negative-rate <x>',
    help: 'UMAP: negative samples per positive one; more keeps nearest neighbours closer to the data, slower',
    parse: positiveNumber,
    default: 5,
    pipeline: false,
  },
  {
    flags: '--umap-repulsion <x>',
    help: 'UMAP: weight of the repulsion between non-neighbours (gamma); more spreads neighbourhoods apart',
    parse: positiveNumber,
    default: 1,
    pipeline: false,
  },
  {
    flags: '--apply <model>',
    help: 'replay a saved select model on this data instead of fitting',
    pipeline: false,
  },
  {
    flags: '-o, --output <path>',
    help: 'selected data (.parquet, .csv, .json; - = CSV on stdout), or the embedding',
    pipeline: false,
  },
  {
    flags: '--model <path>',
    help: 'write the fitted selection (JSON) for --apply, assign and run',
    pipeline: false,
    fitOnly: true,
  },
  {
    flags: '--json',
    help: 'print what was kept, dropped and why, PCA variances and loadings, RFE ranks, as JSON on stdout',
    pipeline: false,
  },
  ...inputParams,
];

/** Flags of RFE (refused without `--rfe` / `--rfecv`), attribute names. */
const rfeOnly = [
  'target',
  'surrogateK',
  'cv',
  'minFeatures',
  'rfeStep',
  'importance',
  'nEstimators',
  'maxDepth',
  'rfeSample',
] as const;

/** The options of `segment select` (attribute names as on the command line); left out = the parameter's default. */
export interface SelectOptions extends InputOptions {
  id?: string;
  features?: string[];
  exclude?: string[];
  varianceThreshold?: number;
  maxCorr?: number;
  /** A component count or a variance fraction, as text ({@link parsePcaFlag}). */
  pca?: string;
  standardize?: boolean;
  rfe?: number;
  rfecv?: boolean;
  target?: string;
  surrogateK?: number;
  cv?: number;
  minFeatures?: number;
  rfeStep?: number;
  importance?: 'impurity' | 'permutation';
  nEstimators?: number;
  maxDepth?: number;
  rfeSample?: number;
  /** Write a 2-D projection to `output` instead of the data. */
  embed?: 'pca' | 'tsne' | 'umap';
  /** t-SNE, UMAP: rows embedded (default 1000 for t-SNE, every row for UMAP). */
  embedSample?: number;
  perplexity?: number;
  umapNeighbors?: number;
  umapMinDist?: number;
  umapEpochs?: number;
  /** UMAP: negative samples per positive one (umap-learn's `negative_sample_rate`). */
  umapNegativeRate?: number;
  /** UMAP: repulsion weight (umap-learn's `repulsion_strength`). */
  umapRepulsion?: number;
  /** Replay this saved select model instead of fitting. */
  apply?: string;
  /** Selected data, or the embedding (`-`: CSV on the output stream). */
  output?: string;
  /** Where to write the fitted selection. */
  model?: string;
  json?: boolean;
}

/** What `--json` prints after fitting. */
export type SelectFitJson = { input: string } & SelectSummary & {
    embedding: EmbeddingSummary | null;
    file: string | null;
    model: string | null;
    timings: { readSeconds: number; fitSeconds: number };
  };

/** What `--json` prints after replaying a model. */
export interface SelectApplyJson {
  input: string;
  model: string;
  nRows: number;
  features: string[];
  output: string[];
  embedding: EmbeddingSummary | null;
  file: string | null;
  seconds: number;
}

/** What {@link runSelect} did. */
export interface SelectResult {
  /** What was written to `output`: the selected data, or the embedding. */
  data: Dataset;
  /** The fitted selection; null when a saved model was replayed (`--apply`). */
  model: SelectModel | null;
  /** What `segment select --json` prints. */
  json: SelectFitJson | SelectApplyJson;
}

type Resolved = SelectOptions &
  Required<
    Pick<
      SelectOptions,
      | 'cv'
      | 'minFeatures'
      | 'rfeStep'
      | 'importance'
      | 'nEstimators'
      | 'rfeSample'
      | 'perplexity'
      | 'umapNeighbors'
      | 'umapMinDist'
      | 'umapNegativeRate'
      | 'umapRepulsion'
    >
  >;

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

/**
 * The fit parameters from the options, after refusing options that do not go together.
 * @throws UsageError for a combination that makes no sense or nothing to select.
 */
function fitParamsOf(o: Resolved, given: ReadonlySet<string> | undefined, seed: number): SelectParams {
  const rfeAsked = o.rfe !== undefined || o.rfecv === true;
  if (o.rfe !== undefined && o.rfecv) throw new UsageError('--rfe N and --rfecv are exclusive; pick one');
  if (!rfeAsked) {
    for (const name of rfeOnly) {
      if (given?.has(name)) throw new UsageError(`--${kebab(name)} applies to --rfe / --rfecv only`);
    }
  } else if (o.target === undefined && o.surrogateK === undefined) {
    throw new UsageError(
      `--${o.rfecv ? 'rfecv' : 'rfe'} needs a target to rank features by`,
      'add --target COL (e.g. segment), or --surrogate-k K to rank by how well features predict K clusters',
    );
  } else if (o.target !== undefined && o.surrogateK !== undefined) {
    throw new UsageError('--target and --surrogate-k are exclusive; pick one');
  }
  if (!o.rfecv && (given?.has('cv') || given?.has('minFeatures'))) {
    throw new UsageError('--cv and --min-features apply to --rfecv only');
  }
  if (o.standardize && o.pca === undefined) throw new UsageError('--standardize applies to --pca only');
  const pca = o.pca !== undefined ? parsePcaFlag(o.pca) : undefined;
  if (
    o.varianceThreshold === undefined &&
    o.maxCorr === undefined &&
    !rfeAsked &&
    pca === undefined &&
    !o.embed
  ) {
    throw new UsageError(
      'nothing to select',
      'give --variance-threshold, --max-corr, --rfe, --rfecv, --pca or --embed',
    );
  }
  return {
    id: o.id,
    features: o.features,
    exclude: o.exclude,
    varianceThreshold: o.varianceThreshold,
    maxCorr: o.maxCorr,
    pca: pca ? { ...pca, standardize: o.standardize ?? false } : undefined,
    rfe: rfeAsked
      ? {
          nFeaturesToSelect: o.rfe,
          cv: o.rfecv ? o.cv : undefined,
          minFeaturesToSelect: o.rfecv ? o.minFeatures : undefined,
          target: o.target,
          surrogateClusters: o.surrogateK,
          step: o.rfeStep,
          importance: o.importance,
          forest: { nEstimators: o.nEstimators, maxDepth: o.maxDepth ?? null, seed },
          sampleSize: o.rfeSample,
        }
      : undefined,
    seed,
  };
}

/**
 * `segment select` as a library function: variance and correlation filters, RFE / RFECV and PCA on `input`, each
 * only when asked (recorded in the model), or a saved select model replayed (`apply`); optionally a 2-D embedding
 * written instead of the data. Writes `output` and `model` through the output guard, logs warnings and a summary
 * line, and returns the written data, the fitted model and what `--json` prints.
 * @throws UsageError for options that do not go together or nothing to select; DataError for data the steps
 *   refuse (missing values, a constant target …).
 * @example
 * const { json } = await runSelect('clean.parquet', { id: 'customer_id', maxCorr: 0.95, pca: '0.85',
 *   output: 'reduced.parquet', model: 'select.json' }, stepEnv());
 */
export async function runSelect(input: string, options: SelectOptions, env: StepEnv): Promise<SelectResult> {
  const o = withDefaults(selectParams, options) as Resolved;
  if (!o.output && !o.model && !o.json) {
    throw new UsageError('select writes nothing without -o, --model or --json', 'add -o selected.parquet');
  }
  if (o.json && o.output === '-') throw new UsageError('--json and -o - both write to stdout; pick one');
  if (o.embed !== 'tsne' && env.given?.has('perplexity')) {
    throw new UsageError('--perplexity applies to --embed tsne only');
  }
  if (o.embed !== 'tsne' && o.embed !== 'umap' && env.given?.has('embedSample')) {
    throw new UsageError('--embed-sample applies to --embed tsne and --embed umap only');
  }
  if (o.embed !== 'umap') {
    for (const name of ['umapNeighbors', 'umapMinDist', 'umapEpochs', 'umapNegativeRate', 'umapRepulsion']) {
      if (env.given?.has(name)) throw new UsageError(`--${kebab(name)} applies to --embed umap only`);
    }
  }
  if (o.embed && !o.output) {
    throw new UsageError('--embed writes the projection to -o', 'add -o embedding.parquet');
  }
  const files = await env.outputs(
    [
      { flag: 'input', path: input },
      { flag: '--apply', path: o.apply },
    ],
    [
      { flag: '-o', path: o.output },
      { flag: '--model', path: !o.apply && o.model },
    ],
  );
  try {
    const started = performance.now();
    const source = input === '-' ? 'stdin' : input;
    const embedding = (params: { method: 'pca' | 'tsne' | 'umap' }) => ({
      ...params,
      perplexity: o.perplexity,
      sampleSize: o.embedSample,
      umapNeighbors: o.umapNeighbors,
      umapMinDist: o.umapMinDist,
      umapEpochs: o.umapEpochs,
      umapNegativeRate: o.umapNegativeRate,
      umapRepulsion: o.umapRepulsion,
      seed: env.seed,
    });

    if (o.apply) {
      refuseFitOnly(selectParams, env.given);
      const model = await loadSelectModel(o.apply);
      const ds = await readDataset(pathIn(env, input), readOptionsOf(o, env));
      const out = applySelectModel(ds, model);
      const embedded = o.embed
        ? await embeddingDataset(out, model.output, o.id ?? model.id, embedding({ method: o.embed }), {
            memoryLimit: env.memoryLimit,
            logger: env.logger,
          })
        : null;
      if (o.output) await files.writeDataset('-o', embedded?.data ?? out);
      await files.commit();
      const json: SelectApplyJson = {
        input: source,
        model: o.apply,
        nRows: out.nRows,
        features: model.features,
        output: model.output,
        embedding: embedded?.summary ?? null,
        file: o.output ?? null,
        seconds: round3((performance.now() - started) / 1000),
      };
      env.logger.log(
        'info',
        `applied ${o.apply}: ${model.features.length} -> ${model.output.length} feature(s)`,
      );
      return { data: embedded?.data ?? out, model: null, json };
    }

    const params = fitParamsOf(o, env.given, env.seed);
    const ds = await readDataset(pathIn(env, input), readOptionsOf(o, env));
    const readSeconds = (performance.now() - started) / 1000;
    const pool = new WorkerPool(env.threads);
    const fitStart = performance.now();
    let fit;
    let embedded;
    try {
      fit = await fitSelect(ds, params, { pool, toolVersion: version, logger: env.logger });
      embedded = o.embed
        ? await embeddingDataset(fit.data, fit.model.output, o.id ?? null, embedding({ method: o.embed }), {
            pool,
            memoryLimit: env.memoryLimit,
            logger: env.logger,
          })
        : null;
    } finally {
      await pool.close();
    }
    const fitSeconds = (performance.now() - fitStart) / 1000;
    for (const w of fit.summary.warnings) env.logger.log('warn', w);
    if (o.output) await files.writeDataset('-o', embedded?.data ?? fit.data);
    if (o.model) await files.writeText('--model', selectModelText(fit.model));
    await files.commit();
    const json: SelectFitJson = {
      input: source,
      ...fit.summary,
      embedding: embedded?.summary ?? null,
      file: o.output ?? null,
      model: o.model ?? null,
      timings: { readSeconds: round3(readSeconds), fitSeconds: round3(fitSeconds) },
    };
    const s = fit.summary;
    env.logger.log(
      'info',
      `kept ${s.selected.length} of ${s.features.length} feature(s)` +
        (s.pca ? `, ${s.pca.nComponents} principal component(s)` : '') +
        ` (${fitSeconds.toFixed(2)} s)`,
    );
    return { data: embedded?.data ?? fit.data, model: fit.model, json };
  } finally {
    await files.abort();
  }
}

/** `segment select` as a pipeline step. */
export const selectCommand: StepCommand<SelectOptions, SelectResult> = {
  name: 'select',
  params: selectParams,
  run: (input, options, env) => {
    if (input === undefined) throw new UsageError('select needs an input file');
    return runSelect(input, options, env);
  },
};
