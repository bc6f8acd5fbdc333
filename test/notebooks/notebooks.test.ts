import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir, type RunResult } from '../helpers/cli.js';

const root = resolve(import.meta.dirname, '../..');
const runner = join(root, 'scripts/run-notebook.mjs');
const notebooks = readdirSync(join(root, 'notebooks'))
  .filter((f) => f.endsWith('.ipynb'))
  .sort();

interface Output {
  output_type: string;
  name?: string;
  text?: string[];
  data?: Record<string, string[] | string>;
  metadata?: Record<string, unknown>;
}
interface Cell {
  cell_type: string;
  source: string[] | string;
  execution_count?: number | null;
  outputs?: Output[];
}
interface Notebook {
  nbformat: number;
  metadata: { kernelspec?: { name?: string } };
  cells: Cell[];
}

function runNotebook(args: string[]): Promise<RunResult> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [runner, ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

const text = (c: Cell): string => (Array.isArray(c.source) ? c.source.join('') : c.source);
const joined = (v: string[] | string | undefined): string => (Array.isArray(v) ? v.join('') : (v ?? ''));
/** The rich outputs of the cells: display_data with an SVG or an HTML part. */
const richOutputs = (cells: Cell[]): Output[] =>
  cells
    .flatMap((c) => c.outputs ?? [])
    .filter((o) => o.output_type === 'display_data' && (o.data?.['image/svg+xml'] ?? o.data?.['text/html']));
/** What the runner prints for each display: `[display <types>] <text/plain>`. */
const displaysPrinted = (stdout: string): number => stdout.match(/^\[display (image\/svg\+xml|text\/html)\]/gm)?.length ?? 0;

function notebookOf(cells: [string, string][]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
    cells: cells.map(([type, source], i) =>
      type === 'code'
        ? { id: `c${i}`, cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source }
        : { id: `c${i}`, cell_type: 'markdown', metadata: {}, source },
    ),
  });
}

