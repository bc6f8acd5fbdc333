import { InternalError } from '../core/errors.js';
import { contingency, matchSegments, NOISE, type Matching } from '../core/matching.js';
import type { BootstrapResult } from './bootstrap.js';
import { adjustedRandIndex, ksStatistic, normalizedMutualInfo, psi, wasserstein1 } from './metrics.js';

/** Gate thresholds; null disables a gate. */
export interface StabilityThresholds {
  /** Lowest accepted adjusted Rand index. */
  minAri: number | null;
  /** Lowest accepted Jaccard of any segment (unmatched segments count as 0). */
  minJaccard: number | null;
  /** Highest accepted PSI of any feature. */
  maxPsi: number | null;
  /** Highest accepted Kolmogorov–Smirnov statistic of any feature. */
  maxKs: number | null;
}

/** Defaults of the gates (industry rule of thumb for PSI: above 0.25 is a major shift). */
export const defaultThresholds: StabilityThresholds = {
  minAri: 0.8,
  minJaccard: 0.7,
  maxPsi: 0.25,
  maxKs: 0.1,
};

/** What {@link compareSegmentations} compares. */
export interface StabilityInput {
  /** Labels of the paired rows in a (−1 = noise). */
  labelsA: Int32Array;
  /** Labels of the same rows in b, same length and order as `labelsA`. */
  labelsB: Int32Array;
  /** Per feature, every row's value in a and in b (distributions: the rows need not be paired). */
  features: { name: string; a: Float64Array; b: Float64Array }[];
  thresholds: StabilityThresholds;
  /**
   * False when both labelings are of the very same rows (models scoring one dataset): drift compares nothing, so
   * `features` must be empty and the PSI / KS gates are reported as not applicable. Default true.
   */
  drift?: boolean;
}

/** Drift of one feature between a (reference) and b. */
export interface FeatureDrift {
  feature: string;
  psi: number | null;
  ks: number | null;
  wasserstein: number | null;
}

/** One gate's outcome. */
export interface Gate {
  name: 'ari' | 'jaccard' | 'psi' | 'ks';
  /** The value tested: ARI, the smallest Jaccard, the largest PSI / KS; null when it cannot be computed. */
  value: number | null;
  /** Feature or segment the value comes from, when any. */
  at: string | null;
  /** 'min' gates pass when value >= threshold, 'max' gates when value <= threshold. */
  kind: 'min' | 'max';
  /** Threshold; null when the gate is disabled. */
  threshold: number | null;
  /** True when disabled, not applicable or passing; a value that cannot be computed fails. */
  pass: boolean;
  /** Applicable and given a threshold. */
  enabled: boolean;
  /** False when the gate has no meaning in this mode (drift of the same rows, drift in bootstrap mode). */
  applicable: boolean;
}

/** Everything {@link compareSegmentations} measures. */
export interface StabilityResult {
  rows: number;
  noise: { a: number; b: number };
  ari: number;
  nmi: number;
  segments: Matching;
  features: FeatureDrift[];
  gates: Gate[];
  pass: boolean;
  notes: string[];
}

/**
 * Compare two segmentations of the same rows: ARI and NMI (noise −1 a label of its own), Hungarian matching of the
 * segments with Jaccard and size shift (noise never matched), PSI / KS / Wasserstein per feature, and the gates
 * (PSI and KS not applicable when `drift` is false). O(n log n · features + r·c·min(r,c)).
 * @throws InternalError when the labelings differ in length or are empty (the caller checks both), or when drift
 *   features are given with `drift` false.
 * @example
 * const check = compareSegmentations({ labelsA: saved, labelsB: refit, features: [], thresholds: defaultThresholds });
 * if (!check.pass) console.log(check.gates.filter((g) => !g.pass));
 */
