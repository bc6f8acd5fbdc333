import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command, Help, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { runCli } from '../helpers/cli.js';

/**
 * The command reference (docs/reference/*.md) is kept in step with `--help`: every command has a page the index
 * links, every long flag is in the page's options table, and each default `--help` prints is in that flag's row.
 * The help text is the one commander prints (`Help.optionDescription`), so wrapping does not matter.
 */

const refDir = resolve(import.meta.dirname, '../../docs/reference');

/** Every `(default: …)` of a help line, with balanced parentheses inside it; quotes of JSON strings dropped. */
export function defaultsOf(description: string): string[] {
  const out: string[] = [];
  const re = /[(,] ?default: /g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(description)) !== null) {
    let depth = 1;
    let i = m.index + m[0].length;
    const start = i;
    for (; i < description.length; i++) {
      const c = description[i];
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) break;
    }
    out.push(unquote(description.slice(start, i).trim()));
  }
  return out;
}

function unquote(s: string): string {
  return /^".*"$/.test(s) ? s.slice(1, -1) : s;
}

/** Table text as a reader sees it: no backticks, no escaped pipes, single spaces. */
function plain(s: string): string {
  return s.replace(/\\\|/g, '|').replace(/`/g, '').replace(/\s+/g, ' ');
}

/** The lines of one `## heading` section of a markdown page (up to the next `## `). */
function section(page: string, heading: string): string[] {
  const lines = page.split('\n');
  const at = lines.findIndex((l) => l.trim() === `## ${heading}`);
  if (at < 0) return [];
  const end = lines.findIndex((l, i) => i > at && l.startsWith('## '));
  return lines.slice(at + 1, end < 0 ? undefined : end);
}

/** The table rows of a section whose first cell names `long` (as a whole flag, not a prefix of a longer one). */
function rowsOf(lines: string[], long: string): string[] {
  const flag = new RegExp(`${long.replace(/[-]/g, '\\-')}(?![\\w-])`);
  return lines.filter((l) => l.startsWith('|') && flag.test(l.split(/(?<!\\)\|/)[1] ?? ''));
}

interface PageCase {
  page: string;
  command: Command;
}

/** Each command's page: `<name>.md`, and `predict-<sub>.md` for predict's subcommands. */
function pages(program: Command): PageCase[] {
  const help = program.createHelp();
  const out: PageCase[] = [];
  for (const c of help.visibleCommands(program)) {
    if (c.name() === 'help') continue;
    const subs = c.commands.filter((s) => s.name() !== 'help');
    if (subs.length === 0) out.push({ page: `${c.name()}.md`, command: c });
    for (const s of subs) out.push({ page: `${c.name()}-${s.name()}.md`, command: s });
  }
  return out;
}

function checkOptions(help: Help, cmd: Command, lines: string[], where: string): string[] {
  const problems: string[] = [];
  for (const o of help.visibleOptions(cmd) as Option[]) {
    if (o.long === '--help') continue;
    const long = o.long ?? o.short!;
    const rows = rowsOf(lines, long);
    if (rows.length === 0) {
      problems.push(`${where}: no row for ${long}`);
      continue;
    }
    for (const d of defaultsOf(help.optionDescription(o))) {
      if (!rows.some((r) => plain(r).includes(plain(d))))
        problems.push(`${where}: the row of ${long} lacks the default "${d}"`);
    }
  }
  return problems;
}

const program = buildProgram();
const help = program.createHelp();
const cases = pages(program);

describe('docs/reference', () => {
  it('finds the help defaults the way --help prints them', () => {
    expect(defaultsOf('k-means tolerance (default: 0.0001)')).toEqual(['0.0001']);
    expect(defaultsOf('x (choices: "a", "b", default: "a")')).toEqual(['a']);
    expect(defaultsOf('rows per sample (default: max(40 + 2k, 1000))')).toEqual(['max(40 + 2k, 1000)']);
    expect(defaultsOf('a (default: 5); b (default: --min-cluster-size)')).toEqual([
      '5',
      '--min-cluster-size',
    ]);
  });

  it('has a page for every command --help lists, linked from the index', () => {
    const names = help.visibleCommands(program).map((c) => c.name());
    expect(names.at(-1)).toBe('help');
    const index = readFileSync(resolve(refDir, 'README.md'), 'utf8');
    for (const { page } of cases) {
      expect(existsSync(resolve(refDir, page)), page).toBe(true);
      expect(index, `the index links ${page}`).toContain(`](${page})`);
    }
  });

  it('lists the commands in pipeline order, in --help and in the index', () => {
    const index = readFileSync(resolve(refDir, 'README.md'), 'utf8');
    const at = cases.map(({ page }) => index.indexOf(`](${page})`));
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(cases.map((c) => c.page)).toEqual(
      [
        'ingest',
        'inspect',
        'features',
        'clean',
        'select',
        'tune',
        'cluster',
        'report',
        'assign',
        'update',
        'stability',
        'predict-train',
        'predict-score',
        'predict-report',
        'export-sql',
        'run',
      ].map((n) => `${n}.md`),
    );
  });

  it('the built CLI lists the same commands, in the same order', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    const listed = [...r.stdout.split('Commands:')[1]!.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]);
    expect(listed).toEqual(help.visibleCommands(program).map((c) => c.name()));
  });

  it.each(cases.map((c) => [c.page, c] as const))(
    '%s has every flag with its --help default',
    (_page, { page, command }) => {
      const text = readFileSync(resolve(refDir, page), 'utf8');
      const lines = section(text, 'Options');
      expect(lines.length, `${page} has an "## Options" section`).toBeGreaterThan(0);
      expect(checkOptions(help, command, lines, page)).toEqual([]);
    },
  );

  it('the index has every global option with its default, and the exit codes', () => {
    const index = readFileSync(resolve(refDir, 'README.md'), 'utf8');
    expect(checkOptions(help, program, section(index, 'Global options'), 'README.md')).toEqual([]);
    const codes = section(index, 'Exit codes').join('\n');
    for (const code of ['0', '1', '2', '3', '4']) expect(codes).toMatch(new RegExp(`^\\| ${code} `, 'm'));
  });
});
