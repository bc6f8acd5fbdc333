import type { DataChunk } from '@duckdb/node-bindings';
import { bindings } from './duckdb.js';

// Reading DuckDB text without a native call per cell. A DuckDB string (`string_t`, 16 bytes) holds up to 12 bytes
// inline; a longer one points into the vector's string heap, and reading it costs a native call that allocates a
// buffer, which dominates reading names and e-mail addresses. So a text column is selected as pieces of 12
// characters (the last piece takes the rest): ASCII pieces are inline, read straight from the vector's memory,
// and only what lies past the last cut (or a piece of non-ASCII characters longer than 12 bytes) is fetched
// through the heap. The pieces are cut at characters, so joining their bytes gives the string back exactly.

/** Pieces each text column is selected as: 12, 12 and the rest, so ASCII strings up to 36 characters are inline. */
export const textPieceCount = 3;
const pieceChars = 12;
/** Bytes of one `string_t` and the most it holds inline. */
const stringBytes = 16;
const inlineBytes = 12;

const utf8 = new TextDecoder();
const fromCode = String.fromCharCode;
let scratch = new Uint8Array(1 << 12);
/** Bytes of the ASCII strings longer than 12 of one chunk, laid end to end: one string made of them all, then cut. */
let packed = Buffer.alloc(1 << 16);

/** The SQL of the pieces of a VARCHAR expression, in order. */
export function textPieces(expr: string): string[] {
  const out: string[] = [];
  for (let k = 0; k < textPieceCount - 1; k++)
    out.push(`substr(${expr}, ${k * pieceChars + 1}, ${pieceChars})`);
  out.push(`substr(${expr}, ${(textPieceCount - 1) * pieceChars + 1})`);
  return out;
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

/** Slots of the table of recent short strings of a column (a power of two). */
const cacheSlots = 4096;
/** Distinct short strings past which a column is taken for free text and the table is no longer used. */
const cacheLimit = cacheSlots >> 1;

/**
 * Reads one text column selected as {@link textPieces}, chunk after chunk. A short string (at most 12 bytes) is
 * inline in its 16-byte `string_t`, which therefore determines it: a table keyed by those 16 bytes hands back the
 * string already made for the same bytes, so a column of few distinct values (a plan, a country) makes each string
 * once instead of once per row. Columns with more distinct short strings than the table holds stop using it.
 */
export class TextVectorReader {
  private readonly keys = new Int32Array(cacheSlots * 4);
  private readonly strings: (string | undefined)[] = new Array<string | undefined>(cacheSlots).fill(
    undefined,
  );
  private cached = 0;

  /**
   * Append the first `rows` strings of the column (vectors `first … first + textPieceCount - 1` of `chunk`) to
   * `out`; NULL becomes null. O(rows + bytes).
   */
  read(chunk: DataChunk, first: number, rows: number, out: (string | null)[]): void {
    const data: Uint8Array[] = [];
    for (let k = 0; k < textPieceCount; k++)
      data.push(
        bindings.vector_get_data(bindings.data_chunk_get_vector(chunk, first + k), rows * stringBytes),
      );
    const validity = bindings.vector_get_validity(
      bindings.data_chunk_get_vector(chunk, first),
      Math.ceil(rows / 64) * 8,
    ) as Uint8Array | null | undefined;
    const head = data[0]!;
    const second = data[1]!;
    const words =
      this.cached < cacheLimit && head.byteOffset % 4 === 0
        ? new Int32Array(head.buffer, head.byteOffset, rows * 4)
        : undefined;
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
      if (len0 <= inlineBytes && lengthAt(second, at) === 0) {
        out.push(words ? this.short(head, words, i, len0) : this.make(head, at + 4, len0));
        continue;
      }
      let n = 0;
      let ascii = true;
      for (let k = 0; k < textPieceCount; k++) {
        const d = data[k]!;
        const len = lengthAt(d, at);
        if (len === 0) break;
        if (n + len > scratch.length) {
          const grown = new Uint8Array(Math.max(scratch.length * 2, n + len));
          grown.set(scratch.subarray(0, n));
          scratch = grown;
        }
        const bytes =
          len <= inlineBytes
            ? d.subarray(at + 4, at + 4 + len)
            : (bindings.get_data_from_pointer(
                d.buffer as ArrayBuffer,
                d.byteOffset + at + 8,
                len,
              ) as Uint8Array);
        scratch.set(bytes, n);
        if (ascii) ascii = isAscii(bytes, 0, len);
        n += len;
      }
      if (!ascii) {
        out.push(utf8.decode(scratch.subarray(0, n)));
        continue;
      }
      if (used + n > packed.length) {
        const grown = Buffer.alloc(Math.max(packed.length * 2, used + n));
        packed.copy(grown, 0, 0, used);
        packed = grown;
      }
      packed.set(scratch.subarray(0, n), used);
      long.push(out.length, used, used + n);
      used += n;
      out.push(null);
    }
    if (long.length > 0) {
      const all = packed.toString('latin1', 0, used);
      for (let q = 0; q < long.length; q += 3) out[long[q]!] = all.slice(long[q + 1]!, long[q + 2]!);
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
