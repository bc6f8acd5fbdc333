import type { ColumnKind, Dataset, NumericType } from '../core/dataset.js';
import { withContentHash } from '../core/content-hash.js';
import { loadModelFile, type SavedModelKind } from '../core/model-kind.js';
import { expectLength, problem, schemaParts, parseModel, type ModelSpec } from '../core/model-schema.js';
import { keepPolicies } from './dedupe.js';
import { encodeMethods } from './encoder.js';
import { imputeStrategies } from './imputer.js';
import { outlierActions, outlierMethods } from './outliers.js';
import { scaleMethods } from './scaler.js';
import { invalidActions } from './validate.js';
import type { FuzzyDedupeParams, KeepPolicy } from './dedupe.js';
import type { EncodeStep } from './encoder.js';
import type { ImputeStep } from './imputer.js';
import type { OutlierStep } from './outliers.js';
import type { ScaleStep } from './scaler.js';
import type { InvalidAction, ValidationRule } from './validate.js';
import type { ChainEntry } from '../core/chain.js';

/** Discriminator and schema version of saved clean models. */
export const cleanModelFormat = 'segment.clean-model';
export const cleanModelVersion = 1;

/** Name, kind and numeric type of a column. */
export interface ColumnInfo {
  name: string;
  kind: ColumnKind;
  type?: NumericType;
}

/** Validation rules, checked on the data as read. */
export interface ValidateStep {
  step: 'validate';
  rules: ValidationRule[];
  onInvalid: InvalidAction;
}

/** Deduplication as it ran on the training data: recorded for the lineage, never replayed on new data. */
export interface DedupeStep {
  step: 'dedupe';
  keys: string[];
  rows: boolean;
  fuzzy: FuzzyDedupeParams | null;
  keep: KeepPolicy;
  rowsRemoved: number;
}

/** Columns removed. */
export interface DropStep {
  step: 'drop';
  columns: string[];
}

/** What clean does with ±∞ in its numeric columns. */
export const infActions = ['error', 'missing', 'clip'] as const;
export type InfAction = (typeof infActions)[number];

/** Infinite values replaced: by a missing value, or clipped to the column's finite training range. */
export interface InfiniteStep {
  step: 'infinite';
  action: 'missing' | 'clip';
  /** Columns handled; `lo`/`hi` are the finite training minimum and maximum (used by clip). */
  columns: { name: string; lo: number; hi: number }[];
}

/** log(1 + x) of columns. */
export interface LogStep {
  step: 'log1p';
  columns: string[];
}

/** A step of a clean model, in the order it runs. */
export type CleanStep =
  | ValidateStep
  | DedupeStep
  | DropStep
  | InfiniteStep
  | LogStep
  | OutlierStep
  | ImputeStep
  | ScaleStep
  | EncodeStep;

/**
 * A fitted cleaning chain (plain, versioned JSON). Replaying `steps` in order on raw data with the same columns
 * transforms it exactly as the training data was transformed (statistics are reused, never refitted); the dedupe
 * step alone is not replayed.
 */
export interface CleanModel {
  format: typeof cleanModelFormat;
  version: number;
  toolVersion: string;
  /** Id column carried through untouched, if any. */
  id: string | null;
  /** Numeric columns cleaned (logged, outlier-checked, imputed, scaled as the steps say). */
  features: string[];
  input: { source: string | null; nRows: number; columns: ColumnInfo[] };
  steps: CleanStep[];
  output: { nRows: number; columns: ColumnInfo[] };
  /** The fitted stages that produced the training input (its `segment.chain` metadata), oldest first. */
  lineage: ChainEntry[];
  /**
   * `sha256:<hex>` of the file's JSON without this field, written last by {@link cleanModelText}: loading refuses a
   * file whose content does not match it, then drops it (models in memory and in a chain carry none). Files without
   * it, written by earlier releases, still load.
   */
  hash?: string;
}

