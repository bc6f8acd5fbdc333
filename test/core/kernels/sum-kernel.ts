/** Test kernel: sum of a block of a shared Float64Array. */
export function sumBlock(data: Float64Array, start: number, end: number): number {
  let s = 0;
  for (let i = start; i < end; i++) s += data[i]!;
  return s;
}

/** Test kernel that always fails. */
export function fail(): never {
  throw new Error('boom');
}
