import { describe, expect, it } from 'vitest';
import { fixtures, runCli } from '../helpers/cli.js';
import { join } from 'node:path';

/** Every stderr line parsed as JSON (fails the test on a bare text line). */
function records(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('errors under --log-format json', () => {
  it('a data error is one JSON record with its exit code, like every other line', async () => {
    const r = await runCli(['--log-format', 'json', 'inspect', 'no-such-file.csv']);
    expect(r.code).toBe(3);
    const last = records(r.stderr).at(-1)!;
    expect(last).toMatchObject({ level: 'error', exitCode: 3 });
    expect(String(last['msg'])).toMatch(/^segment: .*no-such-file\.csv/);
  });

  it('a usage error found while parsing (after the option) is JSON too; --debug adds the stack as a field', async () => {
    const r = await runCli([
      '--log-format=json',
      'cluster',
      join(fixtures, 'blobs.csv'),
      '--k',
      'x',
      '--debug',
    ]);
    expect(r.code).toBe(2);
    const [only] = records(r.stderr);
    expect(only).toMatchObject({ level: 'error', exitCode: 2 });
    const internal = await runCli(['--log-format', 'json', '--debug', 'inspect', 'no-such-file.csv']);
    expect(records(internal.stderr).at(-1)!['stack']).toEqual(expect.stringContaining('Error'));
  });

  it('text logs keep the plain one-line error', async () => {
    const r = await runCli(['inspect', 'no-such-file.csv']);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^segment: /);
  });
});
