import { describe, expect, it } from 'vitest';
import { withContentHash } from '../../src/core/content-hash.js';
import { DataError } from '../../src/core/errors.js';
import {
  expectRowLength,
  parseModel,
  problem,
  schemaParts,
  validateModel,
  type ModelSpec,
} from '../../src/core/model-schema.js';

interface Toy {
  format: 'toy';
  version: number;
  features: string[];
  rows: number[][];
  hash?: string;
}

const schema = {
  type: 'object',
  required: ['format', 'version', 'features', 'rows'],
  properties: {
    features: { type: 'array', items: schemaParts.name, minItems: 1 },
    rows: schemaParts.matrix,
  },
};
const kind: ModelSpec<Toy> = {
  format: 'toy',
  version: 2,
  name: 'toy model',
  versionLabel: 'toy model',
  schema,
  check: (m) => {
    expectRowLength(m.rows, m.features.length, 'rows');
    if (m.rows.length === 0) problem('rows', 'is empty');
  },
  hint: 'write one',
  recreate: 're-create it',
  rewrite: 'write it again',
  hash: 'optional',
};
const good: Toy = { format: 'toy', version: 1, features: ['a', 'b'], rows: [[1, 2]] };

describe('model structure checks', () => {
  it('accepts a well-formed model, sealed or not', () => {
    expect(parseModel(good, 'm.json', kind)).toEqual(good);
    expect(parseModel(withContentHash(good), 'm.json', kind).rows).toEqual([[1, 2]]);
  });

  it('names the file, the JSON path and the problem in one DataError line, with the hint', () => {
    const cases: [unknown, RegExp][] = [
      [{ ...good, features: [] }, /^m\.json: invalid model: features must have at least 1 item\(s\)$/],
      [{ ...good, rows: [[1, null]] }, /^m\.json: invalid model: rows\[0\]\[1\] must be number, got null$/],
      [
        { ...good, rows: [[1, Number.NaN]] },
        /^m\.json: invalid model: rows\[0\]\[1\] must be number, got NaN$/,
      ],
      [{ ...good, rows: [[1, Infinity]] }, /got Infinity$/],
      [
        { ...good, rows: [[1]] },
        /^m\.json: invalid model: rows\[0\] has 1 values but the model has 2 feature\(s\)$/,
      ],
      [{ ...good, rows: [] }, /^m\.json: invalid model: rows is empty$/],
      [{ format: 'toy', version: 1 }, /^m\.json: invalid model: \(top level\) 'features' is required$/],
    ];
    for (const [value, message] of cases) {
      let error: unknown;
      try {
        parseModel(value, 'm.json', kind);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DataError);
      expect((error as DataError).message).toMatch(message);
      expect((error as DataError).hint).toBe('re-create it');
    }
  });

  it('checks format, version and content hash before the structure', () => {
    expect(() => parseModel({ format: 'segment.model' }, 'm.json', kind)).toThrow(
      /^m\.json: a 'segment\.model' file, not a toy model \(no "format": "toy"\)$/,
    );
    expect(() => parseModel([1, 2], 'm.json', kind)).toThrow(/not a toy model/);
    expect(() => parseModel({ ...good, version: 3 }, 'm.json', kind)).toThrow(/toy model version 3 is newer/);
    const sealed = withContentHash(good);
    expect(() => parseModel({ ...sealed, rows: [[1, 3]] }, 'm.json', kind)).toThrow(
      /content hash does not match/,
    );
    expect(() => parseModel(good, 'm.json', { ...kind, hash: 'required' })).toThrow(/content hash/);
    expect(() => parseModel(good, 'm.json', { ...kind, hash: { fromVersion: 2 } })).not.toThrow();
  });

  it('lets errors that are not structure problems through', () => {
    const boom = new RangeError('boom');
    expect(() =>
      validateModel(good, schema, 'm.json', 'h', () => {
        throw boom;
      }),
    ).toThrow(boom);
  });
});
