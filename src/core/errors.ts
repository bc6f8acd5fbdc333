/** Process exit codes of the command contract. */
export const ExitCode = {
  ok: 0,
  checkFailed: 1,
  usage: 2,
  data: 3,
  internal: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Base class of every error the library raises on purpose; carries an exit code and an optional hint. */
export class SegmentError extends Error {
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  constructor(message: string, exitCode: ExitCode, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = hint;
  }
}

/** A flag, parameter or configuration value is invalid (exit 2). */
export class UsageError extends SegmentError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, ExitCode.usage, hint, options);
  }
}

/** Input data is missing, unreadable, invalid, or the request is impossible on it (exit 3). */
export class DataError extends SegmentError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, ExitCode.data, hint, options);
  }
}

/** A quality, stability or drift gate failed (exit 1). */
export class CheckFailedError extends SegmentError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.checkFailed, hint);
  }
}

/** A bug or an unexpected failure inside segment (exit 4). */
export class InternalError extends SegmentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.internal, undefined, options);
  }
}

/**
 * Raise a scikit-learn style parameter error:
 * "The 'nClusters' parameter of cluster.kmeans must be an int in [1, inf). Got 0."
 */
export function invalidParameter(
  owner: string,
  name: string,
  constraint: string,
  got: unknown,
  hint?: string,
): UsageError {
  return new UsageError(
    `The '${name}' parameter of ${owner} must be ${constraint}. Got ${formatValue(got)}.`,
    hint,
  );
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** A message on one line: its line breaks, with the spaces around them, become one space. */
export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}
