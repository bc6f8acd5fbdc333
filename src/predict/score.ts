/**
 * `segment predict score`: probabilities, predicted classes and propensity tiers of new rows from a saved model.
 */
import { Dataset, numericColumn, stringColumn, type Column } from '../core/dataset.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { assertDistinctNames, assertFreeColumns } from '../core/columns.js';
import { DataError, UsageError } from '../core/errors.js';
import { quantileSorted } from '../core/stats.js';
import type { WorkerPool } from '../core/worker-pool.js';
import { FittedForest } from '../forest/forest.js';
import { modelMatrix, prepareForModel, type InputKind } from '../model/score.js';
import { forestPositive, scoresToProbability } from './estimator.js';
import { logisticDecision } from './logistic.js';
import type { PredictModel } from './predict-model.js';

/** How rows are put into tiers: fixed probability cut points, or deciles of the scored rows. */
export type Tiering = { kind: 'cuts'; cuts: number[] } | { kind: 'deciles' };

/** Options of {@link scorePropensity}. */
export interface ScoreOptions {
  pool?: WorkerPool | undefined;
  /** Progress over the scored rows; the scores never depend on it. */
  logger?: Logger | undefined;
  input?: InputKind | undefined;
  /** Overrides the model's threshold. */
  threshold?: number | undefined;
  tiers?: Tiering | undefined;
  /** Id column to carry into the scores (default: the model's, when the data has it). */
  id?: string | undefined;
  /** Names of the columns written (default `probability`, `predicted`, `tier`). */
  columns?: Partial<ScoreColumns> | undefined;
  /** Names the model and the data in messages. */
  source: string;
  data: string;
}

/** Names of the score columns. */
export interface ScoreColumns {
  probability: string;
  predicted: string;
  tier: string;
}

/** Scored rows and what was done to get them. */
export interface ScoreResult {
  /** id (or 1-based `row`), `probability`, `predicted`, `tier` (or the names of `columns`). */
  scores: Dataset;
  probability: Float64Array;
  tier: Int32Array;
  replayed: string[];
  threshold: number;
  /** Rows per tier (tier 1 first) and rows predicted positive. */
  tierSizes: number[];
  predictedPositive: number;
  /** The cut points used (the deciles' are computed from the scored rows). */
  cuts: number[];
}

/**
 * Check and normalise tier cut points: strictly increasing, inside (0, 1).
 * @throws UsageError naming the offending value.
 */
export function checkCuts(cuts: readonly number[]): number[] {
  if (cuts.length === 0)
    throw new UsageError('--tiers needs at least one cut point', 'e.g. --tiers 0.2,0.5,0.8');
  cuts.forEach((c, k) => {
    if (!(Number.isFinite(c) && c > 0 && c < 1)) {
      throw new UsageError(
        `--tiers: cut point ${c} is not a probability in (0, 1)`,
        'e.g. --tiers 0.2,0.5,0.8',
      );
    }
    if (k > 0 && !(c > cuts[k - 1]!)) {
      throw new UsageError(
        `--tiers: cut points must increase (${cuts[k - 1]} then ${c})`,
        'e.g. --tiers 0.2,0.5,0.8',
      );
    }
  });
  return [...cuts];
}

/**
 * Tier of each probability: 1 + the number of cut points it reaches (p ≥ cut), so tier 1 is the lowest propensity
 * and tier m + 1 the highest. O(n log m).
 */
export function tiersOf(p: Float64Array, cuts: readonly number[]): Int32Array {
  const out = new Int32Array(p.length);
  for (let i = 0; i < p.length; i++) {
    let lo = 0;
    let hi = cuts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cuts[mid]! <= p[i]!) lo = mid + 1;
      else hi = mid;
    }
    out[i] = lo + 1;
  }
  return out;
}

/**
 * Decile tiers of the scored rows: tier = 1 + the number of the nine decile cut points (numpy-linear quantiles at
 * 0.1 … 0.9 of these probabilities) strictly below p, so 10 is the top tenth and tied probabilities share a tier.
 * O(n log n).
 */
export function decileTiers(p: Float64Array): { tier: Int32Array; cuts: number[] } {
  const sorted = Float64Array.from(p).sort();
  const cuts = Array.from({ length: 9 }, (_, k) => quantileSorted(sorted, (k + 1) / 10));
  const tier = new Int32Array(p.length);
  for (let i = 0; i < p.length; i++) {
    let t = 1;
    for (const c of cuts) if (p[i]! > c) t++;
    tier[i] = t;
  }
  return { tier, cuts };
}

