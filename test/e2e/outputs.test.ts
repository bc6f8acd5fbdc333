import { spawn, type StdioOptions } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, fixtures, runCli, tempDir, type RunResult } from '../helpers/cli.js';

// Nothing lost: an output that is an input (or another output) is refused before any work, a command's outputs
// are committed together or not at all, and a failed write (folder, permission, full disk, closed stdout) is one
// line and exit 3 with every existing file as it was.

const tmp = tempDir('segment-outputs-');
afterAll(() => tmp.cleanup());
// Readable by the unprivileged user of the permission tests.
chmodSync(tmp.dir, 0o755);
const base = join(tmp.dir, 'base');

const goodCsv =
  'id,a,b,t\n' +
  Array.from(
    { length: 40 },
    (_, i) => `c${i + 1},${((i + 1) % 7) + 0.5},${((i + 1) * 3) % 11},${(i + 1) % 2}`,
  ).join('\n') +
  '\n';

beforeAll(async () => {
  mkdirSync(base);
  writeFileSync(join(base, 'good.csv'), goodCsv);
  copyFileSync(join(fixtures, 'events.csv'), join(base, 'events.csv'));
  const results = await Promise.all([
    runCli(
      ['cluster', 'good.csv', '--id', 'id', '--k', '3', '-o', 'seg.parquet', '--model', 'cm.json', '-q'],
      {
        cwd: base,
      },
    ),
    runCli(['predict', 'train', 'good.csv', '--id', 'id', '--target', 't', '--model', 'pm.json', '-q'], {
      cwd: base,
    }),
    runCli(['clean', 'good.csv', '--id', 'id', '--scale', 'zscore', '--model', 'clm.json', '-q'], {
      cwd: base,
    }),
  ]);
  for (const r of results) expect(r.code, r.stderr).toBe(0);
}, 120_000);

let n = 0;
/** A fresh folder holding copies of these files of the base folder (and `extra` files with their text). */
function caseDir(copies: string[], extra: Record<string, string> = {}): string {
  const d = join(tmp.dir, `case${n++}`);
  mkdirSync(d);
  chmodSync(d, 0o755);
  for (const f of copies) copyFileSync(join(base, f), join(d, f));
  for (const [f, text] of Object.entries(extra)) writeFileSync(join(d, f), text);
  return d;
}

/** Every file under `dir` with its bytes, to compare before and after a run. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = join(e.parentPath, e.name);
    const key = p.slice(dir.length + 1);
    if (e.isSymbolicLink()) out[key] = 'link';
    else if (e.isDirectory()) out[key] = 'dir';
    else out[key] = readFileSync(p).toString('base64');
  }
  return out;
}

/** Spawn the CLI with a chosen stdout and user. */
function spawnCli(
  args: string[],
  opts: { cwd: string; stdout?: number | 'pipe'; uid?: number; gid?: number; shell?: string },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const stdio: StdioOptions = ['ignore', opts.stdout ?? 'pipe', 'pipe'];
    const child = opts.shell
      ? spawn('/bin/sh', ['-c', opts.shell, process.execPath, bin, ...args], { cwd: opts.cwd, stdio })
      : spawn(process.execPath, [bin, ...args], {
          cwd: opts.cwd,
          stdio,
          env: { ...process.env, NO_COLOR: '1', HOME: opts.cwd },
          ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid } : {}),
        });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** One `segment:` line naming `names`, no stack trace, the exit code. */
function expectOneLine(r: RunResult, code: number, names: string): void {
  const lines = r.stderr.replace(/\n$/, '').split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^segment: /);
  expect(lines[0]).toContain(names);
  expect(r.stderr).not.toContain('    at ');
  expect(r.code, r.stderr).toBe(code);
}

interface SameCase {
  name: string;
  /** Files copied from the base folder. */
  copies: string[];
  /** The command line; `IN` is replaced by the input's spelling, `OUT` by the output's. */
  args: string[];
  /** The file both read and written. */
  file: string;
}