describe('notebooks/', () => {
  it('holds the five notebooks', () => {
    expect(notebooks).toEqual([
      'behavioural-segmentation.ipynb',
      'density-segmentation.ipynb',
      'email-engagement.ipynb',
      'nightly-batch.ipynb',
      'propensity.ipynb',
    ]);
  });

  for (const name of notebooks) {
    const file = `notebooks/${name}`;

    it(`${name}: every code cell type-checks and runs, in order`, { timeout: 180_000 }, async () => {
      const r = await runNotebook(['--typecheck', file]);
      expect(r.stderr).not.toMatch(/failed|error TS|timed out|does not compile/);
      expect(r.code).toBe(0);
      // It shows, not only prints: at least three charts or tables displayed as SVG or HTML, as many as are saved.
      const saved = richOutputs((JSON.parse(readFileSync(join(root, file), 'utf8')) as Notebook).cells);
      expect(displaysPrinted(r.stdout)).toBeGreaterThanOrEqual(3);
      expect(displaysPrinted(r.stdout)).toBe(saved.length);
    });

    it(`${name}: uses only the public entry, for the tslab kernel, with outputs saved`, () => {
      const nb = JSON.parse(readFileSync(join(root, file), 'utf8')) as Notebook;
      expect(nb.nbformat).toBe(4);
      expect(nb.metadata.kernelspec?.name).toBe('tslab');
      expect(nb.cells.length).toBeLessThanOrEqual(15);
      const code = nb.cells.filter((c) => c.cell_type === 'code');
      expect(code.length).toBeGreaterThan(0);
      for (const [i, cell] of code.entries()) {
        const src = text(cell);
        const sources = [...src.matchAll(/\bfrom\s+['"]([^'"]+)['"]/g)].map((m) => m[1]!);
        for (const s of sources) expect(s === 'segment' || s.startsWith('node:'), `import from ${s}`).toBe(true);
        expect(src).not.toMatch(/child_process|\bimport\(|require\(|bin\/segment/);
        expect(cell.execution_count).toBe(i + 1);
        const out = (cell.outputs ?? []).map((o) => (o.text ?? []).join('')).join('');
        expect(cell.outputs?.length ?? 0, `code cell ${i + 1} has no saved output`).toBeGreaterThan(0);
        expect(out).not.toMatch(/\d+(\.\d+)?\s*(ms|seconds?)\b/);
        for (const o of cell.outputs ?? []) expect(['stream', 'display_data']).toContain(o.output_type);
      }
      // The saved rich outputs: SVG or HTML with a text fallback, offline (no scripts, nothing fetched), no temp paths.
      const rich = richOutputs(code);
      expect(rich.length, 'saved SVG / HTML outputs').toBeGreaterThanOrEqual(3);
      expect(rich.some((o) => o.data?.['image/svg+xml']), 'at least one chart').toBe(true);
      for (const o of rich) {
        expect(joined(o.data?.['text/plain'])).not.toBe('');
        const svg = joined(o.data?.['image/svg+xml']);
        if (svg) expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
        const body = svg + joined(o.data?.['text/html']);
        expect(body).not.toMatch(/<script|<link|<iframe|src="https?:/);
        expect(body).not.toMatch(/\/tmp\/|segment-(nightly|run)-/);
      }
    });
  }

  describe('a notebook with a failing cell', () => {
    const tmp = tempDir('segment-notebook-');
    afterAll(tmp.cleanup);

    it('fails, naming the notebook and the cell, after running the cells before it', async () => {
      const file = join(tmp.dir, 'broken.ipynb');
      const source = notebookOf([
        ['markdown', '# broken'],
        ['code', "import { Random } from 'segment';\nconsole.log('first cell ran', new Random(1).int(100));"],
        ['markdown', 'the next cell throws'],
        ['code', "const x = 1;\nthrow new Error('boom in the second code cell');"],
        ['code', "console.log('third cell ran');"],
      ]);
      writeFileSync(file, source);
      const r = await runNotebook(['--write-outputs', file]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('first cell ran');
      expect(r.stdout).not.toContain('third cell ran');
      expect(r.stderr).toContain('boom in the second code cell');
      expect(r.stderr).toMatch(/broken\.ipynb cell 4 \(code cell 2\) failed/);
      expect(r.stderr).toMatch(/broken\.ipynb cell 4 \(code cell 2\) line 2/);
      // Nothing is written when a cell fails.
      expect(readFileSync(file, 'utf8')).toBe(source);
    });

    it('names the cell that does not compile', async () => {
      const file = join(tmp.dir, 'syntax.ipynb');
      writeFileSync(
        file,
        notebookOf([
          ['code', "console.log('fine');"],
          ['code', 'const y = (;'],
        ]),
      );
      const r = await runNotebook([file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/syntax\.ipynb cell 2 \(code cell 2\) does not compile/);
    });

    it('names the cell with a type error under --typecheck', async () => {
      const file = join(tmp.dir, 'types.ipynb');
      writeFileSync(
        file,
        notebookOf([['code', "import { Random } from 'segment';\nconst r: string = new Random(1).next();"]]),
      );
      const r = await runNotebook(['--typecheck', file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/types\.ipynb cell 1 \(code cell 1\) line 2: error TS2322/);
    });

    it('fails a shorthand property naming an earlier cell, as the tslab kernel does', async () => {
      const file = join(tmp.dir, 'shorthand.ipynb');
      writeFileSync(
        file,
        notebookOf([
          ['code', 'const minSamples = await Promise.resolve(5);'],
          ['markdown', 'uses it'],
          ['code', "const ok = { minSamples: minSamples };\nconst f = (eps: number) => ({ eps });\nconsole.log(ok, f(1), { minSamples });"],
        ]),
      );
      const r = await runNotebook([file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/shorthand\.ipynb cell 3 \(code cell 2\) line 3: shorthand property \{ minSamples \}/);
      expect(r.stderr).not.toMatch(/\{ eps \}/);
      expect(r.stderr).toMatch(/shorthand\.ipynb failed/);
    });

    it('stores each cell stdout as its output with --write-outputs', async () => {
      const file = join(tmp.dir, 'ok.ipynb');
      writeFileSync(
        file,
        notebookOf([
          ['markdown', '# ok'],
          ['code', "const a = 2;\nconsole.log('a is', a);"],
          ['code', 'const b = a * 21;'],
          ['code', "console.log('b is', b);\nconsole.log('done');"],
        ]),
      );
      const r = await runNotebook(['--write-outputs', file]);
      expect(r.code).toBe(0);
      const nb = JSON.parse(readFileSync(file, 'utf8')) as Notebook;
      const code = nb.cells.filter((c) => c.cell_type === 'code');
      expect(code.map((c) => c.execution_count)).toEqual([1, 2, 3]);
      expect(code.map((c) => (c.outputs ?? []).map((o) => (o.text ?? []).join('')).join(''))).toEqual([
        'a is 2\n',
        '',
        'b is 42\ndone\n',
      ]);
      expect(code[2]!.outputs![0]).toMatchObject({ output_type: 'stream', name: 'stdout' });
    });

    it('stores what display shows as display_data, in order with the stdout around it', async () => {
      const file = join(tmp.dir, 'rich.ipynb');
      writeFileSync(
        file,
        notebookOf([
          [
            'code',
            "import { display } from 'segment';\nconsole.log('before');\nawait display([{ n: 1, name: '<b>' }]);\nconsole.log('after');",
          ],
          [
            'code',
            "await display({ $schema: 'https://vega.github.io/schema/vega-lite/v5.json', title: 'bars', data: { values: [{ a: 'x', b: 2 }] }, mark: 'bar', encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'b', type: 'quantitative' } } });",
          ],
        ]),
      );
      const r = await runNotebook(['--write-outputs', file]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('[display text/html] n  name');
      const first = readFileSync(file, 'utf8');
      const nb = JSON.parse(first) as Notebook;
      const [a, b] = nb.cells.filter((c) => c.cell_type === 'code');
      expect(a!.outputs!.map((o) => o.output_type)).toEqual(['stream', 'display_data', 'stream']);
      expect(joined(a!.outputs![0]!.text)).toBe('before\n');
      expect(Object.keys(a!.outputs![1]!.data!)).toEqual(['text/html', 'text/plain']);
      expect(joined(a!.outputs![1]!.data!['text/html'])).toContain('<td>&lt;b&gt;</td>');
      expect(joined(a!.outputs![1]!.data!['text/plain'])).toBe('n  name\n1  <b>');
      expect(a!.outputs![1]!.metadata).toEqual({});
      expect(joined(a!.outputs![2]!.text)).toBe('after\n');
      expect(b!.outputs!.map((o) => o.output_type)).toEqual(['display_data']);
      expect(Object.keys(b!.outputs![0]!.data!)).toEqual(['image/svg+xml', 'text/plain']);
      expect(joined(b!.outputs![0]!.data!['image/svg+xml'])).toMatch(/^<svg /);
      expect(joined(b!.outputs![0]!.data!['text/plain'])).toBe('[chart: bars]');
      // Saved outputs are the same bytes on a second run.
      expect((await runNotebook(['--write-outputs', file])).code).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe(first);
    });
  });
});
