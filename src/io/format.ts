import { extname } from 'node:path';
import { UsageError } from '../core/errors.js';

/** Metadata keys segment stores in Parquet files start with this prefix. */
export const metadataPrefix = 'segment.';

/** Parquet metadata key recording the kind (categorical or string) of each text column. */
export const textKindsKey = 'segment.text_columns';

/** File formats segment reads. */
export const inputFormats = ['csv', 'tsv', 'parquet', 'json', 'ndjson', 'xlsx'] as const;
export type InputFormat = (typeof inputFormats)[number];

/** File formats segment writes. */
export const outputFormats = ['parquet', 'csv', 'json', 'xlsx'] as const;
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
  '.xlsx': 'xlsx',
  '.xlsm': 'xlsx',
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
  const ext = extname(stripCompression(path)).toLowerCase();
  if (ext === '.xls') throw legacyXls(path);
  const f = byExtension[ext];
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

function legacyXls(path: string): UsageError {
  return new UsageError(`cannot read legacy .xls workbooks ('${path}')`, 'save it as .xlsx or CSV');
}

/** Extensions of files that are not data segment writes; `-o` refuses them rather than write Parquet under that name. */
const notOutputs = new Set(['.xls', '.xlsm', '.html', '.htm', '.yaml', '.yml']);

/**
 * The output format for `-o PATH`: Parquet by default, CSV, JSON or an Excel workbook by extension
 * (.csv/.tsv/.txt, .json, .xlsx); `-` is CSV on stdout.
 * @throws UsageError for an explicit format segment cannot write, or an extension such as .xls or .html.
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
  if (ext === '.xlsx') return 'xlsx';
  if (notOutputs.has(ext)) {
    throw new UsageError(
      `cannot write '${path}': segment does not write ${ext} files`,
      'use .parquet (or no extension), .csv, .tsv, .json or .xlsx',
    );
  }
  return 'parquet';
}
