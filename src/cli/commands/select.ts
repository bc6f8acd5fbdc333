import type { Command } from 'commander';
import { runSelect, selectParams, type SelectOptions } from '../../api/select.js';
import { contextFrom } from '../context.js';
import { addParams } from '../params.js';

/** `segment select <data>`: variance and correlation filters, RFE/RFECV, PCA, and 2-D embeddings. */
export function registerSelect(program: Command): void {
  const cmd = program
    .command('select')
    .description(
      'feature selection and reduction: variance / correlation filters, RFE(CV), PCA, 2-D embedding',
    )
    .argument('<data>', 'input file, or - for CSV on stdin');
  addParams(cmd, selectParams).addHelpText(
    'after',
    `
Steps run in this order, each only when asked: --variance-threshold, --max-corr, --rfe / --rfecv, --pca. The
output keeps every non-feature column (id, text, target, segment) and replaces the features by the kept ones, or by
pc1..pcN. Features must be complete (segment clean --impute first).

Cost: filters and PCA stream the data twice, O(n·d²), no copy of the table; RFE fits about d forests on at most
--rfe-sample rows, RFECV about (--cv + 1)·d; t-SNE is O(N²) per iteration for N = --embed-sample rows; UMAP
O(N·log N) for the neighbours, O(N·k·epochs) for the layout and O(N·k) memory (one thread, same bytes for any
--threads). --json gives each embedding's trustworthiness (k = 5, as scikit-learn's) on at most 5,000 rows.

Examples:
  $ segment select clean.parquet --id customer_id --max-corr 0.95 --pca 0.85 -o reduced.parquet --model select.json
  $ segment select segments.parquet --rfe 5 --target segment --json
  $ segment select features.parquet --rfecv --surrogate-k 6 --json | jq .rfe.cv
  $ segment select features.parquet --embed tsne --id customer_id -o embedding.parquet
  $ segment select features.parquet --embed umap --umap-neighbors 30 --id customer_id -o embedding.parquet
  $ segment select new.parquet --apply select.json -o new-reduced.parquet`,
  );
  cmd.action(async (data: string, flags: SelectOptions, self: Command) => {
    const ctx = contextFrom(self);
    const result = await runSelect(data, flags, ctx);
    if (flags.json) ctx.printJson(result.json);
  });
}
