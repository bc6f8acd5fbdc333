/** Round to 3 decimals: timings in seconds (to the millisecond) and shares in JSON summaries. */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
