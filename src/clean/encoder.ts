import { cellText, numericColumn, type Column, type Dataset } from '../core/dataset.js';
import { DataError } from '../core/errors.js';
import { replaceColumn } from './columns.js';

/** Encodings `--encode` accepts. */
export const encodeMethods = ['onehot', 'ordinal', 'none'] as const;
export type EncodeMethod = (typeof encodeMethods)[number];

/** What to do with a level not seen at fit time: encode it as no level (reported), or stop with an error. */
export const unseenPolicies = ['ignore', 'error'] as const;
export type UnseenPolicy = (typeof unseenPolicies)[number];

/** A fitted column encoding: its levels (sorted) and the columns it becomes. */
export interface ColumnEncoding {
  name: string;
  levels: string[];
  /** One-hot: `<name>_<level>` per level; ordinal: `[name]`. */
  outputs: string[];
}

/**
 * Fitted encoding (plain JSON). One-hot: each column becomes one 0/1 column per level, in place (scikit-learn's
 * OneHotEncoder; a missing or unseen value is all zeros). Ordinal: each column becomes the level's position in the
 * sorted levels (OrdinalEncoder; missing or unseen → missing).
 */
export interface EncodeStep {
  step: 'encode';
  method: Exclude<EncodeMethod, 'none'>;
  columns: ColumnEncoding[];
  unseen: UnseenPolicy;
}

/** What applying an encoding met: missing and unseen values per column. */
export interface EncodeReport {
  missing: Record<string, number>;
  unseen: Record<string, number>;
  /** Up to 5 unseen values per column. */
  unseenExamples: Record<string, string[]>;
}

/**
 * Fit an encoding: the levels of each column are its distinct present values in this data, sorted. Numeric
 * columns cannot be encoded. O(n log n) per column.
 * @throws DataError for a numeric column, a column without any value, or an output name that already exists.
 */
export function fitEncode(
  ds: Dataset,
  columns: readonly string[],
  method: Exclude<EncodeMethod, 'none'>,
  unseen: UnseenPolicy,
): EncodeStep {
  const encodings: ColumnEncoding[] = [];
  const taken = new Set(ds.names);
  for (const name of columns) {
    const c = ds.column(name);
    if (c.kind === 'numeric') {
      throw new DataError(
        `column '${name}' is numeric: --encode applies to categorical and text columns`,
        'leave it out of --encode-cols',
      );
    }
    const seen = new Set<string>();
    for (let i = 0; i < ds.nRows; i++) {
      const t = cellText(c, i);
      if (t !== null) seen.add(t);
    }
    if (seen.size === 0) {
      throw new DataError(
        `column '${name}' is entirely missing: cannot encode it`,
        `drop it with --drop ${name}`,
      );
    }
    const levels = [...seen].sort();
    const outputs = method === 'onehot' ? levels.map((l) => `${name}_${l}`) : [name];
    if (method === 'onehot') {
      taken.delete(name);
      for (const o of outputs) {
        if (taken.has(o)) {
          throw new DataError(
            `--encode onehot of '${name}' would add column '${o}', which already exists`,
            `rename it, or drop it first (--drop ${o})`,
          );
        }
        taken.add(o);
      }
    }
    encodings.push({ name, levels, outputs });
  }
  return { step: 'encode', method, columns: encodings, unseen };
}

/**
 * Apply a fitted encoding. Values are matched by their text, so the new data's own level order does not matter.
 * `unseen` overrides the step's policy. O(n) per column (plus O(n · levels) output for one-hot).
 * @throws DataError for a missing or numeric column, and for an unseen level when the policy is 'error'.
 */
export function applyEncode(
  ds: Dataset,
  step: EncodeStep,
  unseen: UnseenPolicy = step.unseen,
): { data: Dataset; report: EncodeReport } {
  const report: EncodeReport = { missing: {}, unseen: {}, unseenExamples: {} };
  let out = ds;
  for (const enc of step.columns) {
    const c = out.column(enc.name);
    if (c.kind === 'numeric') {
      throw new DataError(
        `column '${enc.name}' is numeric, but the model encodes it as categorical text`,
        'check the input file, or force the type with --types COL=categorical',
      );
    }
    const index = new Map(enc.levels.map((l, k) => [l, k]));
    const n = out.nRows;
    const code = new Int32Array(n);
    let missing = 0;
    let unseenCount = 0;
    const examples: string[] = [];
    for (let i = 0; i < n; i++) {
      const t = cellText(c, i);
      if (t === null) {
        code[i] = -1;
        missing++;
        continue;
      }
      const k = index.get(t);
      if (k === undefined) {
        if (unseen === 'error') {
          throw new DataError(
            `column '${enc.name}' has the level ${JSON.stringify(t)} (row ${i + 1}), unseen when the model was fitted`,
            `known levels: ${enc.levels.slice(0, 12).join(', ')}${enc.levels.length > 12 ? ', …' : ''}; drop strict handling to encode it as no level`,
          );
        }
        code[i] = -1;
        unseenCount++;
        if (examples.length < 5 && !examples.includes(t)) examples.push(t);
        continue;
      }
      code[i] = k;
    }
    report.missing[enc.name] = missing;
    report.unseen[enc.name] = unseenCount;
    if (examples.length > 0) report.unseenExamples[enc.name] = examples;
    let replacement: Column[];
    if (step.method === 'ordinal') {
      replacement = [
        numericColumn(
          enc.name,
          Float64Array.from(code, (x) => (x < 0 ? Number.NaN : x)),
          'integer',
        ),
      ];
    } else {
      replacement = enc.outputs.map((o, k) => {
        const v = new Float64Array(n);
        for (let i = 0; i < n; i++) if (code[i] === k) v[i] = 1;
        return numericColumn(o, v, 'integer');
      });
    }
    out = replaceColumn(out, enc.name, replacement);
  }
  return { data: out, report };
}
