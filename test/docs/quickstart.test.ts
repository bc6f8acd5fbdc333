import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findExpected, segmentShim } from '../helpers/docs.js';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The fenced blocks of a markdown text, with their language and the heading above them. */
function fencedBlocks(md: string): { lang: string; body: string; heading: string }[] {
  const blocks: { lang: string; body: string; heading: string }[] = [];
  const lines = md.split('\n');
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const open = /^```(\w*)\s*$/.exec(line);
    if (open) {
      const body: string[] = [];
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
      blocks.push({ lang: open[1]!, body: body.join('\n'), heading });
    } else if (/^#{1,6} /.test(line)) heading = line.replace(/^#+ /, '').trim();
  }
  return blocks;
}

/** The quick start: the `sh` block(s) under the "Quick start" heading, and the `text` block of their output. */
function quickStart(md: string): { script: string; expected: string } {
  const under = fencedBlocks(md).filter((b) => b.heading === 'Quick start');
  const script = under.filter((b) => b.lang === 'sh').map((b) => b.body);
  const expected = under.filter((b) => b.lang === 'text').map((b) => b.body);
  if (script.length === 0 || expected.length !== 1)
    throw new Error('README.md: "## Quick start" needs ```sh block(s) and one ```text block of their output');
  return { script: script.join('\n'), expected: expected[0]! };
}

function runScript(script: string, cwd: string, pathDir: string): Promise<{ code: number; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn('bash', ['-e', '-c', `exec 2>&1\n${script}`], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', PATH: `${pathDir}:${process.env['PATH'] ?? ''}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, output }));
  });
}

/** Relative link targets of a markdown file (code blocks left out), without their `#anchor`. */
function relativeLinks(md: string): { target: string; anchor: string }[] {
  const prose = md.replace(/^```[\s\S]*?^```/gm, '');
  const links: { target: string; anchor: string }[] = [];
  for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
    const href = m[1]!;
    if (/^[a-z]+:/i.test(href)) continue; // https:, mailto:
    const [target, anchor = ''] = href.split('#');
    links.push({ target: target!, anchor });
  }
  return links;
}

/** GitHub's anchors of a markdown file's headings. */
function anchorsOf(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of md.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6} (.+)$/gm)) {
    const base = m[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe('README quick start', () => {
  it('extracts the block and matches output with elisions', () => {
    const { script, expected } = quickStart(readme);
    expect(script).toMatch(/^segment features fixtures\/events\.csv/m);
    expect(findExpected(['a', '…', 'c (… s)'], 'a\nb\nc (0.3 s)')).toBeUndefined();
    expect(findExpected(['a', 'c'], 'a\nb\nc')).toBe('c');
    expect(findExpected(expected.split('\n'), 'nothing')).toBeDefined();
  });

  it('runs from a fresh checkout and prints what the README shows', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'segment-quickstart-'));
    temps.push(dir);
    const work = join(dir, 'work');
    const shims = join(dir, 'bin');
    mkdirSync(work);
    mkdirSync(shims);
    // `segment` on PATH runs the built CLI, as `npm link` would; fixtures/ and examples/ as in a clone
    segmentShim(shims);
    for (const d of ['fixtures', 'examples']) symlinkSync(join(root, d), join(work, d));

    const { script, expected } = quickStart(readme);
    const { code, output } = await runScript(script, work, shims);
    expect(output.length, 'the quick start printed nothing').toBeGreaterThan(0);
    expect(code, `the quick start failed:\n${output}`).toBe(0);
    expect(
      findExpected(expected.split('\n'), output),
      `README output not printed; the run printed:\n${output}`,
    ).toBeUndefined();
    expect(existsSync(join(work, 'out/report.html'))).toBe(true);
    expect(readdirSync(join(work, 'out/audiences')).length).toBeGreaterThan(0);
  });
});

describe('README library example', () => {
  it('runs, and prints what its comment says', { timeout: 120_000 }, async () => {
    const block = fencedBlocks(readme).find((b) => b.heading === 'Library' && b.lang === 'ts');
    expect(block, 'README.md: no ```ts block under "## Library"').toBeDefined();
    const code = block!.body;
    const shown = /console\.log\([^)]*\); \/\/ (.+)$/m.exec(code);
    expect(shown, 'the example shows its output in a comment after console.log').not.toBeNull();
    const dir = mkdtempSync(join(tmpdir(), 'segment-library-'));
    temps.push(dir);
    symlinkSync(join(root, 'fixtures'), join(dir, 'fixtures'));
    const entry = pathToFileURL(join(root, 'dist/index.js')).href;
    writeFileSync(join(dir, 'example.mjs'), code.replace(/from 'segment'/, `from '${entry}'`));
    const { code: exit, output } = await runScript(
      `"${process.execPath}" example.mjs`,
      dir,
      dirname(process.execPath),
    );
    expect(exit, output).toBe(0);
    expect(output.trim()).toBe(shown![1]!.trim());
  });
});

describe('docs', () => {
  it('README.md stays at most 15,000 bytes', () => {
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(15_000);
  });

  it('every relative link of README.md, ARCHITECTURE.md and the markdown under docs/ resolves', () => {
    const files = [
      'README.md',
      'ARCHITECTURE.md',
      ...(readdirSync(join(root, 'docs'), { recursive: true }) as string[])
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
    ];
    const broken: string[] = [];
    for (const file of files) {
      const md = readFileSync(join(root, file), 'utf8');
      for (const { target, anchor } of relativeLinks(md)) {
        const path = target === '' ? join(root, file) : resolve(root, dirname(file), target);
        if (!existsSync(path)) {
          broken.push(`${file} → ${target}`);
          continue;
        }
        if (anchor && path.endsWith('.md') && !anchorsOf(readFileSync(path, 'utf8')).has(anchor))
          broken.push(`${file} → ${target}#${anchor} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});
