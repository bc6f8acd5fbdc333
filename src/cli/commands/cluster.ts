import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { chainOf } from '../../core/chain.js';
import { algorithms, distances, fitClusters, linkages, type ClusterParams } from '../../cluster/fit.js';
import { numericColumn } from '../../core/dataset.js';
import { UsageError } from '../../core/errors.js';
import { assertFinite, resolveFeatures, toMatrix } from '../../core/matrix.js';
import { WorkerPool } from '../../core/worker-pool.js';
import { writeAtomic } from '../../io/atomic.js';
import { readDataset } from '../../io/read.js';
import { writeDataset } from '../../io/write.js';
import { contextFrom } from '../context.js';
import { addInputOptions, readOptionsFrom, type InputFlags } from '../io-options.js';
import { intAtLeast, list, positiveNumber } from '../options.js';
import { version } from '../version.js';
import { round3 } from '../../core/format.js';

interface ClusterFlags extends InputFlags {
  algo: (typeof algorithms)[number];
  k?: number;
  nInit: number;
  maxIter: number;
  tol: number;
  kmeansAlgorithm: 'auto' | 'lloyd' | 'elkan' | 'hamerly' | 'minibatch';
  eps: string;
  minSamples: number;
  linkage: (typeof linkages)[number];
  distance: (typeof distances)[number];
  distanceThreshold?: number;
  minSize?: number;
  id?: string;
  features?: string[];
  exclude?: string[];
  output?: string;
  model?: string;
  json?: boolean;
}

