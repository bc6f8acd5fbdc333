// A text column kept as its UTF-8 bytes, end to end, with one offset per row: what a reader gets from DuckDB costs a
// copy of bytes per cell instead of a JavaScript string (an allocation the garbage collector then copies and
// promotes). Identifiers and e-mail addresses that are only hashed (exact dedupe), taken (row selection) or never
// looked at (a report) then never become strings; anything that wants strings asks for them all at once.

/** Bytes decoded into one string at a time when the strings of a column are made (well under V8's string limit). */
const blockBytes = 1 << 24;

/**
 * Rows of text as UTF-8 bytes: row i is `bytes[offsets[i], offsets[i + 1])`, or missing when `missing[i]` is 1
 * (a missing row has no bytes). `ascii` says every byte is below 0x80 (a byte is then a character).
 */
export class Utf8Text {
  private buf: Buffer | undefined;

  constructor(
    readonly bytes: Uint8Array,
    readonly offsets: Float64Array,
    readonly missing: Uint8Array | null,
    readonly ascii: boolean,
  ) {}

  /** Rows. */
  get length(): number {
    return this.offsets.length - 1;
  }

  isMissing(i: number): boolean {
    return this.missing !== null && this.missing[i] === 1;
  }

  /** Missing rows. O(rows). */
  missingCount(): number {
    const m = this.missing;
    if (!m) return 0;
    let n = 0;
    for (let i = 0; i < m.length; i++) n += m[i]!;
    return n;
  }

  /** Row `i` as a string (null when missing; undefined past the end, as `Array.prototype.at`). */
  at(i: number): string | null | undefined {
    if (i < 0 || i >= this.length) return undefined;
    if (this.isMissing(i)) return null;
    this.buf ??= Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.buf.toString(this.ascii ? 'latin1' : 'utf8', this.offsets[i]!, this.offsets[i + 1]!);
  }

  /**
   * Every row as a string (null when missing), decoded a block (of about `block` bytes) at a time: ASCII strings
   * are cut from one latin1 string per block, other text from one UTF-8 decode per block at positions counted in
   * UTF-16 units. O(bytes).
   */
  strings(block = blockBytes): (string | null)[] {
    const n = this.length;
    const out = new Array<string | null>(n);
    const off = this.offsets;
    const bytes = this.bytes;
    this.buf ??= Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const buf = this.buf;
    let i = 0;
    while (i < n) {
      const base = off[i]!;
      let j = i + 1;
      while (j < n && off[j + 1]! - base <= block) j++;
      const end = off[j]!;
      if (this.ascii) {
        const text = buf.toString('latin1', base, end);
        for (let r = i; r < j; r++)
          out[r] = this.isMissing(r) ? null : text.slice(off[r]! - base, off[r + 1]! - base);
      } else {
        const text = buf.toString('utf8', base, end);
        // UTF-16 units so far: one per byte that does not continue a character, two for a 4-byte character.
        let units = 0;
        let p = base;
        for (let r = i; r < j; r++) {
          const from = units;
          const stop = off[r + 1]!;
          for (; p < stop; p++) {
            const b = bytes[p]!;
            if ((b & 0xc0) !== 0x80) units += b >= 0xf0 ? 2 : 1;
          }
          out[r] = this.isMissing(r) ? null : text.slice(from, units);
        }
      }
      i = j;
    }
    return out;
  }

  /**
   * Rows `indices`, in that order. Runs of consecutive rows (most of a selection that drops a few rows) are
   * copied in one piece. O(rows + bytes).
   */
  take(indices: Int32Array): Utf8Text {
    const n = indices.length;
    const off = this.offsets;
    const src = this.bytes;
    const offsets = new Float64Array(n + 1);
    let total = 0;
    for (let r = 0; r < n; r++) {
      const i = indices[r]!;
      total += off[i + 1]! - off[i]!;
      offsets[r + 1] = total;
    }
    const bytes = new Uint8Array(total);
    let r = 0;
    while (r < n) {
      const first = indices[r]!;
      let end = r + 1;
      while (end < n && indices[end] === indices[end - 1]! + 1) end++;
      const a = off[first]!;
      const b = off[indices[end - 1]! + 1]!;
      if (b - a > 64) bytes.set(src.subarray(a, b), offsets[r]!);
      else for (let q = a, at = offsets[r]!; q < b; q++, at++) bytes[at] = src[q]!;
      r = end;
    }
    let missing: Uint8Array | null = null;
    if (this.missing) {
      missing = new Uint8Array(n);
      for (let k = 0; k < n; k++) missing[k] = this.missing[indices[k]!]!;
    }
    return new Utf8Text(bytes, offsets, missing, this.ascii);
  }

