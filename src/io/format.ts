import { extname } from 'node:path';
import { UsageError } from '../core/errors.js';

/** File formats segment reads. */
export const inputFormats = ['csv', 'tsv', 'parquet', 'json', 'ndjson'] as const;
export type InputFormat = (typeof inputFormats)[number];

/** File formats segment writes. */
export const outputFormats = ['parquet', 'csv', 'json'] as const;
export type OutputFormat = (typeof outputFormats)[number];

const byExtension: Record<string, InputFormat> = {
  '.csv': 'csv',
  '.txt': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
};

/**
 * The input format: `explicit` (the `--format` flag) when given, else from the extension
 * (a trailing .gz/.zst is looked through; `-` is CSV).
 * @throws UsageError for an unknown format or extension.
 */
export function inputFormatOf(path: string, explicit?: string): InputFormat {
  if (explicit !== undefined) {
    if ((inputFormats as readonly string[]).includes(explicit)) return explicit as InputFormat;
    throw new UsageError(`unknown --format '${explicit}'`, `use one of: ${inputFormats.join(', ')}`);
  }
  if (path === '-') return 'csv';
  const f = byExtension[extname(stripCompression(path)).toLowerCase()];
  if (!f) {
    throw new UsageError(
      `cannot tell the format of '${path}' from its extension`,
      `use --format ${inputFormats.join('|')}`,
    );
  }
  return f;
}

/** Whether the path names a compressed file (DuckDB decompresses .gz and .zst itself). */
export function stripCompression(path: string): string {
  return path.replace(/\.(gz|zst)$/i, '');
}

/**
 * The output format for `-o PATH`: Parquet by default, CSV or JSON by extension; `-` is CSV on stdout.
 * @throws UsageError for an explicit format segment cannot write.
 */
export function outputFormatOf(path: string, explicit?: string): OutputFormat {
  if (explicit !== undefined) {
    if ((outputFormats as readonly string[]).includes(explicit)) return explicit as OutputFormat;
    throw new UsageError(
      `cannot write --output-format '${explicit}'`,
      `use one of: ${outputFormats.join(', ')}`,
    );
  }
  if (path === '-') return 'csv';
  const ext = extname(path).toLowerCase();
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return 'csv';
  if (ext === '.json') return 'json';
  return 'parquet';
}
