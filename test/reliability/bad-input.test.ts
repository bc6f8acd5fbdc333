import { copyFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withContentHash } from '../../src/core/content-hash.js';
import { fixtures, runCli, tempDir, type RunResult } from '../helpers/cli.js';

// A corpus of bad inputs and impossible requests, one table row each: every case must exit 2 (usage) or 3 (data)
// with exactly one `segment: …` line on stderr that names the culprit, no stack trace, and no output left behind.

const tmp = tempDir('segment-bad-input-');
afterAll(() => tmp.cleanup());
const at = (name: string) => join(tmp.dir, name);

/** Spawn the CLI with at most `limit` processes at a time (the machine may be busy). */
const limit = 4;
let running = 0;
const waiting: (() => void)[] = [];
async function cli(args: string[]): Promise<RunResult> {
  if (running >= limit) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await runCli(args, { cwd: tmp.dir });
  } finally {
    running--;
    waiting.shift()?.();
  }
}

// 40 rows, 3 numeric columns and a 0/1 target.
const goodCsv =
  'id,a,b,t\n' +
  Array.from(
    { length: 40 },
    (_, i) => `c${i + 1},${((i + 1) % 7) + 0.5},${((i + 1) * 3) % 11},${(i + 1) % 2}`,
  ).join('\n') +
  '\n';

beforeAll(async () => {
  writeFileSync(at('good.csv'), goodCsv);
  const results = await Promise.all([
    cli(['ingest', 'good.csv', '-o', 'good.parquet', '--quiet']),
    cli([
      'cluster',
      'good.csv',
      '--id',
      'id',
      '--k',
      '3',
      '-o',
      'seg.parquet',
      '--model',
      'cm.json',
      '--quiet',
    ]),
    cli(['predict', 'train', 'good.csv', '--id', 'id', '--target', 't', '--model', 'pm.json', '--quiet']),
    cli(['clean', 'good.csv', '--id', 'id', '--scale', 'zscore', '--model', 'clm.json', '--quiet']),
    cli(['select', 'good.csv', '--id', 'id', '--pca', '2', '--model', 'slm.json', '--quiet']),
  ]);
  for (const r of results) expect(r.code, r.stderr).toBe(0);
  const parquet = readFileSync(at('good.parquet'));
  writeFileSync(at('trunc.parquet'), parquet.subarray(0, Math.floor(parquet.length / 2)));
  const model = readFileSync(at('cm.json'));
  writeFileSync(at('cm-trunc.json'), model.subarray(0, Math.floor(model.length / 2)));
  // Clean and select models with one number edited after they were written (their content hash no longer matches).
  const editOne = (text: string, key: string): string => {
    const edited = text.replace(
      new RegExp(`("${key}":\\[*-?\\d+\\.)(\\d)`),
      (_, head: string, d: string) => head + ((+d + 1) % 10),
    );
    expect(edited).not.toBe(text);
    return edited;
  };
  copyFileSync(join(fixtures, 'customers.xlsx'), at('sheets.xlsx'));
  writeFileSync(at('clm-edited.json'), editOne(readFileSync(at('clm.json'), 'utf8'), 'center'));
  writeFileSync(at('slm-edited.json'), editOne(readFileSync(at('slm.json'), 'utf8'), 'components'));
  // Models whose content hash is valid (sealed again after the edit) but whose structure is not.
  type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const reseal = (from: string, to: string, edit: (m: Json) => void, seal = true): void => {
    const m = JSON.parse(readFileSync(at(from), 'utf8')) as Json;
    edit(m);
    if (!seal) delete m.hash;
    writeFileSync(at(to), JSON.stringify(seal ? withContentHash(m) : m) + '\n');
  };
  reseal('cm.json', 'cm-rows.json', (m) => m.centroids.pop());
  reseal('cm.json', 'cm-width.json', (m) => m.centroids[0].pop());
  reseal('cm.json', 'cm-seg7.json', (m) => (m.centroidSegment[0] = 7));
  reseal('cm.json', 'cm-null.json', (m) => (m.centroids[1][2] = null));
  reseal('cm.json', 'cm-nofeat.json', (m) => {
    m.features = [];
    m.inputSchema = [];
  });
  reseal('pm.json', 'pm-thr7.json', (m) => (m.threshold = 7));
  reseal('pm.json', 'pm-noeval.json', (m) => delete m.evaluation);
  reseal('pm.json', 'pm-nocurves.json', (m) => (m.evaluation.curves = { roc: null }));
  reseal('clm.json', 'clm-steps.json', (m) => (m.steps[0].columns = null), false);
  reseal('slm.json', 'slm-pca.json', (m) => m.steps[0].mean.pop(), false);
}, 120_000);

interface Case {
  /** What the case checks. */
  name: string;
  args: string[];
  /** Files to create in the case's folder before running (names are shared across cases: keep them unique). */
  files?: Record<string, string | Buffer>;
  code: 2 | 3;
  /** Text the error line must contain: the file, column or parameter at fault. */
  names: string;
  /** Outputs (files or folders given with -o, --model, --html, --out-dir …) that must not exist afterwards. */
  outputs: string[];
}