  /** A 32-bit hash of row `i`'s bytes (FNV-1a, seeded with the length); missing rows share one value. */
  hash(i: number): number {
    if (this.isMissing(i)) return 0x5bd1e995;
    const a = this.offsets[i]!;
    const b = this.offsets[i + 1]!;
    const bytes = this.bytes;
    let x = 0x811c9dc5 ^ (b - a);
    for (let p = a; p < b; p++) x = Math.imul(x ^ bytes[p]!, 0x01000193);
    return x;
  }

  /** Whether rows `i` and `j` hold the same text (missing equals missing, and only missing). */
  same(i: number, j: number): boolean {
    const mi = this.isMissing(i);
    if (mi || this.isMissing(j)) return mi && this.isMissing(j);
    const a = this.offsets[i]!;
    const b = this.offsets[j]!;
    const len = this.offsets[i + 1]! - a;
    if (this.offsets[j + 1]! - b !== len) return false;
    const bytes = this.bytes;
    for (let q = 0; q < len; q++) if (bytes[a + q] !== bytes[b + q]) return false;
    return true;
  }
}

/**
 * Builds a {@link Utf8Text} row by row. A reader writes a row's bytes at `used` in `bytes` (after {@link room}),
 * advances `used`, then calls {@link end}; or appends whole strings with {@link push}.
 */
export class Utf8TextBuilder {
  bytes = new Uint8Array(1 << 16);
  used = 0;
  /** OR of every byte written (≥ 0x80: not ASCII). */
  high = 0;
  private offsets = new Float64Array(1 << 12);
  private rows = 0;
  private missing: Uint8Array | null = null;

  /** Make room for `extra` more bytes and `rows` more rows; returns the (possibly new) byte array. */
  room(extra: number, rows = 1): Uint8Array {
    if (this.used + extra > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.used + extra));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    if (this.rows + rows >= this.offsets.length) {
      const grown = new Float64Array(Math.max(this.offsets.length * 2, this.rows + rows + 1));
      grown.set(this.offsets);
      this.offsets = grown;
    }
    return this.bytes;
  }

  /** Close the current row: the bytes written since the last row are its text. */
  end(): void {
    if (this.rows + 1 >= this.offsets.length) this.room(0);
    this.offsets[++this.rows] = this.used;
  }

  /** The row offsets, for a reader that has made room (see {@link room}) and closes rows itself ({@link endAt}). */
  get rowEnds(): Float64Array {
    return this.offsets;
  }

  /** Rows closed so far. */
  get length(): number {
    return this.rows;
  }

  /** Close rows up to `rows` (their ends already in {@link rowEnds}). */
  endAt(rows: number): void {
    this.rows = rows;
  }

  /** Flag row `row` as missing (its text stays empty). */
  markMissing(row: number): void {
    if (!this.missing || this.missing.length <= row) {
      const grown = new Uint8Array(Math.max(1 << 12, this.offsets.length, row + 1));
      if (this.missing) grown.set(this.missing);
      this.missing = grown;
    }
    this.missing[row] = 1;
  }

  /** A missing row. */
  pushNull(): void {
    this.markMissing(this.rows);
    this.end();
  }

  /** A row given as a string (null: missing). */
  push(s: string | null): void {
    if (s === null) return this.pushNull();
    const bytes = this.room(s.length * 3);
    const written = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).write(s, this.used, 'utf8');
    for (let q = 0; q < written; q++) this.high |= bytes[this.used + q]!;
    this.used += written;
    this.end();
  }

  /** The rows built (arrays cut to size when more than an eighth of them is unused). */
  finish(): Utf8Text {
    const n = this.rows;
    let missing: Uint8Array | null = null;
    if (this.missing) {
      missing = new Uint8Array(n);
      missing.set(this.missing.subarray(0, Math.min(n, this.missing.length)));
    }
    // The arrays are cut to size (a copy) only when that gives back more than an eighth of them.
    const fit = <T extends Uint8Array | Float64Array>(a: T, k: number): T =>
      (k < a.length - (a.length >> 3) ? a.slice(0, k) : a.subarray(0, k)) as T;
    return new Utf8Text(fit(this.bytes, this.used), fit(this.offsets, n + 1), missing, this.high < 0x80);
  }
}
