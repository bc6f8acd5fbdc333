import { createHash } from 'node:crypto';

/**
 * `sha256:<hex>` of a model's JSON text without its `hash` field (keys in the order they were written): the content
 * hash saved models carry so an edited or damaged file is refused. O(size).
 */
export function contentHash(model: object): string {
  const rest: Record<string, unknown> = { ...(model as Record<string, unknown>) };
  delete rest.hash;
  return 'sha256:' + createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}
