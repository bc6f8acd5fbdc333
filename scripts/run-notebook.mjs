#!/usr/bin/env node
// Execute the TypeScript code cells of Jupyter notebooks (nbformat 4) in order, as one ES module run by tsx with the
// repository root as working directory, the way `npm test` checks that notebooks/ still runs.
//
//   node scripts/run-notebook.mjs notebooks/a.ipynb [more.ipynb …] [--write-outputs] [--typecheck] [--timeout S]
//
// The cells are concatenated unchanged into one module, in order (declarations of one cell are visible to the next,
// as in the kernel), each preceded by a marker that tells this script which cell is running. A cell that throws
// ends the run: the error is reported with the notebook and the cell — `cell N (code cell M)`: its position among
// all cells of the file and among the code cells, both from 1 — and the exit status is 1. Stack positions in the generated module are rewritten to
// `notebook cell N line L`. Rich outputs: the module sets the library's display hook
// (`globalThis[Symbol.for('segment.display')]`), so `display(…)` from 'segment' sends each MIME bundle (SVG or HTML
// with a text/plain fallback) on a marker line of its own. --write-outputs runs the notebook and, when every cell
// succeeds, stores each code cell's outputs in order — stdout as `stream` outputs, displays as `display_data` —
// with execution counts 1, 2, … in order; nothing is written on failure. --typecheck first
// type-checks the module strictly (the kernel, tslab, refuses to run a cell with a type error; tsx does not check).
// Exit status: 0 all notebooks ran, 1 a cell failed (or timed out), 2 bad arguments or an unreadable notebook.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clearTimeout, setTimeout } from 'node:timers';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// The generated module must sit inside the package (outside node_modules) so that `import … from 'segment'`
// resolves to this package through its "exports"; test-artifacts/ is git-ignored.
const workDir = join(root, 'test-artifacts', 'notebooks');
const MARK = '\u001e@@segment-notebook-cell@@';

function usage(message) {
  process.stderr.write(
    `run-notebook: ${message}\n` +
      'usage: node scripts/run-notebook.mjs <notebook.ipynb>… [--write-outputs] [--typecheck] [--timeout SECONDS]\n',
  );
  process.exit(2);
}

function parseArgs(argv) {
  const files = [];
  let write = false;
  let typecheck = false;
  let timeout = 120;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--write-outputs') write = true;
    else if (a === '--typecheck') typecheck = true;
    else if (a === '--timeout') {
      timeout = Number(argv[++i]);
      if (!(timeout > 0)) usage('--timeout needs a number of seconds > 0');
    } else if (a === '-h' || a === '--help') usage('help');
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else files.push(a);
  }
  if (files.length === 0) usage('no notebook given');
  return { files, write, typecheck, timeout };
}

/** The notebook's JSON and its code cells: index among all cells, ordinal among code cells, source text. */
function loadNotebook(file) {
  let nb;
  try {
    nb = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    usage(`${file}: cannot read the notebook (${e.code ?? e.message})`);
  }
  if (nb?.nbformat !== 4 || !Array.isArray(nb.cells)) usage(`${file}: not an nbformat 4 notebook`);
  const code = [];
  nb.cells.forEach((cell, index) => {
    if (cell.cell_type !== 'code') return;
    const source = Array.isArray(cell.source) ? cell.source.join('') : String(cell.source ?? '');
    code.push({ index, ordinal: code.length + 1, source });
  });
  return { nb, code };
}

/** One module: a marker before each cell, the cell's code unchanged, a final marker; and each cell's line range. */
function buildModule(code) {
  const lines = [
    `const __mark = (n: number | string): void => { process.stdout.write(${JSON.stringify(MARK)} + n + '\\n'); };`,
    // The display hook of the library (`display` from 'segment'): each MIME bundle on one marker line.
    `(globalThis as unknown as Record<symbol, unknown>)[Symbol.for('segment.display')] = (b: unknown): void => { __mark('display:' + JSON.stringify(b)); };`,
  ];
  const ranges = [];
  for (const cell of code) {
    lines.push(`__mark(${cell.ordinal});`);
    const start = lines.length + 1;
    const body = cell.source.replace(/\r\n?/g, '\n').split('\n');
    lines.push(...body);
    ranges.push({ cell, start, end: lines.length });
    lines.push(';');
  }
  lines.push(`__mark('done');`, 'export {};', '');
  return { text: lines.join('\n'), ranges };
}

function cellName(file, cell) {
  return `${file} cell ${cell.index + 1} (code cell ${cell.ordinal})`;
}

/** Rewrite `module.ts:L:C` positions to notebook cells. */
function mapPositions(text, modulePath, ranges, file) {
  const escaped = modulePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`(?:file://)?${escaped}:(\\d+)(?::(\\d+))?`, 'g');
  return text.replace(re, (whole, l) => {
    const line = Number(l);
    const r = ranges.find((x) => line >= x.start && line <= x.end);
    return r ? `${cellName(file, r.cell)} line ${line - r.start + 1}` : whole;
  });
}

