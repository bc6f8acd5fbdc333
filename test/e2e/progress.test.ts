import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bin, runCli, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** 40,000 seeded gaussian rows in 4-D: no structure, so k-means restarts take many iterations. */
function writeGaussian(path: string, n: number, seed = 12345): string {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const lines = ['x,y,z,w'];
  for (let i = 0; i < n; i++)
    lines.push([gauss(), gauss(), gauss(), gauss()].map((v) => v.toFixed(5)).join(','));
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const data = writeGaussian(join(tmp.dir, 'gauss.csv'), 40_000);
const args = (out: string) => ['cluster', data, '--k', '8', '--n-init', '8', '-o', join(tmp.dir, out)];

/** Run the built CLI under a real pseudo-terminal (util-linux `script`): everything it prints, as the terminal got it. */
function runInPty(cliArgs: string[]): Promise<{ code: number; output: string }> {
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, bin, ...cliArgs].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { ...process.env, NO_COLOR: '1', COLUMNS: '200' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

describe('progress on long work (built CLI)', () => {
  it('on a terminal: a redrawn line whose counter and elapsed time advance, cleared before the result', async () => {
    const r = await runInPty(args('pty.parquet'));
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('\x1b[K');
    const frames = r.output.split('\r').map((f) => f.split('\x1b[K').join(''));
    const restarts = new Set<string>();
    const elapsed = new Set<string>();
    for (const f of frames) {
      const m = /k-means restart (\d+)\/8\b.* (\d+s)$/.exec(f);
      if (m) {
        restarts.add(m[1]!);
        elapsed.add(m[2]!);
      }
    }
    expect(restarts.size, r.output).toBeGreaterThanOrEqual(2);
    expect(elapsed.size, r.output).toBeGreaterThanOrEqual(1);
    // every frame of the line ends with the elapsed time
    expect([...elapsed].every((e) => /^\d+s$/.test(e))).toBe(true);
    // the line is cleared before the summary: nothing of the bar is left on the last line
    const last = r.output.lastIndexOf('\r\x1b[K');
    const after = r.output.slice(last + 4);
    expect(after).toMatch(/^8 segment\(s\) of 40,000 rows/);
    expect(after).not.toContain('k-means restart');
    expect(after).not.toContain('\x1b');
  });

  it('stderr piped: no control codes; with --log-format json -v, JSON progress lines with done and total', async () => {
    const plain = await runCli(args('plain.parquet'));
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).not.toContain('\x1b');
    expect(plain.stderr).not.toContain('\r');
    expect(plain.stderr).not.toContain('k-means restart');

    const json = await runCli(['--log-format', 'json', '--log-level', 'debug', ...args('json.parquet')]);
    expect(json.code, json.stderr).toBe(0);
    expect(json.stderr).not.toContain('\x1b');
    const records = json.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const restarts = records.filter((r) => r.label === 'k-means restart');
    expect(restarts.length).toBeGreaterThanOrEqual(2);
    for (const r of restarts) {
      expect(r.level).toBe('debug');
      expect(r.total).toBe(8);
      expect(typeof r.done).toBe('number');
      expect(typeof r.seconds).toBe('number');
    }
    expect(restarts[0]!.done).toBe(0);
    expect(restarts.at(-1)!.done).toBe(8);

    // without debug, JSON logs carry no progress
    const info = await runCli(['--log-format', 'json', ...args('info.parquet')]);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stderr).not.toContain('"label"');
  });

  it('--quiet on a terminal: no progress at all', async () => {
    const r = await runInPty(['-q', ...args('quiet.parquet')]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toContain('\x1b');
    expect(r.output).not.toContain('k-means restart');
  });
});
