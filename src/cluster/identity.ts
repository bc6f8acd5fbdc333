import { DataError, InternalError, invalidParameter } from '../core/errors.js';
import { contingency, linearSumAssignment, matchSegments, NOISE } from '../core/matching.js';
import type { Matrix } from '../core/matrix.js';
import { findExceptions } from './assign.js';
import type { ClusterModel } from './cluster-model.js';

/**
 * How the segments of a new fit are paired with a baseline's: `members` compares which rows each segment holds (the
 * baseline's labels for the same rows), `centroids` compares segment centroids in the shared feature space.
 */
export type MatchMethod = 'members' | 'centroids';

/**
 * Default lowest Jaccard |A ∩ B| / |A ∪ B| for a members pair to keep the baseline's number. The Hungarian pairing is
 * already one-to-one and maximises the rows shared, so the threshold only rejects pairs that are mostly different
 * groups: at 0.2 a pair shares at least a fifth of the rows in either segment — a segment keeps its number through
 * ordinary drift and an uneven split (the larger part keeps it), while a leftover pairing of two segments that have
 * little in common gives a new number instead.
 */
export const DEFAULT_MATCH_MIN_JACCARD = 0.2;

/** A segment of the new fit that kept the number of its baseline partner. */
export interface MatchedSegment {
  /** Its number (the baseline segment's number). */
  segment: number;
  /** The baseline segment it continues (same number as `segment`). */
  baseline: number;
  /** Rows in the new fit. */
  size: number;
  /** Members: Jaccard of the two segments' rows. */
  jaccard?: number;
  /** Centroids: euclidean distance between the two centroids. */
  distance?: number;
}

/** A segment of the new fit with no baseline partner: it got a fresh number. */
export interface NewSegment {
  segment: number;
  size: number;
  /** The nearest baseline segment (highest Jaccard / lowest distance), when any: e.g. the one it split from. */
  closest: { baseline: number; jaccard?: number; distance?: number } | null;
}

/** A baseline segment with no partner in the new fit. */
export interface VanishedSegment {
  segment: number;
  /** Its training size in the baseline. */
  size: number;
}

/** The record of how a model's segment numbers were carried over from a baseline (stored in the model). */
export interface SegmentIdentity {
  /** Content hash of the baseline model (null for a model file without one). */
  baseline: string | null;
  method: MatchMethod;
  /** Members: the lowest Jaccard a pair needed. */
  minJaccard?: number;
  matched: MatchedSegment[];
  new: NewSegment[];
  vanished: VanishedSegment[];
  /** Every number a segment has had in this model's lineage and that no segment has now, ascending. */
  retired: number[];
}

/** A cluster model that may carry the identity record. */
export type ModelWithIdentity = ClusterModel & { identity?: SegmentIdentity };

/** One accepted pair: a segment number of the fit and the baseline segment it continues. */
export interface SegmentPair {
  fitted: number;
  baseline: number;
  jaccard?: number;
  distance?: number;
}

/** The pairing of a fit's segments with a baseline's (before renumbering). */
export interface SegmentPairing {
  method: MatchMethod;
  minJaccard?: number;
  /** Accepted pairs (one-to-one). */
  pairs: SegmentPair[];
  /** For fitted segments left unpaired: the nearest baseline segment, if any. */
  closest: Map<number, { baseline: number; jaccard?: number; distance?: number }>;
}

/**
 * Pair segments by their members: `labels` (the new fit) and `baselineLabels` (the baseline model's labels for the
 * same rows, in the same order). Hungarian assignment on the contingency table maximising the rows shared
 * ({@link matchSegments}); a pair is accepted when its Jaccard is at least `minJaccard`. Noise (−1) never pairs.
 * O(n + r·c·min(r, c)) for r and c segments.
 * @throws UsageError when minJaccard is not in [0, 1]; InternalError when the labelings differ in length.
 */
export function matchByMembers(
  labels: Int32Array,
  baselineLabels: Int32Array,
  minJaccard = DEFAULT_MATCH_MIN_JACCARD,
): SegmentPairing {
  if (!(minJaccard >= 0 && minJaccard <= 1))
    throw invalidParameter('cluster.matchByMembers', 'minJaccard', 'a float in [0, 1]', minJaccard);
  const c = contingency(labels, baselineLabels);
  const m = matchSegments(c);
  const pairs: SegmentPair[] = m.matches
    .filter((p) => p.jaccard >= minJaccard)
    .map((p) => ({ fitted: p.a, baseline: p.b, jaccard: p.jaccard }));
  const paired = new Set(pairs.map((p) => p.fitted));
  const closest = new Map<number, { baseline: number; jaccard: number }>();
  const k = c.cols.length;
  for (let i = 0; i < c.rows.length; i++) {
    const la = c.rows[i]!;
    if (la === NOISE || paired.has(la)) continue;
    let best = -1;
    let bestJaccard = 0;
    for (let j = 0; j < k; j++) {
      const overlap = c.table[i * k + j]!;
      if (c.cols[j] === NOISE || overlap === 0) continue;
      const jac = overlap / (c.rowSums[i]! + c.colSums[j]! - overlap);
      if (best < 0 || jac > bestJaccard) {
        best = j;
        bestJaccard = jac;
      }
    }
    if (best >= 0) closest.set(la, { baseline: c.cols[best]!, jaccard: bestJaccard });
  }
  return { method: 'members', minJaccard, pairs, closest };
}

