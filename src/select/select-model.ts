import { Dataset, numericColumn, type Column } from '../core/dataset.js';
import { DataError } from '../core/errors.js';
import { withContentHash } from '../core/content-hash.js';
import { loadModelFile, type SavedModelKind } from '../core/model-kind.js';
import {
  expectKnown,
  expectLength,
  expectRowLength,
  problem,
  schemaParts,
  parseModel,
  type ModelSpec,
} from '../core/model-schema.js';
import { pcaTransform } from './pca.js';
import { chainKey, type ChainEntry } from '../core/chain.js';

/** Discriminator and schema version of saved selection models. */
export const selectModelFormat = 'segment.select-model';
export const selectModelVersion = 1;

/** Population variance threshold: features at or below it were dropped. */
export interface VarianceThresholdStep {
  step: 'variance-threshold';
  threshold: number;
  /** Population variance (ddof = 0) of every feature the step saw. */
  variances: Record<string, number>;
  dropped: string[];
}

/** One feature dropped by the correlation filter, and why. */
export interface CorrelationDropRecord {
  column: string;
  correlatedWith: string;
  r: number;
  variance: number;
  partnerVariance: number;
  meanAbsCorrelation: number;
  partnerMeanAbsCorrelation: number;
  rule: 'lower-variance' | 'higher-mean-correlation' | 'later-column';
}

/** Correlation filter: of each pair with |r| > maxCorr, one member was dropped (see `rule`). */
export interface CorrelationStep {
  step: 'correlation';
  maxCorr: number;
  dropped: CorrelationDropRecord[];
}

/** What the random forest of RFE learnt to predict. */
export type RfeTarget =
  | { kind: 'column'; column: string; classes: (string | number)[] }
  | { kind: 'surrogate'; algorithm: 'kmeans'; nClusters: number; standardized: true; inertia: number };

/** Recursive feature elimination ranked by random-forest importance (RFE, or RFECV when `cv` is set). */
export interface RfeStep {
  step: 'rfe';
  method: 'rfe' | 'rfecv';
  target: RfeTarget;
  importance: 'impurity' | 'permutation';
  /** Features eliminated per round. */
  stepSize: number;
  nFeaturesToSelect: number;
  /** Features the step saw, in order. */
  features: string[];
  /** scikit-learn's `ranking_`: 1 = selected, 2 = eliminated last, … */
  ranking: Record<string, number>;
  /** Importance of every feature in the first round (all features), normalised to sum 1 (permutation: raw). */
  importances: Record<string, number>;
  /** Importance of the selected features in the final fit. */
  selectedImportances: Record<string, number>;
  selected: string[];
  dropped: string[];
  /** Rows used to rank (a seeded sample when the data were larger than the sample size). */
  nRowsUsed: number;
  forest: {
    nEstimators: number;
    maxFeatures: string | number;
    maxDepth: number | null;
    minSamplesLeaf: number;
    maxBins: number;
    seed: number;
  };
  /** RFECV: mean and standard deviation of the held-out accuracy for every feature count (fewest first). */
  cv: { folds: number; scores: { nFeatures: number; mean: number; std: number }[] } | null;
}

/** A fitted PCA: every statistic scikit-learn's `PCA` exposes, with feature names. */
export interface PcaStep {
  step: 'pca';
  /** Input features, in the order of the components' entries. */
  features: string[];
  /** Output column names: pc1 … pcN. */
  names: string[];
  requested: { nComponents: number } | { varianceRatio: number };
  nComponents: number;
  nSamples: number;
  standardize: boolean;
  mean: number[];
  scale: number[];
  /** nComponents rows of d entries (the loadings of each original feature). */
  components: number[][];
  explainedVariance: number[];
  explainedVarianceRatio: number[];
  cumulativeVarianceRatio: number[];
  singularValues: number[];
  noiseVariance: number;
  /** Variances of every component, kept or not. */
  spectrum: number[];
  signConvention: 'largest-absolute-loading-positive';
}

/** A step of a selection model, in the order it runs. */
export type SelectStep = VarianceThresholdStep | CorrelationStep | RfeStep | PcaStep;

