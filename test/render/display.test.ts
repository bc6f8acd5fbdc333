import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { categoricalColumn, Dataset, numericColumn, stringColumn } from '../../src/core/dataset.js';
import { lineChartSpec, type ReportChart } from '../../src/render/charts.js';
import {
  display,
  displayHookKey,
  escapeHtml,
  richOutput,
  toHtmlTable,
  toSvg,
  toTextTable,
  type MimeBundle,
} from '../../src/render/display.js';

const spec = lineChartSpec(
  [
    { x: 2, y: 10 },
    { x: 3, y: 6 },
    { x: 4, y: 5 },
  ],
  { title: 'elbow <k>', xTitle: 'k', yTitle: 'inertia', integerX: true, rule: { x: 3, label: 'knee k=3' } },
);
const chart: ReportChart = { id: 'elbow', title: 'Elbow & knee', spec };

const dataset = Dataset.of([
  stringColumn('id', ['a<1>', 'b&2', null]),
  numericColumn('spend', Float64Array.of(1234.5678, Number.NaN, -0.5)),
  categoricalColumn('plan', Int32Array.of(0, 1, -1), ['basic', 'pro "plus"']),
  numericColumn('signup', Float64Array.of(Date.UTC(2026, 0, 2), Date.UTC(2026, 1, 3), Number.NaN), 'date'),
]);

