import { constants, fstatSync, readFileSync, statSync, type Stats } from 'node:fs';
import {
  access,
  link,
  mkdir,
  realpath,
  rename,
  rm,
  rmdir,
  stat,
  writeFile,
  copyFile,
} from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { Dataset } from '../core/dataset.js';
import { DataError, UsageError } from '../core/errors.js';
import { asWriteError, removeStaleTemps, tempName } from './atomic.js';
import { outputFormatOf } from './format.js';
import { stdoutError, writeDataset, writeDatasetFile, type WriteOptions } from './write.js';

/**
 * The outputs of one command, checked before any work and committed all together or not at all.
 *
 * A command declares every path it reads and every path it writes. {@link OutputSet.open} resolves them (the real
 * path of an existing file or of the folder it would be written to, and device + inode of existing files, so
 * `./x`, `../dir/x`, symbolic and hard links all compare equal) and refuses, before anything is read or computed:
 * an output that is one of the inputs, two outputs naming the same file, an output whose folder is missing, is not
 * a folder or is not writable, an output that is an existing folder, a chart folder that is an existing file, and
 * `-` when standard output is closed.
 *
 * Each output is then written to a temporary file `.<name>.tmp-<pid>-<random>` next to its destination
 * ({@link OutputSet.path}, {@link OutputSet.writeText}, {@link OutputSet.writeDataset}); {@link OutputSet.commit}
 * renames them into place only once every one has been written. An existing destination is first hard-linked to a
 * backup: when the k-th rename fails, the k−1 earlier ones are undone (old files back, new files removed) and the
 * backups are removed only after the last rename. {@link OutputSet.abort} removes the temporary files and any chart
 * folder the set created. Standard output (`-`) is written as the command goes and cannot be taken back: it is the
 * only output not held until the commit.
 */

/** A path a command reads: `flag` names it in messages (`input`, `--model`, `--baseline-input`…). */
export interface InputDecl {
  flag: string;
  path: string | null | undefined | false;
}

/** A path a command writes: a file (`-` = standard output), or a folder of files (`--plot DIR`, `--svg DIR`). */
export interface OutputDecl {
  flag: string;
  path: string | null | undefined | false;
  kind?: 'file' | 'folder';
}

/** The identity of a path on disk: its canonical spelling, and device + inode when it exists. */
interface PathId {
  canonical: string;
  devIno: string | null;
}

interface Output {
  flag: string;
  dest: string;
  kind: 'file' | 'folder' | 'stdout';
  id: PathId | null;
}

interface Staged {
  flag: string;
  dest: string;
  tmp: string;
}

/** Options of {@link OutputSet.open}. */
export interface OpenOptions {
  inputs: InputDecl[];
  outputs: OutputDecl[];
  /** The stream `-` writes to; a closed process stdout is refused before any work. */
  stdout?: NodeJS.WritableStream | undefined;
}

async function pathId(p: string): Promise<PathId> {
  const abs = resolve(p);
  const st = await stat(abs).catch(() => null);
  if (st) return { canonical: await realpath(abs).catch(() => abs), devIno: devIno(st) };
  const parent = await realpath(dirname(abs)).catch(() => dirname(abs));
  return { canonical: join(parent, basename(abs)), devIno: null };
}

const devIno = (st: Stats): string => `${st.dev}:${st.ino}`;
const same = (a: PathId, b: PathId): boolean =>
  a.canonical === b.canonical || (a.devIno !== null && a.devIno === b.devIno);
const inside = (child: PathId, folder: PathId): boolean =>
  child.canonical.startsWith(folder.canonical.endsWith(sep) ? folder.canonical : folder.canonical + sep);

const present = <T extends { path: string | null | undefined | false }>(d: T): d is T & { path: string } =>
  typeof d.path === 'string' && d.path !== '';

/** The output paths and the work in progress of one command. */
export class OutputSet {
  private readonly outputs: Output[];
  private readonly inputs: { flag: string; path: string; id: PathId }[];
  private readonly stdout: NodeJS.WritableStream | undefined;
  private staged: Staged[] = [];
  private createdFolders: string[] = [];
  private done = false;

