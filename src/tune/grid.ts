import { UsageError } from '../core/errors.js';

/** Points of a float range `a..b` given without a step: evenly spaced, both ends included. */
export const DEFAULT_FLOAT_POINTS = 10;

/**
 * Parse a grid of whole numbers: a list (`2,4,8`), a range (`2..12`, both ends included), a range with a step
 * (`5..20:5`), or a mix (`2..5,8,10`). Values are deduplicated and sorted.
 * @throws UsageError (naming `flag`) for an empty, inverted or malformed range, or a value below `min`.
 */
export function parseIntGrid(text: string, flag: string, min: number): number[] {
  const out = new Set<number>();
  for (const raw of parts(text, flag)) {
    const m = /^([+-]?\d+)\s*\.\.\s*([+-]?\d+)(?:\s*:\s*(\d+))?$/.exec(raw);
    if (m) {
      const a = Number(m[1]);
      const b = Number(m[2]);
      const step = m[3] === undefined ? 1 : Number(m[3]);
      if (b < a)
        throw new UsageError(`${flag} ${raw}: the range is inverted (${a} > ${b})`, `write ${b}..${a}`);
      if (step < 1) throw new UsageError(`${flag} ${raw}: the step must be a whole number >= 1`);
      if ((b - a) / step > 10_000) throw new UsageError(`${flag} ${raw}: more than 10,000 values`);
      for (let v = a; v <= b; v += step) out.add(checkMin(v, flag, min));
      continue;
    }
    if (!/^[+-]?\d+$/.test(raw)) {
      throw new UsageError(`${flag}: expected whole numbers or a range like 2..12, got '${raw}'`);
    }
    out.add(checkMin(Number(raw), flag, min));
  }
  return [...out].sort((x, y) => x - y);
}

/**
 * Parse a grid of positive numbers: a list (`0.2,0.5`), a range with a step (`0.1..1.0:0.1`, both ends included,
 * up to rounding), a range without a step (`0.1..1.0` → {@link DEFAULT_FLOAT_POINTS} evenly spaced points) or a mix.
 * Values are deduplicated and sorted.
 * @throws UsageError (naming `flag`) for an empty, inverted or malformed range, or a value <= 0.
 */
export function parsePositiveGrid(text: string, flag: string): number[] {
  const out = new Set<number>();
  const num = String.raw`[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?`;
  const range = new RegExp(String.raw`^(${num})\s*\.\.\s*(${num})(?:\s*:\s*(${num}))?$`);
  for (const raw of parts(text, flag)) {
    const m = range.exec(raw);
    if (m) {
      const a = checkPositive(Number(m[1]), flag);
      const b = checkPositive(Number(m[2]), flag);
      if (b < a)
        throw new UsageError(`${flag} ${raw}: the range is inverted (${a} > ${b})`, `write ${m[2]}..${m[1]}`);
      if (m[3] === undefined) {
        if (a === b) out.add(a);
        else
          for (let i = 0; i < DEFAULT_FLOAT_POINTS; i++)
            out.add(tidy(a + ((b - a) * i) / (DEFAULT_FLOAT_POINTS - 1)));
        continue;
      }
      const step = Number(m[3]);
      if (!(step > 0)) throw new UsageError(`${flag} ${raw}: the step must be > 0`);
      const count = Math.floor((b - a) / step + 1e-9) + 1;
      if (count > 10_000) throw new UsageError(`${flag} ${raw}: more than 10,000 values`);
      for (let i = 0; i < count; i++) out.add(tidy(a + i * step));
      continue;
    }
    const v = Number(raw);
    if (!new RegExp(`^${num}$`).test(raw) || !Number.isFinite(v)) {
      throw new UsageError(`${flag}: expected numbers or a range like 0.1..1.0, got '${raw}'`);
    }
    out.add(checkPositive(v, flag));
  }
  return [...out].sort((x, y) => x - y);
}

/** Parse a comma-separated list of names, each one of `allowed`. */
export function parseNameList<T extends string>(text: string, flag: string, allowed: readonly T[]): T[] {
  const out: T[] = [];
  for (const raw of parts(text, flag)) {
    if (!(allowed as readonly string[]).includes(raw)) {
      throw new UsageError(`${flag}: unknown value '${raw}'`, `use one of: ${allowed.join(', ')}`);
    }
    if (!out.includes(raw as T)) out.push(raw as T);
  }
  return out;
}

function parts(text: string, flag: string): string[] {
  const p = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (p.length === 0) throw new UsageError(`${flag}: the grid is empty`);
  return p;
}

function checkMin(v: number, flag: string, min: number): number {
  if (!Number.isSafeInteger(v) || v < min)
    throw new UsageError(`${flag}: values must be whole numbers >= ${min}, got ${v}`);
  return v;
}

function checkPositive(v: number, flag: string): number {
  if (!(v > 0) || !Number.isFinite(v)) throw new UsageError(`${flag}: values must be > 0, got ${v}`);
  return v;
}

/** Round away binary noise from a computed grid point (0.1 + 2·0.1 → 0.3). */
function tidy(x: number): number {
  return Number(x.toPrecision(12));
}
