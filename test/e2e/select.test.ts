import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';

const tmp = tempDir('segment-select-');
afterAll(() => tmp.cleanup());

/**
 * 500 customers: `tier` (text) depends on x1 + x4; x0 = 0.5·x1 + small noise (correlated, lower variance);
 * `flat` is constant; x2, x3, x5 are noise.
 */
function writeCustomers(path: string, n = 500): string {
  let s = 99;
  const u = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  const lines = ['id,x0,x1,x2,x3,x4,x5,flat,tier,city'];
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: 6 }, u);
    x[0] = 0.5 * x[1]! + 0.01 * u();
    const t = x[1]! + x[4]!;
    const tier = t < 0.8 ? 'bronze' : t < 1.2 ? 'silver' : 'gold';
    lines.push(
      [`C${1000 + i}`, ...x.map((v) => v.toFixed(6)), '7', tier, i % 3 ? 'Lyon' : 'Paris'].join(','),
    );
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const data = writeCustomers(join(tmp.dir, 'customers.csv'));

/** True when a model file's `hash` is the SHA-256 of its JSON without that field. */
function hashVerifies(text: string): boolean {
  const { hash, ...rest } = JSON.parse(text) as { hash?: string };
  return hash === 'sha256:' + createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}

function header(text: string): string[] {
  return text.split('\n')[0]!.split(',');
}

