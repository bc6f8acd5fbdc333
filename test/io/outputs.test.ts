import {
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError, UsageError } from '../../src/core/errors.js';
import { OutputSet, refuseInputsAmong } from '../../src/io/outputs.js';
import { tempDir } from '../helpers/cli.js';

const tmp = tempDir('segment-outputs-');
afterAll(() => tmp.cleanup());
let n = 0;
/** A fresh folder for one test. */
function folder(): string {
  const d = join(tmp.dir, `t${n++}`);
  mkdirSync(d);
  return d;
}

async function refusal(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('not refused');
}

describe('OutputSet.open: one check of every path before any work', () => {
  it('refuses an output that is an input, however it is spelled', async () => {
    const d = folder();
    const input = join(d, 'in.csv');
    writeFileSync(input, 'a\n1\n');
    symlinkSync('in.csv', join(d, 'link.csv'));
    linkSync(input, join(d, 'hard.csv'));
    mkdirSync(join(d, 'sub'));
    const spellings = [
      input,
      join(d, '.', 'in.csv'),
      join(d, 'sub', '..', 'in.csv'),
      relative(process.cwd(), input),
      join(d, 'link.csv'),
      join(d, 'hard.csv'),
    ];
    for (const out of spellings) {
      const e = await refusal(
        OutputSet.open({ inputs: [{ flag: 'input', path: input }], outputs: [{ flag: '-o', path: out }] }),
      );
      expect(e, out).toBeInstanceOf(UsageError);
      expect(e.message).toContain(out);
      expect(e.message).toContain('-o names the input');
    }
    expect(readFileSync(input, 'utf8')).toBe('a\n1\n');
  });

  it('refuses two outputs naming the same file, and a file inside a folder output', async () => {
    const d = folder();
    const e = await refusal(
      OutputSet.open({
        inputs: [],
        outputs: [
          { flag: '-o', path: join(d, 'x.json') },
          { flag: '--model', path: join(d, '.', 'x.json') },
        ],
      }),
    );
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toContain('--model and -o name the same file');
    const f = await refusal(
      OutputSet.open({
        inputs: [],
        outputs: [
          { flag: '--svg', path: join(d, 'charts'), kind: 'folder' },
          { flag: '--html', path: join(d, 'charts', 'r.html') },
        ],
      }),
    );
    expect(f.message).toContain('overlap');
  });

  it('refuses a missing folder, a folder in place of a file and a file in place of a folder', async () => {
    const d = folder();
    writeFileSync(join(d, 'file'), 'x');
    mkdirSync(join(d, 'dir'));
    const cases: [string, 'file' | 'folder', RegExp][] = [
      [join(d, 'nodir', 'x.json'), 'file', /the folder .*nodir does not exist/],
      [join(d, 'dir'), 'file', /it is a folder/],
      [join(d, 'file', 'x.json'), 'file', /is not a folder/],
      [join(d, 'file'), 'folder', /it is a file, not a folder/],
      [join(d, 'file', 'charts'), 'folder', /is a file, not a folder/],
    ];
    for (const [path, kind, message] of cases) {
      const e = await refusal(OutputSet.open({ inputs: [], outputs: [{ flag: '-o', path, kind }] }));
      expect(e, path).toBeInstanceOf(DataError);
      expect(e.message).toMatch(message);
    }
  });

  it('refuses an input that a chart folder would overwrite, before anything is committed', async () => {
    const d = folder();
    mkdirSync(join(d, 'charts'));
    writeFileSync(join(d, 'charts', 'elbow.svg'), 'old');
    const out = await OutputSet.open({
      inputs: [{ flag: '--tune', path: join(d, 'charts', 'elbow.svg') }],
      outputs: [{ flag: '--plot', path: join(d, 'charts'), kind: 'folder' }],
    });
    await out.writeText('--plot', 'new', 'silhouette.svg');
    const e = await refusal(out.writeText('--plot', 'new', 'elbow.svg'));
    expect(e.message).toContain('--plot would write over the --tune file');
    await out.abort();
    expect(readdirSync(join(d, 'charts'))).toEqual(['elbow.svg']);
  });

  it('refuses a run input among the files it publishes or inside its staging folder', async () => {
    const d = folder();
    const e = await refusal(
      refuseInputsAmong(
        [{ flag: 'source', path: join(d, 'segments.parquet') }],
        [{ flag: 'output', path: join(d, '.', 'segments.parquet') }],
      ),
    );
    expect(e.message).toContain('the source file is also an output');
    const f = await refusal(
      refuseInputsAmong(
        [{ flag: 'source', path: join(d, 'stage', 'x.csv') }],
        [],
        [{ flag: 'the staging folder', path: join(d, 'stage') }],
      ),
    );
    expect(f.message).toContain('is inside the staging folder');
  });
});

describe('OutputSet.commit: all together or not at all', () => {
  it('renames every staged file into place only at the commit', async () => {
    const d = folder();
    writeFileSync(join(d, 'a.json'), 'old a');
    const out = await OutputSet.open({
      inputs: [],
      outputs: [
        { flag: '-o', path: join(d, 'a.json') },
        { flag: '--model', path: join(d, 'b.json') },
        { flag: '--plot', path: join(d, 'charts', 'deep'), kind: 'folder' },
      ],
    });
    await out.writeText('-o', 'new a');
    await out.writeText('--model', 'new b');
    await out.writeText('--plot', '<svg/>', 'elbow.svg');
    expect(readFileSync(join(d, 'a.json'), 'utf8')).toBe('old a');
    expect(existsSync(join(d, 'b.json'))).toBe(false);
    await out.commit();
    expect(readFileSync(join(d, 'a.json'), 'utf8')).toBe('new a');
    expect(readFileSync(join(d, 'b.json'), 'utf8')).toBe('new b');
    expect(readdirSync(d).sort()).toEqual(['a.json', 'b.json', 'charts']);
    expect(readdirSync(join(d, 'charts', 'deep'))).toEqual(['elbow.svg']);
  });

  it('undoes the earlier renames when a later one fails: old bytes back, new files removed', async () => {
    const d = folder();
    writeFileSync(join(d, 'a.json'), 'old a');
    const out = await OutputSet.open({
      inputs: [],
      outputs: [
        { flag: '-o', path: join(d, 'a.json') },
        { flag: '--new', path: join(d, 'n.json') },
        { flag: '--model', path: join(d, 'b.json') },
      ],
    });
    await out.writeText('-o', 'new a');
    await out.writeText('--new', 'new n');
    await out.writeText('--model', 'new b');
    // The third destination turns into a folder after the check: its rename fails.
    mkdirSync(join(d, 'b.json'));
    const e = await refusal(out.commit());
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toContain('b.json');
    expect(readFileSync(join(d, 'a.json'), 'utf8')).toBe('old a');
    expect(readdirSync(d).sort()).toEqual(['a.json', 'b.json']);
  });

  it('abort removes the staged files and the folders it created', async () => {
    const d = folder();
    const out = await OutputSet.open({
      inputs: [],
      outputs: [
        { flag: '-o', path: join(d, 'a.csv') },
        { flag: '--svg', path: join(d, 'charts', 'deep'), kind: 'folder' },
      ],
    });
    await out.writeText('-o', 'x');
    await out.writeText('--svg', '<svg/>', 'sizes.svg');
    await out.abort();
    expect(readdirSync(d)).toEqual([]);
  });
});
