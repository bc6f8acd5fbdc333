import type { Command } from 'commander';
import { runTune, tuneParams, type TuneCommandOptions } from '../../api/tune.js';
import type { Candidate, TuneResult } from '../../tune/tune.js';
import { contextFrom } from '../context.js';
import { addParams } from '../params.js';

/** `segment tune <data>`: fit a parameter grid, score every candidate, recommend one with its reason. */
export function registerTune(program: Command): void {
  const cmd = program
    .command('tune')
    .description(
      'choose k, eps, min-cluster-size or linkage with evidence: grid search scored by validity indices',
    )
    .argument('<data>', 'input file, or - for CSV on stdin');
  addParams(cmd, tuneParams).addHelpText(
    'after',
    `
Every candidate is scored with silhouette, Davies-Bouldin, Calinski-Harabasz and Dunn (inertia for
k-means, the objective for k-medoids); --metric picks the one the recommendation optimises. DBSCAN and
HDBSCAN noise is left out of the indices (its share is reported); candidates with fewer than 2 clusters are degenerate and never recommended.

Examples:
  $ segment tune features.parquet --algo kmeans --k 2..12 --plot charts/
  $ segment tune features.parquet --algo dbscan --eps 0.1..1.0 --min-samples 5..20:5 --json
  $ segment tune features.parquet --algo hierarchical --linkage ward,average --k 2..10 -o tune.json
  $ segment tune features.parquet --algo hdbscan --min-cluster-size 5..50:5
  $ segment tune features.parquet --algo kmedoids --k 2..8 --distance manhattan`,
  );
  cmd.action(async (data: string, flags: TuneCommandOptions, self: Command) => {
    const ctx = contextFrom(self);
    const { result, json } = await runTune(data, flags, ctx);
    if (flags.json) ctx.printJson(json);
    else if (flags.output !== '-') ctx.print(renderTable(result));
  });
}

/** A plain-text table of the candidates, the recommended one marked with `*`. */
export function renderTable(r: TuneResult): string {
  const keys = Object.keys(r.candidates[0]?.params ?? {});
  const noisy = r.algorithm === 'dbscan' || r.algorithm === 'hdbscan';
  const head = [
    ' ',
    ...keys,
    'clusters',
    ...(noisy ? ['noise %'] : []),
    'silhouette',
    'davies-bouldin',
    'calinski-harabasz',
    'dunn',
    ...(r.algorithm === 'kmeans' ? ['inertia'] : []),
    ...(r.algorithm === 'kmedoids' ? ['objective'] : []),
  ];
  const rec = JSON.stringify(r.recommendation.params);
  const rows = r.candidates.map((c: Candidate) => [
    JSON.stringify(c.params) === rec ? '*' : ' ',
    ...keys.map((key) => String(c.params[key])),
    String(c.nClusters),
    ...(noisy ? [(c.noiseShare * 100).toFixed(1)] : []),
    c.degenerate ?? num(c.scores.silhouette),
    c.degenerate ? '' : num(c.scores.daviesBouldin),
    c.degenerate ? '' : num(c.scores.calinskiHarabasz),
    c.degenerate ? '' : num(c.scores.dunn),
    ...(r.algorithm === 'kmeans' ? [num(c.scores.inertia ?? null)] : []),
    ...(r.algorithm === 'kmedoids' ? [num(c.scores.objective ?? null)] : []),
  ]);
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((row) => row[j]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, j) => (j <= keys.length ? c.padEnd(widths[j]!) : c.padStart(widths[j]!)))
      .join('  ')
      .trimEnd();
  const out = [line(head), ...rows.map(line)];
  out.push('');
  const sample =
    r.evaluation.sampleSize !== null
      ? `, silhouette and Dunn on a sample of ${r.evaluation.sampleSize} rows`
      : '';
  out.push(
    `${r.nRows} rows × ${r.nFeatures} features, ${r.distance} distance${sample}; noise excluded from the indices`,
  );
  if (r.elbow)
    out.push(
      `${r.elbow.objective ? 'objective' : 'inertia'} elbow (Kneedle): ${r.elbow.kneeK === null ? 'none found' : `k=${r.elbow.kneeK}`}`,
    );
  if (r.kDistance) {
    for (const kd of r.kDistance)
      out.push(`k-distance knee (min-samples ${kd.minSamples}, k=${kd.k}): eps=${kd.kneeEps.toPrecision(4)}`);
  }
  out.push(`* recommended by ${r.score}: ${r.recommendation.reason}`);
  return out.join('\n') + '\n';
}

function num(x: number | null): string {
  if (x === null) return '—';
  return Math.abs(x) >= 1000 ? x.toFixed(1) : x.toPrecision(4);
}