export function compareSegmentations(input: StabilityInput): StabilityResult {
  const { labelsA, labelsB, thresholds } = input;
  if (labelsA.length !== labelsB.length || labelsA.length === 0)
    throw new InternalError(`cannot compare labelings of ${labelsA.length} and ${labelsB.length} rows`);
  const c = contingency(labelsA, labelsB);
  const segments = matchSegments(c);
  const drift = input.drift ?? true;
  if (!drift && input.features.length > 0)
    throw new InternalError('drift features given for labelings of the same rows');
  const features: FeatureDrift[] = input.features.map((f) => ({
    feature: f.name,
    psi: psi(f.a, f.b),
    ks: ksStatistic(f.a, f.b),
    wasserstein: wasserstein1(f.a, f.b),
  }));
  const notes: string[] = [];
  const countNoise = (l: Int32Array) => l.reduce((s, v) => s + (v === NOISE ? 1 : 0), 0);
  const noise = { a: countNoise(labelsA), b: countNoise(labelsB) };
  if (noise.a + noise.b > 0)
    notes.push('noise (−1) is one label of its own for ARI / NMI and is never matched as a segment');

  let minJ: number | null = null;
  let minJAt: string | null = null;
  for (const m of segments.matches) {
    if (minJ === null || m.jaccard < minJ) {
      minJ = m.jaccard;
      minJAt = `${m.a}→${m.b}`;
    }
  }
  if (segments.vanished.length > 0 || segments.appeared.length > 0) {
    minJ = 0;
    const v = segments.vanished[0];
    minJAt = v ? `${v.segment} vanished` : `${segments.appeared[0]!.segment} new`;
  }
  const worst = (key: 'psi' | 'ks'): [number | null, string | null] => {
    if (features.length === 0) return [null, null];
    let best: number | null = -Infinity;
    let at: string | null = null;
    for (const f of features) {
      const v = f[key];
      if (v === null) return [null, f.feature];
      if (v > best!) {
        best = v;
        at = f.feature;
      }
    }
    return [best, at];
  };
  const [maxPsi, psiAt] = worst('psi');
  const [maxKs, ksAt] = worst('ks');
  if (!drift)
    notes.push('both labelings are of the same rows: drift (PSI, KS, Wasserstein) is not applicable');
  else if (features.length === 0)
    notes.push('no numeric feature in both files: PSI and KS cannot be computed');
  const gates = [
    makeGate('ari', 'min', adjustedRandIndex(c), null, thresholds.minAri),
    makeGate('jaccard', 'min', minJ, minJAt, thresholds.minJaccard),
    makeGate('psi', 'max', drift ? maxPsi : null, drift ? psiAt : null, thresholds.maxPsi, drift),
    makeGate('ks', 'max', drift ? maxKs : null, drift ? ksAt : null, thresholds.maxKs, drift),
  ];
  return {
    rows: labelsA.length,
    noise,
    ari: gates[0]!.value!,
    nmi: normalizedMutualInfo(c),
    segments,
    features,
    gates,
    pass: gates.every((g) => g.pass),
    notes,
  };
}

/**
 * One gate: enabled when applicable and given a threshold; passes when disabled, not applicable, or its value is on
 * the right side of the threshold (a value that cannot be computed, null or NaN, fails). O(1).
 */
function makeGate(
  name: Gate['name'],
  kind: Gate['kind'],
  value: number | null,
  at: string | null,
  threshold: number | null,
  applicable = true,
): Gate {
  const enabled = applicable && threshold !== null;
  const pass =
    !enabled ||
    (value !== null && !Number.isNaN(value) && (kind === 'min' ? value >= threshold : value <= threshold));
  return { name, value, at, kind, threshold, pass, enabled, applicable };
}

/** Gates of a bootstrap run and whether all pass. */
export interface BootstrapGates {
  gates: Gate[];
  pass: boolean;
}

/**
 * Gate a bootstrap result: `minJaccard` on every segment's mean Jaccard (the lowest is reported; a segment whose
 * mean cannot be computed, never drawn, fails), `minAri` on the mean ARI; PSI and KS are not applicable (one
 * dataset). O(segments).
 */
export function gateBootstrap(r: BootstrapResult, thresholds: StabilityThresholds): BootstrapGates {
  let minJ: number | null = null;
  let minJAt: string | null = null;
  let missing: string | null = null;
  for (const s of r.segments) {
    if (s.meanJaccard === null) {
      missing ??= `segment ${s.segment} never drawn`;
      continue;
    }
    if (minJ === null || s.meanJaccard < minJ) {
      minJ = s.meanJaccard;
      minJAt = `segment ${s.segment}`;
    }
  }
  if (missing !== null) {
    minJ = null;
    minJAt = missing;
  } else if (r.segments.length === 0) minJAt = 'no segment';
  const gates = [
    makeGate('ari', 'min', r.ari.mean, null, thresholds.minAri),
    makeGate('jaccard', 'min', minJ, minJAt, thresholds.minJaccard),
    makeGate('psi', 'max', null, null, thresholds.maxPsi, false),
    makeGate('ks', 'max', null, null, thresholds.maxKs, false),
  ];
  return { gates, pass: gates.every((g) => g.pass) };
}

