import type { DataChunk } from '@duckdb/node-bindings';
import { Utf8TextBuilder, type Utf8Text } from '../core/utf8-text.js';
import { bindings } from './duckdb.js';

// Reading DuckDB text without a native call per cell. A DuckDB string (`string_t`, 16 bytes) holds up to 12 bytes
// inline; a longer one points into the vector's string heap, and reading it costs a native call that allocates a
// buffer, which dominates reading names and e-mail addresses. So a text column is selected as pieces of 12
// characters (the last piece takes the rest): ASCII pieces are inline, read straight from the vector's memory,
// and only what lies past the last cut (or a piece of non-ASCII characters longer than 12 bytes) is fetched
// through the heap. The pieces are cut at characters, so joining their bytes gives the string back exactly.
// Each cut costs DuckDB a substring per row: a column whose sampled values are short is selected in fewer pieces.

/** Most pieces a text column is selected as: 12, 12 and the rest, so ASCII strings up to 36 characters are inline. */
export const textPieceCount = 3;
/** Characters of one piece (the last piece takes the rest). */
export const pieceChars = 12;
/** Bytes of one DuckDB string (`string_t`: a 4-byte length, then up to 12 bytes inline or a prefix and a pointer). */
export const stringBytes = 16;
/** The most bytes a `string_t` holds inline. */
const inlineBytes = 12;

const utf8 = new TextDecoder();
const fromCode = String.fromCharCode;
/** Bytes of the ASCII strings longer than 12 of one chunk, laid end to end: one string made of them all, then cut. */
let packed = new Uint8Array(1 << 16);

/**
 * The SQL of the pieces of a VARCHAR expression, in order: `count` (1 to 3) pieces, the last holding the rest of
 * the string. Fewer pieces cost DuckDB less; a string longer than they hold inline is still read whole.
 */
export function textPieces(expr: string, count = textPieceCount): string[] {
  if (count <= 1) return [expr];
  const out: string[] = [];
  for (let k = 0; k < count - 1; k++) out.push(`substr(${expr}, ${k * pieceChars + 1}, ${pieceChars})`);
  out.push(`substr(${expr}, ${(count - 1) * pieceChars + 1})`);
  return out;
}

/** Pieces for a column whose longest value in a sample has `bytes` bytes (all of them when nothing was seen). */
export function piecesFor(bytes: number | undefined): number {
  if (bytes === undefined) return textPieceCount;
  return Math.min(textPieceCount, Math.max(1, Math.ceil(bytes / pieceChars)));
}

function lengthAt(d: Uint8Array, at: number): number {
  return (d[at]! | (d[at + 1]! << 8) | (d[at + 2]! << 16) | (d[at + 3]! << 24)) >>> 0;
}

/** Whether `len` bytes from `at` are all ASCII. */
function isAscii(d: Uint8Array, at: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (d[at + k]! > 0x7f) return false;
  return true;
}

