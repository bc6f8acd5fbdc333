import { Command, Option } from 'commander';
import { toolVersion } from '../core/version.js';
import { globalParams } from './globals.js';
import { addParams } from './params.js';

/** The commands, in pipeline order (the order `segment --help` lists them). */
export const commandNames = [
  'ingest',
  'inspect',
  'features',
  'clean',
  'select',
  'tune',
  'cluster',
  'report',
  'assign',
  'update',
  'stability',
  'predict',
  'export-sql',
  'run',
] as const;

export type CommandName = (typeof commandNames)[number];

/** The program without its commands: name, description, version, global options and the closing help text. */
export function createRoot(): Command {
  const program = new Command('segment')
    .description(
      'Batch customer segmentation: ingest, inspect, features, clean, select, tune, cluster, report, assign, update, stability, predict, export-sql, run.',
    )
    .version(toolVersion, '-V, --version');
  return addParams(program, globalParams)
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
}

/** Global flags that take a value (`--threads 4`): the argument after them is not the command name. */
const valueFlags: ReadonlySet<string> = new Set(
  globalParams.flatMap((p) => {
    const o = new Option(p.flags);
    return o.required || o.optional ? [o.long, o.short].filter((f): f is string => f !== undefined) : [];
  }),
);

/**
 * What the arguments after the script ask for, read the way commander reads them: `version` when `-V` or
 * `--version` comes before any command, the command's name when a known command comes first, and undefined for
 * anything else (no command, help, `--`, an unknown word), which the whole program answers.
 */
export function requestOf(args: readonly string[]): CommandName | 'version' | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-V' || a === '--version') return 'version';
    if (a === '--') return undefined;
    if (a.startsWith('-') && a !== '-') {
      if (valueFlags.has(a)) i++;
      continue;
    }
    return (commandNames as readonly string[]).includes(a) ? (a as CommandName) : undefined;
  }
  return undefined;
}