/** Compact text rendering of a bootstrap run: summary, gates, one line per segment. O(segments). */
export function renderBootstrap(
  r: BootstrapResult,
  g: BootstrapGates,
  notes: readonly string[] = [],
): string {
  const out: string[] = [];
  out.push(
    `bootstrap ${r.replicates} replicates  rows ${r.rows}  distinct per replicate ${fmt(r.distinctRows.mean)}` +
      `  mean ari ${fmt(r.ari.mean)} (${fmt(r.ari.min)}–${fmt(r.ari.max)})  noise ${r.noise}`,
    '',
  );
  out.push(gateTable(g.gates), '');
  out.push(
    table(
      ['segment', 'size', 'share %', 'mean jaccard', 'dissolved %', 'recovered %', 'computed'],
      r.segments.map((s) => [
        String(s.segment),
        String(s.size),
        pct(s.size / r.rows),
        s.meanJaccard === null ? '—' : fmt(s.meanJaccard),
        s.computed > 0 ? pct(s.dissolved / s.computed) : '—',
        s.computed > 0 ? pct(s.recovered / s.computed) : '—',
        `${s.computed}/${r.replicates}`,
      ]),
    ),
    '',
  );
  out.push(
    `dissolved: best Jaccard < ${r.dissolution}; recovered: >= ${r.recover} (share of the replicates where computed)`,
  );
  for (const n of notes) out.push(n);
  out.push(g.pass ? 'stability: pass' : `stability: FAIL — ${describeFailedGates(g.gates)}`);
  return out.join('\n') + '\n';
}

/** One line naming every failed gate, e.g. "ari 0.41 < 0.8; psi 0.31 > 0.25 (monetary)". */
export function describeFailedGates(gates: readonly Gate[]): string {
  return gates
    .filter((g) => !g.pass)
    .map((g) => {
      const v = g.value === null ? 'cannot be computed' : fmt(g.value);
      const op = g.kind === 'min' ? '<' : '>';
      const cmp = g.value === null ? `(threshold ${fmt(g.threshold!)})` : `${op} ${fmt(g.threshold!)}`;
      return `${g.name} ${v} ${cmp}${g.at ? ` (${g.at})` : ''}`;
    })
    .join('; ');
}

/** Compact text rendering: gates, segment matching, feature drift. */
export function renderStability(r: StabilityResult): string {
  const out: string[] = [];
  out.push(`rows ${r.rows}  ari ${fmt(r.ari)}  nmi ${fmt(r.nmi)}  noise a ${r.noise.a} b ${r.noise.b}`, '');
  out.push(gateTable(r.gates), '');
  const segRows = r.segments.matches.map((m) => [
    String(m.a),
    String(m.b),
    fmt(m.jaccard),
    pct(m.shareA),
    pct(m.shareB),
    (m.shift >= 0 ? '+' : '') + (m.shift * 100).toFixed(1),
  ]);
  for (const v of r.segments.vanished)
    segRows.push([String(v.segment), 'vanished', '0', pct(v.share), '', '']);
  for (const v of r.segments.appeared) segRows.push(['new', String(v.segment), '0', '', pct(v.share), '']);
  out.push(table(['a', 'b', 'jaccard', 'share a %', 'share b %', 'shift pp'], segRows), '');
  if (r.features.length > 0) {
    out.push(
      table(
        ['feature', 'psi', 'ks', 'wasserstein'],
        r.features.map((f) => [f.feature, opt(f.psi), opt(f.ks), opt(f.wasserstein)]),
      ),
      '',
    );
  }
  for (const n of r.notes) out.push(n);
  out.push(r.pass ? 'stability: pass' : `stability: FAIL — ${describeFailedGates(r.gates)}`);
  return out.join('\n') + '\n';
}

function gateTable(gates: readonly Gate[]): string {
  return table(
    ['gate', 'value', 'threshold', 'at', 'result'],
    gates.map((g) => [
      g.name,
      g.value === null ? '—' : fmt(g.value),
      g.threshold === null ? 'none' : `${g.kind === 'min' ? '>=' : '<='} ${fmt(g.threshold)}`,
      g.at ?? '',
      !g.applicable ? 'n/a' : !g.enabled ? 'off' : g.pass ? 'pass' : 'FAIL',
    ]),
  );
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

function pct(x: number): string {
  return (x * 100).toFixed(1);
}

function opt(x: number | null): string {
  return x === null ? '—' : fmt(x);
}

function fmt(x: number): string {
  if (Number.isNaN(x)) return '—';
  if (Math.abs(x) < 1e-12) return '0';
  return Math.abs(x) >= 1000 ? x.toFixed(1) : String(Number(x.toPrecision(4)));
}