/**
 * A fitted selection (plain, versioned JSON). Applying it keeps the carried columns (every column that is not a
 * candidate feature), drops the features the filters and RFE removed, and with PCA replaces the remaining features by
 * pc1 … pcN computed with the stored statistics (never refitted).
 */
export interface SelectModel {
  format: typeof selectModelFormat;
  version: number;
  toolVersion: string;
  /** Id column carried through untouched, if any. */
  id: string | null;
  /** Candidate features, in input order. */
  features: string[];
  /** Statistics of the candidates on the training data. */
  statistics: { nRows: number; mean: Record<string, number>; variance: Record<string, number> };
  steps: SelectStep[];
  /** Feature columns of the output, in order (selected features, or pc1 … pcN). */
  output: string[];
  /** The fitted stages that produced the training input (its `segment.chain` metadata), oldest first. */
  lineage: ChainEntry[];
  /**
   * `sha256:<hex>` of the file's JSON without this field, written last by {@link selectModelText}: loading refuses a
   * file whose content does not match it, then drops it (models in memory and in a chain carry none). Files without
   * it, written by earlier releases, still load.
   */
  hash?: string;
}

/**
 * The model's file text, as `segment select --model` writes it: one JSON line — the model, then `hash`, its
 * {@link contentHash} — and a newline. Deterministic: the same model gives the same bytes. O(model size).
 */
export function selectModelText(model: SelectModel): string {
  return JSON.stringify(withContentHash(model)) + '\n';
}

/**
 * Transform a dataset with a fitted selection, exactly as the training data was transformed: the input without the
 * dropped features (column order kept), or with PCA the carried columns (every non-feature column, in input order)
 * followed by pc1 … pcN. Its metadata carries the chain with this model appended. O(n · d · k) with PCA, O(d) otherwise (columns are shared, not copied).
 * @throws DataError when a feature the output needs is missing or not numeric, a PCA input has a missing value, or
 * a carried column is named like a component.
 * @example
 * const reduced = applySelectModel(await readDataset('clean.parquet'), await loadSelectModel('select.json'));
 */
export function applySelectModel(ds: Dataset, model: SelectModel): Dataset {
  const feature = new Set(model.features);
  const removed = new Set<string>();
  let pca: PcaStep | undefined;
  for (const s of model.steps) {
    if (s.step === 'variance-threshold' || s.step === 'rfe') for (const c of s.dropped) removed.add(c);
    else if (s.step === 'correlation') for (const c of s.dropped) removed.add(c.column);
    else pca = s;
  }
  // The features the output needs must be there; dropped ones may be absent from new data.
  for (const f of model.features) if (!removed.has(f)) ds.numeric(f);
  let cols: Column[];
  if (pca) {
    cols = ds.columns.filter((c) => !feature.has(c.name));
    const columns = pca.features.map((f) => ds.numeric(f).values);
    const scores = pcaTransform(
      {
        nComponents: pca.nComponents,
        mean: Float64Array.from(pca.mean),
        scale: Float64Array.from(pca.scale),
        components: Float64Array.from(pca.components.flat()),
      },
      { columns, nRows: ds.nRows },
      pca.features,
    );
    const carried = new Set(cols.map((c) => c.name));
    pca.names.forEach((name, k) => {
      if (carried.has(name)) {
        throw new DataError(
          `column '${name}' exists and is not a feature; it would be overwritten by a principal component`,
          'rename it, or add it to --features',
        );
      }
      cols.push(numericColumn(name, scores[k]!));
    });
  } else {
    cols = ds.columns.filter((c) => !removed.has(c.name));
  }
  const { hash: _h, ...saved } = model;
  const chain = [...model.lineage, { stage: 'select', model: { ...saved, lineage: [] } }];
  return Dataset.of(cols, { ...ds.metadata, [chainKey]: JSON.stringify(chain) }, ds.nRows);
}

const S = schemaParts;

