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
let scratch = new Uint8Array(1 << 12);

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

/** A short inline string: built from its bytes when ASCII, decoded otherwise. */
function inlineText(d: Uint8Array, at: number, len: number): string {
  let s = '';
  for (let k = 0; k < len; k++) {
    const c = d[at + k]!;
    if (c > 0x7f) return utf8.decode(d.subarray(at, at + len));
    s += String.fromCharCode(c);
  }
  return s;
}

/**
 * Append the first `rows` strings of a text column selected as {@link textPieces} (vectors `first …
 * first + textPieceCount - 1` of `chunk`) to `out`; NULL becomes null. O(rows + bytes).
 */
export function readTextPieces(chunk: DataChunk, first: number, rows: number, out: (string | null)[]): void {
  const data: Uint8Array[] = [];
  for (let k = 0; k < textPieceCount; k++)
    data.push(bindings.vector_get_data(bindings.data_chunk_get_vector(chunk, first + k), rows * stringBytes));
  const validity = bindings.vector_get_validity(
    bindings.data_chunk_get_vector(chunk, first),
    Math.ceil(rows / 64) * 8,
  ) as Uint8Array | null | undefined;
  const head = data[0]!;
  const second = data[1]!;
  for (let i = 0; i < rows; i++) {
    if (validity && (validity[i >> 3]! & (1 << (i & 7))) === 0) {
      out.push(null);
      continue;
    }
    const at = i * stringBytes;
    const len0 = lengthAt(head, at);
    if (len0 <= inlineBytes && lengthAt(second, at) === 0) {
      out.push(inlineText(head, at + 4, len0));
      continue;
    }
    let n = 0;
    for (let k = 0; k < textPieceCount; k++) {
      const d = data[k]!;
      const len = lengthAt(d, at);
      if (len === 0) break;
      if (n + len > scratch.length) {
        const grown = new Uint8Array(Math.max(scratch.length * 2, n + len));
        grown.set(scratch.subarray(0, n));
        scratch = grown;
      }
      if (len <= inlineBytes) scratch.set(d.subarray(at + 4, at + 4 + len), n);
      else
        scratch.set(bindings.get_data_from_pointer(d.buffer as ArrayBuffer, d.byteOffset + at + 8, len), n);
      n += len;
    }
    out.push(utf8.decode(scratch.subarray(0, n)));
  }
}
