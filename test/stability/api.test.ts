import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stepEnv } from '../../src/api/env.js';
import { runInspect } from '../../src/api/inspect.js';
import { runStability } from '../../src/api/stability.js';
import { UsageError } from '../../src/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'segment-api-stability-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function csv(name: string, rows: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, ['id,x,segment', ...rows].join('\n') + '\n');
  return path;
}

const a = csv('a.csv', ['1,1.5,0', '2,2.5,0', '3,7.5,1', '4,8.5,1']);
const b = csv('b.csv', ['4,8.4,1', '3,7.6,1', '2,2.4,0', '1,1.4,0']);
const swapped = csv('c.csv', ['1,1.5,1', '2,2.5,0', '3,7.5,0', '4,8.5,1']);

describe('runStability as a library function', () => {
  it('compares two segments files by id, with default gates, and returns the JSON document', async () => {
    const r = await runStability(a, b, { id: 'id', maxPsi: 'none', maxKs: 'none' }, stepEnv());
    expect(r.mode).toBe('compare');
    expect(r.pass).toBe(true);
    expect(r.failedGates).toBe('');
    expect(r.json).toMatchObject({ format: 'segment.stability', mode: 'compare', segmentColumn: 'segment' });
    if (r.mode === 'compare') expect(r.comparison.ari).toBe(1);
  });
  it('returns a failed gate instead of throwing', async () => {
    const r = await runStability(a, swapped, { maxPsi: 'none', maxKs: 'none' }, stepEnv());
    expect(r.pass).toBe(false);
    expect(r.failedGates).toMatch(/ari/);
  });
  it('refuses one input without --bootstrap', async () => {
    await expect(runStability(a, undefined, {}, stepEnv())).rejects.toThrow(UsageError);
  });
});

describe('runInspect as a library function', () => {
  it('profiles a file', async () => {
    const r = await runInspect(a, {}, stepEnv());
    expect(r.input).toBe(a);
    expect(r.rows).toBe(4);
    expect(r.profiles.map((p) => p.name)).toEqual(['id', 'x', 'segment']);
  });
});
