import type { Command } from 'commander';
import { clusterParams, runCluster, type ClusterOptions } from '../../api/cluster.js';
import { contextFrom } from '../context.js';
import { addParams } from '../params.js';

/** `segment cluster <data>`: fit k-means, DBSCAN or hierarchical clustering and label every row. */
export function registerCluster(program: Command): void {
  const cmd = program
    .command('cluster')
    .description('fit k-means, DBSCAN or hierarchical clustering and label every row')
    .argument('<data>', 'input file, or - for CSV on stdin');
  addParams(cmd, clusterParams).addHelpText(
    'after',
    `
Segments are numbered by decreasing size (0 = largest); DBSCAN noise is -1. The same input and --seed give
the same labels whatever --threads is. Features must have no missing values (segment clean --impute).
By default the features are every numeric column but the id and a \`segment\` column; the columns left out
(text, categorical) are named in a warning and in --json (leftOut). An input that already has the label
column (re-clustering a segments file) is refused: name the new labels with --segment-col; the old
\`segment\` column is then carried into the output, never a feature. Repeated --id values are warned about.

With --baseline, a segment that continues a baseline segment keeps its number; new segments get numbers
above every number the baseline's lineage used (numbers need not be contiguous). --match members pairs
segments by the rows they share (the baseline labels <data>, or --baseline-input, the same rows in the form
its chain reads); centroids pairs them by centroid distance over the same features.

--names names.yaml stores business names in the model ({0: Champions, 1: {name: At risk, description: ...}});
every number must be a segment of the new model. Without it, a fit numbered like its --baseline keeps the
baseline's names of the segments it continues. segment assign --segment-name and export-sql use them.

Cost: k-means O(n·k·d) per iteration; DBSCAN O(n log n) to O(n²) with a spatial index, O(n) memory;
hierarchical O(n²) time, and O(n²) memory for complete/average linkage (refused past --memory-limit);
HDBSCAN O(n²·d) time (the spanning tree, on one thread) and O(n) memory, and it adds the columns
probability and outlier_score; OPTICS O(n²·d) time without --max-eps (O(n·log n) typical with one), O(n)
memory, and it adds the columns optics_order, reachability and core_distance.

Examples:
  $ segment cluster features.parquet --k 5 -o segments.parquet --model model.json
  $ segment cluster features.parquet --algo dbscan --eps auto --min-samples 10 --json
  $ segment cluster features.parquet --algo hdbscan --min-cluster-size 25 -o seg.parquet --model model.json
  $ segment cluster features.parquet --algo optics --min-samples 10 --xi 0.05 -o seg.parquet --model model.json
  $ segment cluster sample.parquet --algo hierarchical --linkage average --distance cosine --k 4 -o seg.csv
  $ segment cluster clean.parquet --k 5 --baseline old/model.json --baseline-input features.parquet -o seg.parquet
  $ segment cluster features.parquet --k 4 --model model.json --names names.yaml`,
  );
  cmd.action(async (data: string, flags: ClusterOptions, self: Command) => {
    const ctx = contextFrom(self);
    const result = await runCluster(data, flags, ctx);
    if (flags.json) ctx.printJson(result.json);
  });
}