  private constructor(
    outputs: Output[],
    inputs: { flag: string; path: string; id: PathId }[],
    stdout: NodeJS.WritableStream | undefined,
  ) {
    this.outputs = outputs;
    this.inputs = inputs;
    this.stdout = stdout;
  }

  /**
   * Check every declared output against the inputs, the other outputs and the file system. O(paths²).
   * @throws UsageError (exit 2) when an output is an input or another output; DataError (exit 3) when an output
   *   cannot be written (missing or unwritable folder, an existing folder in place of a file, closed stdout).
   */
  static async open(opts: OpenOptions): Promise<OutputSet> {
    const inputs = [];
    for (const d of opts.inputs.filter(present))
      if (d.path !== '-') inputs.push({ flag: d.flag, path: d.path, id: await pathId(d.path) });
    const outputs: Output[] = [];
    for (const d of opts.outputs.filter(present)) {
      if (d.path === '-' && (d.kind ?? 'file') === 'file') {
        if (opts.stdout === process.stdout && stdoutClosed())
          throw new DataError(
            'cannot write to standard output: it is closed',
            'redirect it to a file, or write the output with -o FILE',
          );
        outputs.push({ flag: d.flag, dest: '-', kind: 'stdout', id: null });
        continue;
      }
      const o: Output = { flag: d.flag, dest: d.path, kind: d.kind ?? 'file', id: await pathId(d.path) };
      // An input inside a folder output could be replaced by a file of the same name: checked by path().
      for (const i of inputs) {
        if (same(o.id!, i.id))
          throw new UsageError(
            `${d.path}: ${d.flag} names the ${describeInput(i)}; writing it would destroy what is read`,
            'write the output to another file',
          );
      }
      for (const p of outputs) {
        if (
          p.id &&
          (same(o.id!, p.id) ||
            (p.kind === 'folder' && inside(o.id!, p.id)) ||
            (o.kind === 'folder' && inside(p.id, o.id!)))
        )
          throw new UsageError(
            `${d.path}: ${d.flag} and ${p.flag} ${same(o.id!, p.id) ? 'name the same file' : 'overlap'}; one would overwrite the other`,
            'give each output its own path',
          );
      }
      await checkWritable(o);
      outputs.push(o);
    }
    return new OutputSet(outputs, inputs, opts.stdout);
  }

  /** Whether `flag` names an output. */
  has(flag: string): boolean {
    return this.outputs.some((o) => o.flag === flag);
  }

  /** The destination of `flag` as the user gave it (`-` for standard output). */
  dest(flag: string): string {
    return this.output(flag).dest;
  }

  /**
   * Where to write `flag` now: a new temporary file next to its destination (`-` for standard output), renamed
   * into place by {@link commit}. For a folder output, `name` is the file inside the folder; the folder is created
   * (and removed again by {@link abort} when it was created here).
   */
  async path(flag: string, name?: string): Promise<string> {
    if (this.done) throw new Error(`output ${flag} staged after the commit`);
    const o = this.output(flag);
    if (o.kind === 'stdout') return '-';
    let dest = o.dest;
    if (o.kind === 'folder') {
      if (name === undefined || basename(name) !== name)
        throw new Error(`output ${flag} needs a plain file name`);
      dest = join(o.dest, name);
      await this.makeFolder(o.dest);
      const id = await pathId(dest);
      const input = this.inputs.find((i) => same(id, i.id));
      if (input)
        throw new UsageError(
          `${dest}: ${flag} would write over the ${describeInput(input)}`,
          `pick another ${flag} folder`,
        );
    } else if (name !== undefined) throw new Error(`output ${flag} is a file`);
    const tmp = join(dirname(dest), tempName(basename(dest)));
    this.staged.push({ flag, dest, tmp });
    return tmp;
  }

  /** Stage a text file (or bytes) for `flag` (written at once to standard output for `-`). */
  async writeText(flag: string, text: string | Uint8Array, name?: string): Promise<void> {
    const p = await this.path(flag, name);
    if (p === '-') {
      await writeToStdout(this.stdout ?? process.stdout, text);
      return;
    }
    await writeFile(p, text).catch((e: unknown) => {
      throw asWriteError(e, join(this.output(flag).dest, name ?? ''));
    });
  }

