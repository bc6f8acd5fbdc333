import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterModel } from '../../src/cluster/cluster-model.js';
import type { SegmentIdentity } from '../../src/cluster/identity.js';
import {
  keptSegmentNames,
  loadSegmentNames,
  segmentDisplayName,
  segmentFileStem,
  segmentNameColumn,
  withSegmentNames,
} from '../../src/cluster/segment-names.js';
import { cellText } from '../../src/core/dataset.js';
import { DataError } from '../../src/core/errors.js';
import { bundleModel, bundleText, loadModel } from '../../src/model/bundle.js';

const dir = mkdtempSync(join(tmpdir(), 'segment-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function failure(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DataError);
  const message = (e as DataError).message;
  expect(message.split('\n')).toHaveLength(1);
  return message;
}

const km = {
  format: 'segment.model',
  version: 2,
  toolVersion: 'test',
  algorithm: 'kmeans',
  features: ['a', 'b'],
  id: null,
  nRows: 6,
  noise: 0,
  segments: [
    { segment: 0, size: 3, centroid: [0, 0] },
    { segment: 1, size: 2, centroid: [5, 5] },
    { segment: 4, size: 1, centroid: [9, 0] },
  ],
  params: {},
  exceptions: [],
  centroids: [
    [0, 0],
    [5, 5],
    [9, 0],
  ],
  centroidSegment: [0, 1, 4],
  inertia: 0,
  nIter: 1,
} as unknown as ClusterModel;

describe('loadSegmentNames', () => {
  it('reads YAML and JSON, names alone or with descriptions', async () => {
    const yaml = file(
      'names.yaml',
      [
        '0: Champions',
        '1:',
        '  name: "  At risk "',
        '  description: bought often, not lately',
        '4: {name: New, description: ""}',
        '-1: Unmatched',
      ].join('\n'),
    );
    expect(await loadSegmentNames(yaml)).toEqual(
      new Map([
        [0, { name: 'Champions', description: null }],
        [1, { name: 'At risk', description: 'bought often, not lately' }],
        [4, { name: 'New', description: null }],
        [-1, { name: 'Unmatched', description: null }],
      ]),
    );
    const json = file('names.json', JSON.stringify({ 2: 'It\'s "big"', 3: { name: 'Later' } }));
    expect(await loadSegmentNames(json)).toEqual(
      new Map([
        [2, { name: 'It\'s "big"', description: null }],
        [3, { name: 'Later', description: null }],
      ]),
    );
  });

  it('refuses bad files and entries in one line naming the file and line', async () => {
    const cases: [string, RegExp][] = [
      ['0: [a, b', /bad1\.yaml:\d+: not a valid JSON or YAML mapping$/],
      ['- Champions\n- At risk\n', /bad2\.yaml: expected a mapping of segment numbers to names$/],
      ['0: Champions\nx: At risk\n', /bad3\.yaml:2: 'x' is not a segment number$/],
      ['0: a\n-2: b\n', /bad4\.yaml:2: '-2' is not a segment number$/],
      ['0: a\n1.5: b\n', /bad5\.yaml:2: '1\.5' is not a segment number$/],
      ['0: a\n1: ""\n', /bad6\.yaml:2: the name of segment 1 must be a non-empty text$/],
      ['0: a\n1: 42\n', /bad7\.yaml:2: the name of segment 1 must be a non-empty text$/],
      ['0: {name: a, desc: b}\n', /bad8\.yaml:1: segment 0: unknown key 'desc'$/],
      ['0:\n  description: b\n', /bad9\.yaml:2: segment 0 has no name$/],
      ['0: {name: a, description: [x]}\n', /bad10\.yaml:1: the description of segment 0 must be text$/],
      ['0: a\n1: [x, y]\n', /bad11\.yaml:2: segment 1: expected a name, got a list$/],
      ['0: "two\\nlines"\n', /bad12\.yaml:1: the name of segment 0 must be one line of text$/],
      ['{"0": "a",\n "00": "b"}', /bad13\.yaml:2: segment 0 is named twice$/],
      ['0: a\n0: b\n', /bad14\.yaml:\d+: not a valid JSON or YAML mapping$/],
    ];
    for (const [i, [text, re]] of cases.entries()) {
      expect(await failure(loadSegmentNames(file(`bad${i + 1}.yaml`, text))), text).toMatch(re);
    }
    expect(await failure(loadSegmentNames(join(dir, 'none.yaml')))).toMatch(
      /none\.yaml: names file not found$/,
    );
  });
});

describe('names in the cluster model', () => {
  it('survive save and load, are covered by the content hash, and a model without names still loads', async () => {
    const plain = file('plain.json', bundleText(bundleModel(km, [])));
    const loaded = await loadModel(plain);
    expect(loaded.segments.map((s) => s.name)).toEqual([undefined, undefined, undefined]);
    expect(segmentDisplayName(loaded, 4)).toBe('Segment 4');

    const names = new Map([
      [0, { name: 'Champions', description: 'the best' }],
      [4, { name: 'New', description: null }],
    ]);
    const named = bundleModel(withSegmentNames(loaded, names, 'names.yaml'), []);
    const text = bundleText(named);
    const back = await loadModel(file('named.json', text));
    expect(bundleText(back)).toBe(text);
    expect(back.segments.map((s) => [s.name, s.description])).toEqual([
      ['Champions', 'the best'],
      [undefined, undefined],
      ['New', undefined],
    ]);
    expect(named.hash).not.toBe(bundleModel(km, []).hash);
    expect(segmentDisplayName(back, 0)).toBe('Champions');
    expect(segmentDisplayName(back, 1)).toBe('Segment 1');
    expect(segmentDisplayName(back, -1)).toBe('Noise');

    const edited = file('edited.json', text.replace('"Champions"', '"Losers"'));
    expect(await failure(loadModel(edited))).toMatch(/edited\.json: content hash does not match/);
    const { hash: _h, ...unsealed } = JSON.parse(text.replace('"Champions"', '""')) as ClusterModel;
    expect(
      await failure(loadModel(file('empty-name.json', JSON.stringify({ ...unsealed, version: 1 })))),
    ).toMatch(/empty-name\.json: invalid model: segments\[0\]\.name/);

    // Names are replaced, not merged: a segment left out of the new names loses its old one.
    const renamed = withSegmentNames(back, new Map([[1, { name: 'Middle', description: null }]]));
    expect(renamed.segments.map((s) => s.name)).toEqual([undefined, 'Middle', undefined]);
    expect('hash' in renamed).toBe(false);
  });

  it('refuses a number that is not a segment of the model, naming it', () => {
    for (const n of [2, -1]) {
      expect(() =>
        withSegmentNames(km, new Map([[n, { name: 'x', description: null }]]), 'names.yaml'),
      ).toThrow(new RegExp(`^names\\.yaml: names segment ${n}, which is not a segment of the model$`));
    }
  });

  it("keeps the baseline's names of the segments a new fit continues", () => {
    const baseline = withSegmentNames(
      km,
      new Map([
        [0, { name: 'Champions', description: 'the best' }],
        [1, { name: 'At risk', description: null }],
        [4, { name: 'New', description: null }],
      ]),
    );
    const identity = {
      baseline: null,
      method: 'members',
      matched: [
        { segment: 0, baseline: 0, size: 3 },
        { segment: 4, baseline: 4, size: 1 },
      ],
      new: [{ segment: 5, size: 2, closest: null }],
      vanished: [{ segment: 1, size: 2 }],
      retired: [1],
    } as unknown as SegmentIdentity;
    expect(keptSegmentNames(baseline, identity)).toEqual(
      new Map([
        [0, { name: 'Champions', description: 'the best' }],
        [4, { name: 'New', description: null }],
      ]),
    );
  });

  it('names label columns and files', () => {
    const named = withSegmentNames(km, new Map([[1, { name: 'Recent Big Spenders', description: null }]]));
    const col = segmentNameColumn(named, Int32Array.from([1, 0, -1, 4, 1]), 'segment_name');
    expect([0, 1, 2, 3, 4].map((i) => cellText(col, i))).toEqual([
      'Recent Big Spenders',
      'Segment 0',
      'Noise',
      'Segment 4',
      'Recent Big Spenders',
    ]);
    expect(segmentFileStem(2, 'Recent big spenders')).toBe('2-recent-big-spenders');
    expect(segmentFileStem(3, "  Kids' Clothes / Été ")).toBe('3-kids-clothes-ete');
    expect(segmentFileStem(0, '../../etc/passwd')).toBe('0-etc-passwd');
    expect(segmentFileStem(5, '€€€')).toBe('5');
    expect(segmentFileStem(-1, 'Noise')).toBe('noise');
    expect(segmentFileStem(1, 'x'.repeat(200))).toBe('1-' + 'x'.repeat(60));
  });
});
