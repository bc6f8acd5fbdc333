import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanModelSchema } from '../../src/clean/clean-model.js';
import { clusterModelSchema } from '../../src/cluster/cluster-model.js';
import { compileSchema } from '../../src/core/json-schema.js';
import { predictModelSchema } from '../../src/predict/predict-model.js';
import { selectModelSchema } from '../../src/select/select-model.js';
import { fixtures, runCli } from '../helpers/cli.js';

// docs/formats.md links these files as the schemas of the saved models: they must be the ones the loaders check.
const published = (name: string): object =>
  JSON.parse(readFileSync(new URL(`../../schemas/${name}`, import.meta.url), 'utf8')) as object;

const dir = mkdtempSync(join(tmpdir(), 'segment-schemas-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('published model schemas (regenerate with npm run schema)', () => {
  it.each([
    ['model.schema.json', clusterModelSchema],
    ['clean-model.schema.json', cleanModelSchema],
    ['select-model.schema.json', selectModelSchema],
    ['predict-model.schema.json', predictModelSchema],
  ])('schemas/%s is the schema its loader checks', (file, schema) => {
    expect(published(file)).toEqual(schema);
  });

  it('a clean model and a clustering model written by the CLI validate against them', async () => {
    const clean = await runCli([
      'clean',
      join(fixtures, 'blobs.csv'),
      '--exclude',
      'label',
      '--scale',
      'zscore',
      '-o',
      join(dir, 'clean.parquet'),
      '--model',
      join(dir, 'clean.json'),
    ]);
    expect(clean.code, clean.stderr).toBe(0);
    const cluster = await runCli([
      'cluster',
      join(dir, 'clean.parquet'),
      '--exclude',
      'label',
      '--k',
      '4',
      '-o',
      join(dir, 'segments.parquet'),
      '--model',
      join(dir, 'model.json'),
    ]);
    expect(cluster.code, cluster.stderr).toBe(0);
    for (const [file, schema] of [
      ['clean.json', 'clean-model.schema.json'],
      ['model.json', 'model.schema.json'],
    ] as const) {
      const validate = compileSchema(published(schema), true);
      const ok = validate(JSON.parse(readFileSync(join(dir, file), 'utf8')));
      expect(ok, JSON.stringify(validate.errors)).toBe(true);
    }
  });
});