const sameCases: SameCase[] = [
  { name: 'ingest -o', copies: ['good.csv'], file: 'good.csv', args: ['ingest', 'IN', '-o', 'OUT'] },
  {
    name: 'features -o',
    copies: ['events.csv'],
    file: 'events.csv',
    args: [
      'features',
      'IN',
      '--id',
      'customer_id',
      '--time',
      'ts',
      '--amount',
      'amount',
      '--event',
      'event',
      '-o',
      'OUT',
    ],
  },
  {
    name: 'clean -o',
    copies: ['good.csv'],
    file: 'good.csv',
    args: ['clean', 'IN', '--id', 'id', '--scale', 'zscore', '-o', 'OUT'],
  },
  {
    name: 'clean --apply with -o the model',
    copies: ['good.csv', 'clm.json'],
    file: 'clm.json',
    args: ['clean', 'good.csv', '--apply', 'IN', '-o', 'OUT'],
  },
  {
    name: 'select -o',
    copies: ['good.csv'],
    file: 'good.csv',
    args: ['select', 'IN', '--id', 'id', '--pca', '2', '-o', 'OUT'],
  },
  {
    name: 'tune -o',
    copies: ['good.csv'],
    file: 'good.csv',
    args: ['tune', 'IN', '--id', 'id', '--k', '2..3', '-o', 'OUT'],
  },
  {
    name: 'cluster -o',
    copies: ['good.csv'],
    file: 'good.csv',
    args: ['cluster', 'IN', '--id', 'id', '--k', '3', '-o', 'OUT'],
  },
  {
    name: 'cluster --model the baseline',
    copies: ['good.csv', 'cm.json'],
    file: 'cm.json',
    args: ['cluster', 'good.csv', '--id', 'id', '--k', '3', '--baseline', 'IN', '--model', 'OUT'],
  },
  {
    name: 'report --html the segments',
    copies: ['seg.parquet'],
    file: 'seg.parquet',
    args: ['report', 'IN', '--html', 'OUT'],
  },
  {
    name: 'report --json the model',
    copies: ['seg.parquet', 'cm.json'],
    file: 'cm.json',
    args: ['report', 'seg.parquet', '--model', 'IN', '--json', 'OUT'],
  },
  {
    name: 'assign -o',
    copies: ['good.csv', 'cm.json'],
    file: 'good.csv',
    args: ['assign', 'IN', '--model', 'cm.json', '-o', 'OUT'],
  },
  {
    name: 'predict train --model the data',
    copies: ['good.csv'],
    file: 'good.csv',
    args: ['predict', 'train', 'IN', '--id', 'id', '--target', 't', '--model', 'OUT'],
  },
  {
    name: 'predict score -o the model',
    copies: ['good.csv', 'pm.json'],
    file: 'pm.json',
    args: ['predict', 'score', 'good.csv', '--model', 'IN', '-o', 'OUT'],
  },
  {
    name: 'predict report --html the model',
    copies: ['pm.json'],
    file: 'pm.json',
    args: ['predict', 'report', '--model', 'IN', '--html', 'OUT'],
  },
  {
    name: 'export-sql -o the model',
    copies: ['cm.json'],
    file: 'cm.json',
    args: ['export-sql', '--model', 'IN', '--dialect', 'duckdb', '--table', 't', '-o', 'OUT'],
  },
];

/** Spellings of one file: as is, through ./, through ../<folder>/, and an input read through a symbolic link. */
const spellings = [
  { how: 'the same name', input: (f: string) => f, output: (f: string) => f },
  { how: './name', input: (f: string) => f, output: (f: string) => `./${f}` },
  { how: '../folder/name', input: (f: string, d: string) => `../${d}/${f}`, output: (f: string) => f },
  { how: 'a symbolic link', input: (f: string) => `link-${f}`, output: (f: string) => f },
];

describe('an output that is an input is refused before any work (exit 2)', () => {
  for (const c of sameCases)
    for (const s of spellings)
      it(`${c.name}, spelled as ${s.how}`, async () => {
        const d = caseDir(c.copies);
        symlinkSync(c.file, join(d, `link-${c.file}`));
        const folderName = d.slice(tmp.dir.length + 1);
        const out = s.output(c.file);
        const args = c.args.map((a) => (a === 'IN' ? s.input(c.file, folderName) : a === 'OUT' ? out : a));
        const before = snapshot(d);
        const r = await runCli(args, { cwd: d });
        expectOneLine(r, 2, out);
        expect(snapshot(d)).toEqual(before);
      });
});

describe('two outputs of one command with the same path are refused (exit 2)', () => {
  const cases: [string, string[], string][] = [
    [
      'cluster -o x --model x',
      ['cluster', 'good.csv', '--id', 'id', '--k', '3', '-o', 'x.json', '--model', 'x.json'],
      'x.json',
    ],
    [
      'predict train --model a --html ./a',
      [
        'predict',
        'train',
        'good.csv',
        '--id',
        'id',
        '--target',
        't',
        '--model',
        'a.json',
        '--html',
        './a.json',
      ],
      'a.json',
    ],
    ['report --json r --html r', ['report', 'seg.parquet', '--json', 'r.json', '--html', 'r.json'], 'r.json'],
    [
      'clean -o x --model x',
      ['clean', 'good.csv', '--scale', 'zscore', '-o', 'x.json', '--model', 'x.json'],
      'x.json',
    ],
  ];
  for (const [name, args, names] of cases)
    it(name, async () => {
      const d = caseDir(['good.csv', 'seg.parquet'], {
        'x.json': 'keep',
        'a.json': 'keep',
        'r.json': 'keep',
      });
      const before = snapshot(d);
      const r = await runCli(args, { cwd: d });
      expectOneLine(r, 2, names);
      expect(snapshot(d)).toEqual(before);
    });
});

