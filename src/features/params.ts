import { UsageError, invalidParameter } from '../core/errors.js';
import type { ScoringRules, SegmentRules } from './rules.js';
import { fixedColumnNames } from './sql.js';

const OWNER = 'features.computeFeatures';

/** Parameters of {@link computeFeatures}: which columns mean what, and how the features are computed. */
export interface FeatureParams {
  /** Customer id column; one output row per distinct non-missing id. */
  id: string;
  /** Event time column (ISO-8601 text, other common formats, epoch numbers, dates or timestamps). */
  time: string;
  /** Purchase amount column (monetary features); absent: no monetary features. */
  amount?: string | undefined;
  /** Event type column (event counts, funnel, cart abandonment, points); absent: purchases = rows with an amount. */
  event?: string | undefined;
  /** Session id column; absent: sessions are inferred from `sessionGapSeconds` of inactivity. */
  session?: string | undefined;
  /** Event type that marks a purchase (with `event`). Default `purchase`. */
  purchaseEvent?: string | undefined;
  /** Event type that marks an add-to-cart (cart abandonment). Default `add_to_cart` when it occurs. */
  cartEvent?: string | undefined;
  /** Funnel stages in order (deepest last). Default product_view, add_to_cart, purchase when all occur. */
  funnel?: readonly string[] | undefined;
  /** Pin the event types pivoted into `events_<type>` columns (stable schema); default every type seen. */
  eventTypes?: readonly string[] | undefined;
  /** Refuse more distinct event types than this (a wrong `event` column). Default 200. */
  maxEventTypes?: number | undefined;
  /** As-of moment: a date (its midnight in `timezone`) or a timestamp; default the midnight after the last event. */
  asOf?: string | undefined;
  /** Observation window length in seconds; absent: from the first event to the as-of moment. */
  windowSeconds?: number | undefined;
  /** IANA time zone of timestamps without an offset, of dates, and of calendar days. Default `UTC`. */
  timezone?: string | undefined;
  /** Extra strptime formats tried first on text timestamps (e.g. `%d/%m/%Y %H:%M`). */
  timeFormats?: readonly string[] | undefined;
  /** Inactivity gap that starts a new inferred session, in seconds. Default 1800 (30 minutes). */
  sessionGapSeconds?: number | undefined;
  /** Fail on rows with a missing id or a missing or unparseable timestamp instead of dropping them. */
  strict?: boolean | undefined;
  /** What to do with negative amounts: refuse the input (default) or drop those rows. */
  negativeAmounts?: 'error' | 'drop' | undefined;
  /** RFM segment rules; default {@link defaultSegmentRules}. */
  segmentRules?: SegmentRules | undefined;
  /** Points scoring rules (`score` and `tier` columns); absent: no scoring. */
  scoring?: ScoringRules | undefined;
  /** Keep a seeded random sample of this many customers (with all their events). */
  sampleCustomers?: number | undefined;
  /** Seed of the customer sample. Default 42. */
  seed?: number | undefined;
}

/** {@link FeatureParams} with every default filled in. */
export interface ResolvedParams extends FeatureParams {
  purchaseEvent: string;
  maxEventTypes: number;
  timezone: string;
  timeFormats: readonly string[];
  sessionGapSeconds: number;
  strict: boolean;
  negativeAmounts: 'error' | 'drop';
  seed: number;
}

/**
 * Check the parameters and fill in the defaults. O(1).
 * @throws UsageError (scikit-learn wording) for a value outside its constraint.
 */
