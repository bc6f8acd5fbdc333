import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanModelKind } from '../../src/clean/clean-model.js';
import { clusterModelKind, type ClusterModel } from '../../src/cluster/cluster-model.js';
import { withContentHash } from '../../src/core/content-hash.js';
import { DataError } from '../../src/core/errors.js';
import { loadModelFile } from '../../src/core/model-kind.js';
import { checkChain, chainStepKind } from '../../src/model/kinds.js';
import { predictModelKind } from '../../src/predict/predict-model.js';
import { selectModelKind } from '../../src/select/select-model.js';

const dir = mkdtempSync(join(tmpdir(), 'model-kind-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const km = {
  format: 'segment.model',
  version: 1,
  toolVersion: 'test',
  algorithm: 'kmeans',
  features: ['a', 'b'],
  id: null,
  nRows: 2,
  noise: 0,
  segments: [{ segment: 0, size: 2, centroid: [0, 0] }],
  params: {},
  exceptions: [],
  centroids: [[0, 0]],
  centroidSegment: [0],
  inertia: 0,
  nIter: 1,
} as unknown as ClusterModel;

function file(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value) + '\n');
  return path;
}

async function failure(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DataError);
  return (e as DataError).message;
}

describe('loadModelFile', () => {
  it('loads a file as the kind its format names, and writes it back byte for byte', async () => {
    const sealed = withContentHash({ ...km, version: 2 });
    const text = clusterModelKind.toJSON(sealed);
    const path = file('km.json', text);
    expect(clusterModelKind.toJSON(await loadModelFile(path, clusterModelKind))).toBe(text);
    expect(await loadModelFile(path, [predictModelKind, clusterModelKind])).toEqual(sealed);
  });

  it('names the file, and what it is when it is another segment file', async () => {
    expect(await failure(loadModelFile(join(dir, 'none.json'), cleanModelKind))).toBe(
      `${join(dir, 'none.json')}: clean model file not found`,
    );
    expect(await failure(loadModelFile(file('text.json', 'not json'), selectModelKind))).toMatch(
      /text\.json: not a JSON select model file$/,
    );
    expect(await failure(loadModelFile(file('km1.json', km), cleanModelKind))).toMatch(
      /km1\.json: a 'segment\.model' file, not a segment clean model \(no "format": "segment\.clean-model"\)$/,
    );
  });

  it('checks a content hash the file has at every version; a missing one only where the kind requires it', async () => {
    expect(await loadModelFile(file('v1.json', km), clusterModelKind)).toEqual(km);
    const edited = { ...withContentHash(km), inertia: 1 };
    expect(await failure(loadModelFile(file('v1-edited.json', edited), clusterModelKind))).toMatch(
      /v1-edited\.json: content hash does not match/,
    );
    expect(
      await failure(loadModelFile(file('v2-bare.json', { ...km, version: 2 }), clusterModelKind)),
    ).toMatch(/v2-bare\.json: content hash does not match/);
  });
});

describe('step kind registry', () => {
  it('knows the chain stages by name, and nothing inherited', () => {
    expect(chainStepKind('clean')?.format).toBe('segment.clean-model');
    expect(chainStepKind('select')?.format).toBe('segment.select-model');
    expect(chainStepKind('constructor')).toBeUndefined();
    expect(chainStepKind('cluster')).toBeUndefined();
  });

  it('checks each known stage of a chain, named by its position', () => {
    expect(() => checkChain([{ stage: 'later', model: {} }], 'm.json')).not.toThrow();
    expect(() => checkChain([{ stage: 'select', model: { format: 'segment.model' } }], 'm.json')).toThrow(
      /^m\.json \(chain stage 1\): a 'segment\.model' file, not a segment select model/,
    );
  });
});
