import { CommanderError } from 'commander';
import { ExitCode, oneLine, SegmentError } from '../core/errors.js';

/** The one line printed for a failure, and the process exit code it maps to. */
export interface Failure {
  line: string;
  exitCode: number;
  stack?: string | undefined;
}

/** Map any thrown value to an exit code and a single readable line (the only place that does so). */
export function describeFailure(e: unknown): Failure {
  if (e instanceof SegmentError) {
    const hint = e.hint ? ` (hint: ${e.hint})` : '';
    return { line: `segment: ${oneLine(e.message)}${hint}`, exitCode: e.exitCode, stack: e.stack };
  }
  if (e instanceof CommanderError) {
    return {
      line: `segment: ${oneLine(e.message.replace(/^error:\s*/, ''))} (see --help)`,
      exitCode: ExitCode.usage,
    };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC')
    return { line: `segment: no space left on the device`, exitCode: ExitCode.data, stack: err.stack };
  if (
    err.name === 'RangeError' &&
    /Array buffer allocation failed|Invalid typed array length/.test(err.message)
  ) {
    return {
      line: `segment: out of memory (${err.message}) (hint: use --sample or a smaller input)`,
      exitCode: ExitCode.data,
      stack: err.stack,
    };
  }
  return {
    line: `segment: internal error: ${oneLine(err.message)} (hint: rerun with --debug and report it)`,
    exitCode: ExitCode.internal,
    stack: err.stack,
  };
}
