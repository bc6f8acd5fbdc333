import type { Command } from 'commander';
import { repeated } from '../../core/params.js';
import { quoteArg, runPipeline } from '../../run/run-pipeline.js';
import { contextFrom } from '../context.js';
import { addParams } from '../params.js';

interface RunFlags {
  set: string[];
  outDir?: string;
  dryRun?: boolean;
  baseline?: string;
  json?: boolean;
}

/** `segment run <pipeline.yaml>`: the whole chain from a config file, for cron. */
export function registerRun(program: Command): void {
  const cmd = program
    .command('run')
    .description(
      'run a pipeline file (source → features → clean → select → tune → cluster → report), for cron',
    )
    .argument('<pipeline>', 'pipeline file (YAML, see schemas/pipeline.schema.json)');
  addParams(cmd, [
    {
      flags: '--set <key=value>',
      help: 'override a value: steps.cluster.k=6, seed=7, source.path=x.csv (repeatable)',
      parse: repeated,
      default: [],
    },
    { flags: '--out-dir <dir>', help: "output folder (default: the pipeline's outputs.dir)" },
    { flags: '--baseline <model.json>', help: "keep the segment numbers of this earlier run's model" },
    { flags: '--dry-run', help: 'validate the pipeline and print the plan; run nothing, write nothing' },
    { flags: '--json', help: 'print the run manifest (or with --dry-run the plan) as JSON on stdout' },
  ])
    .addHelpText(
      'after',
      `
Outputs (stable names in the output folder): segments.parquet, model.json (the bundle: whole fitted chain, input
schema, content hash), report.json, report.html, tune.json, each step's data (features.parquet, clean.parquet …)
and manifest.json (inputs with hashes, config hash, seed, version, timings, metrics, warnings). Steps run in a
staging folder; outputs appear only when every step succeeded. A lock keeps two runs out of one folder.

Examples:
  $ segment run examples/customers-nightly.yaml --out-dir runs/today
  $ segment run examples/customers-nightly.yaml --set steps.cluster.k=6 --dry-run
  $ segment run nightly.yaml --baseline runs/yesterday/model.json --out-dir runs/today`,
    )
    .action(async (file: string, flags: RunFlags, self: Command) => {
      const ctx = contextFrom(self);
      const root = self.parent ?? self;
      const r = await runPipeline(
        file,
        {
          set: flags.set,
          outDir: flags.outDir,
          baseline: flags.baseline,
          dryRun: flags.dryRun,
          seed: root.getOptionValueSource('seed') === 'cli' ? ctx.seed : undefined,
        },
        ctx,
      );
      if (r.dryRun) {
        const { pipeline, configHash, outDir, seed, steps } = r;
        if (flags.json) ctx.printJson({ pipeline, configHash, outDir, seed, steps });
        else {
          ctx.print(
            `pipeline ${pipeline} (${configHash.slice(0, 19)}…), seed ${seed}, output folder ${outDir}\n`,
          );
          for (const [i, s] of steps.entries())
            ctx.print(`${i + 1}. ${s.name}: ${s.command.map(quoteArg).join(' ')}\n`);
        }
      } else if (flags.json) ctx.printJson(r.manifest);
    });
}
