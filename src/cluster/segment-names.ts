import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import { categoricalColumn, type CategoricalColumn } from '../core/dataset.js';
import { DataError } from '../core/errors.js';
import type { ClusterModel } from './cluster-model.js';
import type { SegmentIdentity } from './identity.js';

/** The business name of a segment, and optionally what it means. */
export interface SegmentName {
  name: string;
  description: string | null;
}

/** What the rows labelled −1 (DBSCAN noise) are called. */
export const noiseName = 'Noise';

/** The column of segment names that `assign --segment-name`, `assign --per-segment` and `export-sql` write. */
export const segmentNameCol = 'segment_name';

const example = '{0: Champions, 1: {name: At risk, description: bought often, not lately}}';

/**
 * Read the business names of segments: a JSON or YAML mapping of segment numbers (−1 = noise) to a non-empty name
 * (`{0: Champions}`) or to `{name: …, description: …}` (the description optional). Names are one line and are
 * trimmed; an empty description counts as none. O(file size).
 * @throws DataError naming the file (and the line of the entry at fault) when it is missing, not a mapping, or holds
 *   a bad segment number, a number given twice, an unknown key, or a name that is empty or not one line of text.
 * @example
 * const names = await loadSegmentNames('names.yaml'); // Map { 0 => { name: 'Champions', description: null } }
 */
export async function loadSegmentNames(path: string): Promise<Map<number, SegmentName>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new DataError(`${path}: names file not found`);
  }
  return parseSegmentNames(text, path);
}

/**
 * The names in the text of a names file (see {@link loadSegmentNames}); `path` names it in messages. O(size).
 * @throws DataError as {@link loadSegmentNames} does.
 */
export function parseSegmentNames(text: string, path: string): Map<number, SegmentName> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    throw new DataError(`${path}${line ? `:${line}` : ''}: not a valid JSON or YAML mapping`);
  }
  const at = (node: Node | Pair | null | undefined): string => {
    const n = node && 'range' in node ? node : node && 'key' in node ? (node.key as Node | null) : null;
    const offset = n?.range?.[0];
    return offset === undefined ? path : `${path}:${Math.max(1, lines.linePos(offset).line)}`;
  };
  const root = doc.contents as Node | null;
  if (!isMap(root))
    throw new DataError(`${path}: expected a mapping of segment numbers to names`, `e.g. ${example}`);
  const out = new Map<number, SegmentName>();
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value).trim() : '';
    const s = Number(key);
    if (!/^-?\d+$/.test(key) || !Number.isSafeInteger(s) || s < -1)
      throw new DataError(
        `${at(pair)}: '${key}' is not a segment number`,
        'segment numbers are whole numbers >= 0 (-1 = noise)',
      );
    if (out.has(s)) throw new DataError(`${at(pair)}: segment ${s} is named twice`);
    out.set(s, entryOf(pair, s, at));
  }
  return out;
}

function entryOf(pair: Pair, s: number, at: (n: Node | Pair | null | undefined) => string): SegmentName {
  const value = pair.value as Node | null;
  const where = at(value ?? pair);
  if (isMap(value)) {
    let name: unknown;
    let description: unknown = null;
    for (const p of value.items) {
      const k = isScalar(p.key) ? String(p.key.value) : '';
      const v = isScalar(p.value) ? p.value.value : p.value === null ? null : p.value;
      if (k === 'name') name = v;
      else if (k === 'description') description = v;
      else
        throw new DataError(
          `${at(p)}: segment ${s}: unknown key '${k}'`,
          'an entry is a name, or {name: ..., description: ...}',
        );
    }
    if (name === undefined)
      throw new DataError(`${where}: segment ${s} has no name`, 'give {name: ..., description: ...}');
    if (description !== null && typeof description !== 'string')
      throw new DataError(`${where}: the description of segment ${s} must be text`);
    const d = typeof description === 'string' ? description.trim() : '';
    return { name: checkName(name, s, where), description: d === '' ? null : d };
  }
  if (isSeq(value))
    throw new DataError(`${where}: segment ${s}: expected a name, got a list`, `e.g. ${example}`);
  return { name: checkName(isScalar(value) ? value.value : null, s, where), description: null };
}

function checkName(v: unknown, s: number, where: string): string {
  if (typeof v !== 'string' || v.trim() === '')
    throw new DataError(`${where}: the name of segment ${s} must be a non-empty text`, `e.g. ${example}`);
  // Surrounding white space (line separators included) is trimmed; a line break inside the name is refused.
  const name = v.trim();
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\u2028\u2029]/.test(name))
    throw new DataError(`${where}: the name of segment ${s} must be one line of text`);
  return name;
}