/** An inline ASCII string of at most 12 bytes, made in one call (no intermediate strings). */
// prettier-ignore
function asciiInline(d: Uint8Array, a: number, len: number): string {
  switch (len) {
    case 0:
      return '';
    case 1:
      return fromCode(d[a]!);
    case 2:
      return fromCode(d[a]!, d[a + 1]!);
    case 3:
      return fromCode(d[a]!, d[a + 1]!, d[a + 2]!);
    case 4:
      return fromCode(d[a]!, d[a + 1]!, d[a + 2]!, d[a + 3]!);
    case 5:
      return fromCode(d[a]!, d[a + 1]!, d[a + 2]!, d[a + 3]!, d[a + 4]!);
    case 6:
      return fromCode(d[a]!, d[a + 1]!, d[a + 2]!, d[a + 3]!, d[a + 4]!, d[a + 5]!);
    case 7:
      return fromCode(d[a]!, d[a + 1]!, d[a + 2]!, d[a + 3]!, d[a + 4]!, d[a + 5]!, d[a + 6]!);
    case 8:
      return fromCode(d[a]!, d[a + 1]!, d[a + 2]!, d[a + 3]!, d[a + 4]!, d[a + 5]!, d[a + 6]!, d[a + 7]!);
    case 9:
      return fromCode(d[a]!, d[a + 1]!, d[a + 2]!, d[a + 3]!, d[a + 4]!, d[a + 5]!, d[a + 6]!, d[a + 7]!, d[a + 8]!);
    case 10:
      return fromCode(
        d[a]!, d[a + 1]!, d[a + 2]!, d[a + 3]!, d[a + 4]!, d[a + 5]!, d[a + 6]!, d[a + 7]!, d[a + 8]!, d[a + 9]!,
      );
    case 11:
      return fromCode(
        d[a]!, d[a + 1]!, d[a + 2]!, d[a + 3]!, d[a + 4]!, d[a + 5]!, d[a + 6]!, d[a + 7]!, d[a + 8]!, d[a + 9]!,
        d[a + 10]!,
      );
    default:
      return fromCode(
        d[a]!, d[a + 1]!, d[a + 2]!, d[a + 3]!, d[a + 4]!, d[a + 5]!, d[a + 6]!, d[a + 7]!, d[a + 8]!, d[a + 9]!,
        d[a + 10]!, d[a + 11]!,
      );
  }
}

/** Append `rows` strings of DuckDB vectors (the pieces of a column, see {@link textPieces}) to `b` as bytes. */
function readBytes(
  b: Utf8TextBuilder,
  data: readonly Uint8Array[],
  validity: Uint8Array | null | undefined,
  rows: number,
): void {
  const pieces = data.length;
  // Room for the whole chunk at once: the lengths of its strings (a NULL's bytes mean nothing).
  let total = 0;
  for (let k = 0; k < pieces; k++) {
    const d = data[k]!;
    for (let i = 0; i < rows; i++)
      if (!validity || (validity[i >> 3]! & (1 << (i & 7))) !== 0) total += lengthAt(d, i * stringBytes);
  }
  const bytes = b.room(total, rows);
  const ends = b.rowEnds;
  let row = b.length;
  let to = b.used;
  let high = 0;
  for (let i = 0; i < rows; i++) {
    if (validity && (validity[i >> 3]! & (1 << (i & 7))) === 0) {
      b.markMissing(row);
      ends[++row] = to;
      continue;
    }
    const at = i * stringBytes;
    for (let k = 0; k < pieces; k++) {
      const d = data[k]!;
      const len = lengthAt(d, at);
      if (len === 0) break;
      if (len <= inlineBytes) {
        for (let q = 0; q < len; q++) {
          const c = d[at + 4 + q]!;
          high |= c;
          bytes[to + q] = c;
        }
      } else {
        const src = bindings.get_data_from_pointer(d.buffer as ArrayBuffer, d.byteOffset + at + 8, len);
        bytes.set(src, to);
        for (let q = 0; q < len; q++) high |= src[q]!;
      }
      to += len;
    }
    ends[++row] = to;
  }
  b.used = to;
  b.endAt(row);
  b.high |= high;
}

/** Slots of the table of recent short strings of a column (a power of two). */
const cacheSlots = 4096;
/** Distinct short strings past which a column is taken for free text and the table is no longer used. */
const cacheLimit = cacheSlots >> 1;

/**
 * Reads one text column selected as {@link textPieces}, chunk after chunk. A short string (at most 12 bytes) is
 * inline in its 16-byte `string_t`, which therefore determines it: a table keyed by those 16 bytes hands back the
 * string already made for the same bytes, so a column of few distinct values (a plan, a country) makes each string
 * once instead of once per row. Longer strings go through a second table keyed by their bytes (a name, a city).
 * A column with more distinct strings than a table holds (identifiers, e-mail addresses, free text) is read on as
 * UTF-8 bytes ({@link Utf8Text}), the strings made so far included: its strings are made only if they are used.
 */
