import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

/** The first `bytes` bytes of a file. */
export async function readPrefix(path: string, bytes = 65536): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Whether a prefix looks like binary data rather than text (NUL bytes; UTF-16 has its BOM). */
export function looksBinary(prefix: Buffer): boolean {
  if (
    prefix.length >= 2 &&
    ((prefix[0] === 0xff && prefix[1] === 0xfe) || (prefix[0] === 0xfe && prefix[1] === 0xff))
  ) {
    return false;
  }
  return prefix.subarray(0, 8192).includes(0);
}

/**
 * The first record of a CSV text prefix (without a BOM or line ending): the first line, continued over line breaks
 * inside quoted fields (RFC 4180 allows them in column names).
 */
export function firstLine(prefix: Buffer): string {
  let s = prefix.toString('utf8');
  if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  let inQuotes = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (ch === '\n' || ch === '\r')) return s.slice(0, i);
  }
  return s;
}

/** Pick the delimiter used by a header line: the most frequent of , \t ; | outside quotes (comma on ties). */
export function sniffDelimiter(header: string): string {
  const candidates = [',', '\t', ';', '|'];
  const counts = new Map(candidates.map((c) => [c, 0]));
  let inQuotes = false;
  for (const ch of header) {
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  for (const c of candidates) if (counts.get(c)! > counts.get(best)!) best = c;
  return best;
}

/** Split one CSV line into fields (RFC 4180 quoting). */
export function splitCsvLine(line: string, delimiter: string): string[] {
  const out: string[] = [];
  let field = '';
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (inQuotes) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else field += ch;
    } else if (ch === '"') inQuotes = true;
    else if (line.startsWith(delimiter, i)) {
      out.push(field);
      field = '';
      i += delimiter.length - 1;
    } else field += ch;
  }
  out.push(field);
  return out;
}

/**
 * Scan a CSV file for the first structural fault: a row whose field count differs from the header's,
 * or a quote left open at the end of the file. Used to explain a parse failure, not on the fast path.
 * O(file size) time, O(1) memory.
 */
export async function diagnoseCsv(path: string, delimiter: string): Promise<string | null> {
  const d = delimiter.charCodeAt(0);
  let line = 1;
  let fields = 1;
  let expected = -1;
  let inQuotes = false;
  let quoteLine = 0;
  let atFieldStart = true;
  let lineHasContent = false;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (inQuotes) {
        if (b === 0x22) inQuotes = false;
        else if (b === 0x0a) line++;
        continue;
      }
      if (b === 0x22 && atFieldStart) {
        inQuotes = true;
        quoteLine = line;
        atFieldStart = false;
        lineHasContent = true;
      } else if (b === d) {
        fields++;
        atFieldStart = true;
        lineHasContent = true;
      } else if (b === 0x0a) {
        if (lineHasContent) {
          if (expected < 0) expected = fields;
          else if (fields !== expected) {
            return `line ${line} has ${fields} field(s) but the header has ${expected}`;
          }
        }
        line++;
        fields = 1;
        atFieldStart = true;
        lineHasContent = false;
      } else if (b !== 0x0d) {
        atFieldStart = false;
        lineHasContent = true;
      }
    }
  }
  if (inQuotes) return `a quote opened on line ${quoteLine} is never closed`;
  if (lineHasContent && expected >= 0 && fields !== expected) {
    return `line ${line} has ${fields} field(s) but the header has ${expected}`;
  }
  return null;
}
