import { open, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { DataError } from '../core/errors.js';

/** One input of `segment stability`, resolved: a segments file (a run folder means its segments.parquet) or a model. */
export interface ResolvedStabilityInput {
  /** The argument as given. */
  arg: string;
  /** The file to read. */
  path: string;
  kind: 'segments' | 'model';
  /** The run folder, when the argument was one. */
  folder: string | null;
}

/**
 * Resolve an input argument: a folder → its segments.parquet; a .json file (or any file with `format` json) whose
 * text starts as a segment model → a model; anything else a segments file (read later, which reports a missing
 * file). `-` is stdin, a segments file. O(1) reads.
 * @throws DataError when a folder holds no segments.parquet.
 */
export async function resolveStabilityInput(
  arg: string,
  format: string | undefined,
): Promise<ResolvedStabilityInput> {
  if (arg === '-') return { arg, path: arg, kind: 'segments', folder: null };
  const st = await stat(arg).catch(() => undefined);
  if (st?.isDirectory()) {
    const path = join(arg, 'segments.parquet');
    const inner = await stat(path).catch(() => undefined);
    if (!inner?.isFile())
      throw new DataError(
        `${path}: not found (a run folder holds segments.parquet)`,
        'point at a folder written by segment run, or at the segments file itself',
      );
    return { arg, path, kind: 'segments', folder: arg };
  }
  const json = format === undefined ? extname(arg).toLowerCase() === '.json' : format === 'json';
  if (st?.isFile() && json && (await looksLikeModel(arg)))
    return { arg, path: arg, kind: 'model', folder: null };
  return { arg, path: arg, kind: 'segments', folder: null };
}

/** True when a JSON file's first 64 KiB is an object declaring the segment model format. O(1). */
async function looksLikeModel(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const head = buf.subarray(0, bytesRead).toString('utf8');
    return /^\s*\{/.test(head) && /"format"\s*:\s*"segment\.model"/.test(head);
  } finally {
    await fh.close();
  }
}

/** How a path is named in messages and JSON (`-` is stdin). */
export function displayPath(p: string): string {
  return p === '-' ? 'stdin' : p;
}
