// Runs every recipe of docs/cookbook/ as it is written: the page's ```sh blocks in order, in a fresh folder, with
// `segment` on PATH and the fixtures at hand; the ```text block after a command block must appear in what it
// printed. The convention is described at the top of docs/cookbook/README.md.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { findExpected, segmentShim } from '../helpers/docs.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cookbook = join(repo, 'docs/cookbook');

/** One piece of a page, in page order. */
export type Step =
  | { kind: 'run'; script: string; line: number; exit: number; files: string[]; expect?: string[] }
  | { kind: 'file'; path: string; content: string; line: number; ci?: 'github' | 'gitlab' }
  | { kind: 'run-ci'; line: number; exit: number };

const DIRECTIVE = /^<!--\s*cookbook:\s*(.*?)\s*-->\s*$/;

/** Reads a page into steps: ```sh blocks run, ```text blocks after them are expected output, `file=` blocks are written. */
export function parsePage(markdown: string): Step[] {
  const lines = markdown.split('\n');
  const steps: Step[] = [];
  let pending: Record<string, string> = {};
  let lastRun: Extract<Step, { kind: 'run' }> | undefined;
  for (let i = 0; i < lines.length; i++) {
    const directive = DIRECTIVE.exec(lines[i] ?? '');
    if (directive) {
      const fields = Object.fromEntries(
        (directive[1] ?? '').split(/\s+/).map((f) => {
          const eq = f.indexOf('=');
          return eq < 0 ? [f, ''] : [f.slice(0, eq), f.slice(eq + 1)];
        }),
      );
      if ('run-ci' in fields) steps.push({ kind: 'run-ci', line: i + 1, exit: Number(fields.exit ?? 0) });
      else pending = { ...pending, ...fields };
      continue;
    }
    const fence = /^```(\S*)\s*(.*)$/.exec(lines[i] ?? '');
    if (!fence) continue;
    const start = i + 1;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] ?? ''); i++) body.push(lines[i] ?? '');
    if (i >= lines.length) throw new Error(`line ${start}: unclosed code block`);
    const lang = fence[1];
    const attrs = Object.fromEntries(
      (fence[2] ?? '')
        .split(/\s+/)
        .filter(Boolean)
        .map((a) => a.split('=') as [string, string]),
    );
    const content = body.join('\n') + '\n';
    if (attrs.file) {
      const ci = attrs.ci as 'github' | 'gitlab' | undefined;
      steps.push({ kind: 'file', path: attrs.file, content, line: start, ci });
      lastRun = undefined;
    } else if (lang === 'sh') {
      lastRun = {
        kind: 'run',
        script: content,
        line: start,
        exit: Number(pending.exit ?? 0),
        files: pending.files ? pending.files.split(',') : [],
      };
      steps.push(lastRun);
      pending = {};
    } else if (lang === 'text' && lastRun && !lastRun.expect) {
      lastRun.expect = body;
    } else {
      lastRun = undefined;
    }
  }
  return steps;
}

/** The shell lines of a CI job: GitHub Actions `steps[].run` but of steps named `Set up …`, GitLab `script` (not `before_script`). */
export function ciScript(yamlText: string, ci: 'github' | 'gitlab'): string {
  const doc = parseYaml(yamlText) as Record<string, unknown>;
  const lines: string[] = [];
  if (ci === 'github') {
    const jobs = doc.jobs as Record<string, { steps?: { name?: string; run?: string }[] }>;
    for (const job of Object.values(jobs))
      for (const step of job.steps ?? [])
        if (step.run && !/^Set up\b/.test(step.name ?? '')) lines.push(step.run);
  } else {
    for (const [name, job] of Object.entries(doc)) {
      if (name.startsWith('.') || typeof job !== 'object' || job === null) continue;
      lines.push(...((job as { script?: string[] }).script ?? []));
    }
  }
  return lines.join('\n') + '\n';
}

const work = mkdtempSync(join(tmpdir(), 'segment-cookbook-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function runPage(page: string): void {
  const steps = parsePage(readFileSync(join(cookbook, page), 'utf8'));
  const dir = join(work, page.replace(/\.md$/, ''));
  mkdirSync(dir);
  symlinkSync(join(repo, 'fixtures'), join(dir, 'fixtures'));
  symlinkSync(join(repo, 'examples'), join(dir, 'examples'));
  const env = {
    ...process.env,
    PATH: `${segmentShim(join(work, 'bin'))}:${process.env.PATH}`,
    NO_COLOR: '1',
    TZ: 'UTC',
  };
  const ci: { path: string; ci: 'github' | 'gitlab'; content: string }[] = [];
  for (const step of steps) {
    const where = `${page}:${step.line}`;
    if (step.kind === 'file') {
      const path = join(dir, step.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, step.content);
      if (step.path.endsWith('.sh')) chmodSync(path, 0o755);
      if (step.ci) ci.push({ path: step.path, ci: step.ci, content: step.content });
      continue;
    }
    const jobs =
      step.kind === 'run'
        ? [{ name: 'block', script: step.script }]
        : ci.map((c) => ({ name: c.path, script: ciScript(c.content, c.ci) }));
    if (step.kind === 'run-ci') expect(jobs.length, `${where}: no CI block before run-ci`).toBeGreaterThan(0);
    for (const job of jobs) {
      const r = spawnSync('bash', ['-c', `exec 2>&1\nset -eo pipefail\n${job.script}`], {
        cwd: dir,
        env,
        encoding: 'utf8',
        timeout: 90_000,
      });
      const output = r.stdout + r.stderr;
      expect(
        r.status,
        `${where} (${job.name}) exited ${r.status}, not ${step.exit}:\n${job.script}\n${output}`,
      ).toBe(step.exit);
      if (step.kind !== 'run') continue;
      for (const f of step.files)
        expect(existsSync(join(dir, f)), `${where}: ${f} was not written`).toBe(true);
      if (step.expect) {
        const missing = findExpected(step.expect, output);
        expect(
          missing,
          `${where}: expected line not printed: ${missing}\n--- output ---\n${output}`,
        ).toBeUndefined();
      }
    }
  }
}

const pages = readdirSync(cookbook)
  .filter((f) => f.endsWith('.md') && f !== 'README.md')
  .sort();

describe('cookbook', () => {
  it('the index links every page and every page runs something', () => {
    const index = readFileSync(join(cookbook, 'README.md'), 'utf8');
    for (const page of pages) {
      expect(index, `README.md does not link ${page}`).toContain(`](${page})`);
      const steps = parsePage(readFileSync(join(cookbook, page), 'utf8'));
      expect(steps.filter((s) => s.kind === 'run').length, `${page} runs nothing`).toBeGreaterThan(0);
    }
  });

  it('the checker finds what is missing', () => {
    expect(findExpected(['a', '...', 'c ... d'], 'a\nb\nc and d\n')).toBeUndefined();
    expect(findExpected(['a', 'c'], 'a\nb\nc\n')).toBe('c');
    expect(findExpected(['x'], 'a\n')).toBe('x');
    const steps = parsePage('<!-- cookbook: exit=1 files=a,b -->\n```sh\nfalse\n```\n\n```text\nno\n```\n');
    expect(steps).toEqual([
      { kind: 'run', script: 'false\n', line: 2, exit: 1, files: ['a', 'b'], expect: ['no'] },
    ]);
  });

  it('examples/nightly.sh is the script of nightly-cron.md', () => {
    const steps = parsePage(readFileSync(join(cookbook, 'nightly-cron.md'), 'utf8'));
    const script = steps.find((s) => s.kind === 'file' && s.path === 'nightly.sh');
    expect(script && script.kind === 'file' ? script.content : undefined).toBe(
      readFileSync(join(repo, 'examples/nightly.sh'), 'utf8'),
    );
  });

  for (const page of pages) {
    it(page, () => runPage(page), 120_000);
  }
});