/** `segment cluster <data>`: fit k-means, DBSCAN or hierarchical clustering and label every row. */
export function registerCluster(program: Command): void {
  const cmd = program
    .command('cluster')
    .description('fit k-means, DBSCAN or hierarchical clustering and label every row')
    .argument('<data>', 'input file, or - for CSV on stdin')
    .addOption(new Option('--algo <name>', 'algorithm').choices(algorithms).default('kmeans'))
    .option(
      '-k, --k <n>',
      'number of segments (k-means default 8; hierarchical: --k or --distance-threshold)',
      intAtLeast(1),
    )
    .option('--n-init <n>', 'k-means restarts, keeping the lowest inertia', intAtLeast(1), 10)
    .option('--max-iter <n>', 'k-means iterations per restart', intAtLeast(1), 300)
    .option(
      '--tol <x>',
      'k-means tolerance on the centre shift (relative to the data variance)',
      positiveNumber,
      1e-4,
    )
    .addOption(
      new Option(
        '--kmeans-algorithm <name>',
        'k-means variant (auto picks a bounded one; minibatch for huge n)',
      )
        .choices(['auto', 'lloyd', 'elkan', 'hamerly', 'minibatch'])
        .default('auto'),
    )
    .option('--eps <x|auto>', 'DBSCAN radius, or auto (knee of the k-distance curve)', 'auto')
    .option(
      '--min-samples <n>',
      'DBSCAN points within eps (itself included) to be a core point',
      intAtLeast(1),
      5,
    )
    .addOption(new Option('--linkage <name>', 'hierarchical linkage').choices(linkages).default('ward'))
    .addOption(
      new Option('--distance <name>', 'DBSCAN / hierarchical distance')
        .choices(distances)
        .default('euclidean'),
    )
    .option(
      '--distance-threshold <x>',
      'hierarchical: cut the tree at this height instead of --k',
      positiveNumber,
    )
    .option('--min-size <n>', 'merge segments smaller than n rows into their nearest segment', intAtLeast(1))
    .option('--id <col>', 'id column, carried through untouched')
    .option('--features <cols>', 'feature columns (default: every numeric column but the id)', list)
    .option('--exclude <cols>', 'columns to leave out of the features', list)
    .option(
      '-o, --output <path>',
      'segments file: id, features and `segment` (.parquet, .csv, .json; - = CSV on stdout)',
    )
    .option('--model <path>', 'write the fitted model (JSON) for segment assign')
    .option('--json', 'print the fit summary (sizes, inertia, noise, warnings, timings) as JSON on stdout');
  addInputOptions(cmd).addHelpText(
    'after',
    `
Segments are numbered by decreasing size (0 = largest); DBSCAN noise is -1. The same input and --seed give
the same labels whatever --threads is. Features must have no missing values (segment clean --impute).

Cost: k-means O(n·k·d) per iteration; DBSCAN O(n log n) to O(n²) with a spatial index, O(n) memory;
hierarchical O(n²) time, and O(n²) memory for complete/average linkage (refused past --memory-limit).

Examples:
  $ segment cluster features.parquet --k 5 -o segments.parquet --model model.json
  $ segment cluster features.parquet --algo dbscan --eps auto --min-samples 10 --json
  $ segment cluster sample.parquet --algo hierarchical --linkage average --distance cosine --k 4 -o seg.csv`,
  );
  cmd.action(async (data: string, flags: ClusterFlags, self: Command) => {
    const ctx = contextFrom(self);
    if (!flags.output && !flags.model && !flags.json) {
      throw new UsageError('cluster writes nothing without -o, --model or --json', 'add -o segments.parquet');
    }
    if (flags.json && flags.output === '-')
      throw new UsageError('--json and -o - both write to stdout; pick one');
    let eps: number | 'auto';
    if (flags.eps === 'auto') eps = 'auto';
    else {
      eps = Number(flags.eps);
      if (!Number.isFinite(eps) || eps <= 0)
        throw new UsageError(`--eps must be a number > 0 or auto, got '${flags.eps}'`);
    }
    if (flags.algo === 'hierarchical' && flags.linkage === 'ward' && flags.distance !== 'euclidean') {
      throw new UsageError(
        `ward linkage needs --distance euclidean, got '${flags.distance}'`,
        'use --linkage average or complete',
      );
    }
    if (flags.algo === 'kmeans' && flags.distance !== 'euclidean') {
      throw new UsageError(
        'k-means minimises euclidean distances; --distance applies to dbscan and hierarchical',
      );
    }
    const started = performance.now();
    const ds = await readDataset(data, readOptionsFrom(flags, ctx));
    const features = resolveFeatures(ds, { id: flags.id, features: flags.features, exclude: flags.exclude }, [
      'segment',
    ]);
    const X = toMatrix(ds, features, ctx.threads > 1);
    assertFinite(X, features, 'clustering');
    const readSeconds = (performance.now() - started) / 1000;
    const params: ClusterParams = {
      algorithm: flags.algo,
      nClusters: flags.k ?? (flags.algo === 'kmeans' ? 8 : undefined),
      nInit: flags.nInit,
      maxIter: flags.maxIter,
      tol: flags.tol,
      kmeansAlgorithm: flags.kmeansAlgorithm,
      eps,
      minSamples: flags.minSamples,
      metric: flags.distance,
      linkage: flags.linkage,
      distanceThreshold: flags.distanceThreshold,
      minSize: flags.minSize,
      seed: ctx.seed,
    };
    const pool = new WorkerPool(ctx.threads);
    const fitStart = performance.now();
    let fit;
    try {
      fit = await fitClusters(X, features, flags.id ?? null, params, {
        pool,
        memoryLimit: ctx.memoryLimit,
        logger: ctx.logger,
        toolVersion: version,
      });
    } finally {
      await pool.close();
    }
    const fitSeconds = (performance.now() - fitStart) / 1000;
    for (const w of fit.summary.warnings) ctx.logger.log('warn', w);
    const keep = flags.id ? [flags.id, ...features] : features;
    const out = ds
      .select(keep)
      .withColumn(numericColumn('segment', Float64Array.from(fit.labels), 'integer'));
    if (flags.output) await writeDataset(out, flags.output, { stdout: ctx.stdout });
    if (flags.model) {
      const chain = chainOf(ds);
      const text = JSON.stringify(chain.length > 0 ? { ...fit.model, chain } : fit.model) + '\n';
      await writeAtomic(flags.model, (tmp) => writeFile(tmp, text));
    }
    if (flags.json) {
      ctx.printJson({
        ...fit.summary,
        input: data === '-' ? 'stdin' : data,
        features,
        output: flags.output ?? null,
        model: flags.model ?? null,
        timings: { readSeconds: round3(readSeconds), fitSeconds: round3(fitSeconds) },
      });
    }
    ctx.logger.log(
      'info',
      `${fit.summary.nSegments} segment(s) of ${X.nRows.toLocaleString('en-US')} rows` +
        (fit.summary.noise ? `, ${fit.summary.noise} noise` : '') +
        ` (${flags.algo}, ${fitSeconds.toFixed(2)} s)`,
    );
  });
}
