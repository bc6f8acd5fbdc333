import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pipelineSchema, stepFlags, stepKinds } from '../../src/run/steps.js';
import { UsageError } from '../../src/core/errors.js';
import { applyOverride, canonicalJson, loadPipeline, pointerPath } from '../../src/run/pipeline.js';

const schema = pipelineSchema();
const dir = mkdtempSync(join(tmpdir(), 'segment-pipeline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const valid = `version: 1
source:
  path: data.csv
steps:
  - step: clean
    with: {impute: median, scale: zscore}
  - step: tune
    with: {k: 2..6}
  - step: cluster
    with:
      k: 4
      n-init: 3
  - step: report
`;

async function failure(text: string, overrides: string[] = []): Promise<string> {
  try {
    await loadPipeline(file('p.yaml', text), schema, overrides);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected the pipeline to be refused');
}

describe('pipeline schema', () => {
  it('is the published schemas/pipeline.schema.json (regenerate with npm run schema)', () => {
    const published = JSON.parse(
      readFileSync(new URL('../../schemas/pipeline.schema.json', import.meta.url), 'utf8'),
    ) as unknown;
    expect(published).toEqual(schema);
  });

  it("takes each step's flags from its command, without the ones run manages", () => {
    const cluster = stepFlags('cluster').map((f) => f.key);
    expect(cluster).toEqual(expect.arrayContaining(['algo', 'k', 'n-init', 'eps', 'min-samples', 'id']));
    expect(cluster).not.toContain('output');
    expect(cluster).not.toContain('model');
    expect(cluster).not.toContain('json');
    expect(cluster).not.toContain('format');
    for (const kind of stepKinds) expect(stepFlags(kind).length).toBeGreaterThan(2);
    const k = stepFlags('cluster').find((f) => f.key === 'k')!;
    expect(k.schema).toEqual({ type: 'integer', minimum: 1 });
  });

  it('accepts every shipped example', async () => {
    const dir = new URL('../../examples/', import.meta.url).pathname;
    const names = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(names.length).toBeGreaterThanOrEqual(4);
    for (const name of names) {
      const path = join(dir, name);
      const { pipeline, configHash } = await loadPipeline(path, schema);
      expect(pipeline.steps.length).toBeGreaterThan(1);
      expect(configHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
  });
});

describe('loadPipeline errors name the line and the path', () => {
  it('a value out of range', async () => {
    expect(await failure(valid.replace('k: 4', 'k: 0'))).toMatch(
      /p\.yaml:11: steps\[2\]\.with\.k: must be ≥ 1$/,
    );
    expect(await failure(valid.replace('n-init: 3', 'n-init: 0'))).toMatch(
      /p\.yaml:12: steps\[2\]\.with\.n-init: must be ≥ 1$/,
    );
  });

  it('an unknown flag, with the known ones as hint', async () => {
    try {
      await loadPipeline(file('p.yaml', valid.replace('n-init: 3', 'n-inti: 3')), schema);
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toMatch(/steps\[2\]\.with: unknown key 'n-inti'$/);
      expect((e as UsageError).hint).toMatch(/known keys: .*n-init/);
    }
  });

  it('an unknown step kind, a bad choice, a wrong type, a missing section', async () => {
    expect(await failure(valid.replace('step: report', 'step: reprot'))).toMatch(
      /steps\[3\]\.step: must be one of "features", "clean"/,
    );
    expect(await failure(valid.replace('scale: zscore', 'scale: zscor'))).toMatch(
      /steps\[0\]\.with\.scale: must be one of "zscore"/,
    );
    expect(await failure(valid.replace('k: 4', 'k: four'))).toMatch(
      /steps\[2\]\.with\.k: has the wrong type/,
    );
    expect(await failure('version: 1\nsteps:\n  - step: clean\n')).toMatch(
      /\(top level\): 'source' is required/,
    );
    expect(await failure(valid.replace('version: 1', 'version: 2'))).toMatch(/version: must be 1/);
  });

  it('invalid YAML with line and column', async () => {
    expect(await failure('version: 1\nsource: [\n')).toMatch(/p\.yaml:\d+:\d+: invalid YAML/);
    expect(await failure('version: 1\nversion: 1\n')).toMatch(/invalid YAML/);
    expect(await failure('- a\n- b\n')).toMatch(/a pipeline is a YAML mapping/);
  });

  it('sources: exactly one of path and sql; sql needs db.env; literal urls are refused', async () => {
    expect(await failure(valid.replace('  path: data.csv', '  path: a.csv\n  sql: SELECT 1'))).toMatch(
      /source: give one of 'path'/,
    );
    expect(await failure(valid.replace('  path: data.csv', '  sql: SELECT 1'))).toMatch(
      /source\.db: a SQL source/,
    );
    expect(
      await failure(valid.replace('  path: data.csv', '  sql: SELECT 1\n  db: postgres://u:secret@h/db')),
    ).toMatch(/source\.db: must be object/);
  });

  it('duplicate step names', async () => {
    expect(
      await failure(valid.replace('  - step: report\n', '  - step: report\n  - step: report\n')),
    ).toMatch(/steps\[4\]: a second step named 'report' \(steps\[3\] has it\)/);
  });

  it('a missing file', async () => {
    await expect(loadPipeline(join(dir, 'nope.yaml'), schema)).rejects.toThrow(/pipeline file not found/);
  });
});

describe('--set overrides', () => {
  it('sets a step flag by step name, a nested key and the seed, typed as YAML', async () => {
    const { pipeline } = await loadPipeline(file('p.yaml', valid), schema, [
      'steps.cluster.k=6',
      'steps.tune.with.k=2..9',
      'seed=7',
      'outputs.dir=out',
      'steps.clean.exclude=[a, b]',
    ]);
    expect(pipeline.steps[2]!.with!.k).toBe(6);
    expect(pipeline.steps[1]!.with!.k).toBe('2..9');
    expect(pipeline.seed).toBe(7);
    expect(pipeline.outputs).toEqual({ dir: 'out' });
    expect(pipeline.steps[0]!.with!.exclude).toEqual(['a', 'b']);
  });

  it('an override is validated like the file (no line: the value came from --set)', async () => {
    expect(await failure(valid, ['steps.cluster.k=0'])).toMatch(/^\S+p\.yaml: steps\[2\]\.with\.k: /);
  });

  it('refuses unknown steps and malformed assignments', () => {
    const doc = { steps: [{ step: 'cluster' }] };
    expect(() => applyOverride(doc, 'steps.clustr.k=3')).toThrow(/no step named 'clustr'.*/);
    expect(() => applyOverride(doc, 'k')).toThrow(/expects key=value/);
    expect(() => applyOverride(doc, 'steps.cluster=3')).toThrow(/name a step and a flag/);
    expect(() => applyOverride(doc, '__proto__.x=1')).toThrow(/not a valid key path/);
  });
});

describe('helpers', () => {
  it('pointerPath', () => {
    expect(pointerPath('/steps/3/with/k')).toBe('steps[3].with.k');
    expect(pointerPath('')).toBe('');
    expect(pointerPath('/source/db/env')).toBe('source.db.env');
  });

  it('canonicalJson sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
  });
});
