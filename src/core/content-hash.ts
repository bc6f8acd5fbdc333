import { createHash } from 'node:crypto';
import { DataError } from './errors.js';

/**
 * `sha256:<hex>` of a model's JSON text without its `hash` field (keys in the order they were written): the content
 * hash saved models carry so an edited or damaged file is refused. O(size).
 */
export function contentHash(model: object): string {
  const rest: Record<string, unknown> = { ...(model as Record<string, unknown>) };
  delete rest.hash;
  return 'sha256:' + createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}

/** The model with `hash` set to its {@link contentHash}, written last (any previous `hash` dropped). O(size). */
export function withContentHash<T extends object>(model: T): T & { hash: string } {
  const { hash: _h, ...rest } = model as T & { hash?: unknown };
  return { ...rest, hash: contentHash(rest) } as T & { hash: string };
}

/**
 * Check a loaded model's `hash` against its content; `optional` accepts a model without one (earlier releases).
 * O(size).
 * @throws DataError naming `source`, with `hint`, when the hash is absent (unless optional) or does not match.
 */
export function assertContentHash(model: object, source: string, hint: string, optional = false): void {
  if (optional && !('hash' in model)) return;
  if ((model as { hash?: unknown }).hash !== contentHash(model)) {
    throw new DataError(
      `${source}: content hash does not match (the model was edited or damaged after it was written)`,
      hint,
    );
  }
}