/**
 * Type-check the generated module as the project's code is checked (strict, NodeNext, so `segment` resolves to
 * dist/index.d.ts through "exports"); prints the diagnostics with cell positions and returns whether there were none.
 */
async function typecheckModule(modulePath, ranges, file) {
  const ts = (await import('typescript')).default;
  const program = ts.createProgram([modulePath], {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: true,
    types: ['node'],
    noEmit: true,
  });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  for (const d of diagnostics) {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    let where = file;
    if (d.file && d.start !== undefined) {
      const line = d.file.getLineAndCharacterOfPosition(d.start).line + 1;
      const r = ranges.find((x) => line >= x.start && line <= x.end);
      where = r
        ? `${cellName(file, r.cell)} line ${line - r.start + 1}`
        : `${file} (line ${line} of the module)`;
    }
    process.stderr.write(`${where}: error TS${d.code}: ${text}\n`);
  }
  if (diagnostics.length > 0)
    process.stderr.write(
      `run-notebook: ${file}: ${diagnostics.length} type error(s); the kernel would refuse it\n`,
    );
  return diagnostics.length === 0;
}

/**
 * tslab rewrites a reference to a declaration of an earlier cell into `exports.name`, except inside a shorthand
 * property (`{ name }`), which is left as a bare name and throws `ReferenceError: name is not defined` in the kernel
 * (one module hides this). Report each such shorthand, naming the cell and line; returns whether there were none.
 */
async function checkShorthand(code, file) {
  const ts = (await import('typescript')).default;
  const earlier = new Set();
  const addNames = (n, into) => {
    if (ts.isIdentifier(n)) into.add(n.text);
    else if (ts.isObjectBindingPattern(n) || ts.isArrayBindingPattern(n))
      for (const e of n.elements) if (!ts.isOmittedExpression(e)) addNames(e.name, into);
  };
  let found = 0;
  for (const cell of code) {
    const sf = ts.createSourceFile('cell.ts', cell.source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const declared = new Set();
    const names = (n) => addNames(n, declared);
    // Every name this cell declares anywhere shadows the earlier one (conservative: no false alarms).
    const collect = (n) => {
      if (ts.isVariableDeclaration(n) || ts.isParameter(n) || ts.isBindingElement(n)) names(n.name);
      else if ((ts.isFunctionDeclaration(n) || ts.isClassDeclaration(n)) && n.name) declared.add(n.name.text);
      else if (ts.isImportSpecifier(n) || ts.isNamespaceImport(n)) declared.add(n.name.text);
      else if (ts.isImportClause(n) && n.name) declared.add(n.name.text);
      ts.forEachChild(n, collect);
    };
    collect(sf);
    const visit = (n) => {
      if (ts.isShorthandPropertyAssignment(n) && earlier.has(n.name.text) && !declared.has(n.name.text)) {
        const line = sf.getLineAndCharacterOfPosition(n.name.getStart(sf)).line + 1;
        process.stderr.write(
          `${cellName(file, cell)} line ${line}: shorthand property { ${n.name.text} } names a declaration of an ` +
            `earlier cell; the tslab kernel fails with "ReferenceError: ${n.name.text} is not defined" — ` +
            `write ${n.name.text}: ${n.name.text}\n`,
        );
        found++;
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
    // Declarations at the top level of this cell are what later cells see.
    for (const st of sf.statements) {
      if (ts.isVariableStatement(st))
        for (const d of st.declarationList.declarations) addNames(d.name, earlier);
      else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name)
        earlier.add(st.name.text);
      else if (ts.isImportDeclaration(st) && st.importClause) {
        const c = st.importClause;
        if (c.name) earlier.add(c.name.text);
        const b = c.namedBindings;
        if (b && ts.isNamespaceImport(b)) earlier.add(b.name.text);
        else if (b) for (const e of b.elements) earlier.add(e.name.text);
      }
    }
  }
  if (found > 0) {
    process.stderr.write(
      `run-notebook: ${file}: ${found} shorthand reference(s) the kernel cannot resolve\n`,
    );
  }
  return found === 0;
}

/**
 * Run one notebook; resolves with { ok, outputs } (outputs: ordinal → the cell's outputs in order, each
 * `{ kind: 'stream', text }` for stdout or `{ kind: 'display', data }` for a MIME bundle the library displayed).
 */
async function runNotebook(file, timeoutSeconds, typecheck) {
  const { nb, code } = loadNotebook(file);
  const { text, ranges } = buildModule(code);
  mkdirSync(workDir, { recursive: true });
  const modulePath = join(
    workDir,
    `${basename(file)
      .replace(/\.ipynb$/, '')
      .replace(/[^\w.-]/g, '_')}-${process.pid}-${randomBytes(3).toString('hex')}.ts`,
  );
  writeFileSync(modulePath, text);
  if (!(await checkShorthand(code, file))) {
    process.stderr.write(`run-notebook: ${file} failed (the kernel would throw)\n`);
    rmSync(modulePath, { force: true });
    return { ok: false, nb, code, outputs: new Map() };
  }
  if (typecheck && !(await typecheckModule(modulePath, ranges, file))) {
    rmSync(modulePath, { force: true });
    return { ok: false, nb, code, outputs: new Map() };
  }
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', modulePath], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const outputs = new Map();
    let current = null;
    let finished = false;
    let pending = '';
    let stderr = '';
    const take = (chunk) => {
      pending += chunk;
      let at;
      while ((at = pending.indexOf(MARK)) >= 0) {
        const nl = pending.indexOf('\n', at);
        if (nl < 0) break;
        emit(pending.slice(0, at));
        const id = pending.slice(at + MARK.length, nl);
        pending = pending.slice(nl + 1);
        if (id === 'done') {
          finished = true;
          current = null;
        } else if (id.startsWith('display:')) show(JSON.parse(id.slice('display:'.length)));
        else current = Number(id);
      }
      // Keep a possibly incomplete marker for the next chunk.
      const keep = pending.lastIndexOf(MARK[0]);
      if (keep < 0) {
        emit(pending);
        pending = '';
      } else {
        emit(pending.slice(0, keep));
        pending = pending.slice(keep);
      }
    };
    // Each cell's outputs in order: stdout text (consecutive writes joined) and rich displays.
    const cellOutputs = () => {
      if (!outputs.has(current)) outputs.set(current, []);
      return outputs.get(current);
    };
    const emit = (s) => {
      if (s === '') return;
      process.stdout.write(s);
      if (current === null) return;
      const list = cellOutputs();
      const last = list[list.length - 1];
      if (last?.kind === 'stream') last.text += s;
      else list.push({ kind: 'stream', text: s });
    };
    const show = (bundle) => {
      const types = Object.keys(bundle).filter((t) => t !== 'text/plain');
      process.stdout.write(`[display ${types.join(', ')}] ${bundle['text/plain'] ?? ''}\n`);
      if (current !== null) cellOutputs().push({ kind: 'display', data: bundle });
    };
    child.stdout.setEncoding('utf8').on('data', take);
    child.stderr.setEncoding('utf8').on('data', (s) => {
      stderr += s;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutSeconds * 1000);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      emit(pending);
      rmSync(modulePath, { force: true });
      const shownErr = mapPositions(stderr, modulePath, ranges, file);
      if (shownErr) process.stderr.write(shownErr);
      const cell = code.find((c) => c.ordinal === current);
      let ok = status === 0 && finished && !timedOut;
      if (timedOut) {
        process.stderr.write(
          `${file}: timed out after ${timeoutSeconds} s` +
            (cell ? ` in ${cellName(file, cell)}` : finished ? ' after the last cell' : '') +
            '\n',
        );
      } else if (!ok) {
        let where;
        if (cell) where = `${cellName(file, cell)} failed`;
        else if (finished)
          where = `${file} failed after the last cell (an unhandled rejection or a pending task)`;
        else {
          // Nothing ran: the module did not compile. Name the cell of the first position in the message.
          const m = /cell (\d+) \(code cell (\d+)\)/.exec(shownErr);
          where = m
            ? `${file} cell ${m[1]} (code cell ${m[2]}) does not compile`
            : `${file} does not compile`;
        }
        process.stderr.write(`run-notebook: ${where} (exit ${status ?? signal})\n`);
        ok = false;
      }
      done({ ok, nb, code, outputs });
    });
  });
}

