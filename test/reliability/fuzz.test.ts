import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { pipelineSchema } from '../../src/run/steps.js';
import { Dataset } from '../../src/core/dataset.js';
import { SegmentError, UsageError } from '../../src/core/errors.js';
import { readDataset } from '../../src/io/read.js';
import { loadPipeline } from '../../src/run/pipeline.js';
import { tempDir } from '../helpers/cli.js';

// Property: whatever bytes a user hands over, the readers and the pipeline loader either succeed or throw one of
// the library's typed errors (exit 2 or 3). Any other error type — a TypeError, a raw DuckDB exception — is a bug.

const tmp = tempDir('segment-fuzz-');
afterAll(() => tmp.cleanup());
let counter = 0;
const file = (ext: string, content: string | Uint8Array) => {
  const p = join(tmp.dir, `f${counter++}.${ext}`);
  writeFileSync(p, content);
  return p;
};

/** Run `fn`, classifying the outcome: 'ok', or the exit code of a SegmentError; anything else is rethrown. */
async function outcome<T>(fn: () => Promise<T>, check: (v: T) => void): Promise<'ok' | number> {
  try {
    check(await fn());
    return 'ok';
  } catch (e) {
    if (e instanceof SegmentError) return e.exitCode;
    throw e;
  }
}

const perRun = { timeout: 5_000, markInterruptAsFailure: true } as const;

// Characters that make CSV and JSON interesting: delimiters, quotes, escapes, line breaks, NUL, a BOM, non-ASCII.
const specials = [
  ',',
  ';',
  '\t',
  '|',
  '"',
  "'",
  '\\',
  '\n',
  '\r\n',
  '\r',
  '\0',
  '\uFEFF',
  'é',
  '€',
  '😀',
  ' ',
  '1',
  '-',
  '.',
  'e',
  'nan',
  'inf',
  'a',
  'id',
  '{',
  '}',
  '[',
  ']',
  ':',
  'null',
  'true',
];
const token = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...specials) },
  { weight: 1, arbitrary: fc.string({ maxLength: 4, unit: 'binary' }) },
  { weight: 1, arbitrary: fc.integer({ min: -1000, max: 1000 }).map(String) },
);
const text = fc.array(token, { minLength: 1, maxLength: 40 }).map((t) => t.join(''));

// Structured CSV: a header and rows with a random delimiter, some cells quoted, some rows ragged.
const csvLike = fc
  .record({
    delim: fc.constantFrom(',', ';', '\t', '|'),
    newline: fc.constantFrom('\n', '\r\n'),
    header: fc.array(fc.constantFrom('id', 'a', 'b', 'c', 'a', 'é', '"q"', ''), {
      minLength: 1,
      maxLength: 4,
    }),
    rows: fc.array(fc.array(fc.oneof(text, fc.double().map(String), fc.constant('')), { maxLength: 5 }), {
      maxLength: 6,
    }),
    bom: fc.boolean(),
  })
  .map(
    ({ delim, newline, header, rows, bom }) =>
      (bom ? '\uFEFF' : '') + [header, ...rows].map((r) => r.join(delim)).join(newline) + newline,
  );

describe('fuzz: readers return a Dataset or throw a SegmentError', () => {
  it('CSV from random characters and random structured tables', async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(text, csvLike),
        fc.uint8Array({ maxLength: 64 }),
        fc.boolean(),
        async (s, bytes, raw) => {
          const p = file('csv', raw ? bytes : s);
          const r = await outcome(
            () => readDataset(p),
            (ds) => expect(ds).toBeInstanceOf(Dataset),
          );
          seen.add(String(r));
          if (r !== 'ok') expect([2, 3]).toContain(r);
        },
      ),
      { seed: 20261123, numRuns: 200, ...perRun },
    );
    // The generator must reach both outcomes, or the property tests nothing.
    expect(seen.has('ok')).toBe(true);
    expect(seen.has('3')).toBe(true);
  }, 60_000);

  const jsonValue = fc.jsonValue({ maxDepth: 2 });
  const jsonLike = fc.oneof(
    jsonValue.map((v) => JSON.stringify(v)),
    fc
      .array(fc.dictionary(fc.constantFrom('id', 'a', 'b'), jsonValue, { maxKeys: 3 }), { maxLength: 4 })
      .map((a) => JSON.stringify(a)),
    text,
  );

  it('JSON and NDJSON from random values and random text', async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('json', 'ndjson'),
        fc.array(jsonLike, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 30 }),
        async (ext, parts, cut) => {
          let body = ext === 'json' ? parts[0]! : parts.join('\n');
          // Sometimes truncate, as a half-written file would be.
          if (cut > 20 && body.length > 2) body = body.slice(0, body.length - (cut - 20));
          const p = file(ext, body);
          const r = await outcome(
            () => readDataset(p),
            (ds) => expect(ds).toBeInstanceOf(Dataset),
          );
          seen.add(String(r));
          if (r !== 'ok') expect([2, 3]).toContain(r);
        },
      ),
      { seed: 7, numRuns: 200, ...perRun },
    );
    expect(seen.has('ok')).toBe(true);
    expect(seen.has('3')).toBe(true);
  }, 60_000);
});