/**
 * The model with these names on its segments (`segments[].name` and `.description`); segments not in `names` get
 * none (earlier names are dropped). The content hash is dropped: the caller re-bundles the model (`bundleModel`)
 * before it is saved. Automatically generated names go through here too. O(k).
 * @param source names the names file in messages.
 * @throws DataError naming `source` and the number when `names` holds a number that is not a segment of the model.
 * @example
 * const named = withSegmentNames(model, await loadSegmentNames('names.yaml'), 'names.yaml');
 */
export function withSegmentNames(
  model: ClusterModel,
  names: ReadonlyMap<number, SegmentName>,
  source = 'the names',
): ClusterModel {
  const known = new Set(model.segments.map((s) => s.segment));
  for (const n of names.keys()) {
    if (!known.has(n))
      throw new DataError(
        `${source}: names segment ${n}, which is not a segment of the model`,
        `its segments are ${[...known].join(', ')}` +
          (n === -1 ? ` (noise is always called ${noiseName})` : ''),
      );
  }
  const { hash: _h, ...rest } = model;
  return {
    ...rest,
    segments: model.segments.map((seg) => {
      const { name: _n, description: _d, ...info } = seg;
      const named = names.get(seg.segment);
      if (!named) return info;
      return { ...info, name: named.name, ...(named.description ? { description: named.description } : {}) };
    }),
  } as ClusterModel;
}

/** The names a model carries, by segment number. O(k). */
export function segmentNamesOf(model: ClusterModel): Map<number, SegmentName> {
  const out = new Map<number, SegmentName>();
  for (const s of model.segments)
    if (s.name !== undefined) out.set(s.segment, { name: s.name, description: s.description ?? null });
  return out;
}

/**
 * The baseline's names of the segments a new fit kept (by the identity record of `--baseline`): a matched segment
 * has its baseline partner's number, so it keeps its name; new segments get none. O(k).
 */
export function keptSegmentNames(
  baseline: ClusterModel,
  identity: SegmentIdentity,
): Map<number, SegmentName> {
  const before = segmentNamesOf(baseline);
  const out = new Map<number, SegmentName>();
  for (const m of identity.matched) {
    const n = before.get(m.baseline);
    if (n && m.segment === m.baseline) out.set(m.segment, n);
  }
  return out;
}

/** What a segment is called: its name in the model, `Segment N` without one, {@link noiseName} for −1. O(k). */
export function segmentDisplayName(model: ClusterModel, segment: number): string {
  return segmentLabel(segment, model.segments.find((s) => s.segment === segment)?.name);
}

/** What a segment is called given its name, if any: {@link noiseName} for −1, else the name, else `Segment N`. */
export function segmentLabel(segment: number, name: string | undefined): string {
  return segment < 0 ? noiseName : (name ?? `Segment ${segment}`);
}

/**
 * A `segment_name`-style column for labels of `model` (see {@link segmentDisplayName}): a categorical column, its
 * levels the distinct names. O(n + k).
 */
export function segmentNameColumn(model: ClusterModel, labels: Int32Array, name: string): CategoricalColumn {
  const levels: string[] = [];
  const codeOf = new Map<string, number>();
  const bySegment = new Map<number, number>();
  const code = (segment: number): number => {
    let c = bySegment.get(segment);
    if (c === undefined) {
      const text = segmentDisplayName(model, segment);
      c = codeOf.get(text);
      if (c === undefined) {
        c = levels.length;
        levels.push(text);
        codeOf.set(text, c);
      }
      bySegment.set(segment, c);
    }
    return c;
  };
  for (const s of model.segments) code(s.segment);
  const codes = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) codes[i] = code(labels[i]!);
  return categoricalColumn(name, codes, levels);
}

/**
 * A file name for a segment's rows: `<number>-<slug of its name>` (`2-recent-big-spenders`), `noise` for −1; the
 * slug keeps letters and digits (accents and apostrophes dropped), lower case, other runs become one `-`, at most
 * 60 characters.
 * Distinct segments always get distinct names. O(name length).
 */
export function segmentFileStem(segment: number, name: string): string {
  if (segment < 0) return 'noise';
  const slug = name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/['\u2019]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .slice(0, 60)
    .replace(/^-+|-+$/g, '');
  return slug === '' ? String(segment) : `${segment}-${slug}`;
}