/** Name, kind and type of every column of a dataset. */
export function columnInfo(ds: Dataset): ColumnInfo[] {
  return ds.columns.map((c) =>
    c.kind === 'numeric' ? { name: c.name, kind: c.kind, type: c.type } : { name: c.name, kind: c.kind },
  );
}

/** The chain a cleaned dataset carries: the model's lineage plus the model itself (without a content hash). */
export function chainWith(model: CleanModel): ChainEntry[] {
  const { hash: _h, ...rest } = model;
  return [...model.lineage, { stage: 'clean', model: { ...rest, lineage: [] } }];
}

/**
 * The model's file text, as `segment clean --model` writes it: one JSON line — the model, then `hash`, its
 * {@link contentHash} — and a newline. Deterministic: the same model gives the same bytes. O(model size).
 */
export function cleanModelText(model: CleanModel): string {
  return JSON.stringify(withContentHash(model)) + '\n';
}

const S = schemaParts;
const columnInfoSchema = {
  type: 'array',
  items: S.object({ name: S.name, kind: { enum: ['numeric', 'categorical', 'string'] } }, ['name', 'kind']),
};
const without = <T extends string>(list: readonly T[], drop: T): T[] => list.filter((v) => v !== drop);

/** JSON Schema of a clean model: one branch per step; the cross-field checks are in {@link checkCleanModel}. */
export const cleanModelSchema = {
  type: 'object',
  required: ['format', 'version', 'features', 'steps', 'output'],
  properties: {
    ...S.header(cleanModelFormat),
    features: S.names,
    input: S.object({ columns: columnInfoSchema }, []),
    output: S.object({ columns: columnInfoSchema }, ['columns']),
    lineage: { type: 'array' },
    hash: { type: 'string' },
    steps: {
      type: 'array',
      items: {
        type: 'object',
        required: ['step'],
        properties: {
          step: {
            enum: [
              'validate',
              'dedupe',
              'drop',
              'infinite',
              'log1p',
              'outliers',
              'impute',
              'scale',
              'encode',
            ],
          },
        },
        allOf: [
          S.when(
            'step',
            'validate',
            S.object({
              rules: { type: 'array', items: S.object({ column: S.name, check: { type: 'string' } }) },
              onInvalid: { enum: [...invalidActions] },
            }),
          ),
          S.when('step', 'dedupe', S.object({ keys: S.names, keep: { enum: [...keepPolicies] } }, ['keys'])),
          S.when('step', ['drop', 'log1p'], S.object({ columns: S.names })),
          S.when(
            'step',
            'infinite',
            S.object({
              action: { enum: ['missing', 'clip'] },
              columns: { type: 'array', items: S.object({ name: S.name, lo: S.number, hi: S.number }) },
            }),
          ),
          S.when('step', 'outliers', {
            ...S.object({
              method: { enum: without(outlierMethods, 'none') },
              action: { enum: [...outlierActions] },
              flagColumn: { type: 'string' },
            }),
            allOf: [
              S.when(
                'method',
                ['iqr', 'zscore'],
                S.object({
                  columns: {
                    type: 'array',
                    items: S.object({ name: S.name, lower: S.number, upper: S.number }),
                  },
                }),
              ),
              S.when(
                'method',
                'iforest',
                S.object({ columns: S.names, fill: S.numbers, offset: S.number, forest: { type: 'object' } }),
              ),
            ],
          }),
          S.when(
            'step',
            'impute',
            S.object(
              {
                numeric: {
                  type: 'array',
                  items: S.object({
                    name: S.name,
                    strategy: { enum: without(imputeStrategies, 'none') },
                    value: S.numberOrNull,
                  }),
                },
                text: {
                  type: 'array',
                  items: S.object({
                    name: S.name,
                    strategy: { enum: ['mode', 'constant'] },
                    value: { type: 'string' },
                  }),
                },
                knn: S.nullable(
                  S.object({
                    k: { type: 'integer', minimum: 1 },
                    columns: S.names,
                    nRows: S.count,
                    values: { type: 'array', items: S.numberOrNull },
                  }),
                ),
                indicators: S.names,
              },
              ['numeric', 'text', 'indicators'],
            ),
          ),
          S.when(
            'step',
            'scale',
            S.object({
              method: { enum: without(scaleMethods, 'none') },
              columns: {
                type: 'array',
                items: S.object({ name: S.name, center: S.number, scale: S.number }),
              },
            }),
          ),
          S.when(
            'step',
            'encode',
            S.object({
              method: { enum: without(encodeMethods, 'none') },
              columns: {
                type: 'array',
                items: S.object({ name: S.name, levels: S.names, outputs: S.names }),
              },
            }),
          ),
        ],
      },
    },
  },
};

