import type { Dataset } from './dataset.js';
import { DataError } from './errors.js';

/** A column a command is about to write, and the hint that tells how to write it under another name. */
export interface OutputColumn {
  name: string;
  /** e.g. `pick another name with --segment-col NAME`. */
  hint: string;
}

/**
 * Refuse to write a column whose name the input already uses: a command never replaces a user's column. Checked
 * before any work. O(columns).
 * @throws DataError naming the first taken column, `what` wants to write it (e.g. `segment cluster`), and its hint.
 */
export function assertFreeColumns(
  ds: Dataset,
  wanted: readonly OutputColumn[],
  what: string,
  source?: string,
): void {
  for (const w of wanted) {
    if (ds.has(w.name)) {
      throw new DataError(
        `${source ? `${source}: ` : ''}the input already has a column '${w.name}', which ${what} would write over`,
        w.hint,
      );
    }
  }
}

/**
 * Refuse a list of names that repeats one (two outputs of one command under the same name). O(names).
 * @throws DataError naming the repeated name.
 */
export function assertDistinctNames(names: readonly { name: string; flag: string }[]): void {
  const seen = new Map<string, string>();
  for (const n of names) {
    const other = seen.get(n.name);
    if (other !== undefined)
      throw new DataError(
        `${other} and ${n.flag} both name the output column '${n.name}'`,
        'give them different names',
      );
    seen.set(n.name, n.flag);
  }
}
