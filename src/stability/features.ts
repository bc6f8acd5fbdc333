import type { Dataset } from '../core/dataset.js';
import { DataError, UsageError } from '../core/errors.js';
import { chooseFeatures, leftOutWarning, type LeftOutColumn } from '../core/matrix.js';

/** Two segments files compared for drift: their rows and how they are named in messages. */
export interface DriftSide {
  ds: Dataset;
  path: string;
}

/** The columns tested for drift, the others left out (with reasons), and the warning naming those. */
export interface DriftFeatures {
  features: string[];
  leftOut: LeftOutColumn[];
  /** The left-out warning, null when nothing unasked was left out. */
  warning: string | null;
}

/**
 * The feature columns whose drift two segments files are tested for: the columns asked for (each numeric in both,
 * neither the id nor the segment column), or by default the numeric columns of `a` that `b` holds as numbers too —
 * the columns of either file left out are then named in the warning. O(columns).
 * @throws UsageError when an asked column is the id or segment column; DataError when it is missing or not numeric.
 */
export function driftFeatures(
  a: DriftSide,
  b: DriftSide,
  o: { features?: readonly string[]; id?: string; segmentCol: string },
): DriftFeatures {
  const { ds: dsA, path: pathA } = a;
  const { ds: dsB, path: pathB } = b;
  const exclude = new Set([o.segmentCol, ...(o.id !== undefined ? [o.id] : [])]);
  if (o.features && o.features.length > 0) {
    for (const f of o.features) {
      if (exclude.has(f)) throw new UsageError(`--features: '${f}' is the id or segment column`);
      for (const [p, ds] of [
        [pathA, dsA],
        [pathB, dsB],
      ] as const) {
        if (!ds.has(f))
          throw new DataError(`${p}: no feature column '${f}'`, `the columns are ${ds.names.join(', ')}`);
        if (ds.column(f).kind !== 'numeric')
          throw new DataError(`${p}: feature column '${f}' is not numeric`);
      }
    }
    return { features: [...o.features], leftOut: [], warning: null };
  }
  const roles = [...new Set(['segment', o.segmentCol])];
  const choice = { id: o.id };
  const chosen = chooseFeatures(dsA, choice, { roles, allowEmpty: true });
  const numericInB = (name: string): boolean => dsB.has(name) && dsB.column(name).kind === 'numeric';
  const leftOut: LeftOutColumn[] = [
    ...chosen.leftOut,
    ...chosen.features.filter((f) => !numericInB(f)).map((name) => ({ name, reason: 'unpaired' as const })),
    ...chooseFeatures(dsB, choice, { roles, allowEmpty: true })
      .features.filter((f) => !dsA.has(f) || dsA.column(f).kind !== 'numeric')
      .map((name) => ({ name, reason: 'unpaired' as const })),
  ];
  return { features: chosen.features.filter(numericInB), leftOut, warning: leftOutWarning(leftOut) };
}
