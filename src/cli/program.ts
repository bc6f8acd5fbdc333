import type { Command } from 'commander';
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
import { commandNames, createRoot, type CommandName } from './root.js';

/** How each command adds itself to the program. */
const registrations: Record<CommandName, (program: Command) => void> = {
  ingest: registerIngest,
  inspect: registerInspect,
  features: registerFeatures,
  clean: registerClean,
  select: registerSelect,
  tune: registerTune,
  cluster: registerCluster,
  report: registerReport,
  assign: registerAssign,
  update: registerUpdate,
  stability: registerStability,
  predict: registerPredict,
  'export-sql': registerExportSql,
  run: registerRun,
};

/** Build the commander program with every working command registered (loads every command's implementation). */
export function buildProgram(): Command {
  const program = createRoot();
  for (const name of commandNames) registrations[name](program);
  return program;
}