/** Multiline text as nbformat stores it: a list of lines, each but the last ending with its newline. */
const linesOf = (text) => text.split(/(?<=\n)/);

/**
 * Store each code cell's outputs: stdout as `stream` outputs, rich displays as `display_data` outputs (SVG or HTML
 * with their text/plain fallback, MIME types in a fixed order), in the order the cell produced them; atomic write,
 * nbformat's 1-space indentation.
 */
function writeOutputs(file, nb, code, outputs) {
  const order = ['image/svg+xml', 'text/html', 'text/plain'];
  for (const c of code) {
    const cell = nb.cells[c.index];
    cell.execution_count = c.ordinal;
    cell.outputs = (outputs.get(c.ordinal) ?? []).map((o) => {
      if (o.kind === 'stream') return { name: 'stdout', output_type: 'stream', text: linesOf(o.text) };
      const data = {};
      for (const t of [...order, ...Object.keys(o.data).sort()])
        if (typeof o.data[t] === 'string' && !(t in data)) data[t] = linesOf(o.data[t]);
      return { data, metadata: {}, output_type: 'display_data' };
    });
  }
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(nb, null, 1) + '\n');
  renameSync(tmp, file);
}

const { files, write, typecheck, timeout } = parseArgs(process.argv.slice(2));
let failed = 0;
for (const f of files) {
  const file = relative(process.cwd(), resolve(f)) || f;
  process.stderr.write(`run-notebook: ${file}\n`);
  const r = await runNotebook(file, timeout, typecheck);
  if (!r.ok) {
    failed++;
    continue;
  }
  if (write) {
    writeOutputs(file, r.nb, r.code, r.outputs);
    process.stderr.write(`run-notebook: ${file}: outputs saved\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