describe('segment select (built CLI)', () => {
  it('filters + PCA: reports what was dropped and why; --apply on the training input reproduces the output byte for byte', async () => {
    const out = join(tmp.dir, 'reduced.csv');
    const model = join(tmp.dir, 'select.json');
    const r = await runCli([
      'select',
      data,
      '--id',
      'id',
      '--variance-threshold',
      '0',
      '--max-corr',
      '0.95',
      '--pca',
      '0.85',
      '-o',
      out,
      '--model',
      model,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.dropped.map((d: { column: string; step: string }) => [d.column, d.step])).toEqual([
      ['flat', 'variance-threshold'],
      ['x0', 'correlation'],
    ]);
    expect(summary.correlation.dropped[0]).toMatchObject({
      column: 'x0',
      correlatedWith: 'x1',
      rule: 'lower-variance',
    });
    expect(summary.pca.cumulativeVarianceRatio.at(-1)).toBeGreaterThanOrEqual(0.85);
    expect(Object.keys(summary.pca.loadings.pc1)).toEqual(['x1', 'x2', 'x3', 'x4', 'x5']);
    const text = readFileSync(out, 'utf8');
    expect(header(text)).toEqual(['id', 'tier', 'city', ...summary.output]);
    expect(text.split('\n').filter(Boolean)).toHaveLength(501);

    const m = JSON.parse(readFileSync(model, 'utf8'));
    expect(m.format).toBe('segment.select-model');
    expect(m.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hashVerifies(readFileSync(model, 'utf8'))).toBe(true);
    const pca = m.steps.find((s: { step: string }) => s.step === 'pca');
    expect(pca.components).toHaveLength(summary.pca.nComponents);
    expect(pca.signConvention).toBe('largest-absolute-loading-positive');

    const again = join(tmp.dir, 'again.csv');
    const a = await runCli(['select', data, '--apply', model, '-o', again]);
    expect(a.code, a.stderr).toBe(0);
    expect(readFileSync(again, 'utf8')).toBe(text);

    const one = join(tmp.dir, 'one-thread.csv');
    const t = await runCli([
      '--threads',
      '1',
      'select',
      data,
      '--id',
      'id',
      '--variance-threshold',
      '0',
      '--max-corr',
      '0.95',
      '--pca',
      '0.85',
      '-o',
      one,
    ]);
    expect(t.code, t.stderr).toBe(0);
    expect(readFileSync(one, 'utf8')).toBe(text);
  });

  it('--apply checks the content hash: an edited model is refused, one without a hash still applies', async () => {
    const at = (name: string): string => join(tmp.dir, name);
    const fit = await runCli([
      'select',
      data,
      '--id',
      'id',
      '--max-corr',
      '0.95',
      '--pca',
      '3',
      '-o',
      at('h-fit.parquet'),
      '--model',
      at('h.json'),
    ]);
    expect(fit.code, fit.stderr).toBe(0);
    const text = readFileSync(at('h.json'), 'utf8');
    expect(hashVerifies(text)).toBe(true);
    // The Parquet round trip is byte for byte: the hash stays out of the chain in the metadata.
    const again = await runCli(['select', data, '--apply', at('h.json'), '-o', at('h-again.parquet')]);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(at('h-again.parquet'))).toEqual(readFileSync(at('h-fit.parquet')));

    // One number edited (first decimal of the first PCA loading): exit 3, one line naming the file, nothing written.
    const edited = text.replace(
      /("components":\[\[-?\d+\.)(\d)/,
      (_, head: string, d: string) => head + ((+d + 1) % 10),
    );
    expect(edited).not.toBe(text);
    writeFileSync(at('h-edited.json'), edited);
    const bad = await runCli(['select', data, '--apply', at('h-edited.json'), '-o', at('h-bad.parquet')]);
    expect(bad.code, bad.stderr).toBe(3);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(
      /^segment: \S*h-edited\.json: content hash does not match \(the model was edited or damaged after it was written\) \(hint: write it again with segment select --model\)$/m,
    );
    expect(existsSync(at('h-bad.parquet'))).toBe(false);

    // Without the hash (a model from an earlier release): applies, same bytes as the fit.
    const { hash: _h, ...older } = JSON.parse(text) as Record<string, unknown>;
    writeFileSync(at('h-older.json'), JSON.stringify(older) + '\n');
    const old = await runCli(['select', data, '--apply', at('h-older.json'), '-o', at('h-older.parquet')]);
    expect(old.code, old.stderr).toBe(0);
    expect(readFileSync(at('h-older.parquet'))).toEqual(readFileSync(at('h-fit.parquet')));
  });

  it('RFE with a target keeps the planted features; the output keeps the target and other columns', async () => {
    const out = join(tmp.dir, 'rfe.csv');
    const r = await runCli([
      'select',
      data,
      '--id',
      'id',
      '--exclude',
      'x0',
      '--rfe',
      '2',
      '--target',
      'tier',
      '--n-estimators',
      '30',
      '-o',
      out,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.selected).toEqual(['x1', 'x4']);
    expect(summary.rfe.ranking.x1).toBe(1);
    expect(summary.rfe.target).toEqual({
      kind: 'column',
      column: 'tier',
      classes: ['bronze', 'gold', 'silver'],
    });
    expect(header(readFileSync(out, 'utf8'))).toEqual(['id', 'x0', 'x1', 'x4', 'tier', 'city']);
  });

  it('RFECV with the k-means surrogate reports the cross-validated scores', async () => {
    const r = await runCli([
      'select',
      data,
      '--features',
      'x1,x2,x4',
      '--rfecv',
      '--surrogate-k',
      '3',
      '--cv',
      '3',
      '--n-estimators',
      '10',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.rfe.method).toBe('rfecv');
    expect(summary.rfe.cv.scores.map((s: { nFeatures: number }) => s.nFeatures)).toEqual([1, 2, 3]);
    expect(summary.rfe.target.kind).toBe('surrogate');
  });

  it('--embed tsne writes id, x and y for a seeded sample', async () => {
    const out = join(tmp.dir, 'emb.csv');
    const r = await runCli([
      'select',
      data,
      '--id',
      'id',
      '--exclude',
      'flat',
      '--embed',
      'tsne',
      '--embed-sample',
      '120',
      '--perplexity',
      '10',
      '-o',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('id,x,y');
    expect(lines).toHaveLength(121);
    const p = await runCli(['select', data, '--embed', 'pca', '-o', '-']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.split('\n')[0]).toBe('row,x,y');
    expect(p.stdout.trim().split('\n')).toHaveLength(501);
  });

  it('--embed umap writes id, x and y for every row, the same bytes for one and two threads, with trustworthiness', async () => {
    const outs = [1, 2].map((t) => join(tmp.dir, `umap-${t}.csv`));
    const jsons: { embedding: Record<string, unknown> }[] = [];
    for (const [t, out] of outs.entries()) {
      const r = await runCli([
        'select',
        data,
        '--id',
        'id',
        '--exclude',
        'flat',
        '--embed',
        'umap',
        '--umap-neighbors',
        '10',
        '--umap-epochs',
        '100',
        '--seed',
        '5',
        '--threads',
        String(t + 1),
        '-o',
        out,
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      jsons.push(JSON.parse(r.stdout));
    }
    const [one, two] = outs.map((o) => readFileSync(o));
    expect(one!.equals(two!)).toBe(true);
    const lines = one!.toString('utf8').trim().split('\n');
    expect(lines[0]).toBe('id,x,y');
    expect(lines).toHaveLength(501);
    const e = jsons[0]!.embedding as { method: string; rows: number; nNeighbors: number; nEpochs: number };
    expect(e).toMatchObject({
      method: 'umap',
      rows: 500,
      nNeighbors: 10,
      minDist: 0.1,
      nEpochs: 100,
      init: 'spectral',
    });
    const trust = jsons[0]!.embedding['trustworthiness'] as {
      nNeighbors: number;
      rows: number;
      value: number;
    };
    expect(trust.nNeighbors).toBe(5);
    expect(trust.rows).toBe(500);
    expect(trust.value).toBeGreaterThan(0.7);
    expect(trust.value).toBeLessThanOrEqual(1);
    expect(jsons[1]!.embedding).toEqual(jsons[0]!.embedding);
  });

  it('--umap-negative-rate and --umap-repulsion change the layout, and are refused without --embed umap', async () => {
    const run = (extra: string[], out: string) =>
      runCli([
        'select',
        data,
        '--id',
        'id',
        '--exclude',
        'flat',
        '--embed',
        'umap',
        '--umap-epochs',
        '100',
        '--seed',
        '5',
        ...extra,
        '-o',
        out,
      ]);
    const plain = join(tmp.dir, 'umap-plain.csv');
    const strong = join(tmp.dir, 'umap-strong.csv');
    expect((await run([], plain)).code).toBe(0);
    const r = await run(
      ['--umap-negative-rate', '10', '--umap-repulsion', '4', '--umap-min-dist', '0'],
      strong,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(strong).equals(readFileSync(plain))).toBe(false);
    const refused = await runCli(['select', data, '--umap-repulsion', '4', '--embed', 'tsne', '-o', plain]);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe('segment: --umap-repulsion applies to --embed umap only');
    const bad = await run(['--umap-negative-rate', '0'], plain);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  describe('bad input: exit 2 or 3, one line on stderr, nothing written', () => {
    const cases: [string, string[], number, RegExp][] = [
      [
        '--pca above 1 as a fraction',
        ['--pca', '1.5'],
        2,
        /--pca 1\.5: a variance fraction must be in \(0, 1\]/,
      ],
      ['--pca 0', ['--pca', '0'], 2, /at least 1/],
      ['--pca not a number', ['--pca', 'most'], 2, /--pca expects a component count or a variance fraction/],
      ['--pca above the column count', ['--pca', '9'], 3, /cannot keep 9 principal components of 7 feature/],
      ['--rfe without a target', ['--rfe', '2'], 2, /--rfe needs a target/],
      [
        '--rfe with a missing target column',
        ['--rfe', '2', '--target', 'churn'],
        3,
        /column 'churn' not found/,
      ],
      [
        '--rfe with a constant target',
        ['--rfe', '2', '--target', 'flat'],
        3,
        /target column 'flat' is constant/,
      ],
      [
        'fewer than two numeric features',
        ['--features', 'x1', '--pca', '1'],
        3,
        /at least two numeric features/,
      ],
      ['--max-corr out of range', ['--max-corr', '1.5'], 2, /correlation in \(0, 1\]/],
      ['nothing to select', [], 2, /nothing to select/],
      ['--rfe and --rfecv', ['--rfe', '2', '--rfecv', '--target', 'tier'], 2, /exclusive/],
      ['a missing model file', ['--apply', 'missing.json'], 3, /select model file not found/],
      [
        '--umap-neighbors without --embed umap',
        ['--embed', 'tsne', '--umap-neighbors', '5'],
        2,
        /--umap-neighbors applies to --embed umap only/,
      ],
      [
        '--umap-min-dist out of range',
        ['--embed', 'umap', '--umap-min-dist', '2'],
        2,
        /distance in \[0, 1\]/,
      ],
      [
        '--embed umap on fewer rows than neighbours',
        ['--embed', 'umap', '--embed-sample', '12'],
        3,
        /UMAP with 15 neighbours needs more than 15 rows; got 12/,
      ],
    ];
    for (const [name, args, code, message] of cases) {
      it(name, async () => {
        const dir = tempDir('segment-select-bad-');
        try {
          const outputs = args.includes('--apply')
            ? ['-o', 'out.parquet']
            : ['-o', 'out.parquet', '--model', 'm.json'];
          const r = await runCli(['select', data, '--id', 'id', ...args, ...outputs], { cwd: dir.dir });
          expect(r.code, r.stderr).toBe(code);
          expect(r.stderr.trim().split('\n')).toHaveLength(1);
          expect(r.stderr).toMatch(message);
          expect(r.stdout).toBe('');
          expect(dir.files()).toEqual([]);
        } finally {
          dir.cleanup();
        }
      });
    }
  });

  it('refuses to write nothing, and fitting flags with --apply', async () => {
    const r = await runCli(['select', data, '--pca', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/writes nothing without -o, --model or --json/);
    const a = await runCli(['select', data, '--apply', 'x.json', '--pca', '2', '--json']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--pca cannot be combined with --apply/);
  });
});
