import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { stepEnv } from '../../src/api/env.js';
import { featuresCommand } from '../../src/api/features.js';
import { ingestCommand } from '../../src/api/ingest.js';
import { runPredictScore, runPredictTrain } from '../../src/api/predict.js';
import { UsageError } from '../../src/core/errors.js';
import { defaultSegmentRulesYaml } from '../../src/features/default-rfm-rules.js';
import { tempDir } from '../helpers/cli.js';
import { makeChurn } from '../predict/churn-data.js';

const tmp = tempDir('segment-api-');
afterAll(() => tmp.cleanup());
const at = (name: string): string => join(tmp.dir, name);
const fixture = (name: string): string => new URL(`../../fixtures/${name}`, import.meta.url).pathname;

/** A library environment whose stdout is collected (nothing may be written there without `-o -`). */
function env(given?: string[]): { env: ReturnType<typeof stepEnv>; stdout: () => string } {
  let text = '';
  const stdout = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return {
    env: stepEnv({ threads: 1, stdout, ...(given ? { given: new Set(given) } : {}) }),
    stdout: () => text,
  };
}

describe('library functions of ingest, features and predict', () => {
  it('ingestCommand reads a file and writes it; the summary is the result; no input without --db is refused', async () => {
    const e = env();
    const r = await ingestCommand.run(fixture('customers.csv'), { output: at('c.parquet') }, e.env);
    expect(existsSync(at('c.parquet'))).toBe(true);
    expect(r.json.rows).toBe(r.dataset.nRows);
    expect(r.json.columns.map((c) => c.name)).toContain('customer_id');
    expect(e.stdout()).toBe('');
    await expect(ingestCommand.run(undefined, { output: at('x.parquet') }, e.env)).rejects.toThrow(
      /ingest needs an input/,
    );
  });

  it('featuresCommand computes features with the parameter defaults, or returns the built-in rules as text', async () => {
    const e = env();
    const r = await featuresCommand.run(
      fixture('events.csv'),
      { id: 'customer_id', time: 'ts', amount: 'amount', event: 'event', output: at('f.parquet') },
      e.env,
    );
    expect(r.kind).toBe('features');
    if (r.kind !== 'features') return;
    expect(r.summary.customers).toBeGreaterThan(0);
    expect(r.json.output).toBe(at('f.parquet'));
    expect(existsSync(at('f.parquet'))).toBe(true);
    const rules = await featuresCommand.run(undefined, { printRfmRules: true }, e.env);
    expect(rules).toEqual({ kind: 'text', text: defaultSegmentRulesYaml });
    expect(e.stdout()).toBe('');
  });

  it('runPredictTrain then runPredictScore; a flag given for the other algorithm is refused', async () => {
    writeFileSync(at('churn.csv'), makeChurn(300, 21).csv);
    const e = env();
    const t = await runPredictTrain(
      at('churn.csv'),
      { target: 'churned', id: 'customer_id', nEstimators: 20, model: at('m.json') },
      e.env,
    );
    expect(t.model.algorithm).toBe('rf');
    expect((t.json.evaluation as { rows: number }).rows).toBeGreaterThan(0);
    const s = await runPredictScore(at('churn.csv'), { model: at('m.json'), output: at('s.csv') }, e.env);
    expect(s.json.rows).toBe(300);
    expect(s.tierSizes.reduce((a, b) => a + b, 0)).toBe(300);
    expect(e.stdout()).toBe('');
    const given = env(['C']);
    await expect(
      runPredictTrain(at('churn.csv'), { target: 'churned', C: 2, json: true }, given.env),
    ).rejects.toThrow(UsageError);
  });
});
