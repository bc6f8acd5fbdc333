import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InternalError } from './errors.js';

/**
 * One call to run in a worker: `fn` exported by the ES module at `module` (a file URL), with `args`
 * (structured-cloned; SharedArrayBuffers are shared, not copied).
 */
export interface Task {
  readonly module: string;
  readonly fn: string;
  readonly args: readonly unknown[];
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

type ModuleFns = Record<string, (...args: unknown[]) => unknown>;

const entryUrl = (() => {
  const self = import.meta.url;
  // Under the TypeScript test runner this file is .ts: start the worker entry through tsx.
  return self.endsWith('.ts') ? new URL('./worker-entry.ts', self) : new URL('./worker-entry.js', self);
})();

/** Start one worker on the entry module; from TypeScript sources (tests) through tsx's loader. */
function startWorker(): Worker {
  if (!entryUrl.pathname.endsWith('.ts')) return new Worker(entryUrl);
  const tsxRoot = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsx = pathToFileURL(join(tsxRoot, 'dist/esm/api/index.mjs')).href;
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entryUrl.href)}); });`;
  return new Worker(code, { eval: true });
}

/** Default parallelism: all cores. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

/**
 * A small pool of worker threads running exported functions of kernel modules.
 *
 * Determinism is the caller's side of the contract: split work into blocks whose boundaries do not
 * depend on the thread count, and combine results in task order (`run` returns them in order).
 * With `nThreads` = 1 tasks run in this thread, without starting any worker.
 */
export class WorkerPool {
  readonly nThreads: number;
  private workers: Worker[] = [];
  private idle: Worker[] = [];
  private queue: { task: Task; id: number }[] = [];
  private pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;
  private readonly local = new Map<string, Promise<ModuleFns>>();

  constructor(nThreads: number = defaultThreads()) {
    this.nThreads = Math.max(1, Math.floor(nThreads));
  }

  /**
   * Run tasks, at most `nThreads` at once; results come back in task order. `onDone` is called on this thread as
   * each task completes (in completion order: for progress only, never for results).
   */
  async run<T>(tasks: readonly Task[], onDone?: (index: number) => void): Promise<T[]> {
    if (this.closed) throw new InternalError('worker pool used after close()');
    if (this.nThreads === 1 || tasks.length <= 1) {
      const out: T[] = [];
      for (const [i, t] of tasks.entries()) {
        out.push((await this.runLocal(t)) as T);
        onDone?.(i);
      }
      return out;
    }
    this.ensureWorkers();
    return Promise.all(
      tasks.map((t, i) =>
        this.submit<T>(t).then((v) => {
          onDone?.(i);
          return v;
        }),
      ),
    );
  }

  /** Stop every worker. The pool cannot be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    const ws = this.workers;
    this.workers = [];
    this.idle = [];
    await Promise.all(ws.map((w) => w.terminate()));
  }

  private async runLocal(t: Task): Promise<unknown> {
    let mod = this.local.get(t.module);
    if (!mod) {
      mod = import(t.module) as Promise<ModuleFns>;
      this.local.set(t.module, mod);
    }
    const f = (await mod)[t.fn];
    if (typeof f !== 'function') throw new InternalError(`kernel ${t.fn} not found in ${t.module}`);
    return f(...t.args);
  }

  private ensureWorkers(): void {
    if (this.workers.length > 0) return;
    for (let i = 0; i < this.nThreads; i++) {
      const w = startWorker();
      w.unref();
      w.on('message', (msg: { id: number; ok: boolean; value?: unknown; error?: string; stack?: string }) => {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        this.idle.push(w);
        this.pump();
        if (!p) return;
        if (msg.ok) p.resolve(msg.value);
        else {
          const e = new InternalError(`worker task failed: ${msg.error ?? 'unknown error'}`);
          if (msg.stack) e.stack = msg.stack;
          p.reject(e);
        }
      });
      w.on('error', (err) => {
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  private submit<T>(task: Task): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.queue.push({ task, id });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop()!;
      const { task, id } = this.queue.shift()!;
      w.ref();
      w.postMessage({ id, module: task.module, fn: task.fn, args: task.args });
    }
    if (this.queue.length === 0 && this.pending.size === 0) for (const w of this.workers) w.unref();
  }
}

/** Split [0, n) into blocks of `blockSize` rows: the boundaries depend only on n and blockSize. */
export function blocks(n: number, blockSize: number): [start: number, end: number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += blockSize) out.push([s, Math.min(n, s + blockSize)]);
  return out;
}
