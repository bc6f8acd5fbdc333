import { readFile } from 'node:fs/promises';
import { DataError } from '../core/errors.js';

/**
 * Read and parse a JSON file that segment wrote earlier (a model, a tuning result…).
 * @param what the kind of file, for messages ("model file", "tuning file")
 * @param hint how to make one, e.g. "write one with segment cluster --model"
 * @throws DataError naming the path when the file is missing, unreadable or not JSON.
 */
export async function readJsonFile(path: string, what: string, hint: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(
      `${path}: ${code === 'ENOENT' ? `${what} not found` : `cannot read the ${what}`}`,
      hint,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DataError(`${path}: not a JSON ${what}`, hint);
  }
}