  /**
   * Stage a dataset for `flag`, in the format of its destination's extension unless `opts.format` says; for a folder
   * output, `name` is the file inside the folder (its extension gives the format).
   */
  async writeDataset(flag: string, ds: Dataset, opts: WriteOptions = {}, name?: string): Promise<void> {
    const o = this.output(flag);
    const dest = name === undefined ? o.dest : join(o.dest, name);
    const format = outputFormatOf(dest, opts.format);
    const p = await this.path(flag, name);
    try {
      if (p === '-') await writeDataset(ds, p, { ...opts, format, stdout: opts.stdout ?? this.stdout });
      else await writeDatasetFile(ds, p, format, opts.raw ?? false);
    } catch (e) {
      throw renamePath(e, p, dest);
    }
  }

  /**
   * Move every staged file into place. When a rename fails, the earlier ones are undone: a replaced file gets its
   * old bytes back (kept as a hard link, or a copy, until the last rename), a new file is removed. O(outputs).
   * @throws DataError naming the destination that could not be written.
   */
  async commit(): Promise<void> {
    if (this.done) return;
    const moved: { dest: string; backup: string | null }[] = [];
    try {
      for (const s of this.staged) {
        const backup = await this.backup(s.dest);
        try {
          await rename(s.tmp, s.dest);
        } catch (e) {
          if (backup) await rm(backup, { force: true }).catch(() => {});
          throw asWriteError(e, s.dest);
        }
        moved.push({ dest: s.dest, backup });
      }
    } catch (e) {
      for (const m of moved.reverse()) {
        if (m.backup) await rename(m.backup, m.dest).catch(() => {});
        else await rm(m.dest, { force: true }).catch(() => {});
      }
      await this.abort();
      throw e;
    }
    this.done = true;
    for (const m of moved) if (m.backup) await rm(m.backup, { force: true }).catch(() => {});
    for (const s of this.staged) await removeStaleTemps(s.dest);
    this.staged = [];
  }

  /** Remove the temporary files and the folders created for this set; no-op after {@link commit}. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    for (const s of this.staged) await rm(s.tmp, { force: true }).catch(() => {});
    this.staged = [];
    for (const f of this.createdFolders.reverse()) await rmdir(f).catch(() => {});
  }

  private output(flag: string): Output {
    const o = this.outputs.find((x) => x.flag === flag);
    if (!o) throw new Error(`no output ${flag} was declared`);
    return o;
  }

  /** A hard link (or a copy) of an existing destination, kept until the commit is complete. */
  private async backup(dest: string): Promise<string | null> {
    const st = await stat(dest).catch(() => null);
    if (!st?.isFile()) return null;
    const b = join(dirname(dest), tempName(basename(dest)));
    try {
      await link(dest, b);
    } catch {
      try {
        await copyFile(dest, b);
      } catch {
        return null;
      }
    }
    return b;
  }

  private async makeFolder(dir: string): Promise<void> {
    const abs = resolve(dir);
    const missing: string[] = [];
    for (let d = abs; ; d = dirname(d)) {
      const st = await stat(d).catch(() => null);
      if (st) break;
      missing.push(d);
      if (dirname(d) === d) break;
    }
    try {
      await mkdir(abs, { recursive: true });
    } catch (e) {
      throw asWriteError(e, dir);
    }
    for (const d of missing.reverse()) if (!this.createdFolders.includes(d)) this.createdFolders.push(d);
  }
}

/**
 * Refuse, before any work, an input that is one of `files` or lies inside one of `folders` (folders whose content
 * is replaced or removed whole, such as a staging folder). Used by commands that write through their own
 * publication (segment run). O(inputs × paths).
 * @throws UsageError naming the input and the output it would be lost to.
 */