const pipeline = (source: string, withK: string) =>
  `version: 1\nsource:\n  path: ${source}\nid: id\nsteps:\n  - step: cluster\n    with:\n${withK}`;

const cases: Case[] = [
  // --- ingest: malformed files
  {
    name: 'ingest: ragged CSV row',
    files: { 'ragged.csv': 'id,a,b\n1,2,3\n4,5\n6,7,8\n' },
    args: ['ingest', 'ragged.csv', '-o', 'o-ragged.parquet'],
    code: 3,
    names: 'ragged.csv',
    outputs: ['o-ragged.parquet'],
  },
  {
    name: 'ingest: unbalanced quote',
    files: { 'quote.csv': 'id,a,b\n1,"2,3\n4,5,6\n' },
    args: ['ingest', 'quote.csv', '-o', 'o-quote.parquet'],
    code: 3,
    names: 'quote.csv',
    outputs: ['o-quote.parquet'],
  },
  {
    name: 'ingest: BOM + ragged row (the BOM must not hide the line number)',
    files: { 'bom.csv': '\uFEFFid,a,b\n1,2,3\n4,5,6,7\n' },
    args: ['ingest', 'bom.csv', '-o', 'o-bom.parquet'],
    code: 3,
    names: 'bom.csv',
    outputs: ['o-bom.parquet'],
  },
  {
    name: 'ingest: wrong --delimiter makes rows ragged',
    files: { 'semi.csv': 'id;a;b\n1;2,5;3\n4;5;6\n' },
    args: ['ingest', 'semi.csv', '--delimiter', ',', '-o', 'o-semi.parquet'],
    code: 3,
    names: 'semi.csv',
    outputs: ['o-semi.parquet'],
  },
  {
    name: 'ingest: multi-character delimiter',
    files: { 'multi.csv': 'id::a\n1::2\n' },
    args: ['ingest', 'multi.csv', '--delimiter', '::', '-o', 'o-multi.parquet'],
    code: 2,
    names: 'delimiter',
    outputs: ['o-multi.parquet'],
  },
  {
    name: 'ingest: binary bytes',
    files: {
      'binary.csv': Buffer.from([0x69, 0x64, 0x2c, 0x61, 0x00, 0x01, 0x02, 0x0a, 0xff, 0xfe, 0x00, 0x00]),
    },
    args: ['ingest', 'binary.csv', '-o', 'o-binary.parquet'],
    code: 3,
    names: 'binary.csv',
    outputs: ['o-binary.parquet'],
  },
  {
    name: 'ingest: duplicate column names',
    files: { 'dupcol.csv': 'id,a,a\n1,2,3\n4,5,6\n' },
    args: ['ingest', 'dupcol.csv', '-o', 'o-dupcol.parquet'],
    code: 3,
    names: "'a'",
    outputs: ['o-dupcol.parquet'],
  },
  {
    name: 'ingest: header only',
    files: { 'header.csv': 'id,a,b\n' },
    args: ['ingest', 'header.csv', '-o', 'o-header.parquet'],
    code: 3,
    names: 'header.csv',
    outputs: ['o-header.parquet'],
  },
  {
    name: 'ingest: truncated Parquet',
    args: ['ingest', 'trunc.parquet', '-o', 'o-trunc.csv'],
    code: 3,
    names: 'trunc.parquet',
    outputs: ['o-trunc.csv'],
  },
  {
    name: 'ingest: CSV text named .parquet',
    files: { 'fake.parquet': goodCsv },
    args: ['ingest', 'fake.parquet', '-o', 'o-fake.csv'],
    code: 3,
    names: 'fake.parquet',
    outputs: ['o-fake.csv'],
  },
  {
    name: 'ingest: malformed JSON',
    files: { 'bad.json': '{"a": 1, "b": [' },
    args: ['ingest', 'bad.json', '-o', 'o-badjson.parquet'],
    code: 3,
    names: 'bad.json',
    outputs: ['o-badjson.parquet'],
  },
  {
    name: 'ingest: malformed NDJSON',
    files: { 'bad.ndjson': '{"a":1}\n{"a":\n' },
    args: ['ingest', 'bad.ndjson', '-o', 'o-badndjson.parquet'],
    code: 3,
    names: 'bad.ndjson',
    outputs: ['o-badndjson.parquet'],
  },
  // --- features
  {
    name: 'features: unparseable timestamp with --strict',
    files: { 'ev-date.csv': 'customer_id,ts,amount\nc1,2024-01-01,5\nc2,notadate,3\n' },
    args: [
      'features',
      'ev-date.csv',
      '--id',
      'customer_id',
      '--time',
      'ts',
      '--amount',
      'amount',
      '--strict',
      '-o',
      'o-evdate.parquet',
    ],
    code: 3,
    names: "'ts'",
    outputs: ['o-evdate.parquet'],
  },
  {
    name: 'features: negative amounts',
    files: { 'ev-neg.csv': 'customer_id,ts,amount\nc1,2024-01-01,5\nc2,2024-01-02,-3\n' },
    args: [
      'features',
      'ev-neg.csv',
      '--id',
      'customer_id',
      '--time',
      'ts',
      '--amount',
      'amount',
      '-o',
      'o-evneg.parquet',
    ],
    code: 3,
    names: "'amount'",
    outputs: ['o-evneg.parquet'],
  },
  {
    name: 'features: malformed --rules YAML',
    files: {
      'ev-ok.csv': 'customer_id,ts,amount\nc1,2024-01-01,5\n',
      'rules-bad.yaml': 'points: [\n  - a: b\n',
    },
    args: [
      'features',
      'ev-ok.csv',
      '--id',
      'customer_id',
      '--time',
      'ts',
      '--amount',
      'amount',
      '--rules',
      'rules-bad.yaml',
      '-o',
      'o-evrules.parquet',
    ],
    code: 2,
    names: 'rules-bad.yaml',
    outputs: ['o-evrules.parquet'],
  },
  // --- clean
  {
    name: 'clean: all-NaN column cannot be imputed',
    files: { 'allnan.csv': 'id,a,b\n1,nan,3\n2,nan,4\n3,nan,6\n4,nan,1\n' },
    args: [
      'clean',
      'allnan.csv',
      '--id',
      'id',
      '--features',
      'a,b',
      '--impute',
      'median',
      '-o',
      'o-allnan.parquet',
      '--model',
      'o-allnan.json',
    ],
    code: 3,
    names: "'a'",
    outputs: ['o-allnan.parquet', 'o-allnan.json'],
  },
  {
    name: 'clean: infinities cannot be scaled',
    files: { 'inf-clean.csv': 'id,a,b\n1,inf,3\n2,2,4\n3,5,6\n4,1,1\n' },
    args: [
      'clean',
      'inf-clean.csv',
      '--id',
      'id',
      '--types',
      'a=double',
      '--scale',
      'zscore',
      '-o',
      'o-infclean.parquet',
    ],
    code: 3,
    names: "'a'",
    outputs: ['o-infclean.parquet'],
  },
  {
    name: 'clean: malformed --rules YAML',
    files: { 'vrules-bad.yaml': 'columns: {a: [\n' },
    args: ['clean', 'good.csv', '--id', 'id', '--rules', 'vrules-bad.yaml', '-o', 'o-vrules.parquet'],
    code: 2,
    names: 'vrules-bad.yaml',
    outputs: ['o-vrules.parquet'],
  },
  {
    name: 'clean: --apply a model edited after it was written',
    args: ['clean', 'good.csv', '--apply', 'clm-edited.json', '-o', 'o-clapply.parquet'],
    code: 3,
    names: 'clm-edited.json: content hash does not match',
    outputs: ['o-clapply.parquet'],
  },
  // --- select
  {
    name: 'select: constant columns leave nothing',
    files: { 'const.csv': 'id,a,b\n1,1,1\n2,1,1\n3,1,1\n4,1,1\n' },
    args: [
      'select',
      'const.csv',
      '--id',
      'id',
      '--variance-threshold',
      '0',
      '-o',
      'o-const.parquet',
      '--model',
      'o-const.json',
    ],
    code: 3,
    names: 'variance',
    outputs: ['o-const.parquet', 'o-const.json'],
  },
  {
    name: 'select: more PCA components than features',
    args: [
      'select',
      'good.csv',
      '--id',
      'id',
      '--pca',
      '7',
      '-o',
      'o-pca7.parquet',
      '--model',
      'o-pca7.json',
    ],
    code: 3,
    names: '7',
    outputs: ['o-pca7.parquet', 'o-pca7.json'],
  },
  {
    name: 'select: --apply a random JSON',
    files: { 'random.json': '{"version": 2, "kind": "x"}' },
    args: ['select', 'good.csv', '--id', 'id', '--apply', 'random.json', '-o', 'o-apply.parquet'],
    code: 3,
    names: 'random.json',
    outputs: ['o-apply.parquet'],
  },
  {
    name: 'select: --apply a model edited after it was written',
    args: ['select', 'good.csv', '--apply', 'slm-edited.json', '-o', 'o-slapply.parquet'],
    code: 3,
    names: 'slm-edited.json: content hash does not match',
    outputs: ['o-slapply.parquet'],
  },
  // --- tune
  {
    name: 'tune: inverted k range',
    args: ['tune', 'good.csv', '--id', 'id', '--k', '5..2', '-o', 'o-tunek.json'],
    code: 2,
    names: '--k',
    outputs: ['o-tunek.json'],
  },
  {
    name: 'tune: infinite value',
    files: { 'inf-tune.csv': 'id,a,b\n1,inf,3\n2,2,4\n3,5,6\n4,1,1\n' },
    args: [
      'tune',
      'inf-tune.csv',
      '--id',
      'id',
      '--types',
      'a=double',
      '--k',
      '2..3',
      '-o',
      'o-tuneinf.json',
      '--plot',
      'o-tuneplots',
    ],
    code: 3,
    names: "'a'",
    outputs: ['o-tuneinf.json', 'o-tuneplots'],
  },
  // --- cluster
  {
    name: 'cluster: k > rows',
    args: [
      'cluster',
      'good.csv',
      '--id',
      'id',
      '--k',
      '100',
      '-o',
      'o-k100.parquet',
      '--model',
      'o-k100.json',
    ],
    code: 3,
    names: 'k = 100',
    outputs: ['o-k100.parquet', 'o-k100.json'],
  },
  {
    name: 'cluster: one row',
    files: { 'one.csv': 'id,a,b\n1,1,2\n' },
    args: ['cluster', 'one.csv', '--id', 'id', '--k', '2', '-o', 'o-one.parquet', '--model', 'o-one.json'],
    code: 3,
    names: 'k = 2',
    outputs: ['o-one.parquet', 'o-one.json'],
  },
  {
    name: 'cluster: all-NaN feature',
    files: { 'allnan-cl.csv': 'id,a,b\n1,nan,3\n2,nan,4\n3,nan,6\n4,nan,1\n' },
    args: [
      'cluster',
      'allnan-cl.csv',
      '--id',
      'id',
      '--features',
      'a,b',
      '--k',
      '2',
      '-o',
      'o-allnancl.parquet',
    ],
    code: 3,
    names: "'a'",
    outputs: ['o-allnancl.parquet'],
  },
  {
    name: 'cluster: 1e999 overflows to infinity',
    files: { 'inf-cl.csv': 'id,a,b\n1,1e999,3\n2,2,4\n3,5,6\n4,1,1\n' },
    args: [
      'cluster',
      'inf-cl.csv',
      '--id',
      'id',
      '--k',
      '2',
      '-o',
      'o-infcl.parquet',
      '--model',
      'o-infcl.json',
    ],
    code: 3,
    names: "'a'",
    outputs: ['o-infcl.parquet', 'o-infcl.json'],
  },
  {
    name: 'cluster: truncated Parquet input',
    args: ['cluster', 'trunc.parquet', '--k', '2', '-o', 'o-cltrunc.parquet', '--model', 'o-cltrunc.json'],
    code: 3,
    names: 'trunc.parquet',
    outputs: ['o-cltrunc.parquet', 'o-cltrunc.json'],
  },
  {
    name: 'cluster: --baseline is a predict model',
    args: ['cluster', 'good.csv', '--id', 'id', '--k', '2', '--baseline', 'pm.json', '-o', 'o-base.parquet'],
    code: 3,
    names: 'pm.json',
    outputs: ['o-base.parquet'],
  },
  // --- report
  {
    name: 'report: no segment column',
    args: ['report', 'good.csv', '--html', 'o-rep1.html', '--json', 'o-rep1.json'],
    code: 3,
    names: "'segment'",
    outputs: ['o-rep1.html', 'o-rep1.json'],
  },
  {
    name: 'report: --model is a predict model',
    args: ['report', 'seg.parquet', '--model', 'pm.json', '--html', 'o-rep2.html'],
    code: 3,
    names: 'pm.json',
    outputs: ['o-rep2.html'],
  },
  {
    name: 'report: malformed --names YAML',
    files: { 'names-bad.yaml': '0: [Champions\n1: {\n' },
    args: [
      'report',
      'seg.parquet',
      '--model',
      'cm.json',
      '--names',
      'names-bad.yaml',
      '--html',
      'o-rep3.html',
    ],
    code: 3,
    names: 'names-bad.yaml',
    outputs: ['o-rep3.html'],
  },
  // --- run
  {
    name: 'run: malformed pipeline YAML',
    files: {
      'p-bad.yaml': 'version: 1\nsource:\n  path: good.csv\nsteps:\n  - step: cluster\n    with: {k: 3\n',
    },
    args: ['run', 'p-bad.yaml', '--out-dir', 'o-run1', '--quiet'],
    code: 2,
    names: 'p-bad.yaml',
    outputs: ['o-run1'],
  },
  {
    name: 'run: YAML alias to an anchor never set',
    files: { 'p-alias.yaml': 'version: 1\nsource: *src\n' },
    args: ['run', 'p-alias.yaml', '--out-dir', 'o-run6', '--quiet'],
    code: 2,
    names: 'p-alias.yaml',
    outputs: ['o-run6'],
  },
  {
    name: 'run: k 0 in the pipeline',
    files: { 'p-k0.yaml': pipeline('good.csv', '      k: 0\n') },
    args: ['run', 'p-k0.yaml', '--out-dir', 'o-run2', '--quiet'],
    code: 2,
    names: 'steps[0].with.k',
    outputs: ['o-run2'],
  },
  {
    name: 'run: ragged source CSV',
    files: {
      'p-ragged.yaml': pipeline('ragged-run.csv', '      k: 2\n'),
      'ragged-run.csv': 'id,a,b\n1,2,3\n4,5\n',
    },
    args: ['run', 'p-ragged.yaml', '--out-dir', 'o-run3', '--quiet'],
    code: 3,
    names: 'ragged-run.csv',
    outputs: ['o-run3'],
  },
  {
    name: 'run: --set k larger than the rows',
    files: { 'p-ok2.yaml': pipeline('good.csv', '      k: 2\n') },
    args: ['run', 'p-ok2.yaml', '--set', 'steps.cluster.k=999', '--out-dir', 'o-run5', '--quiet'],
    code: 3,
    names: 'k = 999',
    outputs: ['o-run5'],
  },
  // --- saved models: hash-valid but inconsistent, or incomplete (checked when loaded, whatever the command)
  {
    name: 'assign: a model with fewer centroids than centroid segments',
    args: ['assign', 'good.csv', '--model', 'cm-rows.json', '-o', 'o-mv1.parquet'],
    code: 3,
    names: 'cm-rows.json: invalid model: centroidSegment',
    outputs: ['o-mv1.parquet'],
  },
  {
    name: 'assign: a centroid with fewer values than features',
    args: ['assign', 'good.csv', '--model', 'cm-width.json', '-o', 'o-mv2.parquet'],
    code: 3,
    names: 'cm-width.json: invalid model: centroids[0] has 2 values but the model has 3 feature(s)',
    outputs: ['o-mv2.parquet'],
  },
  {
    name: 'assign: a centroid assigned to a segment that does not exist',
    args: ['assign', 'good.csv', '--model', 'cm-seg7.json', '-o', 'o-mv3.parquet'],
    code: 3,
    names: 'cm-seg7.json: invalid model: centroidSegment[0] is 7',
    outputs: ['o-mv3.parquet'],
  },
  {
    name: 'assign: a null centroid value',
    args: ['assign', 'good.csv', '--model', 'cm-null.json', '-o', 'o-mv4.parquet'],
    code: 3,
    names: 'cm-null.json: invalid model: centroids[1][2] must be number',
    outputs: ['o-mv4.parquet'],
  },
  {
    name: 'assign: a model without features',
    args: ['assign', 'good.csv', '--model', 'cm-nofeat.json', '-o', 'o-mv5.parquet'],
    code: 3,
    names: 'cm-nofeat.json: invalid model: features must have at least 1 item',
    outputs: ['o-mv5.parquet'],
  },
  {
    name: 'export-sql: a centroid assigned to a segment that does not exist',
    args: ['export-sql', '--model', 'cm-seg7.json', '--table', 't', '--dialect', 'duckdb', '-o', 'o-mv6.sql'],
    code: 3,
    names: 'cm-seg7.json: invalid model',
    outputs: ['o-mv6.sql'],
  },
  {
    name: 'report --model: a model with a null centroid value',
    args: ['report', 'seg.parquet', '--model', 'cm-null.json', '--json', 'o-mv7.json'],
    code: 3,
    names: 'cm-null.json: invalid model',
    outputs: ['o-mv7.json'],
  },
  {
    name: 'stability: a model input with a centroid too short',
    args: ['stability', 'seg.parquet', 'cm-width.json', '--data', 'good.csv'],
    code: 3,
    names: 'cm-width.json: invalid model',
    outputs: [],
  },
  {
    name: 'cluster --baseline: a model without features',
    args: [
      'cluster',
      'good.csv',
      '--id',
      'id',
      '--k',
      '3',
      '--baseline',
      'cm-nofeat.json',
      '-o',
      'o-mv8.parquet',
    ],
    code: 3,
    names: 'cm-nofeat.json: invalid model',
    outputs: ['o-mv8.parquet'],
  },
  {
    name: 'predict score: a model whose threshold is 7',
    args: ['predict', 'score', 'good.csv', '--model', 'pm-thr7.json', '-o', 'o-mv9.parquet'],
    code: 3,
    names: 'pm-thr7.json: invalid model: threshold must be ≤ 1',
    outputs: ['o-mv9.parquet'],
  },
  {
    name: 'predict report: a model without its evaluation',
    args: ['predict', 'report', '--model', 'pm-noeval.json', '--html', 'o-mv10.html'],
    code: 3,
    names: "pm-noeval.json: invalid model: (top level) 'evaluation' is required",
    outputs: ['o-mv10.html'],
  },
  {
    name: 'predict report: a model with incomplete curves',
    args: ['predict', 'report', '--model', 'pm-nocurves.json', '--json', 'o-mv11.json'],
    code: 3,
    names: 'pm-nocurves.json: invalid model: evaluation.curves',
    outputs: ['o-mv11.json'],
  },
  {
    name: 'clean --apply: a model without hash and with malformed steps',
    args: ['clean', 'good.csv', '--apply', 'clm-steps.json', '-o', 'o-mv12.parquet'],
    code: 3,
    names: 'clm-steps.json: invalid model: steps[0].columns must be array',
    outputs: ['o-mv12.parquet'],
  },
  {
    name: 'select --apply: a model without hash and a PCA mean too short',
    args: ['select', 'good.csv', '--apply', 'slm-pca.json', '-o', 'o-mv13.parquet'],
    code: 3,
    names: 'slm-pca.json: invalid model: steps[0].mean',
    outputs: ['o-mv13.parquet'],
  },
  {
    name: 'run: a predict model as --baseline is refused before any step runs',
    files: { 'p-base.yaml': pipeline('good.csv', '      k: 2\n') },
    args: ['run', 'p-base.yaml', '--baseline', 'pm.json', '--out-dir', 'o-mv14'],
    code: 3,
    names: "pm.json: a 'segment.predict-model' file, not a segment model",
    outputs: ['o-mv14'],
  },
  {
    name: 'run: a failing step is one line, step context folded in',
    files: { 'p-fail.yaml': pipeline('good.csv', '      k: 2\n') },
    args: ['run', 'p-fail.yaml', '--set', 'steps.cluster.k=999', '--out-dir', 'o-mv15'],
    code: 3,
    names: "segment: step 'cluster': k = 999",
    outputs: ['o-mv15'],
  },
  // --- values too large, and columns without values
  {
    name: 'features: an amount of 1e308 overflows the sums',
    files: { 'ev-big.csv': 'id,ts,amount\na,2026-01-01,1e308\na,2026-01-02,1e308\nb,2026-01-03,5\n' },
    args: [
      'features',
      'ev-big.csv',
      '--id',
      'id',
      '--time',
      'ts',
      '--amount',
      'amount',
      '-o',
      'o-big1.parquet',
    ],
    code: 3,
    names: 'amount: sum overflows',
    outputs: ['o-big1.parquet'],
  },
  {
    name: 'cluster: a finite 1e308 is too large to compute distances (not "infinite")',
    files: { 'big.csv': 'x,y\n1,1\n1e308,1\n2,2\n3,1\n4,2\n' },
    args: ['cluster', 'big.csv', '--k', '2', '-o', 'o-big2.parquet'],
    code: 3,
    names: "values too large to compute distances (1e+308 in column 'x', row 2)",
    outputs: ['o-big2.parquet'],
  },
  {
    name: 'clean: z-score outliers on a finite 1e308 name the value',
    files: { 'big2.csv': 'x,y\n1,1\n1e308,1\n2,2\n3,1\n4,2\n' },
    args: ['clean', 'big2.csv', '--outliers', 'zscore', '-o', 'o-big3.parquet'],
    code: 3,
    names: "column 'x' has values too large to detect outliers (1e+308 at row 2)",
    outputs: ['o-big3.parquet'],
  },
  {
    name: 'clean: --impute median with an entirely empty column',
    files: { 'empty-col.csv': 'id,x,y\na,,1\nb,,2\nc,,3\n' },
    args: ['clean', 'empty-col.csv', '--id', 'id', '--impute', 'median', '-o', 'o-empty.parquet'],
    code: 3,
    names: "column 'x' is entirely missing: cannot impute it (median)",
    outputs: ['o-empty.parquet'],
  },
  // --- assign
  {
    name: 'assign: a predict model',
    args: ['assign', 'good.csv', '--model', 'pm.json', '-o', 'o-as1.parquet'],
    code: 3,
    names: 'pm.json',
    outputs: ['o-as1.parquet'],
  },
  {
    name: 'assign: a random JSON',
    files: { 'random2.json': '[1, 2, 3]' },
    args: ['assign', 'good.csv', '--model', 'random2.json', '-o', 'o-as2.parquet'],
    code: 3,
    names: 'random2.json',
    outputs: ['o-as2.parquet'],
  },
  {
    name: 'assign: a truncated model',
    args: ['assign', 'good.csv', '--model', 'cm-trunc.json', '-o', 'o-as3.parquet'],
    code: 3,
    names: 'cm-trunc.json',
    outputs: ['o-as3.parquet'],
  },
  {
    name: 'assign: data without a model feature',
    files: { 'no-t.csv': 'id,a,b\n1,1,2\n2,3,4\n' },
    args: ['assign', 'no-t.csv', '--model', 'cm.json', '-o', 'o-as4.parquet'],
    code: 3,
    names: 't',
    outputs: ['o-as4.parquet'],
  },
  // --- stability
  {
    name: 'stability: ragged second input',
    files: { 'ragged-stab.csv': 'id,a,segment\n1,2,0\n4,5\n' },
    args: ['stability', 'seg.parquet', 'ragged-stab.csv'],
    code: 3,
    names: 'ragged-stab.csv',
    outputs: [],
  },
  {
    name: 'stability: no segment column',
    args: ['stability', 'seg.parquet', 'good.csv'],
    code: 3,
    names: 'good.csv',
    outputs: [],
  },
  // --- predict
  {
    name: 'predict score: a cluster model',
    args: ['predict', 'score', 'good.csv', '--model', 'cm.json', '-o', 'o-ps1.parquet'],
    code: 3,
    names: 'cm.json',
    outputs: ['o-ps1.parquet'],
  },
  {
    name: 'predict train: single-class target',
    files: { 'const-target.csv': 'id,a,b,y\n1,1,2,1\n2,3,4,1\n3,5,1,1\n4,2,2,1\n' },
    args: [
      'predict',
      'train',
      'const-target.csv',
      '--id',
      'id',
      '--target',
      'y',
      '--model',
      'o-pt1.json',
      '--html',
      'o-pt1.html',
    ],
    code: 3,
    names: "'y'",
    outputs: ['o-pt1.json', 'o-pt1.html'],
  },
  {
    name: 'predict train: a forest past the memory budget',
    args: [
      '--memory-limit',
      '16KB',
      'predict',
      'train',
      'good.csv',
      '--id',
      'id',
      '--target',
      't',
      '--model',
      'o-pt2.json',
      '--html',
      'o-pt2.html',
    ],
    code: 3,
    names: 'random forest',
    outputs: ['o-pt2.json', 'o-pt2.html'],
  },
  // --- output columns the input already has, and repeated ids where rows are paired by id
  {
    name: 'cluster: the input already has a segment column',
    args: ['cluster', 'seg.parquet', '--id', 'id', '--k', '2', '-o', 'o-reseg.parquet'],
    code: 3,
    names: "'segment'",
    outputs: ['o-reseg.parquet'],
  },
  {
    name: 'assign: the input already has a segment column',
    args: ['assign', 'seg.parquet', '--model', 'cm.json', '-o', 'o-reassign.parquet'],
    code: 3,
    names: '--segment-col',
    outputs: ['o-reassign.parquet'],
  },
  {
    name: 'clean: a one-hot column the input already has',
    files: {
      'onehot-taken.csv':
        'id,a,kind,kind_x\n' +
        Array.from({ length: 20 }, (_, i) => `${i},${i},${'xy'[i % 2]},${i}`).join('\n') +
        '\n',
    },
    args: ['clean', 'onehot-taken.csv', '--id', 'id', '--encode', 'onehot', '-o', 'o-onehot.parquet'],
    code: 3,
    names: "'kind_x'",
    outputs: ['o-onehot.parquet'],
  },
  {
    name: 'clean: an outlier column the input already has',
    files: { 'outlier-taken.csv': 'id,a,outlier\n1,1,0\n2,2,0\n3,90,1\n4,3,0\n' },
    args: ['clean', 'outlier-taken.csv', '--id', 'id', '--outliers', 'iqr', '-o', 'o-outlier.parquet'],
    code: 3,
    names: '--outlier-col',
    outputs: ['o-outlier.parquet'],
  },
  {
    name: 'predict score: a probability column the input already has',
    files: { 'prob-taken.csv': 'id,a,b,t,probability\nc1,1,2,0,0.5\nc2,2,3,1,0.5\n' },
    args: ['predict', 'score', 'prob-taken.csv', '--model', 'pm.json', '-o', 'o-prob.parquet'],
    code: 3,
    names: "'probability'",
    outputs: ['o-prob.parquet'],
  },
  {
    name: 'stability: repeated ids when pairing by id',
    files: { 'dup-ids.csv': 'id,a,segment\nc1,1,0\nc2,2,1\nc1,3,0\n' },
    args: ['stability', 'dup-ids.csv', 'dup-ids.csv', '--id', 'id'],
    code: 3,
    names: "'c1' (rows 1, 3)",
    outputs: [],
  },
  // --- export-sql
  {
    name: 'export-sql: a predict model',
    args: ['export-sql', '--model', 'pm.json', '--table', 't', '--dialect', 'duckdb', '-o', 'o-sql1.sql'],
    code: 3,
    names: 'pm.json',
    outputs: ['o-sql1.sql'],
  },
  {
    name: 'export-sql: a truncated model',
    args: [
      'export-sql',
      '--model',
      'cm-trunc.json',
      '--table',
      't',
      '--dialect',
      'postgres',
      '-o',
      'o-sql3.sql',
    ],
    code: 3,
    names: 'cm-trunc.json',
    outputs: ['o-sql3.sql'],
  },
  // --- real-world exports: workbooks, encodings, locale flags, infinities
  {
    name: 'ingest: a legacy .xls workbook',
    files: { 'legacy.xls': Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]) },
    args: ['ingest', 'legacy.xls', '-o', 'o-xls.parquet'],
    code: 2,
    names: '.xls',
    outputs: ['o-xls.parquet'],
  },
  {
    name: 'ingest: a password-protected workbook',
    files: {
      'locked.xlsx': Buffer.concat([
        Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
        Buffer.alloc(504),
        Buffer.from('EncryptionInfo', 'utf16le'),
        Buffer.alloc(512),
      ]),
    },
    args: ['ingest', 'locked.xlsx', '-o', 'o-locked.parquet'],
    code: 3,
    names: 'locked.xlsx',
    outputs: ['o-locked.parquet'],
  },
  {
    name: 'ingest: a damaged workbook',
    files: { 'damaged.xlsx': Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200, 7)]) },
    args: ['ingest', 'damaged.xlsx', '-o', 'o-damaged.parquet'],
    code: 3,
    names: 'damaged.xlsx',
    outputs: ['o-damaged.parquet'],
  },
  {
    name: 'cluster: an unknown --sheet',
    args: ['cluster', 'sheets.xlsx', '--sheet', 'nope', '--k', '2', '-o', 'o-sheet.parquet'],
    code: 3,
    names: 'nope',
    outputs: ['o-sheet.parquet'],
  },
  {
    name: 'ingest: Latin-1 bytes read with --encoding utf-8',
    files: { 'latin.csv': Buffer.from('id,ville\n1,Orléans\n2,Besançon\n', 'latin1') },
    args: ['ingest', 'latin.csv', '--encoding', 'utf-8', '-o', 'o-latin.parquet'],
    code: 3,
    names: 'latin.csv',
    outputs: ['o-latin.parquet'],
  },
  {
    name: 'ingest: bytes that are neither UTF-8 nor Windows-1252',
    files: { 'garbled.csv': Buffer.from([0x69, 0x64, 0x2c, 0x61, 0x0a, 0x31, 0x2c, 0x81, 0x8d, 0x9d, 0x0a]) },
    args: ['ingest', 'garbled.csv', '-o', 'o-garbled.parquet'],
    code: 3,
    names: '--encoding',
    outputs: ['o-garbled.parquet'],
  },
  {
    name: 'ingest: an unknown --encoding',
    args: ['ingest', 'good.csv', '--encoding', 'klingon', '-o', 'o-enc.parquet'],
    code: 2,
    names: 'klingon',
    outputs: ['o-enc.parquet'],
  },
  {
    name: 'ingest: --decimal that is not . or ,',
    args: ['ingest', 'good.csv', '--decimal', ';', '-o', 'o-dec.parquet'],
    code: 2,
    names: '--decimal',
    outputs: ['o-dec.parquet'],
  },
  {
    name: "ingest: --thousands . while the decimal mark is '.'",
    args: ['ingest', 'good.csv', '--thousands', '.', '-o', 'o-th.parquet'],
    code: 2,
    names: '--thousands',
    outputs: ['o-th.parquet'],
  },
  {
    name: 'ingest: --decimal , on a comma-separated file',
    args: ['ingest', 'good.csv', '--decimal', ',', '-o', 'o-dec2.parquet'],
    code: 2,
    names: '--decimal',
    outputs: ['o-dec2.parquet'],
  },
  {
    name: 'tune: an unknown --date-format directive',
    args: ['tune', 'good.csv', '--date-format', '%d/%m/%Q', '--k', '2..3', '-o', 'o-df.json'],
    code: 2,
    names: '%Q',
    outputs: ['o-df.json'],
  },
  {
    name: 'cluster: an infinite value',
    files: { 'inf.csv': 'id,a,b\n1,1,2\n2,inf,3\n3,4,5\n4,6,1\n' },
    args: ['cluster', 'inf.csv', '--id', 'id', '--k', '2', '-o', 'o-inf.parquet'],
    code: 3,
    names: "column 'a'",
    outputs: ['o-inf.parquet'],
  },
  {
    name: 'stability: an infinite value in a drift feature',
    files: {
      'st-a.csv': 'id,a,segment\n1,1,0\n2,2,0\n3,5,1\n4,6,1\n',
      'st-b.csv': 'id,a,segment\n1,1,0\n2,inf,0\n3,5,1\n4,6,1\n',
    },
    args: ['stability', 'st-a.csv', 'st-b.csv', '--id', 'id', '--json'],
    code: 3,
    names: "st-b.csv: column 'a'",
    outputs: [],
  },
  {
    name: 'clean: an infinite value without --inf',
    files: { 'inf2.csv': 'id,a,b\n1,1,2\n2,-Infinity,3\n3,4,5\n' },
    args: ['clean', 'inf2.csv', '--id', 'id', '--impute', 'median', '-o', 'o-inf2.parquet'],
    code: 3,
    names: 'row 2',
    outputs: ['o-inf2.parquet'],
  },
];

/** True when `p` is a file, or a folder holding anything. */
function leftBehind(p: string): boolean {
  if (!existsSync(p)) return false;
  return !statSync(p).isDirectory() || readdirSync(p).length > 0;
}

describe.concurrent('bad input never crashes, never writes, and says what is wrong in one line', () => {
  it('has a corpus of at least 40 cases with distinct names and outputs', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    const outs = cases.flatMap((c) => c.outputs);
    expect(new Set(outs).size).toBe(outs.length);
  });

  it.each(cases)('$name', async (c) => {
    for (const [name, content] of Object.entries(c.files ?? {})) writeFileSync(at(name), content);
    const r = await cli(c.args);
    const lines = r.stderr.replace(/\n$/, '').split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^segment: /);
    expect(lines[0]).toContain(c.names);
    expect(r.stderr).not.toContain('    at ');
    expect(r.code, r.stderr).toBe(c.code);
    for (const o of c.outputs) expect(leftBehind(at(o)), `${o} left behind`).toBe(false);
  });
});
