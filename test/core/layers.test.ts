import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The layering of src/: which top-level folder may import which. Every import counts — static, `export … from`,
// `import type`, `typeof import('…')` and dynamic `import('…')` — since a type-only edge still ties two folders
// together. src/index.ts, the public entry, imports everything and is exempt.

const src = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/** Every relative module specifier a TypeScript file imports or re-exports, in any form; comments and strings are skipped. */
function importsOf(text: string): string[] {
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((s) => s.startsWith('./') || s.startsWith('../'));
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** The top-level part of a path inside src/: its folder, or the module name (`index`) of a file directly in src/. */
function topOf(pathInSrc: string): string {
  const parts = pathInSrc.split(sep);
  return parts.length > 1 ? parts[0]! : parts[0]!.replace(/\.[jt]s$/, '');
}

/** One import between two top-level folders, with where it is written. */
interface Edge {
  from: string;
  to: string;
  file: string;
  specifier: string;
}

function folderEdges(): Edge[] {
  const edges: Edge[] = [];
  for (const file of tsFiles(src)) {
    const rel = relative(src, file);
    if (rel === 'index.ts') continue;
    const from = topOf(rel);
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      const target = relative(src, resolve(dirname(file), specifier));
      if (target.startsWith('..')) continue;
      const to = topOf(target);
      if (to !== from) edges.push({ from, to, file: `src/${rel.split(sep).join('/')}`, specifier });
    }
  }
  return edges;
}

const edges = folderEdges();
const folders = readdirSync(src, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);

/** The rules: `from` must not import any of `to`. */
const forbidden: { from: string; to: string[] }[] = [
  { from: 'core', to: folders.filter((f) => f !== 'core') },
  { from: 'render', to: folders.filter((f) => f !== 'render' && f !== 'core') },
  ...folders.filter((f) => f !== 'cli').map((from) => ({ from, to: ['cli', 'index'] })),
  // The command API (api/) and the pipeline runner (run/) sit above every stage; only the CLI is above them.
  ...folders.filter((f) => !['api', 'run', 'cli'].includes(f)).map((from) => ({ from, to: ['api', 'run'] })),
  { from: 'api', to: ['run'] },
  { from: 'evaluate', to: ['cluster'] },
  { from: 'cluster', to: ['stability', 'model', 'tune', 'report'] },
  { from: 'tune', to: ['report'] },
  { from: 'predict', to: ['report'] },
  { from: 'clean', to: ['select', 'cluster'] },
  { from: 'features', to: ['clean'] },
  { from: 'io', to: ['features'] },
  { from: 'forest', to: ['predict', 'select'] },
  // Profiles read the recorded chain's fitted steps (clean, select) and nothing else above core.
  { from: 'profile', to: folders.filter((f) => !['profile', 'core', 'clean', 'select'].includes(f)) },
];

/** Each broken rule as `from → to: file imports 'specifier'`. */
function violations(es: readonly Edge[]): string[] {
  return forbidden.flatMap(({ from, to }) =>
    es
      .filter((e) => e.from === from && to.includes(e.to))
      .map((e) => `${e.from} → ${e.to}: ${e.file} imports '${e.specifier}'`),
  );
}

/** A cycle of the folder graph as its path (first folder repeated at the end), or null when there is none. */
function findCycle(es: readonly Edge[]): string[] | null {
  const next = new Map<string, string[]>();
  for (const e of es) {
    const out = next.get(e.from) ?? [];
    if (!out.includes(e.to)) out.push(e.to);
    next.set(e.from, out);
  }
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'open');
    path.push(node);
    for (const to of [...(next.get(node) ?? [])].sort()) {
      if (state.get(to) === 'open') return [...path.slice(path.indexOf(to)), to];
      if (state.get(to) === undefined) {
        const found = visit(to);
        if (found) return found;
      }
    }
    path.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of [...next.keys()].sort()) {
    if (state.get(node) !== undefined) continue;
    const found = visit(node);
    if (found) return found;
  }
  return null;
}

/** The cycle's path and, for each of its steps, the imports that make it. */
function describeCycle(cycle: string[], es: readonly Edge[]): string {
  const steps = cycle.slice(1).map((to, i) => {
    const from = cycle[i]!;
    const why = es
      .filter((e) => e.from === from && e.to === to)
      .map((e) => `${e.file} imports '${e.specifier}'`);
    return `  ${from} → ${to}: ${why.join('; ')}`;
  });
  return `cycle between folders of src/: ${cycle.join(' → ')}\n${steps.join('\n')}`;
}

describe('layers of src/', () => {
  it('reads every form of import', () => {
    const text = [
      "import type { A } from './a.js';",
      "import { b,\n  type B } from '../b/b.js';",
      "export * from '../c/c.js';",
      "export { d } from './d.js';",
      "import './side.js';",
      "type T = typeof import('../t/t.js');",
      "const m = await import('../m/m.js');",
      "// import '../commented/x.js'",
      'const s = \'import("../string/x.js")\';',
      "import { readFile } from 'node:fs/promises';",
    ].join('\n');
    expect(importsOf(text)).toEqual([
      './a.js',
      '../b/b.js',
      '../c/c.js',
      './d.js',
      './side.js',
      '../t/t.js',
      '../m/m.js',
    ]);
  });

  it('sees the folder graph (sanity: the CLI stands on core and the command API)', () => {
    const seen = new Set(edges.map((e) => `${e.from} → ${e.to}`));
    expect(seen).toContain('cli → core');
    expect(seen).toContain('cli → api');
    expect(seen).toContain('run → api');
    expect(folders).toContain('render');
  });

  it('keeps every folder rule', () => {
    expect(violations(edges), 'imports that break the layering').toEqual([]);
  });

  it('has no cycle between top-level folders', () => {
    const cycle = findCycle(edges);
    expect(cycle, cycle ? describeCycle(cycle, edges) : '').toBeNull();
  });

  it('would report a forbidden import and a cycle', () => {
    const extra: Edge[] = [
      { from: 'evaluate', to: 'cluster', file: 'src/evaluate/x.ts', specifier: '../cluster/fit.js' },
      { from: 'cluster', to: 'evaluate', file: 'src/cluster/y.ts', specifier: '../evaluate/knee.js' },
    ];
    expect(violations([...edges, ...extra])).toContain(
      "evaluate → cluster: src/evaluate/x.ts imports '../cluster/fit.js'",
    );
    expect(findCycle(extra)).toEqual(['cluster', 'evaluate', 'cluster']);
  });
});