export async function refuseInputsAmong(
  inputs: InputDecl[],
  files: { flag: string; path: string }[],
  folders: { flag: string; path: string }[] = [],
): Promise<void> {
  const ids = await Promise.all(files.map(async (f) => ({ ...f, id: await pathId(f.path) })));
  const dirs = await Promise.all(folders.map(async (f) => ({ ...f, id: await pathId(f.path) })));
  for (const d of inputs.filter(present)) {
    if (d.path === '-') continue;
    const id = await pathId(d.path);
    const file = ids.find((f) => same(f.id, id));
    if (file)
      throw new UsageError(
        `${d.path}: the ${d.flag} file is also ${file.flag === 'output' ? 'an output' : file.flag}` +
          (resolve(file.path) === resolve(d.path) ? '' : ` (${file.path})`) +
          '; it would be replaced',
        'keep inputs out of the output folder, or rename them',
      );
    const dir = dirs.find((f) => same(f.id, id) || inside(id, f.id));
    if (dir)
      throw new UsageError(
        `${d.path}: the ${d.flag} file is inside ${dir.flag} ${dir.path}, which is removed`,
        'keep inputs out of that folder',
      );
  }
}

function describeInput(i: { flag: string; path: string }): string {
  return i.flag === 'input' ? `input ${i.path}` : `${i.flag} file ${i.path}`;
}

/** Refuse an output that cannot be written before any work. */
async function checkWritable(o: Output): Promise<void> {
  const st = await stat(o.dest).catch(() => null);
  if (o.kind === 'folder') {
    if (st && !st.isDirectory())
      throw new DataError(`cannot write ${o.dest}: it is a file, not a folder`, `give ${o.flag} a folder`);
    // The folder (and missing parents) is created when the first file is written: find the nearest existing one.
    let d = resolve(o.dest);
    let dst = st;
    while (!dst) {
      const up = dirname(d);
      if (up === d) break;
      d = up;
      dst = await stat(d).catch(() => null);
    }
    if (dst && !dst.isDirectory())
      throw new DataError(`cannot write ${o.dest}: ${d} is a file, not a folder`, `give ${o.flag} a folder`);
    await accessible(d, o.dest);
    return;
  }
  if (st?.isDirectory())
    throw new DataError(`cannot write ${o.dest}: it is a folder`, `give ${o.flag} a file name`);
  const parent = dirname(resolve(o.dest));
  const pst = await stat(parent).catch(() => null);
  if (!pst)
    throw new DataError(
      `cannot write ${o.dest}: the folder ${dirname(o.dest)} does not exist`,
      'create it first',
    );
  if (!pst.isDirectory())
    throw new DataError(
      `cannot write ${o.dest}: ${dirname(o.dest)} is not a folder`,
      `give ${o.flag} another path`,
    );
  await accessible(parent, o.dest);
}

async function accessible(folder: string, dest: string): Promise<void> {
  try {
    await access(folder, constants.W_OK | constants.X_OK);
  } catch {
    throw new DataError(`cannot write ${dest}: permission denied`, `write to a folder you can write to`);
  }
}

/** The DataError of a staged write names the destination, not the temporary file. */
function renamePath(e: unknown, tmp: string, dest: string): unknown {
  if (e instanceof DataError && e.message.includes(tmp)) {
    const fixed = new DataError(e.message.replaceAll(tmp, dest), e.hint);
    fixed.stack = e.stack;
    return fixed;
  }
  return asWriteError(e, dest);
}

/**
 * Whether the process's standard output was closed when it started (`>&-`): Node then opens /dev/null read-write
 * in its place, while a shell redirection to /dev/null opens it write-only. A parent that starts segment with
 * stdout 'ignore' (libuv opens /dev/null read-write too) looks the same: `-o -` is then refused as well, which
 * loses nothing. Linux only; false elsewhere.
 */
export function stdoutClosed(): boolean {
  try {
    const flags = /^flags:\s*([0-7]+)/m.exec(readFileSync('/proc/self/fdinfo/1', 'utf8'))?.[1];
    if (flags === undefined || (parseInt(flags, 8) & 3) !== 2) return false;
    const st = fstatSync(1);
    return st.isCharacterDevice() && st.rdev === statSync('/dev/null').rdev;
  } catch {
    return false;
  }
}

/** Write to standard output and wait until it is written. @throws DataError when it cannot be written. */
export async function writeToStdout(out: NodeJS.WritableStream, text: string | Uint8Array): Promise<void> {
  await new Promise<void>((res, rej) => {
    out.write(text, (e?: Error | null) => {
      if (!e || (e as NodeJS.ErrnoException).code === 'EPIPE') res();
      else rej(stdoutError(e));
    });
  });
}
