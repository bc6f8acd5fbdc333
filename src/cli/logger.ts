import chalk from 'chalk';
import type { LogLevel, Logger, Progress } from '../core/logger.js';
import { ProgressDisplay, systemClock, type ProgressClock } from './progress.js';

/** How the CLI shows logs: text for people, JSON lines for cron and log collectors. */
export interface LoggerOptions {
  format: 'text' | 'json';
  level: LogLevel;
  /** Whether stderr is an interactive terminal (the progress line only then). */
  tty: boolean;
  stream?: NodeJS.WriteStream | { write(text: string): unknown; columns?: number | undefined };
  /** Time and timers of progress (tests inject their own). */
  clock?: ProgressClock;
  /** Fewest milliseconds between two JSON progress lines of one unit of work. Default 1000. */
  jsonProgressMs?: number;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Progress lines under way in this process, cleared by {@link endProgress}. */
const displays = new Set<ProgressDisplay>();

/**
 * Clear every progress line and stop its timer: the command is over (done or failed), so nothing may be drawn after
 * its result or its error line.
 */
export function endProgress(): void {
  for (const d of displays) d.stop();
  displays.clear();
}

/**
 * A Logger writing to stderr: coloured text (NO_COLOR respected by chalk), or one JSON object per line.
 *
 * Progress: on a terminal at info level or below, one line redrawn in place (see {@link ProgressDisplay}); with
 * `--log-format json`, a `progress` line at debug level when work starts, at most one a second while it advances,
 * and one when it ends, each with `label`, `done`, `total` (when known) and `seconds`; otherwise nothing but a
 * debug line when the outermost work is done.
 */
export function createCliLogger(opts: LoggerOptions): Logger {
  const out = opts.stream ?? process.stderr;
  const clock = opts.clock ?? systemClock;
  const jsonEvery = opts.jsonProgressMs ?? 1000;
  const enabled = (l: LogLevel) => rank[l] >= rank[opts.level];
  const display =
    opts.format === 'text' && opts.tty && enabled('info')
      ? new ProgressDisplay({ stream: out, clock })
      : undefined;
  const emit = (text: string) => {
    if (display) display.write(text);
    else out.write(text);
  };
  const write = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (!enabled(level)) return;
    if (opts.format === 'json') {
      emit(JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields }) + '\n');
      return;
    }
    const tag =
      level === 'warn'
        ? chalk.yellow('warning: ')
        : level === 'error'
          ? chalk.red('error: ')
          : level === 'debug'
            ? chalk.dim('debug: ')
            : '';
    emit(`${tag}${message}\n`);
  };
  const seconds = (started: number) => Math.round(clock.now() - started) / 1000;
  let depth = 0;
  return {
    log: write,
    progress(label: string, total?: number): Progress {
      const started = clock.now();
      const counts = (done: number) => ({ label, done, ...(total !== undefined ? { total } : {}) });
      if (display) {
        displays.add(display);
        const task = display.start(label, total);
        return {
          tick: (n = 1) => task.tick(n),
          done(message?: string) {
            task.done();
            if (message) write('info', message);
          },
        };
      }
      if (opts.format === 'json' && enabled('debug')) {
        let count = 0;
        let last = started;
        write('debug', 'progress', { ...counts(0), seconds: 0 });
        let finished = false;
        return {
          tick(n = 1) {
            if (finished) return;
            count += n;
            const now = clock.now();
            if (now - last < jsonEvery) return;
            last = now;
            write('debug', 'progress', { ...counts(count), seconds: seconds(started) });
          },
          done(message?: string) {
            if (finished) return;
            finished = true;
            write('debug', message ?? `${label} done`, { ...counts(count), seconds: seconds(started) });
          },
        };
      }
      // Text without a terminal: one debug line when outermost work ends (nested work would flood -v).
      const outermost = depth === 0;
      depth++;
      let finished = false;
      return {
        tick() {},
        done(message?: string) {
          if (finished) return;
          finished = true;
          depth--;
          if (outermost || message) write('debug', message ?? `${label} done`, { seconds: seconds(started) });
        },
      };
    },
  };
}
