import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, runCli, tempDir } from '../helpers/cli.js';

// SIGKILL the CLI while it is writing a large output and check that the destination is never torn: it
// holds the previous file byte for byte (or nothing, when there was none). The kill is triggered by the
// writer's temp file `.<dest>.tmp-<pid>-<hex>` in the destination folder holding data (inotify, with polling
// as a fallback); an attempt counts only if that temp file is left behind incomplete, which proves the kill
// landed mid-write. A killed writer's temp file stays until the next successful write of the same output.

const tmp = tempDir('segment-atomic-');
const data = join(tmp.dir, 'data');
const out = join(tmp.dir, 'out');
const BIG_ROWS = 300_000;
const big = join(data, 'big.csv');
const small = join(data, 'small.csv');
const forestInput = join(data, 'forest.csv');

function csvRows(n: number): string {
  const lines = ['customer_id,name,country,age,income,spend,visits'];
  for (let i = 0; i < n; i++)
    lines.push(
      `C${i},"Name ${i % 997}",${['IT', 'DE', 'FR'][i % 3]},${20 + (i % 50)},` +
        `${30_000 + ((i * 7919) % 50_000)},${((i * 13) % 10_000) / 100},${i % 30}`,
    );
  return lines.join('\n') + '\n';
}

beforeAll(() => {
  mkdirSync(data);
  mkdirSync(out);
  writeFileSync(big, csvRows(BIG_ROWS));
  writeFileSync(small, csvRows(200));
  writeFileSync(forestInput, csvRows(4096));
});
afterAll(() => tmp.cleanup());

const listing = () => readdirSync(out).sort();
const tempsOf = (dest: string) => listing().filter((f) => f.startsWith(`.${dest}.tmp-`));

interface Kill {
  /** The child died of our SIGKILL (false: it finished before the temp file was seen). */
  killed: boolean;
  /** Temp files of the killed writer still in the folder: the kill landed before the rename. */
  left: string[];
}

/** Run the CLI in `out` and SIGKILL it as soon as its temp file for `dest` appears. */
function killMidWrite(args: string[], dest: string): Promise<Kill> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: out,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: 'ignore',
    });
    const prefix = `.${dest}.tmp-${child.pid}-`;
    let sent = false;
    // Kill once the temp file holds data (not merely exists): the write is then under way.
    const check = (name: string) => {
      if (sent || !name.startsWith(prefix)) return;
      if ((statSync(join(out, name), { throwIfNoEntry: false })?.size ?? 0) > 0) sent = child.kill('SIGKILL');
    };
    const watcher = watch(out, (_event, name) => check(name ?? ''));
    const poll = setInterval(() => readdirSync(out).forEach(check), 2);
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearInterval(poll);
      watcher.close();
      resolve({ killed: signal === 'SIGKILL', left: listing().filter((f) => f.startsWith(prefix)) });
    });
  });
}

/** Whether a large output is complete: Parquet footer magic, every CSV line, parseable JSON. */
function isComplete(path: string, kind: string): boolean {
  const bytes = readFileSync(path);
  if (kind === 'parquet') return bytes.length > 8 && bytes.subarray(-4).toString() === 'PAR1';
  if (kind === 'csv') return bytes.toString().split('\n').length === BIG_ROWS + 2;
  try {
    JSON.parse(bytes.toString());
    return true;
  } catch {
    return false;
  }
}

interface Target {
  kind: string;
  dest: string;
  /** A quick run writing a small `dest` (the "previous" file). */
  previous: string[];
  /** A run writing a large `dest`, to be killed. */
  large: string[];
}

const targets: Target[] = [
  ...['parquet', 'csv', 'json'].map((kind) => ({
    kind,
    dest: `customers.${kind}`,
    previous: ['ingest', small, '-o', `customers.${kind}`],
    large: ['ingest', big, '-o', `customers.${kind}`],
  })),
  {
    kind: 'model',
    dest: 'chain.json',
    previous: ['clean', small, '--id', 'customer_id', '--impute', 'median', '--model', 'chain.json'],
    // An isolation forest of 300 trees × 4096 samples: a model file of about 12 MB.
    large: [
      'clean',
      forestInput,
      '--id',
      'customer_id',
      '--outliers',
      'iforest',
      '--n-estimators',
      '300',
      '--max-samples',
      '4096',
      '--model',
      'chain.json',
    ],
  },
];

const ATTEMPTS = 3;

describe('atomic outputs under SIGKILL (built CLI)', () => {
  for (const t of targets) {
    it(`keeps the previous ${t.kind} file byte-identical when killed mid-write`, async () => {
      const dest = join(out, t.dest);
      let landed: Kill | undefined;
      let previous = Buffer.alloc(0);
      for (let attempt = 0; attempt < ATTEMPTS && !landed; attempt++) {
        const prev = await runCli(t.previous, { cwd: out });
        expect(prev.code, prev.stderr).toBe(0);
        // A normal run leaves only its output (and cleans temp files of killed runs of the same output).
        expect(tempsOf(t.dest)).toEqual([]);
        previous = readFileSync(dest);
        const k = await killMidWrite(t.large, t.dest);
        // Landed mid-write: the writer died before its rename, with a partly written temp file.
        if (k.killed && k.left.length === 1 && !isComplete(join(out, k.left[0]!), t.kind)) landed = k;
        // Whatever the timing, the destination is the previous file or a complete new one.
        else if (!readFileSync(dest).equals(previous)) expect(isComplete(dest, t.kind)).toBe(true);
      }
      expect(landed, `no kill landed mid-write in ${ATTEMPTS} attempts`).toBeDefined();
      expect(readFileSync(dest).equals(previous)).toBe(true);
      // SIGKILL gives no chance to clean up: the writer's temp file stays until the next write of `dest`.
      expect(landed!.left).toHaveLength(1);
      expect(landed!.left[0]).toMatch(/^\..+\.tmp-\d+-[0-9a-f]{8}$/);
      const next = await runCli(t.previous, { cwd: out });
      expect(next.code, next.stderr).toBe(0);
      expect(tempsOf(t.dest)).toEqual([]);
      rmSync(dest);
    });
  }

  it('leaves no file at all when there was none before the killed write', async () => {
    const dest = 'fresh.csv';
    let landed: Kill | undefined;
    for (let attempt = 0; attempt < ATTEMPTS && !landed; attempt++) {
      rmSync(join(out, dest), { force: true });
      const k = await killMidWrite(['ingest', big, '-o', dest], dest);
      if (k.killed && k.left.length === 1 && !isComplete(join(out, k.left[0]!), 'csv')) landed = k;
    }
    expect(landed, `no kill landed mid-write in ${ATTEMPTS} attempts`).toBeDefined();
    expect(existsSync(join(out, dest))).toBe(false);
    expect(listing()).toEqual(landed!.left);
    const next = await runCli(['ingest', small, '-o', dest], { cwd: out });
    expect(next.code, next.stderr).toBe(0);
    expect(listing()).toEqual([dest]);
  });
});