export class TextVectorReader {
  private readonly out: (string | null)[] = [];
  private text: Utf8TextBuilder | undefined;
  private readonly keys = new Int32Array(cacheSlots * 4);
  private readonly strings: (string | undefined)[] = new Array<string | undefined>(cacheSlots).fill(
    undefined,
  );
  private cached = 0;
  private readonly longHash = new Int32Array(cacheSlots);
  private readonly longBytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(cacheSlots).fill(
    undefined,
  );
  private readonly longStrings: (string | undefined)[] = new Array<string | undefined>(cacheSlots).fill(
    undefined,
  );
  private longCached = 0;

  /**
   * @param pieces how many pieces the column was selected as ({@link textPieces}).
   * @param expected the rows the column holds (a Parquet file's count) or probably holds, and the bytes it
   * probably holds (a CSV sample's estimate; else those read so far at the mean length): room made at once when
   * it is read as bytes.
   */
  constructor(
    private readonly pieces = textPieceCount,
    private readonly expected?: { rows: number; bytes?: number },
  ) {}

  /** The column read: strings, or the bytes of a column of many distinct values (see the class). */
  finish(): (string | null)[] | Utf8Text {
    return this.text ? this.text.finish() : this.out;
  }

  /**
   * Read the first `rows` strings of the column (vectors `first … first + pieces - 1` of `chunk`); NULL becomes
   * missing. O(rows + bytes).
   */
  read(chunk: DataChunk, first: number, rows: number): void {
    const data: Uint8Array[] = [];
    const pieces = this.pieces;
    for (let k = 0; k < pieces; k++)
      data.push(
        bindings.vector_get_data(bindings.data_chunk_get_vector(chunk, first + k), rows * stringBytes),
      );
    const validity = bindings.vector_get_validity(
      bindings.data_chunk_get_vector(chunk, first),
      Math.ceil(rows / 64) * 8,
    ) as Uint8Array | null | undefined;
    if (!this.text && (this.cached >= cacheLimit || this.longCached >= cacheLimit)) {
      const b = new Utf8TextBuilder();
      for (const s of this.out) b.push(s);
      // Room for the rest at once: an allocation past what is used costs no memory until it is written.
      const e = this.expected;
      if (e && e.rows > b.length) {
        const bytes = e.bytes ?? (b.used / Math.max(1, b.length)) * e.rows;
        b.room(Math.max(0, Math.ceil(bytes * 1.1) - b.used), Math.ceil(e.rows * 1.1) - b.length);
      }
      this.text = b;
      this.out.length = 0;
    }
    if (this.text) return readBytes(this.text, data, validity, rows);
    const out = this.out;
    const head = data[0]!;
    const second = data[1];
    const words =
      this.cached < cacheLimit && head.byteOffset % 4 === 0
        ? new Int32Array(head.buffer, head.byteOffset, rows * 4)
        : undefined;
    const caching = this.longCached < cacheLimit;
    // Long ASCII strings: [position in out, start, end) in `packed`, made after the loop from one string.
    const long: number[] = [];
    let used = 0;
    for (let i = 0; i < rows; i++) {
      if (validity && (validity[i >> 3]! & (1 << (i & 7))) === 0) {
        out.push(null);
        continue;
      }
      const at = i * stringBytes;
      const len0 = lengthAt(head, at);
      if (len0 <= inlineBytes && (second === undefined || lengthAt(second, at) === 0)) {
        out.push(words ? this.short(head, words, i, len0) : this.make(head, at + 4, len0));
        continue;
      }
      // The pieces' bytes go straight after the chunk's earlier long strings; non-ASCII text is decoded from there
      // and its bytes given back.
      const start = used;
      let high = 0;
      let h = 0x811c9dc5;
      for (let k = 0; k < pieces; k++) {
        const d = data[k]!;
        const len = lengthAt(d, at);
        if (len === 0) break;
        if (used + len > packed.length) {
          const grown = new Uint8Array(Math.max(packed.length * 2, used + len));
          grown.set(packed.subarray(0, used));
          packed = grown;
        }
        if (len <= inlineBytes) {
          for (let q = 0; q < len; q++) {
            const c = d[at + 4 + q]!;
            high |= c;
            h = Math.imul(h ^ c, 0x01000193);
            packed[used + q] = c;
          }
        } else {
          const bytes = bindings.get_data_from_pointer(d.buffer as ArrayBuffer, d.byteOffset + at + 8, len);
          packed.set(bytes, used);
          for (let q = 0; q < len; q++) {
            high |= bytes[q]!;
            h = Math.imul(h ^ bytes[q]!, 0x01000193);
          }
        }
        used += len;
      }
      if (caching) {
        const s = this.long(h, start, used, high);
        if (s !== undefined) {
          out.push(s);
          used = start;
          continue;
        }
      }
      if (high > 0x7f) {
        out.push(utf8.decode(packed.subarray(start, used)));
        used = start;
        continue;
      }
      long.push(out.length, start, used);
      out.push(null);
    }
    if (long.length > 0) {
      const all = Buffer.from(packed.buffer, packed.byteOffset, used).toString('latin1');
      for (let q = 0; q < long.length; q += 3) out[long[q]!] = all.slice(long[q + 1]!, long[q + 2]!);
    }
  }

