import type { ColumnKind, Dataset, NumericType } from '../core/dataset.js';
import { readJsonFile } from '../io/json-file.js';
import { DataError } from '../core/errors.js';
import { assertContentHash, withContentHash } from '../core/content-hash.js';
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

const stepNames = new Set([
  'validate',
  'dedupe',
  'drop',
  'infinite',
  'log1p',
  'outliers',
  'impute',
  'scale',
  'encode',
]);

/**
 * Check that a parsed JSON value is a clean model this version understands, and that its content hash, when it has
 * one, matches its content (a model without `hash`, from an earlier release, is accepted). The returned model has no
 * `hash`. O(model size).
 * @throws DataError naming `source` when it is not a clean model, is from a newer version, was edited or damaged
 *   after it was written (content hash mismatch), or is incomplete.
 */
export function parseCleanModel(value: unknown, source: string): CleanModel {
  const hint = 'write one with segment clean --model';
  const o = value as Partial<CleanModel> | null;
  if (!o || typeof o !== 'object' || o.format !== cleanModelFormat) {
    throw new DataError(`${source}: not a segment clean model (no "format": "${cleanModelFormat}")`, hint);
  }
  if (typeof o.version !== 'number' || o.version > cleanModelVersion) {
    throw new DataError(
      `${source}: clean model version ${String(o.version)} is newer than this segment understands (${cleanModelVersion})`,
      'upgrade segment',
    );
  }
  assertContentHash(o, source, 'write it again with segment clean --model', true);
  if (
    !Array.isArray(o.steps) ||
    !Array.isArray(o.features) ||
    !o.output ||
    !Array.isArray(o.output.columns)
  ) {
    throw new DataError(`${source}: clean model is incomplete (steps, features or output missing)`, hint);
  }
  for (const [i, s] of o.steps.entries()) {
    const name = (s as { step?: unknown } | null)?.step;
    if (typeof name !== 'string' || !stepNames.has(name)) {
      throw new DataError(`${source}: step ${i + 1} of the clean model is unknown ('${String(name)}')`, hint);
    }
  }
  const { hash: _h, ...rest } = o;
  return { ...rest, lineage: Array.isArray(o.lineage) ? o.lineage : [] } as CleanModel;
}

/**
 * Load and check a clean model file (content hash included when the file has one).
 * @throws DataError when the file is missing, not JSON, not a clean model, or edited or damaged after it was written
 *   (see {@link parseCleanModel}).
 */
export async function loadCleanModel(path: string): Promise<CleanModel> {
  const value = await readJsonFile(path, 'clean model file', 'write one with segment clean --model');
  return parseCleanModel(value, path);
}
