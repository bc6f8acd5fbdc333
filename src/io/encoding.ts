import { isUtf8 } from 'node:buffer';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { DataError, UsageError } from '../core/errors.js';

/**
 * The `--encoding` flag as a WHATWG label Node can decode (utf-8, utf-16le, utf-16be, windows-1252, iso-8859-15 …;
 * `latin-1` and `iso-8859-1` decode as Windows-1252, their superset for printable text), or undefined when not given.
 * @throws UsageError for an encoding Node does not know.
 */
export function encodingLabel(e: string | undefined): string | undefined {
  if (e === undefined) return undefined;
  const k = e.trim().toLowerCase();
  const alias: Record<string, string> = {
    utf16: 'utf-16le',
    'utf-16': 'utf-16le',
    'latin-1': 'latin1',
    latin_1: 'latin1',
    cp1252: 'windows-1252',
    'iso8859-15': 'iso-8859-15',
  };
  const label = alias[k] ?? k;
  try {
    return new TextDecoder(label).encoding;
  } catch {
    throw new UsageError(
      `unknown --encoding '${e}'`,
      'use utf-8, utf-16, latin-1, windows-1252, iso-8859-15 …',
    );
  }
}

/** Bytes never used by Windows-1252 text, and control characters no text file holds. */
function plausibleWindows1252(buf: Buffer): boolean {
  for (const b of buf) {
    if (b === 0x81 || b === 0x8d || b === 0x8f || b === 0x90 || b === 0x9d) return false;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) return false;
  }
  return true;
}

/**
 * The encoding a text prefix proves: a byte-order mark (UTF-8, UTF-16), UTF-16 without a mark (every other byte
 * NUL), or Windows-1252 when the bytes are not UTF-8 but are plausible Windows-1252 text; 'utf-8' when they are
 * valid UTF-8; undefined when they are neither (the caller refuses with a hint naming --encoding).
 */
export function sniffEncoding(prefix: Buffer, complete: boolean): string | undefined {
  if (prefix[0] === 0xef && prefix[1] === 0xbb && prefix[2] === 0xbf) return 'utf-8';
  if (prefix[0] === 0xff && prefix[1] === 0xfe) return 'utf-16le';
  if (prefix[0] === 0xfe && prefix[1] === 0xff) return 'utf-16be';
  const n = Math.min(prefix.length, 4096) & ~1;
  if (n >= 4) {
    let evenZero = 0;
    let oddZero = 0;
    for (let i = 0; i < n; i += 2) {
      if (prefix[i] === 0) evenZero++;
      if (prefix[i + 1] === 0) oddZero++;
    }
    if (oddZero > n / 4 && evenZero === 0) return 'utf-16le';
    if (evenZero > n / 4 && oddZero === 0) return 'utf-16be';
  }
  // A prefix may end inside a multi-byte character: look at whole characters only.
  let end = prefix.length;
  if (!complete) {
    let back = 0;
    while (back < 3 && end - back - 1 >= 0 && (prefix[end - back - 1]! & 0xc0) === 0x80) back++;
    if (end - back - 1 >= 0 && prefix[end - back - 1]! >= 0xc0) end = end - back - 1;
  }
  const body = prefix.subarray(0, end);
  if (isUtf8(body)) return 'utf-8';
  return plausibleWindows1252(body) ? 'windows-1252' : undefined;
}

/**
 * Scan a whole file for the encoding it proves (as {@link sniffEncoding}). O(file size) time, O(chunk) memory.
 */
export async function detectFileEncoding(path: string): Promise<string | undefined> {
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  let carry = Buffer.alloc(0);
  let first = true;
  let verdict: string | undefined = 'utf-8';
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    if (first) {
      first = false;
      const head = sniffEncoding(buf.subarray(0, 4096), buf.length <= 4096);
      if (head !== 'utf-8' && head !== 'windows-1252') {
        stream.destroy();
        return head;
      }
    }
    // Keep an incomplete trailing UTF-8 sequence for the next chunk.
    let end = buf.length;
    let back = 0;
    while (back < 3 && end - back - 1 >= 0 && (buf[end - back - 1]! & 0xc0) === 0x80) back++;
    if (end - back - 1 >= 0 && buf[end - back - 1]! >= 0xc0) end = end - back - 1;
    const body = buf.subarray(0, end);
    carry = Buffer.from(buf.subarray(end));
    if (verdict === 'utf-8' && !isUtf8(body)) verdict = 'windows-1252';
    if (verdict === 'windows-1252' && !plausibleWindows1252(body)) {
      stream.destroy();
      return undefined;
    }
  }
  if (carry.length > 0 && verdict === 'utf-8')
    verdict = plausibleWindows1252(carry) ? 'windows-1252' : undefined;
  return verdict;
}

/**
 * Decode `src` from `encoding` and write it as UTF-8 (without a byte-order mark) to `dest`.
 * O(file size) time, O(chunk) memory.
 * @throws DataError when the bytes are not valid in that encoding.
 */
export async function transcodeToUtf8(
  src: string,
  dest: string,
  encoding: string,
  name: string,
): Promise<void> {
  const decoder = new TextDecoder(encoding, { fatal: true });
  const out = createWriteStream(dest);
  try {
    for await (const chunk of createReadStream(src, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      if (!out.write(decoder.decode(chunk, { stream: true }))) await once(out, 'drain');
    }
    out.write(decoder.decode());
  } catch (e) {
    out.destroy();
    if (e instanceof TypeError) {
      throw new DataError(
        `${name}: not valid ${encoding} text`,
        'pass the right --encoding (utf-8, utf-16, windows-1252 …)',
      );
    }
    throw e;
  }
  out.end();
  await once(out, 'finish');
}