describe('a failing output leaves every existing destination as it was (exit 3)', () => {
  const cases: [string, string[], string][] = [
    [
      'cluster -o over a file, --model in a missing folder',
      ['cluster', 'good.csv', '--id', 'id', '--k', '3', '-o', 'old.parquet', '--model', 'nodir/m.json'],
      'nodir/m.json',
    ],
    [
      'report --json over a file, --html in a missing folder',
      ['report', 'seg.parquet', '--json', 'old.json', '--html', 'nodir/r.html'],
      'nodir/r.html',
    ],
    [
      'tune -o over a file, --plot an existing regular file',
      ['tune', 'good.csv', '--id', 'id', '--k', '2..3', '-o', 'old.json', '--plot', 'plain.txt'],
      'plain.txt',
    ],
    [
      'clean -o over a file, --model an existing folder',
      ['clean', 'good.csv', '--scale', 'zscore', '-o', 'old.parquet', '--model', 'folder'],
      'folder',
    ],
    ['report --svg over an existing file', ['report', 'seg.parquet', '--svg', 'plain.txt'], 'plain.txt'],
    [
      'predict train --model over a file, --html in a missing folder',
      [
        'predict',
        'train',
        'good.csv',
        '--id',
        'id',
        '--target',
        't',
        '--model',
        'old.json',
        '--html',
        'nodir/p.html',
      ],
      'nodir/p.html',
    ],
  ];
  for (const [name, args, names] of cases)
    it(name, async () => {
      const d = caseDir(['good.csv', 'seg.parquet'], {
        'old.parquet': 'old bytes',
        'old.json': 'old bytes',
        'plain.txt': 'old bytes',
      });
      mkdirSync(join(d, 'folder'));
      const before = snapshot(d);
      const r = await runCli(args, { cwd: d });
      expectOneLine(r, 3, names);
      expect(snapshot(d)).toEqual(before);
    });
});

// Root ignores file permissions: the CLI runs as `nobody` then.
const root = process.getuid?.() === 0;
const nobody = (() => {
  if (!root) return { uid: undefined, gid: undefined };
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('nobody:'));
    const [, , uid, gid] = line?.split(':') ?? [];
    return uid && gid ? { uid: Number(uid), gid: Number(gid) } : null;
  } catch {
    return null;
  }
})();
const binReadable = (() => {
  try {
    return (statSync(bin).mode & 0o004) !== 0;
  } catch {
    return false;
  }
})();

describe.skipIf(nobody === null || !binReadable)(
  nobody === null
    ? 'unwritable folders: skipped, the tests run as root and there is no user nobody to run the CLI as'
    : !binReadable
      ? 'unwritable folders: skipped, the built CLI is not readable by other users'
      : 'an unwritable folder is one line naming the path (exit 3; as a non-root user: root ignores permissions)',
  () => {
    for (const dest of ['locked/x.parquet', 'locked/x.csv', 'locked/x.json'])
      it(`ingest -o ${dest}`, async () => {
        const d = caseDir(['good.csv']);
        mkdirSync(join(d, 'locked'));
        chmodSync(join(d, 'locked'), 0o555);
        const r = await spawnCli(['ingest', 'good.csv', '-o', dest], { cwd: d, ...nobody });
        expectOneLine(r, 3, `cannot write ${dest}: permission denied`);
        expect(readdirSync(join(d, 'locked'))).toEqual([]);
      });

    it('the library writer itself (no guard) turns a permission error into one DataError per format', async () => {
      const d = caseDir(['good.csv']);
      mkdirSync(join(d, 'locked'));
      chmodSync(join(d, 'locked'), 0o555);
      const entry = join(bin, '..', '..', 'dist', 'index.js');
      const script = `import { readDataset, writeDataset } from ${JSON.stringify(entry)};
const ds = await readDataset('good.csv');
for (const f of ['x.csv', 'x.json', 'x.parquet']) {
  try { await writeDataset(ds, 'locked/' + f); console.log('written ' + f); }
  catch (e) { console.log(e.constructor.name + ': ' + e.message); }
}`;
      const r = await new Promise<RunResult>((resolve, reject) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
          cwd: d,
          env: { ...process.env, HOME: d },
          ...(nobody?.uid !== undefined ? { uid: nobody.uid, gid: nobody.gid } : {}),
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
        child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n')).toEqual([
        'DataError: cannot write locked/x.csv: permission denied',
        'DataError: cannot write locked/x.json: permission denied',
        'DataError: cannot write locked/x.parquet: permission denied',
      ]);
      expect(readdirSync(join(d, 'locked'))).toEqual([]);
    });

    it('cluster -o in a writable folder, --model in a locked one: nothing replaced', async () => {
      const d = caseDir(['good.csv'], { 'old.parquet': 'old bytes' });
      chmodSync(join(d, 'old.parquet'), 0o666);
      chmodSync(d, 0o777);
      mkdirSync(join(d, 'locked'));
      chmodSync(join(d, 'locked'), 0o555);
      const r = await spawnCli(
        ['cluster', 'good.csv', '--id', 'id', '--k', '3', '-o', 'old.parquet', '--model', 'locked/m.json'],
        { cwd: d, ...nobody },
      );
      expectOneLine(r, 3, 'locked/m.json');
      expect(readFileSync(join(d, 'old.parquet'), 'utf8')).toBe('old bytes');
      expect(readdirSync(d).sort()).toEqual(['good.csv', 'locked', 'old.parquet']);
    });
  },
);

