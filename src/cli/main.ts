import { Command, CommanderError } from 'commander';
import { abortOutputs } from './context.js';
import { describeFailure } from './errors.js';
import { createCliLogger, endProgress } from './logger.js';
import { addParams } from './params.js';
import { globalParams } from './context.js';
import { registerIngest } from './commands/ingest.js';
import { registerInspect } from './commands/inspect.js';
import { registerCluster } from './commands/cluster.js';
import { registerAssign } from './commands/assign.js';
import { registerFeatures } from './commands/features.js';
import { registerTune } from './commands/tune.js';
import { registerReport } from './commands/report.js';
import { registerClean } from './commands/clean.js';
import { registerSelect } from './commands/select.js';
import { registerStability } from './commands/stability.js';
import { registerPredict } from './commands/predict.js';
import { registerExportSql } from './commands/export-sql.js';
import { registerUpdate } from './commands/update.js';
import { registerRun } from './commands/run.js';
import { toolVersion } from '../core/version.js';

/** The one line of a failed write to standard output (bin/segment.js reports late failures with it). */
export { stdoutError } from '../io/write.js';

/** Build the commander program with every working command registered. */
export function buildProgram(): Command {
  const program = new Command('segment')
    .description(
      'Batch customer segmentation: ingest, inspect, features, clean, select, tune, cluster, report, assign, update, stability, predict, export-sql, run.',
    )
    .version(toolVersion, '-V, --version');
  addParams(program, globalParams)
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 a check failed, 2 usage error, 3 data error, 4 internal error.

Examples:
  $ segment features events.csv --id customer_id --time ts --amount amount --event event -o features.parquet
  $ segment clean features.parquet --id customer_id --impute median --scale zscore -o clean.parquet
  $ segment tune clean.parquet --id customer_id --k 2..10 --plot charts/
  $ segment cluster clean.parquet --id customer_id --k 5 -o segments.parquet --model model.json
  $ segment report segments.parquet --model model.json --html report.html
  $ segment assign new_features.parquet --model model.json -o scored.parquet`,
    );
  // Pipeline order: `segment --help` lists the commands in this order.
  registerIngest(program);
  registerInspect(program);
  registerFeatures(program);
  registerClean(program);
  registerSelect(program);
  registerTune(program);
  registerCluster(program);
  registerReport(program);
  registerAssign(program);
  registerUpdate(program);
  registerStability(program);
  registerPredict(program);
  registerExportSql(program);
  registerRun(program);
  return program;
}

/** Run the CLI on `argv`; resolves to the exit code (never throws, never calls process.exit). */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
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
function jsonLogsRequested(program: Command, argv: readonly string[]): boolean {
  const parsed = (program.opts() as { logFormat?: unknown }).logFormat;
  if (parsed !== undefined && parsed !== 'text') return parsed === 'json';
  return argv.some((a, i) => a === '--log-format=json' || (a === '--log-format' && argv[i + 1] === 'json'));
}
