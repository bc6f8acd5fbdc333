import type { ChainEntry } from '../core/chain.js';
import type { Dataset } from '../core/dataset.js';
import { byText, distinction, profileColumn, segmentMembers, type ColumnProfile } from './profile.js';
import { chainProfileSource } from './source.js';

/** A column's distinguishing trait in a segment: its words, and how strongly (in standard units) it stands out. */
interface Trait {
  column: string;
  /** The plain form: "high monetary", "low recency_days", "internet_service: No". */
  label: string;
  /** The business word, when the column's name is known: an adjective ("recent") or a noun ("big spenders"). */
  word: Word | null;
  strength: number;
}

/** Traits weaker than this (in standard units) do not name a segment. */
export const NAME_THRESHOLD = 0.5;

/** A business word: an adjective ("recent") or a noun that ends a name ("big spenders"). */
interface Word {
  text: string;
  noun: boolean;
}

/**
 * Business words for common behavioural columns, matched on whole words of the column name (split at `_`, `-`,
 * spaces): [words that mark the column, word when high, word when low]. Names about gaps, refunds, returns, costs
 * or discounts read the other way round and get no word.
 */
const vocabulary: [(words: string[]) => boolean, Word, Word][] = [
  [(w) => w.includes('recency') || (w.includes('days') && w.includes('since')), adj('lapsed'), adj('recent')],
  [
    (w) =>
      ['monetary', 'revenue', 'spend', 'spent', 'amount', 'sales', 'value', 'basket', 'ltv', 'clv'].some(
        (x) => w.includes(x),
      ),
    { text: 'big spenders', noun: true },
    { text: 'low spenders', noun: true },
  ],
  [
    (w) =>
      ['frequency', 'orders', 'purchases', 'visits', 'sessions', 'transactions'].some((x) => w.includes(x)) ||
      (w.includes('active') && w.includes('days')),
    adj('frequent'),
    adj('occasional'),
  ],
  [(w) => w.includes('tenure') || w.includes('seniority'), adj('long-standing'), adj('new')],
  [(w) => w.includes('churn') || w.includes('churned'), adj('churn-prone'), adj('retained')],
];
const reversed = ['between', 'gap', 'interval', 'refund', 'refunds', 'return', 'returns', 'cost', 'discount'];

function adj(text: string): Word {
  return { text, noun: false };
}

/** The business word of a column that is high (or low) in a segment, if its name is a known one. */
function wordOf(column: string, high: boolean): Word | null {
  const words = column
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
  if (words.some((w) => reversed.includes(w))) return null;
  const entry = vocabulary.find(([known]) => known(words));
  return entry ? (high ? entry[1] : entry[2]) : null;
}

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
      .sort((a, b) => Math.abs(b.strength) - Math.abs(a.strength) || byText(a.label, b.label)),
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
  return {
    column: p.column,
    label: p.binary ? `${high ? 'more' : 'fewer'} ${p.column}` : `${high ? 'high' : 'low'} ${p.column}`,
    word: wordOf(p.column, high),
    strength: score,
  };
}

/** Longest made name; longer ones are cut at a word with "…". */
const MAX_NAME = 80;

function nameOf(traits: Trait[]): string {
  // eslint-disable-next-line no-control-regex
  const text = phrase(traits).replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ');
  if (text.length <= MAX_NAME) return text;
  const cut = text.slice(0, MAX_NAME - 1);
  return `${cut.slice(0, cut.lastIndexOf(' ') > 40 ? cut.lastIndexOf(' ') : cut.length)}…`;
}

/**
 * The name of every segment: the one given (names file, model), else the made one; a made name equal to a given
 * one gets the segment number, so names stay distinct. O(segments).
 */
export function completeNames(
  segments: readonly number[],
  given: ReadonlyMap<number, string>,
  made: readonly string[],
): string[] {
  const taken = new Set(given.values());
  return segments.map((s, i) => {
    const name = given.get(s);
    if (name !== undefined) return name;
    return taken.has(made[i]!) ? `${made[i]!} (segment ${s})` : made[i]!;
  });
}

/** A name in words from traits; every column name and level is data, so control characters are blanked after. */
function phrase(traits: Trait[]): string {
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
  const profiles = columns.map((c) => profileColumn(c, members, false));
  const segments = [...members.keys()];
  const names = autoNames(
    segments,
    segments.map((_, i) => profiles.map((p) => p.segments[i]!)),
  );
  return new Map(segments.map((s, i) => [s, names[i]!]));
}
