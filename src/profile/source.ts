import type { CleanModel, CleanStep } from '../clean/clean-model.js';
import type { ChainEntry } from '../core/chain.js';
import { cellText, type Column, type Dataset } from '../core/dataset.js';
import { DataError } from '../core/errors.js';
import { alignById } from '../core/ids.js';
import type { SelectModel } from '../select/select-model.js';

/**
 * How a profiled column's values were obtained:
 * - `raw`: read as they are from a raw table (`--profile-input`);
 * - `inverted`: the segments file's column with the recorded scaling and log undone (original units);
 * - `folded`: one-hot (or ordinal) columns written by `clean --encode` folded back into their categorical column;
 * - `as-is`: the segments file's column, no recorded transformation to undo (or none that can be undone).
 */
export type ProfileOrigin = 'raw' | 'inverted' | 'folded' | 'as-is';

interface ProfileColumnBase {
  name: string;
  origin: ProfileOrigin;
  /** Why the values may differ from the raw input (imputed, clipped, components), or null. */
  note: string | null;
}

/** A numeric column to profile; `binary` when every present value is 0 or 1 (a flag: profiled as a rate). */
export interface NumericProfileColumn extends ProfileColumnBase {
  kind: 'numeric';
  values: Float64Array;
  binary: boolean;
}

/** A categorical column to profile: a level code per row (−1 = missing) and the level names. */
export interface CategoricalProfileColumn extends ProfileColumnBase {
  kind: 'categorical';
  codes: Int32Array;
  levels: string[];
}

export type ProfileColumn = NumericProfileColumn | CategoricalProfileColumn;

/** Where the columns of a profile come from: their names and each column in original units, by name. */
export interface ProfileSource {
  /** Names a profile can ask for, in table order. */
  readonly names: readonly string[];
  has(name: string): boolean;
  /** The column in the units of the source, row-aligned with the segments file. */
  column(name: string): ProfileColumn;
  /** The profile name of a segments file column: the categorical column a one-hot column came from, else itself. */
  nameOf(segmentsColumn: string): string;
  /** Whether the column holds dates or times (not profiled by default). */
  temporal(name: string): boolean;
}

/** Text columns with more distinct values than this are not profiled by default (names, e-mails, free text). */
export const MAX_PROFILE_LEVELS = 50;

/**
 * The segments file's columns as they were before cleaning: the scaling and log(1 + x) recorded in the chain are
 * undone, one-hot and ordinal columns are folded back into their categorical column, and columns no recorded step
 * touched are taken as they are. PCA components cannot be undone and are profiled as they are (noted).
 * O(n) per column asked for.
 */
export function chainProfileSource(ds: Dataset, chain: readonly ChainEntry[]): ProfileSource {
  // The chain's steps in the order they ran; a PCA marks where its components were made.
  const steps: ChainStep[] = [];
  for (const entry of chain) {
    if (entry.stage === 'clean') steps.push(...((entry.model as CleanModel).steps ?? []));
    else if (entry.stage === 'select') {
      for (const s of (entry.model as SelectModel).steps ?? [])
        if (s.step === 'pca') steps.push({ step: 'pca', names: s.names });
    }
  }
  // Encoded outputs → their source column (the last encoding of a name wins, as it is the one the file holds).
  const folded = new Map<string, Encoding>();
  const outputOf = new Map<string, string>();
  steps.forEach((s, at) => {
    if (s.step !== 'encode') return;
    for (const c of s.columns) {
      const present = c.outputs.filter((o) => ds.has(o));
      if (present.length === 0) continue;
      folded.set(c.name, { method: s.method, levels: c.levels, outputs: c.outputs, at });
      for (const o of present) outputOf.set(o, c.name);
    }
  });
  const names: string[] = [];
  const seen = new Set<string>();
  for (const n of ds.names) {
    const name = outputOf.get(n) ?? n;
    if (!seen.has(name)) names.push(name);
    seen.add(name);
  }
  const made = (name: string, k: number) => {
    const s = steps[k]!;
    return s.step === 'pca'
      ? s.names.includes(name)
      : s.step === 'encode' && s.columns.some((c) => c.outputs.includes(name));
  };

  const column = (name: string): ProfileColumn => {
    const enc = folded.get(name);
    if (enc)
      return foldEncoded(ds, name, enc, (o) => undoSteps(steps, o, ds.numeric(o).values, enc.at + 1).values);
    const c = ds.column(name);
    if (c.kind !== 'numeric') return asCategorical(c, 'as-is', null);
    // Undo the steps after the one that made this column (a PCA component is never undone past its PCA).
    let from = 0;
    for (let k = steps.length - 1; k >= 0; k--) {
      if (made(name, k)) {
        from = k + 1;
        break;
      }
    }
    const component = from > 0 && steps[from - 1]!.step === 'pca';
    const undone = undoSteps(steps, name, c.values, from);
    const notes = component
      ? ['a principal component: it has no original unit', ...undone.notes]
      : undone.notes;
    return numericProfileColumn(
      name,
      undone.values,
      undone.changed ? 'inverted' : 'as-is',
      notes.length > 0 ? notes.join('; ') : null,
    );
  };
  return {
    names,
    has: (n) => seen.has(n),
    column,
    nameOf: (c) => outputOf.get(c) ?? c,
    temporal: (n) => isTemporal(ds, n),
  };
}

