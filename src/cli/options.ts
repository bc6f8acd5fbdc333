import { InvalidArgumentError } from 'commander';

/** Parse a whole number ≥ `min` (commander argument parser). */
export function intAtLeast(min: number): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!/^[+-]?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected a whole number >= ${min}, got '${v}'.`);
    }
    return n;
  };
}

/** Parse a comma-separated list of names. */
export function list(v: string, prev: string[] = []): string[] {
  return [
    ...prev,
    ...v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  ];
}

/** Parse `key=value` pairs separated by commas into a record. */
export function pairs(v: string, prev: Record<string, string> = {}): Record<string, string> {
  const out = { ...prev };
  for (const part of v.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`expected name=value, got '${part}'.`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** Parse a memory size like 2GB, 512MB, 1.5G or a byte count. */
export function memorySize(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(v.trim());
  if (!m) throw new InvalidArgumentError(`expected a size such as 512MB or 4GB, got '${v}'.`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase()] ?? 1;
  return Math.floor(Number(m[1]) * mult);
}

/** Parse a finite number > 0 (commander argument parser). */
export function positiveNumber(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`expected a number > 0, got '${v}'.`);
  }
  return n;
}
