import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, tempDir } from '../helpers/cli.js';

// The package as users get it: `npm pack`, installed from the tarball into an empty prefix, runs without the
// source tree (dist/ ships in the tarball; prepare builds it on `npm ci` in a clone).

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');
const tmp = tempDir('segment-package-');
afterAll(() => tmp.cleanup());

describe('the packed package', () => {
  it('installs from its tarball into an empty prefix; segment --version and cluster work', () => {
    const packDir = join(tmp.dir, 'pack');
    const prefix = join(tmp.dir, 'prefix');
    mkdirSync(packDir);
    mkdirSync(prefix);
    // dist/ is already built by the test run: --ignore-scripts keeps pack from rebuilding it under running tests.
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', packDir], {
      cwd: root,
      stdio: 'pipe',
    });
    const tarball = readdirSync(packDir).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    const install = spawnSync(
      'npm',
      ['install', '--prefix', prefix, join(packDir, tarball!), '--no-audit', '--no-fund', '--prefer-offline'],
      { encoding: 'utf8' },
    );
    expect(install.status, install.stderr).toBe(0);
    const bin = join(prefix, 'node_modules', '.bin', 'segment');
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(execFileSync(bin, ['--version'], { encoding: 'utf8', cwd: tmp.dir }).trim()).toBe(version.version);
    const out = spawnSync(
      bin,
      ['cluster', join(fixtures, 'blobs.csv'), '--exclude', 'label', '--k', '4', '-o', '-'],
      {
        encoding: 'utf8',
        cwd: tmp.dir,
      },
    );
    expect(out.status, out.stderr).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines[0]).toBe('x0,x1,x2,x3,segment');
    expect(lines).toHaveLength(601);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[4]))).toEqual(new Set(['0', '1', '2', '3']));
  }, 900_000);

  it('a checkout without a build says so in one line', () => {
    // A copy of bin/ without dist/ beside it.
    const bare = join(tmp.dir, 'bare');
    mkdirSync(join(bare, 'bin'), { recursive: true });
    execFileSync('cp', [join(root, 'bin', 'segment.js'), join(bare, 'bin', 'segment.js')]);
    const missing = spawnSync(process.execPath, [join(bare, 'bin', 'segment.js'), '--help'], {
      encoding: 'utf8',
    });
    expect(missing.status).toBe(4);
    expect(missing.stderr.trim().split('\n')).toEqual([
      'segment: the program is not built (dist/cli/main.js is missing) (hint: run `npm run build` in the segment folder, or reinstall)',
    ]);
  });
});