/** A step of a recorded chain: a clean step, or where a PCA made its components. */
type ChainStep = CleanStep | { step: 'pca'; names: string[] };

/** A recorded encoding, and the index of its step in the chain. */
interface Encoding {
  method: 'onehot' | 'ordinal';
  levels: string[];
  outputs: string[];
  at: number;
}

/**
 * Undo, from the last step back to step `from`, the scaling and log(1 + x) the chain applied to column `name`; note
 * what cannot be undone (imputation, clipping). Undone values that land within rounding error of a whole number
 * are that number (a scaled 0/1 flag comes back as 0 and 1, a count as the count). O(n) per step undone.
 */
function undoSteps(
  steps: readonly ChainStep[],
  name: string,
  values: Float64Array,
  from: number,
): { values: Float64Array; changed: boolean; notes: string[] } {
  let out: Float64Array | null = null;
  let magnitude = 1;
  const notes: string[] = [];
  for (let k = steps.length - 1; k >= from; k--) {
    const s = steps[k]!;
    if (s.step === 'scale') {
      const sc = s.columns.find((x) => x.name === name);
      if (!sc) continue;
      out ??= Float64Array.from(values);
      for (let i = 0; i < out.length; i++) out[i] = out[i]! * sc.scale + sc.center;
      magnitude += Math.abs(sc.center);
    } else if (s.step === 'log1p' && s.columns.includes(name)) {
      out ??= Float64Array.from(values);
      for (let i = 0; i < out.length; i++) out[i] = Math.expm1(out[i]!);
    } else if (s.step === 'impute') {
      if (s.numeric.some((x) => x.name === name) || (s.knn !== null && s.knn.columns.includes(name)))
        notes.push('missing values, if any, were imputed by clean');
    } else if (s.step === 'outliers' && s.action === 'clip') {
      if (s.columns.some((x) => x.name === name)) notes.push('outliers were clipped by clean');
    } else if (s.step === 'infinite' && s.action === 'clip') {
      if (s.columns.some((x) => x.name === name)) notes.push('infinite values were clipped by clean');
    }
  }
  if (out) {
    for (let i = 0; i < out.length; i++) {
      const x = out[i]!;
      const r = Math.round(x);
      if (x !== r && Math.abs(x - r) <= 1e-12 * (magnitude + Math.abs(x))) out[i] = r;
    }
  }
  return { values: out ?? values, changed: out !== null, notes: notes.reverse() };
}

/**
 * The columns of a raw table (`--profile-input`), paired with the segments file's rows by the id column: every row
 * of the segments file must match exactly one row of the raw table (extra raw rows are ignored). O(n).
 * @throws DataError when the raw table lacks the id column, repeats an id, or lacks ids of the segments file.
 */
