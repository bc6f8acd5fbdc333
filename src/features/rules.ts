import { readFile } from 'node:fs/promises';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { UsageError } from '../core/errors.js';
import { parseDuration } from './params.js';

/** An inclusive range of RFM scores, 1 ≤ lo ≤ hi ≤ 5. */
export interface ScoreRange {
  lo: number;
  hi: number;
}

/** A condition on an output column: `column op value`, or `lo ≤ column ≤ hi` for `between`. */
export interface ColumnCondition {
  column: string;
  op: '<' | '<=' | '>' | '>=' | '=' | '!=' | 'between';
  value: number;
  /** Upper bound of `between`. */
  value2?: number | undefined;
  /** Line of the condition in its file (1-based). */
  line: number;
}

/** One named RFM segment: every condition present must hold. */
export interface SegmentRule {
  name: string;
  r?: ScoreRange | undefined;
  f?: ScoreRange | undefined;
  m?: ScoreRange | undefined;
  where: ColumnCondition[];
  /** Line of the rule in its file (1-based). */
  line: number;
  /** Lines of its `r`, `f` and `m` conditions. */
  keyLines: Partial<Record<'r' | 'f' | 'm', number>>;
}

/** RFM segment rules: the first matching rule names the segment; `other` when none matches. */
export interface SegmentRules {
  /** The file the rules came from (`default` for the built-in rules). */
  source: string;
  other: string;
  rules: SegmentRule[];
}

/** Points for one event type. */
export interface EventPoints {
  event: string;
  points: number;
  line: number;
}

/** A score tier: scores `> above` or `>= min`; neither = every remaining score. */
export interface Tier {
  name: string;
  above?: number | undefined;
  min?: number | undefined;
  line: number;
}

/** Points scoring rules: per-event points, optional half-life decay by age, tiers by thresholds. */
export interface ScoringRules {
  source: string;
  points: EventPoints[];
  /** Points of an event `age` old are multiplied by 0.5^(age / halfLife). */
  halfLifeSeconds?: number | undefined;
  tiers: Tier[];
}

/** A YAML document with positions, raising UsageErrors that name the file and line. */
class YamlSource {
  readonly root: Node | null;
  private readonly lines = new LineCounter();

  constructor(
    readonly path: string,
    text: string,
  ) {
    const doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true });
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos?.[0].line ?? 1;
      const what = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw new UsageError(`${path}:${line}: invalid YAML: ${what}`, 'fix the rules file');
    }
    this.root = (doc.contents as Node | null) ?? null;
  }

  line(node: Node | Pair | null | undefined): number {
    const n = node && 'range' in node ? node : node && 'key' in node ? (node.key as Node | null) : null;
    const offset = n?.range?.[0];
    return offset === undefined ? 1 : Math.max(1, this.lines.linePos(offset).line);
  }

  fail(node: Node | Pair | null | undefined, message: string, hint?: string): UsageError {
    return new UsageError(`${this.path}:${this.line(node)}: ${message}`, hint);
  }

  /** The mapping at `node`, with its keys checked against `allowed`. */
  map(node: Node | null | undefined, what: string, allowed: readonly string[]): YAMLMap<unknown, unknown> {
    if (!isMap(node)) throw this.fail(node, `${what} must be a mapping (key: value lines)`);
    for (const pair of node.items) {
      const key = keyOf(pair);
      if (!allowed.includes(key)) {
        throw this.fail(pair, `unknown key '${key}' in ${what}`, `expected one of: ${allowed.join(', ')}`);
      }
    }
    return node;
  }

  number(node: unknown, what: string): number {
    const v = isScalar(node) ? node.value : undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(n)) {
      throw this.fail(node as Node, `${what} must be a number, got ${show(node)}`);
    }
    return n;
  }

  string(node: unknown, what: string): string {
    const v = isScalar(node) ? node.value : undefined;
    if ((typeof v !== 'string' && typeof v !== 'number') || String(v).trim() === '') {
      throw this.fail(node as Node, `${what} must be a non-empty text, got ${show(node)}`);
    }
    return String(v).trim();
  }
}

function keyOf(pair: Pair): string {
  const k = pair.key;
  return isScalar(k) ? String(k.value) : String(k);
}

function show(node: unknown): string {
  if (isScalar(node)) return JSON.stringify(node.value);
  if (isSeq(node)) return 'a list';
  if (isMap(node)) return 'a mapping';
  return 'nothing';
}

