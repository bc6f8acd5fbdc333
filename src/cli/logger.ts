import chalk from 'chalk';
import ora from 'ora';
import type { LogLevel, Logger, Progress } from '../core/logger.js';

/** How the CLI shows logs: text for people, JSON lines for cron and log collectors. */
export interface LoggerOptions {
  format: 'text' | 'json';
  level: LogLevel;
  /** Whether stderr is an interactive terminal (spinners and bars only then). */
  tty: boolean;
  stream?: NodeJS.WriteStream;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A Logger writing to stderr: coloured text (NO_COLOR respected by chalk), or one JSON object per line. */
export function createCliLogger(opts: LoggerOptions): Logger {
  const out = opts.stream ?? process.stderr;
  const enabled = (l: LogLevel) => rank[l] >= rank[opts.level];
  const write = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (!enabled(level)) return;
    if (opts.format === 'json') {
      out.write(JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields }) + '\n');
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
    out.write(`${tag}${message}\n`);
  };
  return {
    log: write,
    progress(label: string, total?: number): Progress {
      const started = Date.now();
      if (opts.format === 'json' || !opts.tty || !enabled('info')) {
        return {
          tick() {},
          done(message?: string) {
            write('debug', message ?? `${label} done`, { seconds: (Date.now() - started) / 1000 });
          },
        };
      }
      let count = 0;
      const text = () =>
        total ? `${label} ${count.toLocaleString('en-US')}/${total.toLocaleString('en-US')}` : label;
      const spinner = ora({ text: text(), stream: out }).start();
      return {
        tick(n = 1) {
          count += n;
          spinner.text = text();
        },
        done(message?: string) {
          spinner.stop();
          if (message) write('info', message);
        },
      };
    },
  };
}
