import type { ChainEntry } from '../core/chain.js';
import type { Dataset } from '../core/dataset.js';
import { distinction, profileColumn, segmentMembers, type ColumnProfile } from './profile.js';
import { chainProfileSource } from './source.js';

/** A column's distinguishing trait in a segment: its words, and how strongly (in standard units) it stands out. */
interface Trait {
  column: string;
  /** The plain form: "high monetary", "low recency_days", "internet_service: No". */
  label: string;
  /** The business word, when the column's name is known: an adjective ("recent") or a noun ("big spenders"). */
  word: { text: string; noun: boolean } | null;
  strength: number;
}

/** Traits weaker than this (in standard units) do not name a segment. */
export const NAME_THRESHOLD = 0.5;

/**
 * Business words for common behavioural columns, matched on the column name: [pattern, word when high, word when
 * low]. A noun ends the name ("recent big spenders"); adjectives come before it.
 */
const vocabulary: [RegExp, { text: string; noun: boolean }, { text: string; noun: boolean }][] = [
  [/recen|days_since|since_last/i, { text: 'lapsed', noun: false }, { text: 'recent', noun: false }],
  [
    /monetary|revenue|spend|amount|sales|value|basket/i,
    { text: 'big spenders', noun: true },
    { text: 'low spenders', noun: true },
  ],
  [
    /frequen|orders|purchases|visits|sessions|active_days/i,
    { text: 'frequent', noun: false },
    { text: 'occasional', noun: false },
  ],
  [
    /tenure|seniority|customer_age|account_age/i,
    { text: 'long-standing', noun: false },
    { text: 'new', noun: false },
  ],
  [/churn/i, { text: 'churn-prone', noun: false }, { text: 'retained', noun: false }],
];

/**
 * A short descriptive name for every segment from its most distinguishing columns, in business words where the
 * columns are known ("Recent big spenders"), else plainly ("high monetary · internet_service: No"); names are made
 * distinct by adding traits, then the segment number. `profiles[s]` are segment s's column profiles.
 * O(segments · columns · log columns).
 */
export function autoNames(segments: readonly number[], profiles: readonly ColumnProfile[][]): string[] {
  const traits = profiles.map((ps) =>
    ps
      .map((p) => trait(p))
      .filter((t): t is Trait => t !== null && Math.abs(t.strength) >= NAME_THRESHOLD)
      .sort((a, b) => Math.abs(b.strength) - Math.abs(a.strength) || a.label.localeCompare(b.label)),
  );
  const depth = segments.map(() => 2);
  let names = segments.map((_, i) => nameOf(traits[i]!.slice(0, depth[i])));
  // Deepen colliding names while a trait is left to add; then number what still collides.
  for (let round = 0; round < 4; round++) {
    const clash = collisions(names);
    if (clash.size === 0) break;
    let grew = false;
    names.forEach((n, i) => {
      if (clash.has(n) && depth[i]! < traits[i]!.length) {
        depth[i]!++;
        grew = true;
      }
    });
    if (!grew) break;
    names = segments.map((_, i) => nameOf(traits[i]!.slice(0, depth[i])));
  }
  const clash = collisions(names);
  return names.map((n, i) => (clash.has(n) ? `${n} (segment ${segments[i]})` : n));
}

function collisions(names: string[]): Set<string> {
  const seen = new Set<string>();
  const out = new Set<string>();
  for (const n of names) (seen.has(n) ? out : seen).add(n);
  return out;
}

function trait(p: ColumnProfile): Trait | null {
  const { score, level } = distinction(p);
  if (score === 0) return null;
  if (p.kind === 'categorical') {
    // A level that is rarer than usual does not describe a segment well; name it by what it has more of.
    if (score < 0 || level === null) return null;
    return { column: p.column, label: `${p.column}: ${level}`, word: null, strength: score };
  }
  const high = score > 0;
  const entry = vocabulary.find(([re]) => re.test(p.column));
  return {
    column: p.column,
    label: p.binary ? `${high ? 'more' : 'fewer'} ${p.column}` : `${high ? 'high' : 'low'} ${p.column}`,
    word: entry ? (high ? entry[1] : entry[2]) : null,
    strength: score,
  };
}

function nameOf(traits: Trait[]): string {
  if (traits.length === 0) return 'Close to average';
  if (traits.every((t) => t.word !== null)) {
    const words = traits.map((t) => t.word!);
    const nouns = words.filter((w) => w.noun).map((w) => w.text);
    const adjectives = [...new Set(words.filter((w) => !w.noun).map((w) => w.text))];
    // Two nouns ("big spenders", "low spenders") cannot both end a name: fall back to the plain form.
    if (nouns.length <= 1) {
      const text = [...adjectives, nouns[0] ?? 'customers'].join(' ');
      return text.charAt(0).toUpperCase() + text.slice(1);
    }
  }
  // "High monetary · low recency_days"; a name starting with a column's own name keeps its spelling.
  const text = traits.map((t) => t.label).join(' · ');
  return traits[0]!.word === null && traits[0]!.label.startsWith(traits[0]!.column)
    ? text
    : text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Names made for the segments of a training set: the profiles of its features in original units (the chain's scaling
 * undone, one-hot columns folded back), then {@link autoNames}. `labels` are row-aligned with `ds`; noise is not
 * named. O(n · features · log n).
 */
export function madeSegmentNames(
  ds: Dataset,
  chain: readonly ChainEntry[],
  features: readonly string[],
  labels: Int32Array,
): Map<number, string> {
  const source = chainProfileSource(ds, chain);
  const columns = [...new Set(features.map((f) => source.nameOf(f)))].map((n) => source.column(n));
  const members = segmentMembers(labels);
  const profiles = columns.map((c) => profileColumn(c, members));
  const segments = [...members.keys()];
  const names = autoNames(
    segments,
    segments.map((_, i) => profiles.map((p) => p.segments[i]!)),
  );
  return new Map(segments.map((s, i) => [s, names[i]!]));
}