function checkVersion(src: YamlSource, map: YAMLMap<unknown, unknown>): void {
  const v = map.get('version', true);
  if (v !== undefined && src.number(v, 'version') !== 1) {
    throw src.fail(v as Node, `unsupported version ${show(v)}`, 'this segment understands version 1');
  }
}

/**
 * Parse RFM segment rules from YAML text (format in docs/methods.md and {@link defaultSegmentRulesYaml}). O(size).
 * @throws UsageError `path:line: reason` for invalid YAML or rules.
 */
export function parseSegmentRules(text: string, path: string): SegmentRules {
  const src = new YamlSource(path, text);
  const top = src.map(src.root, 'the rules file', ['version', 'other', 'segments']);
  checkVersion(src, top);
  const otherNode = top.get('other', true);
  const other = otherNode === undefined ? 'Other' : src.string(otherNode, "'other'");
  const list = top.get('segments', true) as Node | undefined;
  if (!isSeq(list) || list.items.length === 0) {
    throw src.fail(
      list ?? top,
      "'segments' must be a non-empty list of rules",
      'each rule: - name: Champions',
    );
  }
  const rules: SegmentRule[] = [];
  const names = new Set<string>([other]);
  for (const item of list.items as Node[]) {
    const m = src.map(item, 'a segment rule', ['name', 'r', 'f', 'm', 'where']);
    const nameNode = m.get('name', true);
    if (nameNode === undefined) throw src.fail(item, 'a segment rule needs a name');
    const name = src.string(nameNode, 'name');
    if (names.has(name)) {
      throw src.fail(nameNode as Node, `segment name '${name}' is used twice (or is the 'other' name)`);
    }
    names.add(name);
    const rule: SegmentRule = { name, where: [], line: src.line(item), keyLines: {} };
    for (const key of ['r', 'f', 'm'] as const) {
      const node = m.get(key, true);
      if (node !== undefined) {
        rule[key] = scoreRange(src, node, `${key} of '${name}'`);
        rule.keyLines[key] = src.line(node as Node);
      }
    }
    const where = m.get('where', true) as Node | undefined;
    if (where !== undefined) {
      if (!isMap(where)) throw src.fail(where, `'where' of '${name}' must map column names to conditions`);
      for (const pair of where.items) rule.where.push(condition(src, pair, name));
    }
    const prev = rules.find(
      (r) => r.r === undefined && r.f === undefined && r.m === undefined && !r.where.length,
    );
    if (prev) {
      throw src.fail(
        item,
        `rule '${name}' can never apply: '${prev.name}' above has no condition and takes everyone`,
      );
    }
    rules.push(rule);
  }
  return { source: path, other, rules };
}

function scoreRange(src: YamlSource, node: unknown, what: string): ScoreRange {
  let lo: number;
  let hi: number;
  if (isSeq(node)) {
    if (node.items.length !== 2) throw src.fail(node, `${what} as a list must be [low, high]`);
    lo = src.number(node.items[0], what);
    hi = src.number(node.items[1], what);
  } else {
    const v = isScalar(node) ? node.value : undefined;
    const range = typeof v === 'string' ? /^\s*(\d)\s*-\s*(\d)\s*$/.exec(v) : null;
    if (range) {
      lo = Number(range[1]);
      hi = Number(range[2]);
    } else {
      lo = hi = src.number(node, what);
    }
  }
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi > 5 || lo > hi) {
    throw src.fail(node as Node, `${what} must be a score 1-5 or a range like 2-4, got ${show(node)}`);
  }
  return { lo, hi };
}

function condition(src: YamlSource, pair: Pair, rule: string): ColumnCondition {
  const column = keyOf(pair);
  const node = pair.value as Node | null;
  const line = src.line(pair);
  const what = `condition on '${column}' in '${rule}'`;
  if (isSeq(node)) {
    if (node.items.length !== 2) throw src.fail(node, `${what}: a list must be [low, high]`);
    const lo = src.number(node.items[0], what);
    const hi = src.number(node.items[1], what);
    if (lo > hi) throw src.fail(node, `${what}: low ${lo} is above high ${hi}`);
    return { column, op: 'between', value: lo, value2: hi, line };
  }
  const v = isScalar(node) ? node.value : undefined;
  if (typeof v === 'number') return { column, op: '=', value: v, line };
  const m =
    typeof v === 'string' ? /^\s*(<=|>=|!=|<|>|=)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/i.exec(v) : null;
  if (!m) {
    throw src.fail(node ?? pair, `${what} must be like "<= 30", ">= 1" or [low, high], got ${show(node)}`);
  }
  return { column, op: m[1] as ColumnCondition['op'], value: Number(m[2]), line };
}

