import { chainOf } from '../core/chain.js';
import type { Dataset } from '../core/dataset.js';
import { DataError, UsageError } from '../core/errors.js';
import { alignById, assertUniqueIds } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { MatchMethod, SegmentIdentity } from './identity.js';
import type { ClusterModel } from './cluster-model.js';

/** How the segments will be paired with the baseline's, where the baseline's labels come from, and why. */
export interface MatchPlan {
  method: MatchMethod;
  /** Members: score the input as prepared (`input`), or the baseline input raw (`baseline-input`). */
  source: 'input' | 'baseline-input' | null;
  /** Why auto chose centroids (null otherwise). */
  fallback: string | null;
}

/**
 * Decide how to pair a new fit on `ds` with `baseline`: members when the baseline's labels for the same rows can be
 * had — `ds` carries the baseline's chain (or neither has one) and has its features, else a baseline input (the same
 * rows in the form the baseline's chain reads) scored raw — otherwise centroids (`auto`) or a usage error (`members`).
 * @throws UsageError when `match` is `members` and the rows cannot be scored with the baseline.
 * @example
 * const plan = planMatch(baseline, ds, { match: 'auto', baselineInput: undefined });
 * if (plan.fallback) logger.log('warn', `baseline: ${plan.fallback}`);
 */
export function planMatch(
  baseline: ClusterModel,
  ds: Dataset,
  o: { match: 'auto' | MatchMethod; baselineInput?: string | undefined },
): MatchPlan {
  if (o.match === 'centroids') return { method: 'centroids', source: null, fallback: null };
  const sameChain = JSON.stringify(chainOf(ds)) === JSON.stringify(baseline.chain ?? []);
  if (sameChain && baseline.features.every((f) => ds.has(f)))
    return { method: 'members', source: 'input', fallback: null };
  if (o.baselineInput) return { method: 'members', source: 'baseline-input', fallback: null };
  const why = sameChain
    ? "the input lacks the baseline's features"
    : "the input was not prepared by the baseline's fitted chain";
  if (o.match === 'members') {
    throw new UsageError(
      `--match members cannot score the rows with the baseline: ${why}`,
      "pass --baseline-input with the same rows in the form the baseline's chain reads (e.g. before clean)",
    );
  }
  return {
    method: 'centroids',
    source: null,
    fallback: `${why} and no --baseline-input was given: segments matched by centroids`,
  };
}

/**
 * Pair the rows of the baseline input with the rows of the input `ds`: as they are when the counts agree; by the id
 * column when both carry it and cleaning dropped rows since (rows without a partner are flagged in `unpaired` and
 * count as unlabelled in the matching; a warning says how many). O(n).
 * @throws DataError when ids of `ds` repeat, when fewer than half the rows pair, or when the counts differ without a
 *   shared id column.
 */
export function pairBaselineRows(
  ds: Dataset,
  baselineDs: Dataset,
  o: { id?: string | undefined; dataName: string; baselineName: string; logger: Logger },
): { data: Dataset; unpaired: Uint8Array | null } {
  if (baselineDs.nRows === ds.nRows) return { data: baselineDs, unpaired: null };
  if (o.id === undefined || !ds.has(o.id) || !baselineDs.has(o.id))
    throw new DataError(
      `${o.baselineName}: ${baselineDs.nRows} rows but ${o.dataName} has ${ds.nRows}`,
      '--baseline-input must hold the same rows as <data>, in the same order (or both carry the --id column)',
    );
  // Cleaning dropped rows since the raw input: pair the rest by id.
  assertUniqueIds(ds, o.id, o.dataName, `its rows are paired with ${o.baselineName} by id`);
  const aligned = alignById(ds, baselineDs, o.id, o.baselineName);
  const lost = aligned.unpaired.reduce((a, b) => a + b, 0);
  if (lost * 2 > ds.nRows)
    throw new DataError(
      `${o.baselineName}: only ${ds.nRows - lost} of ${ds.nRows} rows pair with ${o.dataName} by ${o.id}`,
      '--baseline-input must hold the rows <data> was made from',
    );
  if (lost > 0)
    o.logger.log(
      'warn',
      `baseline: ${lost} row(s) have no row with the same ${o.id} in ${o.baselineName}; they count as unlabelled in the matching`,
    );
  return aligned;
}

/** Log how the numbering followed the baseline: an info line, and warnings for new and vanished segments. */
export function reportIdentity(logger: Logger, id: SegmentIdentity): void {
  logger.log(
    'info',
    `baseline: ${id.matched.length} segment(s) kept their number (by ${id.method}), ${id.new.length} new, ${id.vanished.length} vanished`,
  );
  if (id.new.length > 0) {
    const parts = id.new.map((s) => {
      const c = s.closest;
      const near = !c
        ? ''
        : c.jaccard !== undefined
          ? `; closest baseline segment ${c.baseline}, Jaccard ${c.jaccard.toFixed(2)}`
          : `; nearest baseline segment ${c.baseline}, distance ${c.distance!.toPrecision(3)}`;
      return `${s.segment} (${s.size} rows${near})`;
    });
    logger.log('warn', `new segment(s), not in the baseline: ${parts.join(', ')}`);
  }
  if (id.vanished.length > 0) {
    logger.log(
      'warn',
      `baseline segment(s) with no partner (vanished): ${id.vanished.map((s) => `${s.segment} (${s.size} rows in the baseline)`).join(', ')}`,
    );
  }
}