export function rawProfileSource(
  segments: Dataset,
  raw: Dataset,
  id: string,
  rawName: string,
): ProfileSource {
  if (!raw.has(id)) throw new DataError(`${rawName}: no id column '${id}' to join the segments by`);
  const { data, unpaired } = alignById(segments, raw, id, rawName);
  const mine = segments.column(id);
  const absent: string[] = [];
  let nAbsent = 0;
  for (let i = 0; i < unpaired.length; i++) {
    if (!unpaired[i]) continue;
    nAbsent++;
    if (absent.length < 3) absent.push(cellText(mine, i) ?? `(row ${i + 1}: no id)`);
  }
  if (nAbsent > 0) {
    throw new DataError(
      `${rawName}: ${nAbsent} id(s) of the segments file are not in it (e.g. ${absent.join(', ')})`,
      'every segmented row must match exactly one row of --profile-input: give the raw table the segments came from',
    );
  }
  const names = raw.names.filter((n) => n !== id);
  const column = (name: string): ProfileColumn => {
    const c = data.column(name);
    return c.kind === 'numeric'
      ? numericProfileColumn(name, c.values, 'raw', null)
      : asCategorical(c, 'raw', null);
  };
  return {
    names,
    has: (n) => names.includes(n),
    column,
    nameOf: (c) => c,
    temporal: (n) => isTemporal(raw, n),
  };
}

/** Two sources in one: names of `first` win (a raw table before the segments file). */
export function combinedSource(first: ProfileSource, second: ProfileSource): ProfileSource {
  const names = [...first.names, ...second.names.filter((n) => !first.has(n))];
  return {
    names,
    has: (n) => first.has(n) || second.has(n),
    column: (n) => (first.has(n) ? first.column(n) : second.column(n)),
    nameOf: (c) => second.nameOf(c),
    temporal: (n) => (first.has(n) ? first.temporal(n) : second.temporal(n)),
  };
}

/** A numeric profile column; `binary` is found from the values (every present value 0 or 1). O(n). */
export function numericProfileColumn(
  name: string,
  values: Float64Array,
  origin: ProfileOrigin,
  note: string | null,
): NumericProfileColumn {
  let binary = true;
  let present = 0;
  for (const x of values) {
    if (Number.isNaN(x)) continue;
    present++;
    if (x !== 0 && x !== 1) {
      binary = false;
      break;
    }
  }
  return { kind: 'numeric', name, values, binary: binary && present > 0, origin, note };
}

function asCategorical(c: Column, origin: ProfileOrigin, note: string | null): CategoricalProfileColumn {
  if (c.kind === 'categorical') {
    return { kind: 'categorical', name: c.name, codes: c.codes, levels: [...c.levels], origin, note };
  }
  const index = new Map<string, number>();
  const levels: string[] = [];
  const n = c.values.length;
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const t = cellText(c, i);
    if (t === null) {
      codes[i] = -1;
      continue;
    }
    let k = index.get(t);
    if (k === undefined) {
      k = levels.length;
      levels.push(t);
      index.set(t, k);
    }
    codes[i] = k;
  }
  return { kind: 'categorical', name: c.name, codes, levels, origin, note };
}

function foldEncoded(
  ds: Dataset,
  name: string,
  enc: Encoding,
  valuesOf: (output: string) => Float64Array,
): CategoricalProfileColumn {
  const codes = new Int32Array(ds.nRows).fill(-1);
  if (enc.method === 'ordinal') {
    const v = valuesOf(name);
    for (let i = 0; i < v.length; i++) {
      const k = Math.round(v[i]!);
      codes[i] = Number.isNaN(v[i]!) || k < 0 || k >= enc.levels.length ? -1 : k;
    }
    return { kind: 'categorical', name, codes, levels: [...enc.levels], origin: 'folded', note: null };
  }
  let dropped = false;
  enc.outputs.forEach((o, k) => {
    if (!ds.has(o)) {
      dropped = true;
      return;
    }
    const v = valuesOf(o);
    for (let i = 0; i < v.length; i++) if (v[i]! >= 0.5 && codes[i] === -1) codes[i] = k;
  });
  return {
    kind: 'categorical',
    name,
    codes,
    levels: [...enc.levels],
    origin: 'folded',
    note: dropped ? 'some of its one-hot columns were left out: their rows count as missing' : null,
  };
}

function isTemporal(ds: Dataset, name: string): boolean {
  if (!ds.has(name)) return false;
  const c = ds.column(name);
  return c.kind === 'numeric' && (c.type === 'timestamp' || c.type === 'date');
}