/**
 * The baseline's feature order expressed in the fit's: `perm[j]` is the baseline column of the fit's feature j.
 * O(d).
 * @throws DataError when the two sets of feature names differ (centroids would not be comparable).
 */
export function featurePermutation(
  features: readonly string[],
  baselineFeatures: readonly string[],
): number[] {
  const at = new Map(baselineFeatures.map((f, j) => [f, j]));
  const same =
    features.length === baselineFeatures.length &&
    at.size === baselineFeatures.length &&
    new Set(features).size === features.length &&
    features.every((f) => at.has(f));
  if (!same) {
    const show = (fs: readonly string[]) =>
      fs.length > 8 ? `${fs.slice(0, 8).join(', ')}, …` : fs.join(', ');
    throw new DataError(
      `the baseline model's features (${show(baselineFeatures)}) differ from this fit's (${show(features)}): centroids cannot be compared`,
      'match by members (--baseline-input with the rows in the form the baseline reads), or cluster the same features',
    );
  }
  return features.map((f) => at.get(f)!);
}

/**
 * Pair segments by their centroids (`model.segments[].centroid`): Hungarian assignment minimising the total
 * euclidean distance between paired centroids; every pair is accepted. The baseline's features may be in another
 * order (matched by name). O(r·c·d + r·c·min(r, c)).
 * @throws DataError when the feature names differ.
 */
export function matchByCentroids(model: ClusterModel, baseline: ClusterModel): SegmentPairing {
  const perm = featurePermutation(model.features, baseline.features);
  const a = model.segments;
  const b = baseline.segments;
  const dist = new Float64Array(a.length * b.length);
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      let s = 0;
      const ca = a[i]!.centroid;
      const cb = b[j]!.centroid;
      for (let t = 0; t < perm.length; t++) s += (ca[t]! - cb[perm[t]!]!) ** 2;
      dist[i * b.length + j] = Math.sqrt(s);
    }
  }
  const assigned = a.length > 0 && b.length > 0 ? linearSumAssignment(dist, a.length, b.length) : [];
  const pairs: SegmentPair[] = assigned.map(([i, j]) => ({
    fitted: a[i]!.segment,
    baseline: b[j]!.segment,
    distance: dist[i * b.length + j]!,
  }));
  const paired = new Set(pairs.map((p) => p.fitted));
  const closest = new Map<number, { baseline: number; distance: number }>();
  a.forEach((s, i) => {
    if (paired.has(s.segment) || b.length === 0) return;
    let best = 0;
    for (let j = 1; j < b.length; j++) if (dist[i * b.length + j]! < dist[i * b.length + best]!) best = j;
    closest.set(s.segment, { baseline: b[best]!.segment, distance: dist[i * b.length + best]! });
  });
  return { method: 'centroids', pairs, closest };
}

/** Numbers the baseline's lineage has used: its segments' and the ones it records as retired. O(k). */
export function usedNumbers(baseline: ClusterModel): Set<number> {
  const used = new Set(baseline.segments.map((s) => s.segment));
  const retired = (baseline as ModelWithIdentity).identity?.retired;
  if (Array.isArray(retired))
    for (const r of retired) if (Number.isInteger(r) && (r as number) >= 0) used.add(r as number);
  return used;
}

/** What {@link applyIdentity} returns. */
export interface IdentityResult {
  /** The fit's labels renumbered (a new array; −1 stays −1). */
  labels: Int32Array;
  /**
   * The model renumbered, with `identity` recorded: without a content hash as {@link applyIdentity} leaves it, or
   * re-bundled with its chain and hash by `keepSegmentIdentity` (model/identity.ts).
   */
  model: ModelWithIdentity;
  identity: SegmentIdentity;
  /** Fitted number → final number. */
  map: Map<number, number>;
}

/**
 * Renumber a fit after a pairing with its baseline: a paired segment takes its baseline partner's number; unpaired
 * segments take fresh numbers above every number the baseline's lineage used ({@link usedNumbers}), in decreasing
 * size order; baseline segments left unpaired are vanished. Numbers are therefore not contiguous. Everything in the
 * model that holds a segment number is rewritten (segments, sorted by number; k-means `centroidSegment`, DBSCAN
 * `coreSegment`; the training exceptions — recomputed for hierarchical models, whose rule breaks distance ties by
 * segment order) and the identity record is stored; the caller re-bundles the model (chain, input schema, hash) before
 * it is saved. O(n + k log k), plus O(n·k·d) for hierarchical models.
 * @throws InternalError when a label or pair names a segment the models do not have.
 */