/** Positive-class probabilities of prepared rows (features in the model's order). O(n · model). */
export async function modelProbability(
  model: PredictModel,
  X: { data: Float64Array; nRows: number; nCols: number },
  pool?: WorkerPool,
  logger: Logger = silentLogger,
): Promise<Float64Array> {
  let raw: Float64Array;
  if (model.algorithm === 'rf') {
    const forest = FittedForest.fromJSON(model.forest, 'model forest');
    const progress = logger.progress('scored rows', X.nRows);
    raw = await forestPositive(forest, X, pool, progress);
    progress.done();
  } else {
    raw = logisticDecision(model.logistic!, X);
  }
  return scoresToProbability(model.algorithm, model.calibration, raw);
}

/**
 * Score a dataset with a propensity model: replay the model's fitted chain when the input is raw (as `segment
 * assign`), check the features, then compute the probability of the positive class, the predicted class
 * (probability ≥ threshold) and the tier. Rows are never dropped. O(chain + n · model).
 * @throws DataError when a feature is missing, not numeric or not finite; UsageError for a bad threshold.
 * @example
 * const r = await scorePropensity(await loadPredictModel('churn.json'), ds, { source: 'churn.json', data: 'tonight' });
 * r.scores; // id, probability, predicted, tier
 */
export async function scorePropensity(
  model: PredictModel,
  ds: Dataset,
  opts: ScoreOptions,
): Promise<ScoreResult> {
  const threshold = opts.threshold ?? model.threshold;
  if (!(threshold >= 0 && threshold <= 1)) {
    if (opts.threshold !== undefined)
      throw new UsageError(`--threshold ${threshold} is not a probability in [0, 1]`);
    throw new DataError(
      `${opts.source}: the model's threshold ${threshold} is not a probability in [0, 1]`,
      're-create it with segment predict train --model, or pass --threshold',
    );
  }
  const names: ScoreColumns = {
    probability: opts.columns?.probability ?? 'probability',
    predicted: opts.columns?.predicted ?? 'predicted',
    tier: opts.columns?.tier ?? 'tier',
  };
  const id = opts.id ?? (model.id !== null && ds.has(model.id) ? model.id : null);
  assertDistinctNames([
    { name: names.probability, flag: '--probability-col' },
    { name: names.predicted, flag: '--predicted-col' },
    { name: names.tier, flag: '--tier-col' },
    ...(id === null ? [{ name: 'row', flag: 'the row number column' }] : []),
  ]);
  // A user's column is never replaced: the scores are often joined back onto the input.
  assertFreeColumns(
    ds,
    [
      { name: names.probability, hint: 'name the probabilities otherwise with --probability-col NAME' },
      { name: names.predicted, hint: 'name the predicted classes otherwise with --predicted-col NAME' },
      { name: names.tier, hint: 'name the tiers otherwise with --tier-col NAME' },
      ...(id === null
        ? [{ name: 'row', hint: 'carry an id column with --id COL instead of row numbers' }]
        : []),
    ],
    'predict score',
    opts.data,
  );
  const { prepared, replayed } = await prepareForModel(model, ds, {
    input: opts.input,
    pool: opts.pool!,
    source: opts.source,
    data: opts.data,
  });
  const X = modelMatrix(prepared, model.features, opts.data, 'predict score', false);
  const probability = await modelProbability(model, X, opts.pool, opts.logger);
  const tiers = opts.tiers ?? { kind: 'deciles' };
  const { tier, cuts } =
    tiers.kind === 'cuts'
      ? { tier: tiersOf(probability, tiers.cuts), cuts: tiers.cuts }
      : decileTiers(probability);
  const n = probability.length;
  const [neg, pos] = model.classes;
  let predictedPositive = 0;
  const isPos = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (probability[i]! >= threshold) {
      isPos[i] = 1;
      predictedPositive++;
    }
  }
  const type = model.targetType;
  const predicted: Column =
    typeof pos === 'number' && typeof neg === 'number'
      ? numericColumn(
          names.predicted,
          Float64Array.from(isPos, (b) => (b ? pos : neg)),
          type === 'boolean' ? 'boolean' : type === 'double' ? 'double' : 'integer',
        )
      : stringColumn(
          names.predicted,
          Array.from(isPos, (b) => String(b ? pos : neg)),
        );
  const cols: Column[] = [];
  if (id !== null) cols.push(ds.column(id));
  else
    cols.push(
      numericColumn(
        'row',
        Float64Array.from({ length: n }, (_, i) => i + 1),
        'integer',
      ),
    );
  cols.push(
    numericColumn(names.probability, probability),
    predicted,
    numericColumn(names.tier, Float64Array.from(tier), 'integer'),
  );
  const nTiers = tiers.kind === 'cuts' ? tiers.cuts.length + 1 : 10;
  const tierSizes = new Array<number>(nTiers).fill(0);
  for (const t of tier) tierSizes[t - 1]!++;
  return {
    scores: Dataset.of(cols, {}, n),
    probability,
    tier,
    replayed,
    threshold,
    tierSizes,
    predictedPositive,
    cuts,
  };
}