/** JSON Schema of a selection model: one branch per step; the cross-field checks are in {@link checkSelectModel}. */
export const selectModelSchema = {
  type: 'object',
  required: ['format', 'version', 'features', 'steps', 'output'],
  properties: {
    ...S.header(selectModelFormat),
    features: S.names,
    output: S.names,
    lineage: { type: 'array' },
    hash: { type: 'string' },
    steps: {
      type: 'array',
      items: {
        type: 'object',
        required: ['step'],
        properties: { step: { enum: ['variance-threshold', 'correlation', 'rfe', 'pca'] } },
        allOf: [
          S.when('step', ['variance-threshold', 'rfe'], S.object({ dropped: S.names })),
          S.when(
            'step',
            'correlation',
            S.object({ dropped: { type: 'array', items: S.object({ column: S.name }) } }),
          ),
          S.when(
            'step',
            'pca',
            S.object({
              features: { ...S.names, minItems: 1 },
              names: S.names,
              nComponents: { type: 'integer', minimum: 1 },
              mean: S.numbers,
              scale: S.numbers,
              components: S.matrix,
            }),
          ),
        ],
      },
    },
  },
};

/**
 * The checks a schema cannot express: dropped and PCA input features are candidates, and a PCA step's statistics
 * agree with its features and component count. O(model size).
 * @throws ModelProblem naming the JSON path at fault.
 */
export function checkSelectModel(m: SelectModel): void {
  const candidates = new Set(m.features);
  m.steps.forEach((s, i) => {
    const at = `steps[${i}]`;
    if (s.step === 'variance-threshold' || s.step === 'rfe')
      expectKnown(s.dropped, candidates, `${at}.dropped`, 'features');
    else if (s.step === 'correlation')
      s.dropped.forEach((r, j) => {
        if (!candidates.has(r.column))
          problem(`${at}.dropped[${j}].column`, `is '${r.column}', not one of the model's features`);
      });
    else {
      expectKnown(s.features, candidates, `${at}.features`, 'features');
      const d = s.features.length;
      expectLength(s.mean, d, `${at}.mean`, 'the PCA features are');
      expectLength(s.scale, d, `${at}.scale`, 'the PCA features are');
      expectLength(s.components, s.nComponents, `${at}.components`, 'nComponents is');
      expectLength(s.names, s.nComponents, `${at}.names`, 'nComponents is');
      expectRowLength(s.components, d, `${at}.components`);
    }
  });
}

/** What the select model's loader checks, and how its messages name it. */
const selectModelSpec: ModelSpec<SelectModel> = {
  format: selectModelFormat,
  version: selectModelVersion,
  name: 'segment select model',
  versionLabel: 'select model',
  schema: selectModelSchema,
  check: checkSelectModel,
  hint: 'write one with segment select --model',
  recreate: 're-create it with segment select --model',
  rewrite: 'write it again with segment select --model',
  hash: 'optional',
};

/**
 * Check that a parsed JSON value is a selection model this version understands: format, version, content hash when
 * it has one (a model without `hash`, from an earlier release, is accepted), then structure
 * ({@link selectModelSchema}, {@link checkSelectModel}). The returned model has no `hash`. O(model size).
 * @throws DataError naming `source` when it is not a selection model, is from a newer version, was edited or damaged
 *   after it was written (content hash mismatch), or is malformed (`invalid model: <json path> <what>`).
 */
export function parseSelectModel(value: unknown, source: string): SelectModel {
  const o = parseModel<SelectModel>(value, source, selectModelSpec);
  const { hash: _h, ...rest } = o;
  return { ...rest, lineage: Array.isArray(o.lineage) ? o.lineage : [] };
}

/**
 * Load and check a selection model file (content hash included when the file has one).
 * @throws DataError when the file is missing, not JSON, not a selection model, or edited or damaged after it was
 *   written (see {@link parseSelectModel}).
 */
export async function loadSelectModel(path: string): Promise<SelectModel> {
  return loadModelFile(path, selectModelKind);
}

/**
 * The select model as a saved model kind (file format, loading, file text). Its replay and SQL rendering are added
 * where the chain's step kinds are registered (`model/kinds.ts`).
 */
export const selectModelKind: SavedModelKind<SelectModel> & { stage: 'select' } = {
  format: selectModelFormat,
  file: 'select model file',
  hint: selectModelSpec.hint,
  stage: 'select',
  load: parseSelectModel,
  toJSON: selectModelText,
};
