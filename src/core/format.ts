/** Round to 3 decimals: timings in seconds (to the millisecond) and shares in JSON summaries. */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * A whole count with commas between groups of three digits, as `toLocaleString('en-US')` writes it (212,000),
 * without loading the locale data on first use. Other numbers go to `toLocaleString`. O(digits).
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}

/** Bytes in binary units, as `--memory-limit` reads them (1 GB = 1024³ bytes), e.g. `1.5 GB`. O(1). */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${bytes} bytes` : `${v.toFixed(1)} ${units[u]}`;
}

/** A unit written around a number: `{ prefix: '€' }` gives `€230`, `{ suffix: '\u00a0days' }` gives `95 days`. */
export interface NumberUnit {
  prefix?: string;
  suffix?: string;
}

/** Options of {@link formatValue}. */
export interface FormatOptions {
  /** Significant digits, 1 to 17 (default 4). The whole part is never cut: 1234567.891 gives `1,234,568`. */
  digits?: number;
  /**
   * The magnitude the value is read against, e.g. its column's standard deviation: a value below a billionth of it
   * (|x| < scale · 1e-9) is floating-point noise and prints as `0` — a mean of centred data at −1.085e-15, or
   * 2e-10 in a column of amounts in the millions — while a small real value (12.29 among millions) keeps its digits.
   * Without it, |x| < 1e-12 prints as `0`. Ignored unless finite and > 0.
   */
  scale?: number;
  /**
   * The unit: a string is written after the number, past a no-break space (`'days'` gives `95 days`); a
   * {@link NumberUnit} is written as given (`{ prefix: '€' }` gives `€230`, `−€230` when negative).
   */
  unit?: string | NumberUnit;
  /** Text of null, undefined and NaN (default `—`). */
  missing?: string;
  /** Write `+` before a positive value (differences). */
  sign?: boolean;
}

/** The minus sign of printed numbers (U+2212, as Vega's d3 formats write it). */
const MINUS = '\u2212';
/** What counts as floating-point noise: below this share of the scale, or below the absolute floor without one. */
const NOISE_RELATIVE = 1e-9;
const NOISE_ABSOLUTE = 1e-12;

/**
 * A number as a person would write it: thousands separators (`1,234,567`), `digits` significant digits with trailing
 * zeros dropped (`0.5`, `12.35`, `0.000123`), never exponent notation, values tiny against `scale` as `0` (never
 * `−0`), `∞`, `−` (U+2212) for negatives, the unit around it; null, undefined and NaN as `missing`. For people
 * only: JSON keeps full precision. O(digits) (O(magnitude's digits) above 10^21).
 */
export function formatValue(x: number | null | undefined, o: FormatOptions = {}): string {
  if (x === null || x === undefined || Number.isNaN(x)) return o.missing ?? '—';
  const digits = Math.min(17, Math.max(1, Math.round(o.digits ?? 4)));
  const scale = o.scale !== undefined && Number.isFinite(o.scale) && o.scale > 0 ? o.scale : undefined;
  const zeroBelow = scale === undefined ? NOISE_ABSOLUTE : scale * NOISE_RELATIVE;
  const abs = Math.abs(x);
  let body = abs === Infinity ? '∞' : abs < zeroBelow ? '0' : plainDigits(abs, digits);
  if (/^0(\.0*)?$/.test(body)) body = '0';
  const sign = body === '0' ? '' : x < 0 ? MINUS : o.sign ? '+' : '';
  const unit = typeof o.unit === 'string' ? { suffix: `\u00a0${o.unit}` } : (o.unit ?? {});
  return `${sign}${unit.prefix ?? ''}${body}${unit.suffix ?? ''}`;
}

/** A share (0.123) as a percentage for people, `12.3 %` (no-break space), `digits` significant digits (default 3). */
export function formatPercent(
  share: number | null | undefined,
  o: Pick<FormatOptions, 'digits' | 'missing' | 'sign'> = {},
): string {
  if (share === null || share === undefined) return o.missing ?? '—';
  return formatValue(share * 100, { digits: 3, ...o, unit: '%' });
}

/** A positive finite number with `digits` significant digits (whole part kept), grouped, without exponent. */
function plainDigits(abs: number, digits: number): string {
  let text: string;
  if (abs >= 10 ** digits) {
    const whole = Math.round(abs);
    text = whole < 1e21 ? whole.toFixed(0) : BigInt(whole).toString();
  } else {
    // The exponent after rounding to `digits` (9.99995 rounds to 10.00, exponent 1).
    const exponent = Number(abs.toExponential(digits - 1).split('e')[1]);
    text = abs.toFixed(Math.min(100, Math.max(0, digits - 1 - exponent)));
    if (text.includes('.')) text = text.replace(/0+$/, '').replace(/\.$/, '');
  }
  const [whole, fraction] = text.split('.') as [string, string | undefined];
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}
