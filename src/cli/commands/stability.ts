import { InvalidArgumentError, type Command } from 'commander';
import { cellText, type Dataset } from '../../core/dataset.js';
import { CheckFailedError, DataError, UsageError } from '../../core/errors.js';
import { readDataset } from '../../io/read.js';
import {
  compareSegmentations,
  defaultThresholds,
  describeFailedGates,
  renderStability,
} from '../../stability/stability.js';
import { contextFrom } from '../context.js';
import { addInputOptions, readOptionsFrom, type InputFlags } from '../io-options.js';
import { list } from '../options.js';
import { PSI_EPSILON } from '../../stability/metrics.js';

interface StabilityFlags extends InputFlags {
  segmentCol: string;
  id?: string;
  features?: string[];
  minAri: number | 'none';
  minJaccard: number | 'none';
  maxPsi: number | 'none';
  maxKs: number | 'none';
  json?: boolean;
}

/**
 * Parse a gate threshold: a number in [lo, hi], or `none` to disable the gate (commander argument parser). O(1).
 * @throws InvalidArgumentError (exit 2) for anything else.
 */
export function threshold(lo: number, hi: number): (v: string) => number | 'none' {
  return (v: string) => {
    if (v.trim().toLowerCase() === 'none') return 'none';
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x) || x < lo || x > hi)
      throw new InvalidArgumentError(
        `expected a number in [${lo}, ${hi === Infinity ? 'inf' : hi}] or 'none', got '${v}'.`,
      );
    return x;
  };
}

/** `segment stability <a> <b>`: agreement of two segmentations and drift of their features, as a CI gate. */
export function registerStability(program: Command): void {
  const cmd = program
    .command('stability')
    .description('compare two segments files (ARI, NMI, Jaccard, PSI, KS) and gate on thresholds')
    .argument('<a>', 'reference segments file (a `segment` column, −1 = noise)')
    .argument('<b>', 'segments file to compare with it')
    .option('--segment-col <col>', 'column holding the segment labels in both files', 'segment')
    .option('--id <col>', 'match rows by this id column (default: by position, same row count)')
    .option(
      '--features <cols>',
      'numeric columns to test for drift (default: every numeric column in both)',
      list,
    )
    .option(
      '--min-ari <x>',
      'lowest adjusted Rand index, or none',
      threshold(-1, 1),
      defaultThresholds.minAri,
    )
    .option(
      '--min-jaccard <x>',
      'lowest Jaccard of any segment, or none',
      threshold(0, 1),
      defaultThresholds.minJaccard,
    )
    .option(
      '--max-psi <x>',
      'highest population stability index of any feature, or none',
      threshold(0, Infinity),
      defaultThresholds.maxPsi,
    )
    .option(
      '--max-ks <x>',
      'highest Kolmogorov-Smirnov statistic of any feature, or none',
      threshold(0, 1),
      defaultThresholds.maxKs,
    )
    .option('--json', 'every metric and gate as JSON on stdout');
  addInputOptions(cmd).addHelpText(
    'after',
    `
Exit codes: 0 every gate passes, 1 a gate fails (named on stderr), 2 usage error, 3 data error.

Examples:
  $ segment stability segments_v1.parquet segments_v2.parquet --id customer_id
  $ segment stability last_month.parquet this_month.parquet --id customer_id --max-psi none --json`,
  );
  cmd.action(async (pathA: string, pathB: string, flags: StabilityFlags, self: Command) => {
    const ctx = contextFrom(self);
    if (flags.sample !== undefined)
      throw new UsageError('--sample cannot be used with stability', 'rows must be compared one for one');
    const opts = readOptionsFrom(flags, ctx);
    if (pathA === '-' && pathB === '-') throw new UsageError('only one of the two files can be - (stdin)');
    const dsA = await readDataset(pathA, opts);
    const dsB = await readDataset(pathB, opts);
    for (const [p, ds] of [
      [pathA, dsA],
      [pathB, dsB],
    ] as const) {
      if (ds.nRows === 0) throw new DataError(`${p}: no rows`);
      if (flags.id !== undefined && !ds.has(flags.id))
        throw new DataError(`${p}: no id column '${flags.id}'`, `the columns are ${ds.names.join(', ')}`);
    }
    const labA = labels(dsA, pathA, flags.segmentCol);
    const labB = labels(dsB, pathB, flags.segmentCol);
    let pairedA: Int32Array;
    let pairedB: Int32Array;
    const notes: string[] = [];
    let onlyA = 0;
    let onlyB = 0;
    if (flags.id === undefined) {
      if (dsA.nRows !== dsB.nRows)
        throw new DataError(
          `${pathA} has ${dsA.nRows} rows but ${pathB} has ${dsB.nRows}; rows are matched by position`,
          'match them by an id column with --id',
        );
      pairedA = labA;
      pairedB = labB;
    } else {
      const idxA = ids(dsA, pathA, flags.id);
      const idxB = ids(dsB, pathB, flags.id);
      const ia: number[] = [];
      const ib: number[] = [];
      for (const [id, i] of idxA) {
        const j = idxB.get(id);
        if (j === undefined) onlyA++;
        else {
          ia.push(i);
          ib.push(j);
        }
      }
      onlyB = idxB.size - ia.length;
      if (ia.length === 0)
        throw new DataError(`${pathA} and ${pathB} have no id in common in '${flags.id}'`, 'check --id');
      pairedA = Int32Array.from(ia, (i) => labA[i]!);
      pairedB = Int32Array.from(ib, (j) => labB[j]!);
      if (onlyA + onlyB > 0)
        notes.push(
          `${ia.length} ids in both files are compared; ${onlyA} only in a, ${onlyB} only in b are left out of ARI / NMI / Jaccard`,
        );
    }
    const exclude = new Set([flags.segmentCol, ...(flags.id !== undefined ? [flags.id] : [])]);
    let features: string[];
    if (flags.features && flags.features.length > 0) {
      features = flags.features;
      for (const f of features) {
        if (exclude.has(f)) throw new UsageError(`--features: '${f}' is the id or segment column`);
        for (const [p, ds] of [
          [pathA, dsA],
          [pathB, dsB],
        ] as const) {
          if (!ds.has(f))
            throw new DataError(`${p}: no feature column '${f}'`, `the columns are ${ds.names.join(', ')}`);
          if (ds.column(f).kind !== 'numeric')
            throw new DataError(`${p}: feature column '${f}' is not numeric`);
        }
      }
    } else {
      features = dsA.columns
        .filter((c) => c.kind === 'numeric' && !exclude.has(c.name))
        .filter((c) => dsB.has(c.name) && dsB.column(c.name).kind === 'numeric')
        .map((c) => c.name);
    }
    const result = compareSegmentations({
      labelsA: pairedA,
      labelsB: pairedB,
      features: features.map((f) => ({ name: f, a: dsA.numeric(f).values, b: dsB.numeric(f).values })),
      thresholds: {
        minAri: gateValue(flags.minAri),
        minJaccard: gateValue(flags.minJaccard),
        maxPsi: gateValue(flags.maxPsi),
        maxKs: gateValue(flags.maxKs),
      },
    });
    result.notes.unshift(...notes);
    if (flags.json) {
      ctx.printJson({
        format: 'segment.stability',
        version: 1,
        inputs: {
          a: { path: pathA === '-' ? 'stdin' : pathA, rows: dsA.nRows },
          b: { path: pathB === '-' ? 'stdin' : pathB, rows: dsB.nRows },
          matchedBy: flags.id ?? 'position',
          compared: result.rows,
          onlyInA: onlyA,
          onlyInB: onlyB,
        },
        segmentColumn: flags.segmentCol,
        psi: { bins: 10, binning: 'deciles of a', epsilon: PSI_EPSILON },
        ...result,
      });
    } else {
      ctx.print(renderStability(result));
    }
    if (!result.pass)
      throw new CheckFailedError(`stability gate failed: ${describeFailedGates(result.gates)}`);
  });
}

