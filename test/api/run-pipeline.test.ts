import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandOptions, stepEnv } from '../../src/api/env.js';
import { clusterCommand, runCluster } from '../../src/api/cluster.js';
import { predictTrainParams, runPredictTrain, type PredictTrainOptions } from '../../src/api/predict.js';
import { withDefaults } from '../../src/core/params.js';
import { makeChurn } from '../predict/churn-data.js';
import { runPipeline } from '../../src/run/run-pipeline.js';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';

const tmp = tempDir('segment-run-api-');
afterAll(() => tmp.cleanup());
const example = resolve(fixtures, '../examples/blobs-dbscan.yaml');
const churnFile = join(tmp.dir, 'churn.csv');

/** A manifest without its wall-clock fields (the rest must match between two runs of the same pipeline). */
function withoutClock(text: string): unknown {
  const strip = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(strip)
      : v === null || typeof v !== 'object'
        ? v
        : Object.fromEntries(
            Object.entries(v)
              .filter(([k]) => !['seconds', 'startedAt', 'finishedAt', 'threads'].includes(k))
              .map(([k, x]) => [k, strip(x)]),
          );
  return strip(JSON.parse(text));
}

describe('runPipeline and the command functions from the library', () => {
  it('runs a pipeline without changing the working folder, publishing what segment run publishes', async () => {
    const cwd = process.cwd();
    const lib = join(tmp.dir, 'lib');
    const r = await runPipeline(example, { outDir: lib }, stepEnv({ threads: 1 }));
    expect(process.cwd()).toBe(cwd);
    if (r.dryRun) throw new Error('not a dry run');
    expect(r.manifest.outputs.map((o) => o.file)).toEqual([
      'tune.json',
      'segments.parquet',
      'model.json',
      'report.json',
      'report.html',
    ]);
    const cli = join(tmp.dir, 'cli');
    const c = await runCli(['--threads', '1', 'run', example, '--out-dir', cli]);
    expect(c.code, c.stderr).toBe(0);
    // The same steps, command lines, outputs (bytes and hashes) and metrics as the CLI's run.
    const libManifest = withoutClock(readFileSync(join(lib, 'manifest.json'), 'utf8'));
    const cliManifest = withoutClock(readFileSync(join(cli, 'manifest.json'), 'utf8'));
    expect(libManifest).toEqual(cliManifest);
    for (const f of ['segments.parquet', 'model.json', 'report.json'])
      expect(readFileSync(join(lib, f)).equals(readFileSync(join(cli, f))), f).toBe(true);
  });

  it("a cluster step's names file (relative to the pipeline file) names the model's segments", async () => {
    const dir = join(tmp.dir, 'named');
    mkdirSync(dir);
    writeFileSync(join(dir, 'names.yaml'), '0: Champions\n1: {name: At risk, description: lapsed}\n');
    const pipeline = join(dir, 'pipeline.yaml');
    writeFileSync(
      pipeline,
      [
        'version: 1',
        `source: {path: ${JSON.stringify(join(fixtures, 'blobs.csv'))}}`,
        'steps:',
        '  - step: cluster',
        '    with: {k: 3, exclude: label, names: names.yaml}',
      ].join('\n') + '\n',
    );
    const r = await runPipeline(pipeline, { outDir: join(dir, 'out') }, stepEnv({ threads: 1 }));
    if (r.dryRun) throw new Error('not a dry run');
    const model = JSON.parse(readFileSync(join(dir, 'out', 'model.json'), 'utf8')) as {
      segments: { name?: string; description?: string }[];
    };
    expect(model.segments.map((x) => [x.name ?? null, x.description ?? null])).toEqual([
      ['Champions', null],
      ['At risk', 'lapsed'],
      [expect.stringMatching(/^(High|Low) x\d/), null], // named from its profile
    ]);
    writeFileSync(join(dir, 'names.yaml'), '5: Ghosts\n');
    await expect(
      runPipeline(pipeline, { outDir: join(dir, 'out2') }, stepEnv({ threads: 1 })),
    ).rejects.toThrow(/names segment 5, which is not a segment of the model/);
  });

  it('plans without running on a dry run, and refuses a bad step value before any step runs', async () => {
    const out = join(tmp.dir, 'dry');
    const plan = await runPipeline(example, { outDir: out, dryRun: true }, stepEnv());
    expect(plan.dryRun).toBe(true);
    if (!plan.dryRun) return;
    expect(plan.steps.map((s) => s.name)).toEqual(['tune', 'cluster', 'report']);
    expect(plan.steps[1]!.command).toContain('--min-samples');
    await expect(
      runPipeline(example, { outDir: out, set: ['steps.cluster.min-samples=0'] }, stepEnv()),
    ).rejects.toThrow(/min-samples|minimum/);
  });

  it('runs a command function with defaults filled from its parameters, relative names against env.cwd', async () => {
    const env = stepEnv({ threads: 1, cwd: tmp.dir });
    const options = commandOptions(clusterCommand, {
      k: 4,
      exclude: ['label'],
      output: 'segments.csv',
      model: 'model.json',
    });
    const r = await runCluster(join(fixtures, 'blobs.csv'), options, env);
    expect(r.json.nSegments).toBe(4);
    expect(r.json.output).toBe('segments.csv');
    const lines = readFileSync(join(tmp.dir, 'segments.csv'), 'utf8').trim().split('\n');
    expect(lines.length).toBe(r.labels.length + 1);
    expect(JSON.parse(readFileSync(join(tmp.dir, 'model.json'), 'utf8')).format).toBe('segment.model');
  });

  it('leaves nothing behind when a command fails after staging a file (library callers, not only the CLI)', async () => {
    const dir = join(tmp.dir, 'staged');
    mkdirSync(dir);
    // --model is staged first; the second file's write fails (a full disk): the staged model must go too.
    const env = stepEnv({ threads: 1, cwd: dir });
    const open = env.outputs;
    env.outputs = async (inputs, outputs) => {
      const set = await open(inputs, outputs);
      const writeText = set.writeText.bind(set);
      let writes = 0;
      set.writeText = async (...args) => {
        if (++writes === 2) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        return writeText(...args);
      };
      return set;
    };
    writeFileSync(churnFile, makeChurn(200, 5).csv);
    const options = withDefaults(predictTrainParams, {
      target: 'churned',
      id: 'customer_id',
      nEstimators: 10,
      model: 'churn.json',
      reportJson: 'report.json',
    } as PredictTrainOptions);
    await expect(runPredictTrain(churnFile, options, env)).rejects.toThrow(/no space/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