/**
 * Parse points scoring rules from YAML text. O(size).
 * @throws UsageError `path:line: reason` for invalid YAML or rules.
 */
export function parseScoringRules(text: string, path: string): ScoringRules {
  const src = new YamlSource(path, text);
  const top = src.map(src.root, 'the scoring rules file', ['version', 'points', 'decay', 'tiers']);
  checkVersion(src, top);
  const pointsNode = top.get('points', true) as Node | undefined;
  if (!isMap(pointsNode) || pointsNode.items.length === 0) {
    throw src.fail(pointsNode ?? top, "'points' must map event types to points", 'e.g. points: { open: 10 }');
  }
  const points: EventPoints[] = pointsNode.items.map((pair) => ({
    event: keyOf(pair),
    points: src.number(pair.value, `points of '${keyOf(pair)}'`),
    line: src.line(pair),
  }));
  let halfLifeSeconds: number | undefined;
  const decay = top.get('decay', true) as Node | undefined;
  if (decay !== undefined) {
    const d = src.map(decay, "'decay'", ['half_life']);
    const hl = d.get('half_life', true) as Node | undefined;
    if (hl === undefined) throw src.fail(decay, "'decay' needs half_life (e.g. half_life: 30d)");
    const v = isScalar(hl) ? hl.value : undefined;
    try {
      halfLifeSeconds =
        typeof v === 'number' ? parseDuration(`${v}d`, 'half_life') : parseDuration(String(v), 'half_life');
    } catch (e) {
      throw src.fail(
        hl,
        `half_life: ${(e as Error).message.replace(/^half_life: /, '')}`,
        'e.g. half_life: 30d',
      );
    }
  }
  const tiers: Tier[] = [];
  const tiersNode = top.get('tiers', true) as Node | undefined;
  if (tiersNode !== undefined) {
    if (!isSeq(tiersNode) || tiersNode.items.length === 0) {
      throw src.fail(
        tiersNode,
        "'tiers' must be a list, highest tier first",
        'e.g. - { name: high, above: 50 }',
      );
    }
    const items = tiersNode.items as Node[];
    items.forEach((item, k) => {
      const m = src.map(item, 'a tier', ['name', 'above', 'min']);
      const nameNode = m.get('name', true);
      if (nameNode === undefined) throw src.fail(item, 'a tier needs a name');
      const name = src.string(nameNode, 'tier name');
      if (tiers.some((t) => t.name === name))
        throw src.fail(nameNode as Node, `tier '${name}' is listed twice`);
      const aboveNode = m.get('above', true);
      const minNode = m.get('min', true);
      if (aboveNode !== undefined && minNode !== undefined) {
        throw src.fail(item, `tier '${name}' has both 'above' (>) and 'min' (>=); keep one`);
      }
      const tier: Tier = { name, line: src.line(item) };
      if (aboveNode !== undefined) tier.above = src.number(aboveNode, `'above' of '${name}'`);
      if (minNode !== undefined) tier.min = src.number(minNode, `'min' of '${name}'`);
      const last = k === items.length - 1;
      const bound = tier.above ?? tier.min;
      if (last && bound !== undefined) {
        throw src.fail(
          item,
          `the last tier '${name}' must have no threshold: it takes every remaining score`,
        );
      }
      if (!last && bound === undefined) {
        throw src.fail(item, `tier '${name}' has no threshold ('above' or 'min') but is not the last one`);
      }
      const prev = tiers[tiers.length - 1];
      const prevBound = prev ? (prev.above ?? prev.min) : undefined;
      if (bound !== undefined && prevBound !== undefined && bound > prevBound) {
        throw src.fail(
          item,
          `tier '${name}' starts above '${prev!.name}' before it; list tiers from the highest down`,
        );
      }
      tiers.push(tier);
    });
  }
  return { source: path, points, halfLifeSeconds, tiers };
}

/**
 * Read and parse a rules file of either kind.
 * @throws UsageError naming the flag and path when the file cannot be read, or `path:line` when it is invalid.
 */
export async function loadRules<T>(
  path: string,
  flag: string,
  parse: (text: string, path: string) => T,
): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new UsageError(`${flag} ${path}: ${why}`, 'check the path');
  }
  return parse(text, path);
}