describe('fuzz: the pipeline loader succeeds or throws a UsageError', () => {
  const schema = pipelineSchema();
  const valid =
    'version: 1\nsource:\n  path: data.csv\nid: customer_id\nsteps:\n  - step: clean\n    with:\n      scale: zscore\n  - step: cluster\n    with:\n      k: 4\n';
  const yamlTokens = fc.constantFrom(
    'version: 1\n',
    'source:\n',
    '  path: x.csv\n',
    'steps:\n',
    '  - step: cluster\n',
    '    with:\n',
    '      k: ',
    '4\n',
    '-1\n',
    'auto\n',
    '[',
    ']',
    '{',
    '}',
    ': ',
    '- ',
    '  ',
    '\t',
    '"',
    "'",
    '&a ',
    '*a ',
    '!!str ',
    '? ',
    '|\n',
    '>\n',
    '# c\n',
    '---\n',
    '...\n',
    '\0',
    '€',
    'null',
    '~',
    '<<: *a\n',
    'seed: ',
    'name: ',
    'outputs:\n',
    '  dir: out\n',
  );
  const yamlText = fc.oneof(
    fc.array(yamlTokens, { maxLength: 30 }).map((t) => t.join('')),
    fc
      .integer({ min: 0, max: valid.length })
      .chain((i) =>
        fc.tuple(fc.constant(i), text).map(([at, ins]) => valid.slice(0, at) + ins + valid.slice(at)),
      ),
    fc.string({ maxLength: 60 }),
  );
  const setKey = fc.constantFrom(
    'seed',
    'id',
    'steps.cluster.k',
    'steps.clean.scale',
    'steps.nope.k',
    'steps.cluster',
    'source.path',
    'outputs.dir',
    '__proto__.x',
    'steps.cluster.with.algo',
    '',
    'a..b',
    'version',
    'steps.0.k',
    'source.sample',
  );
  const setValue = fc.oneof(
    fc.constantFrom(
      '6',
      '-1',
      '0',
      'auto',
      'true',
      '[a, b]',
      '{x: 1}',
      '',
      'null',
      '1e999',
      '"',
      '[',
      'kmeans',
    ),
    fc.string({ maxLength: 8 }),
  );
  const setString = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(setKey, setValue).map(([k, v]) => `${k}=${v}`) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );

  it('random YAML-ish text and random --set strings', async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(yamlText, fc.array(setString, { maxLength: 3 }), async (yaml, sets) => {
        const p = file('yaml', yaml);
        try {
          const { pipeline, configHash } = await loadPipeline(p, schema, sets);
          expect(pipeline.version).toBe(1);
          expect(configHash).toMatch(/^sha256:[0-9a-f]{64}$/);
          seen.add('ok');
        } catch (e) {
          if (!(e instanceof UsageError)) throw e;
          expect(e.message).not.toContain('\n');
          seen.add('usage');
        }
      }),
      {
        seed: 42,
        numRuns: 300,
        ...perRun,
        // Inputs that once escaped as a ReferenceError (an alias without its anchor) and a TypeError (a null step).
        examples: [
          ['*a ', []],
          ['version: 1\nsource:\n  path: x.csv\nsteps:\n  - step: cluster\n  -\n', ['steps.nope.k=6']],
        ],
      },
    );
    expect(seen.has('ok')).toBe(true);
    expect(seen.has('usage')).toBe(true);
  }, 60_000);
});