describe('standard output', () => {
  it.skipIf(!existsSync('/dev/full'))(
    '-o - on a full device: one line, exit 3, no other output',
    async () => {
      for (const args of [
        ['ingest', 'good.csv', '-o', '-'],
        ['cluster', 'good.csv', '--id', 'id', '--k', '3', '-o', '-', '--model', 'm.json'],
        ['inspect', 'good.csv', '--json'],
      ]) {
        const d = caseDir(['good.csv']);
        const fd = openSync('/dev/full', 'w');
        try {
          const r = await spawnCli(args, { cwd: d, stdout: fd });
          expectOneLine(r, 3, 'cannot write to standard output: no space left on the device');
        } finally {
          closeSync(fd);
        }
        expect(readdirSync(d)).toEqual(['good.csv']);
      }
    },
  );

  it('-o - with standard output closed: one line, exit 3', async () => {
    const d = caseDir(['good.csv']);
    const r = await spawnCli(['ingest', 'good.csv', '-o', '-'], { cwd: d, shell: 'exec "$0" "$@" >&-' });
    expectOneLine(r, 3, 'cannot write to standard output: it is closed');
  });

  it('a reader that goes away early (| head) is a success', async () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => `c${i},${i % 13},${i % 7}`).join('\n');
    const d = caseDir([], { 'big.csv': `id,a,b\n${rows}\n` });
    const st = await new Promise<RunResult>((resolve, reject) => {
      const child = spawn(process.execPath, [bin, 'ingest', 'big.csv', '-o', '-'], { cwd: d });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      child.stdout.once('data', () => child.stdout.destroy());
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout: '', stderr }));
    });
    expect(st.stderr).toBe('');
    expect(st.code).toBe(0);
  });
});

describe('segment run', () => {
  const pipelineText = (source: string): string => `version: 1
name: s
id: id
source:
  path: ${source}
steps:
  - step: clean
    with: {features: [a, b], scale: zscore}
  - step: cluster
    with: {k: 3, n-init: 2}
`;
  for (const [name, source] of [
    ['a source under the name of an output', 'out/segments.parquet'],
    ['a source inside the staging folder', 'out/.segment-staging/seg.parquet'],
  ] as const)
    it(`refuses ${name} before any step (exit 2)`, async () => {
      const d = caseDir(['seg.parquet'], { 'p.yaml': pipelineText(source) });
      mkdirSync(join(d, 'out', '.segment-staging'), { recursive: true });
      copyFileSync(join(base, 'seg.parquet'), join(d, source));
      const before = snapshot(d);
      const r = await runCli(['run', 'p.yaml', '--out-dir', 'out'], { cwd: d });
      expectOneLine(r, 2, source);
      expect(snapshot(d)).toEqual(before);
    });

  it('refuses a step flag naming a file the run publishes (a cluster baseline that is its own model)', async () => {
    const text = pipelineText('seg.parquet').replace(
      '{k: 3, n-init: 2}',
      '{k: 3, n-init: 2, baseline: out/model.json}',
    );
    const d = caseDir(['seg.parquet', 'cm.json'], { 'p.yaml': text });
    mkdirSync(join(d, 'out'));
    copyFileSync(join(base, 'cm.json'), join(d, 'out', 'model.json'));
    const before = snapshot(d);
    const r = await runCli(['run', 'p.yaml', '--out-dir', 'out'], { cwd: d });
    expectOneLine(r, 2, 'the cluster --baseline file is also an output');
    expect(snapshot(d)).toEqual(before);
  });
});