export function applyIdentity(
  X: Matrix,
  labels: Int32Array,
  model: ClusterModel,
  baseline: ClusterModel,
  pairing: SegmentPairing,
): IdentityResult {
  const fitted = new Map(model.segments.map((s) => [s.segment, s]));
  const base = new Map(baseline.segments.map((s) => [s.segment, s]));
  const map = new Map<number, number>();
  const matched: MatchedSegment[] = [];
  for (const p of pairing.pairs) {
    const s = fitted.get(p.fitted);
    if (!s || !base.has(p.baseline) || map.has(p.fitted))
      throw new InternalError(`bad segment pair ${p.fitted} → ${p.baseline}`);
    map.set(p.fitted, p.baseline);
    matched.push({
      segment: p.baseline,
      baseline: p.baseline,
      size: s.size,
      ...(p.jaccard !== undefined ? { jaccard: p.jaccard } : {}),
      ...(p.distance !== undefined ? { distance: p.distance } : {}),
    });
  }
  const used = usedNumbers(baseline);
  let next = used.size > 0 ? Math.max(...used) + 1 : 0;
  const fresh: NewSegment[] = [];
  const unpaired = model.segments
    .filter((s) => !map.has(s.segment))
    .sort((x, y) => y.size - x.size || x.segment - y.segment);
  for (const s of unpaired) {
    map.set(s.segment, next);
    fresh.push({ segment: next++, size: s.size, closest: pairing.closest.get(s.segment) ?? null });
  }
  const to = (l: number): number => {
    if (l < 0) return l;
    const v = map.get(l);
    if (v === undefined) throw new InternalError(`label ${l} is not a segment of the model`);
    return v;
  };
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = to(labels[i]!);

  const finals = new Set(map.values());
  const pairedBase = new Set(pairing.pairs.map((p) => p.baseline));
  const vanished: VanishedSegment[] = baseline.segments
    .filter((s) => !pairedBase.has(s.segment))
    .map((s) => ({ segment: s.segment, size: s.size }))
    .sort((x, y) => x.segment - y.segment);
  const identity: SegmentIdentity = {
    baseline: typeof baseline.hash === 'string' ? baseline.hash : null,
    method: pairing.method,
    ...(pairing.minJaccard !== undefined ? { minJaccard: pairing.minJaccard } : {}),
    matched: matched.sort((x, y) => x.segment - y.segment),
    new: fresh,
    vanished,
    retired: [...used].filter((n) => !finals.has(n)).sort((x, y) => x - y),
  };

  const { identity: _old, hash: _hash, ...rest } = model as ModelWithIdentity;
  const renumbered = {
    ...rest,
    segments: model.segments
      .map((s) => ({ ...s, segment: to(s.segment) }))
      .sort((x, y) => x.segment - y.segment),
    exceptions: model.exceptions.map((e) => ({ ...e, segment: to(e.segment) })),
  } as ClusterModel;
  if (renumbered.algorithm === 'kmeans') renumbered.centroidSegment = renumbered.centroidSegment.map(to);
  else if (renumbered.algorithm === 'dbscan') renumbered.coreSegment = renumbered.coreSegment.map(to);
  else if (renumbered.algorithm === 'hdbscan' || renumbered.algorithm === 'optics')
    renumbered.pointSegment = renumbered.pointSegment.map(to);
  else renumbered.exceptions = findExceptions(renumbered, X, out);
  const withIdentity = { ...renumbered, identity } as ModelWithIdentity;
  return { labels: out, model: withIdentity, identity, map };
}

/** Options of {@link pairSegments}. */
export interface IdentityOptions {
  method: MatchMethod;
  /** Members: the baseline model's labels for the fit's rows (same order). */
  baselineLabels?: Int32Array | undefined;
  /** Members: lowest Jaccard of an accepted pair (default {@link DEFAULT_MATCH_MIN_JACCARD}). */
  minJaccard?: number | undefined;
}

/**
 * Pair a new fit's segments with a baseline model's by the chosen method ({@link matchByMembers} or
 * {@link matchByCentroids}). Costs: those.
 * @throws UsageError when members are asked without baseline labels or with a bad minJaccard; DataError when the
 *   baseline labels do not cover the same rows, or centroids are asked for models with different features.
 */
export function pairSegments(
  labels: Int32Array,
  model: ClusterModel,
  baseline: ClusterModel,
  opts: IdentityOptions,
): SegmentPairing {
  if (opts.method === 'members') {
    if (!opts.baselineLabels)
      throw invalidParameter('cluster.keepSegmentIdentity', 'baselineLabels', 'an Int32Array', undefined);
    if (opts.baselineLabels.length !== labels.length) {
      throw new DataError(
        `the baseline labels cover ${opts.baselineLabels.length} rows but the fit has ${labels.length}`,
        'score the same rows, in the same order, with the baseline model',
      );
    }
    return matchByMembers(labels, opts.baselineLabels, opts.minJaccard ?? DEFAULT_MATCH_MIN_JACCARD);
  }
  return matchByCentroids(model, baseline);
}
