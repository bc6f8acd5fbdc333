import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';

const examples = resolve(fixtures, '../examples');
const nightly = join(examples, 'customers-nightly.yaml');
const tmp = tempDir('segment-run-');
afterAll(() => tmp.cleanup());

function sha(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
function json<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
async function labels(path: string): Promise<string[]> {
  const r = await runCli(['ingest', path, '-o', '-']);
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.trim().split('\n');
  const col = lines[0]!.split(',').indexOf('segment');
  return lines.slice(1).map((l) => l.split(',')[col]!);
}

/** A pipeline file in the temp folder reading fixtures by absolute path. */
function pipeline(name: string, text: string): string {
  const p = join(tmp.dir, name);
  writeFileSync(p, text.replace(/FIXTURES/g, fixtures));
  return p;
}

const small = `version: 1
name: small
id: customer_id
source:
  path: FIXTURES/customers.csv
steps:
  - step: clean
    with: {features: [age, income, spend, visits], impute: median, scale: zscore}
  - step: cluster
    with: {k: 3, n-init: 2}
  - step: report
`;

describe('segment run', () => {
  const out = join(tmp.dir, 'nightly');

  it('runs the nightly example: stable outputs, a manifest with hashes, a model bundle', async () => {
    const r = await runCli(['run', nightly, '--out-dir', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      'clean.parquet',
      'features.parquet',
      'manifest.json',
      'model.json',
      'report.html',
      'report.json',
      'segments.parquet',
      'tune.json',
    ]);
    const m = json<{
      format: string;
      toolVersion: string;
      seed: number;
      pipeline: { configHash: string };
      inputs: { role: string; path: string; sha256: string }[];
      outputs: { file: string; sha256: string; bytes: number }[];
      steps: { name: string; command: string[]; seconds: number }[];
      metrics: {
        rows: number;
        segments: { size: number }[];
        noise: number;
        modelHash: string;
        indices: { silhouette: number };
      };
    }>(join(out, 'manifest.json'));
    expect(JSON.parse(r.stdout)).toEqual(m);
    expect(m.format).toBe('segment.run-manifest');
    expect(m.seed).toBe(42);
    expect(m.pipeline.configHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(m.steps.map((s) => s.name)).toEqual(['features', 'clean', 'tune', 'cluster', 'report']);
    // the tune step's recommendation reached the cluster command line
    const tuneK = json<{ recommendation: { params: { k: number } } }>(join(out, 'tune.json')).recommendation
      .params.k;
    expect(m.steps[3]!.command).toContain('--k');
    expect(m.steps[3]!.command[m.steps[3]!.command.indexOf('--k') + 1]).toBe(String(tuneK));
    for (const o of m.outputs) expect(sha(join(out, o.file)), o.file).toBe(o.sha256);
    const source = m.inputs.find((i) => i.role === 'source')!;
    expect(source.sha256).toBe(sha(join(fixtures, 'events.csv')));
    expect(m.metrics.rows).toBe(600);
    expect(m.metrics.segments).toHaveLength(tuneK);
    expect(m.metrics.segments.reduce((a, s) => a + s.size, 0) + m.metrics.noise).toBe(600);
    expect(m.metrics.indices.silhouette).toBeGreaterThan(0.3);
    const model = json<{
      version: number;
      hash: string;
      chain: { stage: string }[];
      inputSchema: { name: string }[];
    }>(join(out, 'model.json'));
    expect(model.version).toBe(2);
    expect(model.hash).toBe(m.metrics.modelHash);
    expect(model.chain.map((c) => c.stage)).toEqual(['clean']);
    expect(model.inputSchema.map((c) => c.name)).toEqual([
      'recency_days',
      'tenure_days',
      'sessions',
      'mean_session_minutes',
      'monetary',
    ]);
    expect(existsSync(join(out, '.segment-run.lock'))).toBe(false);
    expect(existsSync(join(out, '.segment-staging'))).toBe(false);
  });

  it('assign on the raw features with the bundle equals the run labels row for row', async () => {
    const scored = join(tmp.dir, 'scored.parquet');
    const r = await runCli([
      'assign',
      join(out, 'features.parquet'),
      '--model',
      join(out, 'model.json'),
      '-o',
      scored,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).replayed).toEqual(['clean']);
    expect(await labels(scored)).toEqual(await labels(join(out, 'segments.parquet')));
  });

  it('the same chain run as separate commands writes the same model bytes', async () => {
    const dir = join(tmp.dir, 'manual');
    const m = json<{ steps: { command: string[] }[] }>(join(out, 'manifest.json'));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    for (const s of m.steps) {
      const r = await runCli(s.command.slice(1), { cwd: dir });
      expect(r.code, `${s.command.join(' ')}\n${r.stderr}`).toBe(0);
    }
    expect(sha(join(dir, 'model.json'))).toBe(sha(join(out, 'model.json')));
    expect(sha(join(dir, 'segments.parquet'))).toBe(sha(join(out, 'segments.parquet')));
  });

  it('is deterministic whatever --threads: every output but the manifest byte-identical', async () => {
    const a = join(tmp.dir, 't1');
    const b = join(tmp.dir, 't2');
    expect((await runCli(['--threads', '1', 'run', nightly, '--out-dir', a, '-q'])).code).toBe(0);
    expect((await runCli(['--threads', '2', 'run', nightly, '--out-dir', b, '-q'])).code).toBe(0);
    for (const f of [
      'segments.parquet',
      'model.json',
      'clean.parquet',
      'features.parquet',
      'tune.json',
      'report.json',
      'report.html',
    ])
      expect(sha(join(a, f)), f).toBe(sha(join(b, f)));
    // the manifest differs only by what it records about the run itself: thread count and wall-clock fields
    const manifest = (p: string): unknown =>
      JSON.parse(readFileSync(join(p, 'manifest.json'), 'utf8'), (k, v: unknown) =>
        ['threads', 'seconds', 'startedAt', 'finishedAt'].includes(k) ? undefined : v,
      );
    expect(manifest(a)).toEqual(manifest(b));
    expect(sha(join(a, 'model.json'))).toBe(sha(join(out, 'model.json')));
  });

  it('--set overrides a step flag; --dry-run prints the plan and writes nothing', async () => {
    const dry = join(tmp.dir, 'dry');
    const r = await runCli([
      'run',
      nightly,
      '--out-dir',
      dry,
      '--set',
      'steps.cluster.k=3',
      '--dry-run',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as { steps: { name: string; command: string[] }[]; outDir: string };
    expect(plan.outDir).toBe(dry);
    const cluster = plan.steps.find((s) => s.name === 'cluster')!.command;
    expect(cluster[cluster.indexOf('--k') + 1]).toBe('3');
    expect(existsSync(dry)).toBe(false);
    const text = await runCli(['run', nightly, '--out-dir', dry, '--dry-run']);
    expect(text.stdout).toMatch(/^4\. cluster: segment cluster clean\.parquet .* --k tuned$/m);
    const run = await runCli([
      'run',
      pipeline('small.yaml', small),
      '--out-dir',
      join(tmp.dir, 'k4'),
      '--set',
      'steps.cluster.k=4',
      '-q',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(json<{ segments: unknown[] }>(join(tmp.dir, 'k4', 'model.json')).segments).toHaveLength(4);
  });

  it('--baseline keeps segment numbers across nights; stability gates the two run folders', async () => {
    const night2 = join(tmp.dir, 'night2');
    const r = await runCli([
      'run',
      nightly,
      '--out-dir',
      night2,
      '--baseline',
      join(out, 'model.json'),
      '--set',
      'seed=7',
      '--set',
      'steps.cluster.k=5',
      '-q',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const m = json<{
      identity: {
        method: string;
        matched: { segment: number; baseline: number; jaccard: number }[];
        vanished: unknown[];
      };
      inputs: { role: string }[];
      steps: { name: string; command: string[] }[];
    }>(join(night2, 'manifest.json'));
    expect(m.inputs.map((i) => i.role)).toContain('baseline');
    expect(m.steps.find((s) => s.name === 'cluster')!.command).toContain('--baseline-input');
    expect(m.identity.method).toBe('members');
    for (const x of m.identity.matched) expect(x.segment).toBe(x.baseline);
    const baselineK = json<{ segments: unknown[] }>(join(out, 'model.json')).segments.length;
    expect(m.identity.vanished).toHaveLength(baselineK - 5);
    const gate = await runCli([
      'stability',
      out,
      night2,
      '--id',
      'customer_id',
      '--min-jaccard',
      'none',
      '--json',
    ]);
    expect(gate.code, gate.stderr).toBe(0);
    expect(JSON.parse(gate.stdout).ari).toBeGreaterThan(0.8);
    const strict = await runCli(['stability', out, night2, '--id', 'customer_id']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/vanished/);
  });

  it('outputs.intermediates: false publishes only the results', async () => {
    const dir = join(tmp.dir, 'lean');
    const r = await runCli([
      'run',
      pipeline('lean.yaml', small + 'outputs: {intermediates: false}\n'),
      '--out-dir',
      dir,
      '-q',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([
      'manifest.json',
      'model.json',
      'report.html',
      'report.json',
      'segments.parquet',
    ]);
  });
});

describe('segment run: sources read with options, rows dropped by cleaning, stale outputs', () => {
  it('a TSV source with format and sample is ingested once, so tune and cluster read the same rows', async () => {
    const tsv = join(tmp.dir, 'blobs.dat');
    writeFileSync(tsv, readFileSync(join(fixtures, 'blobs.csv'), 'utf8').replace(/,/g, '\t'));
    const p = pipeline(
      'tsv.yaml',
      `version: 1
source: {path: ${tsv}, format: tsv, sample: 300}
steps:
  - step: tune
    with: {exclude: [label], k: 2..5}
  - step: cluster
    with: {exclude: [label], k: tuned}
`,
    );
    const out = join(tmp.dir, 'tsv');
    const r = await runCli(['run', p, '--out-dir', out, '-q']);
    expect(r.code, r.stderr).toBe(0);
    const m = json<{
      steps: { name: string; command: string[] }[];
      inputs: { role: string; path: string }[];
    }>(join(out, 'manifest.json'));
    expect(m.steps.map((s) => s.name)).toEqual(['source', 'tune', 'cluster']);
    expect(m.steps[0]!.command).toEqual([
      'segment',
      'ingest',
      tsv,
      '--format',
      'tsv',
      '--sample',
      '300',
      '-o',
      'source.parquet',
    ]);
    expect(m.steps[1]!.command[2]).toBe('source.parquet');
    expect(m.steps[2]!.command[2]).toBe('source.parquet');
    expect(m.inputs.find((i) => i.role === 'source')!.path).toBe(tsv);
    expect(json<{ nRows: number }>(join(out, 'model.json')).nRows).toBe(300);
  });

  it('a tuned min-cluster-size: cluster fits the HDBSCAN candidate tune recommends', async () => {
    const p = pipeline(
      'hdbscan.yaml',
      `version: 1
source: {path: ${join(fixtures, 'density2d.csv')}}
steps:
  - step: tune
    with: {algo: hdbscan, min-cluster-size: 10..30:10}
  - step: cluster
    with: {algo: hdbscan, min-cluster-size: tuned}
`,
    );
    const out = join(tmp.dir, 'hdbscan-run');
    const r = await runCli(['run', p, '--out-dir', out, '-q']);
    expect(r.code, r.stderr).toBe(0);
    const t = json<{ recommendation: { params: { minClusterSize: number } } }>(join(out, 'tune.json'));
    const m = json<{ algorithm: string; minClusterSize: number }>(join(out, 'model.json'));
    expect(m.algorithm).toBe('hdbscan');
    expect(m.minClusterSize).toBe(t.recommendation.params.minClusterSize);
  });

  it('--baseline pairs rows by id when cleaning dropped rows since the raw input', async () => {
    const a = join(tmp.dir, 'drop1');
    const b = join(tmp.dir, 'drop2');
    const drop = ['--set', 'steps.clean.outliers=iqr', '--set', 'steps.clean.outlier-action=drop'];
    expect((await runCli(['run', nightly, '--out-dir', a, '-q', ...drop])).code).toBe(0);
    const r = await runCli([
      'run',
      nightly,
      '--out-dir',
      b,
      '--baseline',
      join(a, 'model.json'),
      ...drop,
      '--set',
      'seed=3',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const id = json<{ identity: { method: string; matched: { segment: number; baseline: number }[] } }>(
      join(b, 'manifest.json'),
    ).identity;
    expect(id.method).toBe('members');
    expect(id.matched.length).toBeGreaterThan(0);
    for (const x of id.matched) expect(x.segment).toBe(x.baseline);
  });

  it('files of the previous run that this run does not write are removed', async () => {
    const out = join(tmp.dir, 'stale');
    expect((await runCli(['run', pipeline('s1.yaml', small), '--out-dir', out, '-q'])).code).toBe(0);
    expect(existsSync(join(out, 'clean.parquet'))).toBe(true);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const lean = pipeline('s2.yaml', small + 'outputs: {intermediates: false}\n');
    expect((await runCli(['run', lean, '--out-dir', out, '-q'])).code).toBe(0);
    expect(existsSync(join(out, 'clean.parquet'))).toBe(false);
    expect(existsSync(join(out, 'notes.txt'))).toBe(true);
  });

  it('--set outputs.dir keeps a number-like folder name as text', async () => {
    const p = pipeline('dated.yaml', small);
    const r = await runCli(['run', p, '--set', 'outputs.dir=20261123', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(tmp.dir, '20261123', 'manifest.json'))).toBe(true);
  });
});

describe('segment run refuses bad pipelines with one line, and writes nothing', () => {
  const cases: [string, string, string[], number, RegExp][] = [
    [
      'a value out of range',
      small.replace('k: 3', 'k: 0'),
      [],
      2,
      /lean|small|bad\.yaml:10: steps\[1\]\.with\.k: must be ≥ 1/,
    ],
    [
      'an unknown flag',
      small.replace('n-init: 2', 'n-inti: 2'),
      [],
      2,
      /steps\[1\]\.with: unknown key 'n-inti' \(hint: known keys: /,
    ],
    ['invalid YAML', 'version: 1\nsteps: [\n', [], 2, /bad\.yaml:\d+:\d+: invalid YAML/],
    [
      'a missing source',
      small.replace('customers.csv', 'nope.csv'),
      [],
      3,
      /nope\.csv: source file not found/,
    ],
    [
      'a missing secret',
      small.replace(
        '  path: FIXTURES/customers.csv',
        '  sql: SELECT * FROM customers\n  db: {env: SEGMENT_TEST_UNSET_DB}',
      ),
      [],
      2,
      /source\.db: environment variable SEGMENT_TEST_UNSET_DB is not set/,
    ],
    [
      'report before cluster',
      small.replace('  - step: report\n', '').replace('  - step: clean', '  - step: report\n  - step: clean'),
      [],
      2,
      /steps\[0\]: report needs a cluster step before it/,
    ],
    ['tuned without tune', small.replace('k: 3', 'k: tuned'), [], 2, /'tuned' needs a tune step/],
    ['a bad --set', small, ['steps.clustr.k=3'], 2, /--set steps\.clustr\.k: no step named 'clustr'/],
    [
      'a value the command refuses',
      small.replace('impute: median', 'impute: medain'),
      [],
      2,
      /step 'clean': --impute: unknown strategy 'medain'/,
    ],
    ['a missing baseline', small, ['--baseline', '/nonexistent/model.json'], 3, /baseline model not found/],
    [
      'a bad eps, refused before any step',
      small.replace('k: 3, n-init: 2', 'algo: dbscan, eps: abc'),
      [],
      2,
      /bad\.yaml:10: steps\[1\]\.with\.eps: has the wrong type or value \(hint: expected a number > 0, or 'auto', or 'tuned'\)/,
    ],
    [
      'a bad tune grid, refused before any step',
      small.replace('  - step: cluster', '  - step: tune\n    with: {k: 2..x}\n  - step: cluster'),
      [],
      2,
      /step 'tune': .*--k/,
    ],
    [
      'a data step named like an output',
      small.replace('  - step: clean', '  - step: clean\n    name: segments'),
      [],
      2,
      /the name 'segments' is taken by an output/,
    ],
    [
      'two tune steps',
      small.replace(
        '  - step: cluster',
        '  - step: tune\n  - step: tune\n    name: tune2\n  - step: cluster',
      ),
      [],
      2,
      /one tune step per pipeline/,
    ],
  ];
  for (const [what, text, extra, code, message] of cases) {
    it(what, async () => {
      const out = join(tmp.dir, `bad-${what.replace(/\W+/g, '-')}`);
      const args = extra[0]?.startsWith('--') ? extra : extra.flatMap((s) => ['--set', s]);
      const r = await runCli(['run', pipeline('bad.yaml', text), '--out-dir', out, ...args]);
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('an output folder that cannot be created exits 3', async () => {
    const r = await runCli([
      'run',
      pipeline('ok.yaml', small),
      '--out-dir',
      join(fixtures, 'blobs.csv', 'x'),
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot create the output folder \(ENOTDIR\)/);
  });

  it('a step that fails mid-run leaves the previous outputs untouched and no staging or lock', async () => {
    const out = join(tmp.dir, 'midrun');
    expect((await runCli(['run', pipeline('ok.yaml', small), '--out-dir', out, '-q'])).code).toBe(0);
    const before = sha(join(out, 'model.json'));
    const r = await runCli([
      'run',
      pipeline('ok.yaml', small),
      '--out-dir',
      out,
      '--set',
      'steps.cluster.k=100000',
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^segment: step 'cluster': /m);
    expect(sha(join(out, 'model.json'))).toBe(before);
    expect(readdirSync(out).sort()).toEqual([
      'clean.parquet',
      'manifest.json',
      'model.json',
      'report.html',
      'report.json',
      'segments.parquet',
    ]);
  });

  it('the next run finishes the publication of a run killed half-way through it, then goes on', async () => {
    const yaml = pipeline('ok.yaml', small);
    const pub = join(tmp.dir, 'publish');
    const next = join(tmp.dir, 'publish-next');
    expect((await runCli(['run', yaml, '--out-dir', pub, '-q'])).code).toBe(0);
    expect((await runCli(['run', yaml, '--out-dir', next, '--set', 'steps.cluster.k=4', '-q'])).code).toBe(0);
    const files = readdirSync(next).sort();
    // The state a kill during publication leaves: two files already moved, the rest and the journal in staging.
    const staging = join(pub, '.segment-staging');
    mkdirSync(staging);
    for (const f of files)
      copyFileSync(join(next, f), join(['model.json', 'clean.parquet'].includes(f) ? pub : staging, f));
    const journal = {
      format: 'segment.publish',
      remove: [],
      move: [...files.filter((f) => f !== 'manifest.json'), 'manifest.json'],
    };
    writeFileSync(join(staging, '.publish.json'), JSON.stringify(journal));
    // mixed on purpose: the new model beside the previous run's segments
    expect(sha(join(pub, 'model.json'))).toBe(sha(join(next, 'model.json')));
    expect(sha(join(pub, 'segments.parquet'))).not.toBe(sha(join(next, 'segments.parquet')));

    // A run whose cluster step fails: it first completes the interrupted publication, then leaves that state alone.
    const r = await runCli(['run', yaml, '--out-dir', pub, '--set', 'steps.cluster.k=100000']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^warning: finished publishing the outputs of an interrupted run in /m);
    expect(readdirSync(pub).sort()).toEqual(files);
    for (const f of files) expect(sha(join(pub, f)), f).toBe(sha(join(next, f)));

    // A damaged journal stops the run before anything is touched.
    mkdirSync(staging);
    writeFileSync(join(staging, '.publish.json'), '{"format":"segment.publish","remove":["../x"],"move":[]}');
    const bad = await runCli(['run', yaml, '--out-dir', pub]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(
      /^segment: .*\.publish\.json: an interrupted run's publication journal is damaged/,
    );
    for (const f of files) expect(sha(join(pub, f)), f).toBe(sha(join(next, f)));
  });

  it('a live lock keeps a second run out (exit 3); a stale one is taken over', async () => {
    const out = join(tmp.dir, 'locked');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(out);
    const { hostname } = await import('node:os');
    writeFileSync(
      join(out, '.segment-run.lock'),
      JSON.stringify({ pid: process.pid, host: hostname(), started: 'now' }),
    );
    const r = await runCli(['run', pipeline('ok.yaml', small), '--out-dir', out]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/another run holds this output folder \(pid \d+/);
    expect(readdirSync(out)).toEqual(['.segment-run.lock']);
    writeFileSync(
      join(out, '.segment-run.lock'),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), started: 'then' }),
    );
    const again = await runCli(['run', pipeline('ok.yaml', small), '--out-dir', out]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/taking over a stale lock/);
    expect(existsSync(join(out, '.segment-run.lock'))).toBe(false);
  });
});

describe('model bundle checks', () => {
  const out = join(tmp.dir, 'bundle');

  it('refuses an edited model, a newer version and data missing a column the model needs', async () => {
    expect((await runCli(['run', pipeline('ok.yaml', small), '--out-dir', out, '-q'])).code).toBe(0);
    const model = readFileSync(join(out, 'model.json'), 'utf8');
    const edited = join(tmp.dir, 'edited.json');
    writeFileSync(
      edited,
      model.replace(/"nRows":(\d+)/, (_m, n: string) => `"nRows":${Number(n) + 1}`),
    );
    expect(readFileSync(edited, 'utf8')).not.toBe(model);
    let r = await runCli(['assign', join(fixtures, 'customers.csv'), '--model', edited, '--json']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/edited\.json: content hash does not match/);
    const newer = join(tmp.dir, 'newer.json');
    writeFileSync(newer, model.replace('"version":2', '"version":99'));
    r = await runCli(['assign', join(fixtures, 'customers.csv'), '--model', newer, '--json']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/model version 99 is newer than this segment understands/);
    const partial = join(tmp.dir, 'partial.csv');
    writeFileSync(partial, 'customer_id,age,income\nA,30,50000\n');
    const scored = join(tmp.dir, 'partial-scored.parquet');
    r = await runCli(['assign', partial, '--model', join(out, 'model.json'), '-o', scored]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/partial\.csv: missing column\(s\) the model needs: spend, visits/);
    expect(existsSync(scored)).toBe(false);
    const text = join(tmp.dir, 'text.csv');
    writeFileSync(text, 'customer_id,age,income,spend,visits\nA,30,50000,lots,2\nB,40,60000,many,3\n');
    r = await runCli(['assign', text, '--model', join(out, 'model.json'), '--json']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/column 'spend' is text but the model needs numbers/);
  });
});
