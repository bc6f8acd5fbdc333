import type { Command } from 'commander';
import { runStability, stabilityParams, type StabilityOptions } from '../../api/stability.js';
import { CheckFailedError } from '../../core/errors.js';
import { renderBootstrap, renderStability } from '../../stability/stability.js';
import { contextFrom } from '../context.js';
import { addParams } from '../params.js';

/**
 * `segment stability <a> [b]`: agreement of two segmentations and drift of their features, or bootstrap stability
 * of one run, as a CI gate.
 */
export function registerStability(program: Command): void {
  const cmd = program
    .command('stability')
    .description(
      'compare two segmentations (ARI, NMI, Jaccard, PSI, KS), or bootstrap one run, and gate on thresholds',
    )
    .argument('<a>', 'reference: segments file (a `segment` column, −1 = noise), run folder, or model.json')
    .argument('[b]', 'segments file, run folder or model.json to compare with it (none with --bootstrap)');
  addParams(cmd, stabilityParams).addHelpText(
    'after',
    `
A folder argument means <folder>/segments.parquet (and <folder>/model.json for --bootstrap). Models are
compared by scoring the same rows with both (--data), or a segments file's own rows; drift is then not
applicable. --bootstrap refits the model's algorithm and parameters on resampled rows (cost: n refits) and
reports each segment's mean Jaccard (fpc::clusterboot); PSI and KS do not apply there.

Exit codes: 0 every gate passes, 1 a gate fails (named on stderr), 2 usage error, 3 data error.

Examples:
  $ segment stability segments_v1.parquet segments_v2.parquet --id customer_id
  $ segment stability last_month.parquet this_month.parquet --id customer_id --max-psi none --json
  $ segment stability runs/2026-10/ runs/2026-11/ --id customer_id
  $ segment stability runs/2026-11/ --bootstrap 100 --min-jaccard 0.75
  $ segment stability v1/model.json v2/model.json --data customers.parquet`,
  );
  cmd.action(async (argA: string, argB: string | undefined, flags: StabilityOptions, self: Command) => {
    const ctx = contextFrom(self);
    const result = await runStability(argA, argB, flags, ctx);
    if (flags.json) ctx.printJson(result.json);
    else if (result.mode === 'compare') ctx.print(renderStability(result.comparison));
    else ctx.print(renderBootstrap(result.bootstrap, result.gated, result.notes));
    if (!result.pass) throw new CheckFailedError(`stability gate failed: ${result.failedGates}`);
  });
}