  /**
   * The long string in `packed[start, end)` (FNV-1a hash `h`) through the table of long strings: the string made
   * before for the same bytes, or a new one, kept while the table has room; undefined once it is full.
   */
  private long(h: number, start: number, end: number, high: number): string | undefined {
    const n = end - start;
    for (let slot = h & (cacheSlots - 1); ; slot = (slot + 1) & (cacheSlots - 1)) {
      const s = this.longStrings[slot];
      if (s === undefined) {
        if (this.longCached >= cacheLimit) return undefined;
        const bytes = packed.slice(start, end);
        const made = high > 0x7f ? utf8.decode(bytes) : Buffer.from(bytes.buffer).toString('latin1');
        this.longHash[slot] = h;
        this.longBytes[slot] = bytes;
        this.longStrings[slot] = made;
        this.longCached++;
        return made;
      }
      const b = this.longBytes[slot]!;
      if (this.longHash[slot] === h && b.length === n) {
        let q = 0;
        while (q < n && b[q] === packed[start + q]) q++;
        if (q === n) return s;
      }
    }
  }

  /** A short string through the table (see the class). */
  private short(head: Uint8Array, words: Int32Array, i: number, len: number): string {
    const w = i * 4;
    const a = words[w]!;
    const b = words[w + 1]!;
    const c = words[w + 2]!;
    const e = words[w + 3]!;
    let h = Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b);
    h = Math.imul(h ^ c ^ (h >>> 15), 0xc2b2ae35);
    h = Math.imul(h ^ e ^ (h >>> 13), 0x27d4eb2f);
    h ^= h >>> 16;
    const keys = this.keys;
    for (let slot = h & (cacheSlots - 1); ; slot = (slot + 1) & (cacheSlots - 1)) {
      const s = this.strings[slot];
      const k = slot * 4;
      if (s === undefined) {
        const made = this.make(head, i * stringBytes + 4, len);
        if (this.cached < cacheLimit) {
          keys[k] = a;
          keys[k + 1] = b;
          keys[k + 2] = c;
          keys[k + 3] = e;
          this.strings[slot] = made;
          this.cached++;
        }
        return made;
      }
      if (keys[k] === a && keys[k + 1] === b && keys[k + 2] === c && keys[k + 3] === e) return s;
    }
  }

  /** A short string from its bytes: made in one call when ASCII, decoded otherwise. */
  private make(d: Uint8Array, at: number, len: number): string {
    return isAscii(d, at, len) ? asciiInline(d, at, len) : utf8.decode(d.subarray(at, at + len));
  }
}