/**
 * The checks a schema cannot express: a fill value per isolation-forest column, a KNN reference table of
 * `nRows × columns` values, one output column per level of a one-hot encoding. O(model size).
 * @throws ModelProblem naming the JSON path at fault.
 */
export function checkCleanModel(m: CleanModel): void {
  m.steps.forEach((s, i) => {
    if (s.step === 'outliers' && s.method === 'iforest')
      expectLength(s.fill, s.columns.length, `steps[${i}].fill`, 'the columns are');
    else if (s.step === 'impute' && s.knn)
      expectLength(
        s.knn.values,
        s.knn.nRows * s.knn.columns.length,
        `steps[${i}].knn.values`,
        'nRows × columns is',
      );
    else if (s.step === 'encode' && s.method === 'onehot')
      s.columns.forEach((c, j) => {
        if (c.outputs.length !== c.levels.length)
          problem(
            `steps[${i}].columns[${j}].outputs`,
            `has ${c.outputs.length} names for ${c.levels.length} levels`,
          );
      });
  });
}

/** What the clean model's loader checks, and how its messages name it. */
const cleanModelSpec: ModelSpec<CleanModel> = {
  format: cleanModelFormat,
  version: cleanModelVersion,
  name: 'segment clean model',
  versionLabel: 'clean model',
  schema: cleanModelSchema,
  check: checkCleanModel,
  hint: 'write one with segment clean --model',
  recreate: 're-create it with segment clean --model',
  rewrite: 'write it again with segment clean --model',
  hash: 'optional',
};

/**
 * Check that a parsed JSON value is a clean model this version understands: format, version, content hash when it
 * has one (a model without `hash`, from an earlier release, is accepted), then structure ({@link cleanModelSchema},
 * {@link checkCleanModel}). The returned model has no `hash`. O(model size).
 * @throws DataError naming `source` when it is not a clean model, is from a newer version, was edited or damaged
 *   after it was written (content hash mismatch), or is malformed (`invalid model: <json path> <what>`).
 */
export function parseCleanModel(value: unknown, source: string): CleanModel {
  const o = parseModel<CleanModel>(value, source, cleanModelSpec);
  const { hash: _h, ...rest } = o;
  return { ...rest, lineage: Array.isArray(o.lineage) ? o.lineage : [] };
}

/**
 * Load and check a clean model file (content hash included when the file has one).
 * @throws DataError when the file is missing, not JSON, not a clean model, or edited or damaged after it was written
 *   (see {@link parseCleanModel}).
 */
export async function loadCleanModel(path: string): Promise<CleanModel> {
  return loadModelFile(path, cleanModelKind);
}

/**
 * The clean model as a saved model kind (file format, loading, file text). Its replay and SQL rendering are added
 * where the chain's step kinds are registered (`model/kinds.ts`).
 */
export const cleanModelKind: SavedModelKind<CleanModel> & { stage: 'clean' } = {
  format: cleanModelFormat,
  file: 'clean model file',
  hint: cleanModelSpec.hint,
  stage: 'clean',
  load: parseCleanModel,
  toJSON: cleanModelText,
};