export function resolveParams(p: FeatureParams): ResolvedParams {
  for (const key of ['id', 'time'] as const) {
    if (typeof p[key] !== 'string' || p[key].length === 0) {
      throw invalidParameter(OWNER, key, 'a non-empty column name', p[key]);
    }
  }
  if (fixedColumnNames.includes(p.id)) {
    throw new UsageError(`the id column '${p.id}' has the name of an output column`, 'rename it first');
  }
  const named = [p.id, p.time, p.amount, p.event, p.session].filter((c): c is string => c !== undefined);
  const dup = named.find((c, i) => named.indexOf(c) !== i);
  if (dup !== undefined) {
    throw new UsageError(`column '${dup}' is given for two roles (--id/--time/--amount/--event/--session)`);
  }
  if (p.event === undefined && p.amount === undefined) {
    throw new UsageError(
      'cannot tell purchases apart: give --event (purchases are --purchase-event rows) or --amount (purchases are rows with an amount)',
    );
  }
  const needsEvent: [string, unknown][] = [
    ['funnel', p.funnel],
    ['cartEvent', p.cartEvent],
    ['eventTypes', p.eventTypes],
    ['scoring', p.scoring],
  ];
  for (const [name, v] of needsEvent) {
    if (v !== undefined && p.event === undefined) {
      throw new UsageError(`${flagOf(name)} needs an event type column`, 'add --event COL');
    }
  }
  if (p.purchaseEvent !== undefined && p.event === undefined) {
    throw new UsageError('--purchase-event needs an event type column', 'add --event COL');
  }
  const maxEventTypes = p.maxEventTypes ?? 200;
  if (!Number.isSafeInteger(maxEventTypes) || maxEventTypes < 1) {
    throw invalidParameter(OWNER, 'maxEventTypes', 'an int in [1, inf)', maxEventTypes);
  }
  if (p.windowSeconds !== undefined && !(Number.isFinite(p.windowSeconds) && p.windowSeconds > 0)) {
    throw invalidParameter(OWNER, 'windowSeconds', 'a float in (0, inf)', p.windowSeconds);
  }
  const gap = p.sessionGapSeconds ?? 1800;
  if (!(Number.isFinite(gap) && gap > 0)) {
    throw invalidParameter(OWNER, 'sessionGapSeconds', 'a float in (0, inf)', gap);
  }
  if (p.funnel !== undefined) {
    if (p.funnel.length < 2) {
      throw new UsageError(
        '--funnel needs at least two stages',
        'e.g. --funnel product_view,add_to_cart,purchase',
      );
    }
    const d = p.funnel.find((s, i) => p.funnel!.indexOf(s) !== i);
    if (d !== undefined) throw new UsageError(`--funnel names stage '${d}' twice`);
  }
  if (
    p.sampleCustomers !== undefined &&
    !(Number.isSafeInteger(p.sampleCustomers) && p.sampleCustomers >= 1)
  ) {
    throw invalidParameter(OWNER, 'sampleCustomers', 'an int in [1, inf)', p.sampleCustomers);
  }
  const negativeAmounts = p.negativeAmounts ?? 'error';
  if (negativeAmounts !== 'error' && negativeAmounts !== 'drop') {
    throw invalidParameter(OWNER, 'negativeAmounts', "a str among {'error', 'drop'}", negativeAmounts);
  }
  return {
    ...p,
    purchaseEvent: p.purchaseEvent ?? 'purchase',
    maxEventTypes,
    timezone: p.timezone ?? 'UTC',
    timeFormats: p.timeFormats ?? [],
    sessionGapSeconds: gap,
    strict: p.strict ?? false,
    negativeAmounts,
    seed: p.seed ?? 42,
  };
}

function flagOf(name: string): string {
  return name === 'scoring' ? '--rules' : `--${name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`;
}

const units: Record<string, number> = { s: 1, min: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * Parse a duration such as `90d`, `12w`, `36h`, `30min` or `45s` into seconds. O(1).
 * `m` alone is refused: minutes or months would be a guess.
 * @throws UsageError naming `flag` for anything else.
 */
export function parseDuration(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|sec|min|h|d|w)\s*$/i.exec(text);
  if (!m) {
    const hint = /^\s*\d+(\.\d+)?\s*m(o|onths?)?\s*$/i.test(text)
      ? "use 'min' for minutes, or days ('30d'): months differ in length"
      : 'use a number with a unit: s, min, h, d or w (e.g. 90d, 12w, 30min)';
    throw new UsageError(`${flag}: cannot read '${text}' as a duration`, hint);
  }
  const unit = m[2]!.toLowerCase();
  const seconds = Number(m[1]) * units[unit === 'sec' ? 's' : unit]!;
  if (!(seconds > 0)) throw new UsageError(`${flag} must be longer than 0, got '${text}'`);
  return seconds;
}

/**
 * A column name made of lower-case ASCII letters, digits and underscores (accents dropped, runs of other
 * characters turned into one `_`), so pivoted columns are valid identifiers in SQL, pandas and R. O(length).
 */
export function sanitiseName(value: string): string {
  const s = value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return s.length > 0 ? s : 'blank';
}

/**
 * Output column names `prefix + sanitised value` for distinct values, in the given order; values that sanitise
 * to the same name get `_2`, `_3`, … in that order, and names in `taken` are avoided. O(n).
 */
export function pivotNames(values: readonly string[], prefix: string, taken: ReadonlySet<string>): string[] {
  const used = new Set(taken);
  return values.map((v) => {
    const base = prefix + sanitiseName(v);
    let name = base;
    for (let k = 2; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    return name;
  });
}
