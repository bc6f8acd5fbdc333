import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Amounts in the millions next to a centred column whose segment means are floating-point noise (±1.85e-17). */
const csv = `amount,centred,segment
1234567.891,0.1,0
2345678.912,0.2,0
3456789.123,-0.3,0
11.5,0.7,1
12.25,0.1,1
13.125,-0.8,1
`;
/** A number in exponent notation (1e-15, 2.5E+7), not a hash or a word holding an "e". */
const exponent = /(?<![\w.])\d+(\.\d+)?e[-+\u2212]?\d+(?!\w)/i;

describe('numbers in the report are written for people', () => {
  it('text output and page: grouped thousands, no exponent, noise means as 0; JSON keeps full precision', async () => {
    const path = join(tmp.dir, 'n.csv');
    writeFileSync(path, csv);
    const html = join(tmp.dir, 'n.html');
    const json = join(tmp.dir, 'n.json');
    const r = await runCli(['report', path, '--html', html, '--json', json]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^segment\s+name\s+size\s+share %\s+amount\s+centred$/);
    const cells = (line: string) => line.trim().split(/\s{2,}/);
    expect(cells(lines[1]!)).toEqual(['0', 'Big spenders', '3', '50.0', '2,345,679', '0']);
    expect(cells(lines[2]!)).toEqual(['1', 'Low spenders', '3', '50.0', '12.3', '0']);
    expect(cells(lines[3]!)).toEqual(['all', '6', '100.0', '1,172,845', '0']);
    expect(r.stdout).toMatch(/inertia \d{1,3}(,\d{3})+\n/);
    expect(r.stdout).not.toMatch(exponent);

    const page = readFileSync(html, 'utf8');
    const tables = page.slice(page.indexOf('<body>'), page.indexOf('<script'));
    expect(tables).toContain('>2,345,679</span></td>');
    expect(tables).toContain('<td>50\u00a0%</td>');
    expect(tables).not.toMatch(exponent);
    expect(tables).not.toMatch(/>\u2212?0\.0+\d/); // the centred means

    const rep = JSON.parse(readFileSync(json, 'utf8'));
    expect(rep.segments[0].profile[0].mean).toBeCloseTo(2345678.642, 6);
    expect(Math.abs(rep.segments[0].profile[1].mean)).toBeGreaterThan(0);
    expect(Math.abs(rep.segments[0].profile[1].mean)).toBeLessThan(1e-15);
  });
});
