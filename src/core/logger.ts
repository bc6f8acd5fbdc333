/** Severity of a log record. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A unit of work with an optional known total; the CLI renders it as a spinner or bar on a TTY. */
export interface Progress {
  /** Advance by `n` units (default 1). */
  tick(n?: number): void;
  /** Finish, with an optional closing message. */
  done(message?: string): void;
}

/**
 * How the library reports what it does. The library never prints: it calls a Logger,
 * and the CLI decides how (and whether) to show it.
 */
export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
  progress(label: string, total?: number): Progress;
}

const noopProgress: Progress = { tick() {}, done() {} };

/** A logger that drops everything (the library default). */
export const silentLogger: Logger = {
  log() {},
  progress() {
    return noopProgress;
  },
};

/** Log helpers for call sites. */
export const log = {
  debug: (l: Logger, m: string, f?: Record<string, unknown>) => l.log('debug', m, f),
  info: (l: Logger, m: string, f?: Record<string, unknown>) => l.log('info', m, f),
  warn: (l: Logger, m: string, f?: Record<string, unknown>) => l.log('warn', m, f),
};

/**
 * Run `work` under a progress indicator without counts (a spinner with the elapsed time on a terminal), finished
 * whether the work succeeds or fails.
 */
export async function withProgress<T>(logger: Logger, label: string, work: () => Promise<T>): Promise<T> {
  const progress = logger.progress(label);
  try {
    return await work();
  } finally {
    progress.done();
  }
}