describe('escapeHtml', () => {
  it('escapes the five characters that matter in content and attributes', () => {
    expect(escapeHtml(`<a href="x">Tom & 'Jerry'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;',
    );
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
  });
});

describe('toSvg', () => {
  it('renders a spec or a chart to the same SVG bytes every time', async () => {
    const a = await toSvg(spec);
    const b = await toSvg(chart);
    const c = await toSvg(structuredClone(spec));
    expect(a.startsWith('<svg')).toBe(true);
    expect(a).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(a).toBe(b);
    expect(a).toBe(c);
    // Offline: no scripts, no external references.
    expect(a).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    // The title is text in the SVG, escaped.
    expect(a).toContain('elbow &lt;k&gt;');
  }, 30_000);
});

describe('toHtmlTable', () => {
  it('writes a dataset with every text escaped, numbers formatted and right-aligned, missing cells empty', () => {
    const html = toHtmlTable(dataset);
    expect(html).toBe(
      [
        '<table style="border-collapse:collapse;font-variant-numeric:tabular-nums">',
        '<thead><tr><th>id</th><th style="text-align:right">spend</th><th>plan</th><th>signup</th></tr></thead>',
        '<tbody>',
        '<tr><td>a&lt;1&gt;</td><td style="text-align:right">1,235</td><td>basic</td><td>2026-01-02</td></tr>',
        '<tr><td>b&amp;2</td><td style="text-align:right"></td><td>pro &quot;plus&quot;</td><td>2026-02-03</td></tr>',
        '<tr><td></td><td style="text-align:right">\u22120.5</td><td></td><td></td></tr>',
        '</tbody>',
        '</table>',
      ].join('\n'),
    );
    expect(html).not.toMatch(/<script|class=/);
    expect(toHtmlTable(dataset)).toBe(html);
  });

  it('keeps the columns asked for, cuts at maxRows and says how many rows are left, escapes the caption', () => {
    const html = toHtmlTable(dataset, { columns: ['spend', 'id'], maxRows: 1, caption: 'a & b', digits: 2 });
    expect(html).toContain('<caption style="text-align:left;font-weight:bold">a &amp; b</caption>');
    expect(html).toContain('<th style="text-align:right">spend</th><th>id</th>');
    expect(html).toContain('<td style="text-align:right">1,235</td><td>a&lt;1&gt;</td>');
    expect(html).toContain('<tfoot><tr><td colspan="2">… 2 more rows (3 in all)</td></tr></tfoot>');
    expect(html.match(/<tr>/g)).toHaveLength(3);
  });

  it('writes rows given as objects: keys in order of appearance, numbers right-aligned, other values as text', () => {
    const html = toHtmlTable([
      { segment: 0, name: '<b>loyal</b>', share: 0.25 },
      { segment: 1, share: null, extra: true },
    ]);
    expect(html).toContain(
      '<thead><tr><th style="text-align:right">segment</th><th>name</th><th style="text-align:right">share</th><th>extra</th></tr></thead>',
    );
    expect(html).toContain('<td>&lt;b&gt;loyal&lt;/b&gt;</td>');
    expect(html).toContain('<td style="text-align:right">0.25</td><td></td></tr>');
    expect(html).toContain('<td></td><td style="text-align:right"></td><td>true</td></tr>');
  });
});

describe('toTextTable', () => {
  it('aligns the same cells as plain text', () => {
    expect(toTextTable(dataset, { columns: ['id', 'spend'] })).toBe(
      ['id    spend', 'a<1>  1,235', 'b&2', '       \u22120.5'].join('\n'),
    );
  });
});

describe('richOutput and display', () => {
  afterEach(() => {
    delete (globalThis as Record<symbol, unknown>)[displayHookKey];
    vi.restoreAllMocks();
  });

  it('gives SVG for a chart or spec, HTML for a dataset, rows or several charts, each with a text fallback', async () => {
    const one = await richOutput(chart);
    expect(Object.keys(one).sort()).toEqual(['image/svg+xml', 'text/plain']);
    expect(one['text/plain']).toBe('[chart: Elbow & knee]');
    expect((await richOutput(spec))['text/plain']).toBe('[chart: elbow <k>]');
    const table = await richOutput(dataset, { maxRows: 2 });
    expect(table['text/html']).toBe(toHtmlTable(dataset, { maxRows: 2 }));
    expect(table['text/plain']).toBe(toTextTable(dataset, { maxRows: 2 }));
    const rows = await richOutput([{ a: 1 }]);
    expect(rows['text/html']).toContain('<td style="text-align:right">1</td>');
    const two = await richOutput([chart, { ...chart, id: 'again', title: 'Again' }]);
    expect(two['text/html']!.match(/<svg/g)).toHaveLength(2);
    expect(two['text/plain']).toBe('[chart: Elbow & knee]\n[chart: Again]');
    expect(await richOutput({ svg: '<svg/>', text: 'x' })).toEqual({
      'text/plain': 'x',
      'image/svg+xml': '<svg/>',
    });
    await expect(richOutput({ nothing: 1 } as never)).rejects.toThrow(/not a chart/);
  }, 30_000);

  it('sends the bundle to the runtime hook when there is one, and prints the text fallback otherwise', async () => {
    const seen: MimeBundle[] = [];
    (globalThis as Record<symbol, unknown>)[displayHookKey] = (b: MimeBundle) => seen.push(b);
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await display([{ a: '<x>' }])).toBeUndefined();
    expect(seen).toEqual([await richOutput([{ a: '<x>' }])]);
    expect(seen[0]!['text/html']).toContain('&lt;x&gt;');
    expect(write).not.toHaveBeenCalled();

    delete (globalThis as Record<symbol, unknown>)[displayHookKey];
    await display([{ a: '<x>' }]);
    expect(write).toHaveBeenCalledWith('a\n<x>\n');
  });

  it("sends the whole bundle through the tslab kernel's channel of the running cell", async () => {
    // What the kernel sets up: `__tslab__` for cell code, and its jupyter module holding the cell's channel.
    const cache = createRequire(import.meta.url).cache;
    const key = join(tmpdir(), 'node_modules', 'tslab', 'dist', 'jupyter.js');
    const sent: unknown[] = [];
    cache[key] = {
      exports: { lastWriteDisplayData: (d: unknown, update: boolean) => sent.push({ d, update }) },
    } as unknown as NodeJS.Module;
    const g = globalThis as { __tslab__?: unknown };
    g.__tslab__ = { require: () => ({}) };
    try {
      await display(chart);
      const bundle = await richOutput(chart);
      expect(sent).toEqual([{ d: { data: bundle, metadata: {}, transient: {} }, update: false }]);
    } finally {
      delete cache[key];
      delete g.__tslab__;
    }
  });
});