/** A parsed threshold, null when the gate is disabled. */
function gateValue(v: number | 'none'): number | null {
  return v === 'none' ? null : v;
}

/** Integer labels >= −1 of the segment column. */
function labels(ds: Dataset, path: string, col: string): Int32Array {
  if (!ds.has(col)) {
    throw new DataError(
      `${path}: no column '${col}' with segment labels`,
      `the columns are ${ds.names.join(', ')}; name the column with --segment-col`,
    );
  }
  const c = ds.column(col);
  if (c.kind !== 'numeric')
    throw new DataError(`${path}: column '${col}' is ${c.kind}, not integer segment labels`);
  const out = new Int32Array(c.values.length);
  for (let i = 0; i < c.values.length; i++) {
    const v = c.values[i]!;
    if (!Number.isInteger(v) || v < -1)
      throw new DataError(
        `${path}: row ${i + 1} of '${col}' is ${Number.isNaN(v) ? 'missing' : v}; segment labels are integers >= 0 (−1 = noise)`,
      );
    out[i] = v;
  }
  return out;
}

/** Map id text → row; missing or repeated ids are data errors. */
function ids(ds: Dataset, path: string, col: string): Map<string, number> {
  const c = ds.column(col);
  const out = new Map<string, number>();
  for (let i = 0; i < ds.nRows; i++) {
    const t = cellText(c, i);
    if (t === null) throw new DataError(`${path}: row ${i + 1} has no id in '${col}'`);
    if (out.has(t)) throw new DataError(`${path}: id '${t}' in '${col}' appears more than once`);
    out.set(t, i);
  }
  return out;
}
