/**
 * The progress line of an interactive terminal: one line on stderr, redrawn in place, showing every unit of work
 * under way (outermost first) with done/total, a bar for the innermost one with a total, and the elapsed time.
 *
 * Redraws come from two places: a tick, at most once per `minRedrawMs`, and a heartbeat timer every
 * `heartbeatMs` so a long single step still shows its elapsed time. The timer is unref'd (it never keeps the
 * process alive) and runs only while some work is under way. The clock and timers are injected so the renderer
 * can be tested without waiting.
 */

/** Time and timers, injectable for tests. */
export interface ProgressClock {
  now(): number;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** The system clock; the heartbeat timer is unref'd. */
export const systemClock: ProgressClock = {
  now: () => performance.now(),
  setInterval(fn, ms) {
    const t = setInterval(fn, ms);
    t.unref();
    return t;
  },
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

/** Where the line goes: a terminal stream (its width, when known, caps the line). */
export interface ProgressStream {
  write(text: string): unknown;
  columns?: number | undefined;
}

export interface ProgressDisplayOptions {
  stream: ProgressStream;
  clock?: ProgressClock | undefined;
  /** Fewest milliseconds between two redraws caused by ticks. Default 100. */
  minRedrawMs?: number | undefined;
  /** Milliseconds between two redraws of the heartbeat timer. Default 1000. */
  heartbeatMs?: number | undefined;
}

/** One unit of work on the line. */
export interface ProgressTask {
  tick(n?: number): void;
  done(): void;
}

interface Task {
  label: string;
  total: number | undefined;
  count: number;
  started: number;
}

const CLEAR = '\r\x1b[K';
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const BAR_WIDTH = 20;

/** A count with thousands separators, whatever the locale: 1,000,000. */
export function formatCount(n: number): string {
  return Math.floor(n).toLocaleString('en-US');
}

/** Elapsed time for people: 0s, 59s, 1m 05s, 1h 02m. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** A bar of `width` cells filled to `fraction` (clamped to [0, 1]). */
export function formatBar(fraction: number, width = BAR_WIDTH): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.round(f * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}

/** The text of one task: `label 3/10` with a total, `label 1,234` with counts but none, else the label. */
function taskText(t: Task): string {
  if (t.total !== undefined && t.total > 0)
    return `${t.label} ${formatCount(Math.min(t.count, t.total))}/${formatCount(t.total)}`;
  return t.count > 0 ? `${t.label} ${formatCount(t.count)}` : t.label;
}

/** The line for `tasks` (outermost first) at time `now`; `frame` turns the spinner. */
export function progressLine(tasks: readonly Task[], now: number, frame: number): string {
  const inner = tasks[tasks.length - 1];
  if (inner === undefined) return '';
  const outer = tasks[0]!;
  // A nested label keeps only what its parent does not already say ("tune: k-means restart" under "tune: k-means
  // grid" shows as "k-means restart").
  const texts = tasks.map((t, i) => {
    const prefix = i > 0 ? /^[^:]+: /.exec(tasks[i - 1]!.label)?.[0] : undefined;
    const text = taskText(t);
    return prefix !== undefined && text.startsWith(prefix) && text.length > prefix.length
      ? text.slice(prefix.length)
      : text;
  });
  const parts = [SPINNER[frame % SPINNER.length]!, texts.join(' › ')];
  // The bar is the innermost task's that has a total (a loop of unknown length inside keeps its parent's bar).
  const barred = tasks.findLast((t) => t.total !== undefined && t.total > 0);
  if (barred !== undefined) {
    const f = Math.min(1, barred.count / barred.total!);
    parts.push(`${formatBar(f)} ${Math.floor(f * 100)}%`);
  }
  parts.push(formatElapsed(now - outer.started));
  return parts.join(' ');
}

/** The progress line of one terminal stream. */
export class ProgressDisplay {
  private readonly stream: ProgressStream;
  private readonly clock: ProgressClock;
  private readonly minRedrawMs: number;
  private readonly heartbeatMs: number;
  private readonly tasks: Task[] = [];
  private timer: unknown = undefined;
  private lastDraw = -Infinity;
  private shown = false;
  private frame = 0;

  constructor(o: ProgressDisplayOptions) {
    this.stream = o.stream;
    this.clock = o.clock ?? systemClock;
    this.minRedrawMs = o.minRedrawMs ?? 100;
    this.heartbeatMs = o.heartbeatMs ?? 1000;
  }

  /** Whether some work is under way. */
  get active(): boolean {
    return this.tasks.length > 0;
  }

  /** Start a unit of work, drawn at once; nested under the ones already under way. */
  start(label: string, total?: number): ProgressTask {
    const task: Task = { label, total, count: 0, started: this.clock.now() };
    this.tasks.push(task);
    if (this.timer === undefined) this.timer = this.clock.setInterval(() => this.draw(), this.heartbeatMs);
    this.draw();
    let finished = false;
    return {
      tick: (n = 1) => {
        if (finished) return;
        task.count += n;
        if (this.clock.now() - this.lastDraw >= this.minRedrawMs) this.draw();
      },
      done: () => {
        if (finished) return;
        finished = true;
        const i = this.tasks.indexOf(task);
        if (i >= 0) this.tasks.splice(i, 1);
        if (this.tasks.length === 0) this.stop();
        else this.draw();
      },
    };
  }

  /** Write `text` (whole lines) above the progress line, which is drawn again under it. */
  write(text: string): void {
    this.erase();
    this.stream.write(text);
    if (this.active) this.draw();
  }

  /** Clear the line and stop the timer, whatever is still under way (the command ended or failed). */
  stop(): void {
    this.tasks.length = 0;
    if (this.timer !== undefined) {
      this.clock.clearInterval(this.timer);
      this.timer = undefined;
    }
    this.erase();
  }

  private erase(): void {
    if (!this.shown) return;
    this.stream.write(CLEAR);
    this.shown = false;
  }

  private draw(): void {
    if (!this.active) return;
    const now = this.clock.now();
    let line = progressLine(this.tasks, now, this.frame++);
    // A line wider than the terminal would wrap, and \r would then leave its first part behind.
    const width = this.stream.columns;
    if (width !== undefined && width > 1 && [...line].length > width - 1)
      line = [...line].slice(0, width - 1).join('');
    this.stream.write(CLEAR + line);
    this.shown = true;
    this.lastDraw = now;
  }
}
