/** Round to 3 decimals: timings in seconds (to the millisecond) and shares in JSON summaries. */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
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
