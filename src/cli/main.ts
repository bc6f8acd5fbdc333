import { CommanderError, type Command } from 'commander';
import { describeFailure } from './errors.js';
import { createCliLogger, endProgress } from './logger.js';
import { abortOutputs } from './pending.js';
import { createRoot, requestOf, type CommandName } from './root.js';

/** The one line of a failed write to standard output (bin/segment.js reports late failures with it). */
export { stdoutError } from '../io/atomic.js';

/**
 * Each command's module, loaded only when that command runs: `--version` loads none, `segment clean` only
 * clean's implementation (and DuckDB through it). The whole program (`src/cli/program.ts`) answers the rest.
 */
const commandModules: Record<CommandName, () => Promise<(program: Command) => void>> = {
  ingest: async () => (await import('./commands/ingest.js')).registerIngest,
  inspect: async () => (await import('./commands/inspect.js')).registerInspect,
  features: async () => (await import('./commands/features.js')).registerFeatures,
  clean: async () => (await import('./commands/clean.js')).registerClean,
  select: async () => (await import('./commands/select.js')).registerSelect,
  tune: async () => (await import('./commands/tune.js')).registerTune,
  cluster: async () => (await import('./commands/cluster.js')).registerCluster,
  report: async () => (await import('./commands/report.js')).registerReport,
  assign: async () => (await import('./commands/assign.js')).registerAssign,
  update: async () => (await import('./commands/update.js')).registerUpdate,
  stability: async () => (await import('./commands/stability.js')).registerStability,
  predict: async () => (await import('./commands/predict.js')).registerPredict,
  'export-sql': async () => (await import('./commands/export-sql.js')).registerExportSql,
  run: async () => (await import('./commands/run.js')).registerRun,
};

/** The program that parses `argv`: the root alone, the root with the one command asked for, or all of it. */
async function programFor(argv: readonly string[]): Promise<Command> {
  const request = requestOf(argv.slice(2));
  if (request === undefined) return (await import('./program.js')).buildProgram();
  const program = createRoot();
  if (request !== 'version') (await commandModules[request]())(program);
  return program;
}

/** Run the CLI on `argv`; resolves to the exit code (never throws, never calls process.exit). */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  let program: Command | undefined;
  try {
    program = await programFor(argv);
    await program.parseAsync([...argv]);
    endProgress();
    return 0;
  } catch (e) {
    endProgress();
    await abortOutputs();
    if (e instanceof CommanderError && e.exitCode === 0) return 0;
    if (e instanceof CommanderError && (e.code === 'commander.help' || e.code === 'commander.helpDisplayed'))
      return 0;
    const failure = describeFailure(e);
    const debug = argv.includes('--debug');
    if (jsonLogsRequested(program, argv)) {
      // The logger's own JSON record, so a log collector never meets a bare text line.
      const fields =
        debug && failure.stack
          ? { exitCode: failure.exitCode, stack: failure.stack }
          : { exitCode: failure.exitCode };
      createCliLogger({ format: 'json', level: 'error', tty: false }).log('error', failure.line, fields);
      return failure.exitCode;
    }
    process.stderr.write(failure.line + '\n');
    if (debug && failure.stack) process.stderr.write(failure.stack + '\n');
    return failure.exitCode;
  }
}

/** Whether the run asked for JSON logs: the parsed global option, or the arguments when parsing stopped first. */
function jsonLogsRequested(program: Command | undefined, argv: readonly string[]): boolean {
  const parsed = (program?.opts() as { logFormat?: unknown } | undefined)?.logFormat;
  if (parsed !== undefined && parsed !== 'text') return parsed === 'json';
  return argv.some((a, i) => a === '--log-format=json' || (a === '--log-format' && argv[i + 1] === 'json'));
}
