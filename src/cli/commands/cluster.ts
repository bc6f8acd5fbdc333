import { InvalidArgumentError, Option, type Command } from 'commander';
import { chainOf } from '../../core/chain.js';
import { algorithms, fitClusters, type ClusterParams } from '../../cluster/fit.js';
import { distances, linkages } from '../../core/distance.js';
import {
  DEFAULT_MATCH_MIN_JACCARD,
  featurePermutation,
  type MatchMethod,
  type SegmentIdentity,
} from '../../cluster/identity.js';
import type { ClusterModel } from '../../cluster/model.js';
import { loadModel } from '../../model/bundle.js';
import { cellText, numericColumn, type Dataset } from '../../core/dataset.js';
import { assertUniqueIds, rowsById, warnDuplicateIds } from '../../core/ids.js';
import { DataError, UsageError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { Random } from '../../core/random.js';
import { assertFinite, chooseFeatures, leftOutWarning, toMatrix } from '../../core/matrix.js';
import { assertFreeColumns } from '../../core/columns.js';
import { WorkerPool } from '../../core/worker-pool.js';
import { readDataset } from '../../io/read.js';
import { contextFrom } from '../context.js';
import { addInputOptions, readOptionsFrom, type InputFlags } from '../io-options.js';
import { describeParser, intAtLeast, list, positiveNumber, checkedText } from '../options.js';
import { version } from '../version.js';
import { round3 } from '../../core/format.js';
import { bundleModel, bundleText } from '../../model/bundle.js';
import { keepSegmentIdentity } from '../../model/identity.js';
import { scoreDataset } from '../../model/score.js';

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
  baseline?: string;
  match: 'auto' | MatchMethod;
  baselineInput?: string;
  matchMinJaccard: number;
  segmentCol: string;
}

/** Parse a number in [0, 1] (commander argument parser). */
const unitInterval = describeParser(
  function unitInterval(v: string): number {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
      throw new InvalidArgumentError(`expected a number between 0 and 1, got '${v}'.`);
    }
    return n;
  },
  { type: 'number', minimum: 0, maximum: 1 },
);

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
    .option(
      '--eps <x|auto>',
      'DBSCAN radius, or auto (knee of the k-distance curve)',
      checkedText(parseEps, { anyOf: [{ type: 'number', exclusiveMinimum: 0 }, { const: 'auto' }] }),
      'auto',
    )
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
    .option(
      '--segment-col <name>',
      'name of the label column written (refused when the input already has a column of that name)',
      'segment',
    )
    .option('--model <path>', 'write the fitted model (JSON) for segment assign')
    .option('--json', 'print the fit summary (sizes, inertia, noise, warnings, timings) as JSON on stdout')
    .option(
      '--baseline <model.json>',
      "number the segments like this earlier model's (matched segments keep their number)",
    )
    .addOption(
      new Option(
        '--match <how>',
        "pair segments with the baseline's by their members (rows) or centroids; auto: members when the baseline can score the rows",
      )
        .choices(['auto', 'members', 'centroids'])
        .default('auto'),
    )
    .option(
      '--baseline-input <path>',
      "the same rows as <data>, in the same order, in the form the baseline's chain reads (e.g. before clean)",
    )
    .option(
      '--match-min-jaccard <x>',
      'members: lowest Jaccard for a segment to keep its baseline number',
      unitInterval,
      DEFAULT_MATCH_MIN_JACCARD,
    );
  addInputOptions(cmd).addHelpText(
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

Cost: k-means O(n·k·d) per iteration; DBSCAN O(n log n) to O(n²) with a spatial index, O(n) memory;
hierarchical O(n²) time, and O(n²) memory for complete/average linkage (refused past --memory-limit).

Examples:
  $ segment cluster features.parquet --k 5 -o segments.parquet --model model.json
  $ segment cluster features.parquet --algo dbscan --eps auto --min-samples 10 --json
  $ segment cluster sample.parquet --algo hierarchical --linkage average --distance cosine --k 4 -o seg.csv
  $ segment cluster clean.parquet --k 5 --baseline old/model.json --baseline-input features.parquet -o seg.parquet`,
  );
  cmd.action(async (data: string, flags: ClusterFlags, self: Command) => {
    const ctx = contextFrom(self);
    if (!flags.output && !flags.model && !flags.json) {
      throw new UsageError('cluster writes nothing without -o, --model or --json', 'add -o segments.parquet');
    }
    if (flags.json && flags.output === '-')
      throw new UsageError('--json and -o - both write to stdout; pick one');
    const eps = parseEps(flags.eps);
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
    const baselineFlags = (['match', 'baselineInput', 'matchMinJaccard'] as const).filter(
      (k) => self.getOptionValueSource(k) === 'cli',
    );
    if (!flags.baseline && baselineFlags.length > 0) {
      const name = {
        match: '--match',
        baselineInput: '--baseline-input',
        matchMinJaccard: '--match-min-jaccard',
      };
      throw new UsageError(`${name[baselineFlags[0]!]} needs --baseline <model.json>`);
    }
    if (flags.baselineInput === '-' && data === '-')
      throw new UsageError('<data> and --baseline-input cannot both be stdin');
    const files = await ctx.outputs(
      [
        { flag: 'input', path: data },
        { flag: '--baseline', path: flags.baseline },
        { flag: '--baseline-input', path: flags.baselineInput },
      ],
      [
        { flag: '-o', path: flags.output },
        { flag: '--model', path: flags.model },
      ],
    );
    const started = performance.now();
    // A bad baseline stops the run before anything is read or fitted.
    const baseline = flags.baseline ? await loadModel(flags.baseline) : null;
    const readOpts = readOptionsFrom(flags, ctx);
    // With --baseline-input and --sample, both files are read whole and sampled with the same rows.
    const sampleLater = baseline !== null && flags.baselineInput !== undefined && flags.sample !== undefined;
    let ds = await readDataset(data, sampleLater ? { ...readOpts, sample: undefined } : readOpts);
    const dataName = data === '-' ? 'stdin' : data;
    assertFreeColumns(
      ds,
      [
        {
          name: flags.segmentCol,
          hint: 'name the new labels otherwise with --segment-col NAME (in segment run: drop the column in a clean step)',
        },
      ],
      'segment cluster',
      dataName,
    );
    if (flags.id !== undefined) ds.column(flags.id);
    const plan = baseline ? planMatch(baseline, ds, flags) : null;
    if (plan?.fallback) ctx.logger.log('warn', `baseline: ${plan.fallback}`);
    if (plan?.source === 'input' && flags.baselineInput)
      ctx.logger.log('info', "baseline: the input carries the baseline's chain; --baseline-input not read");
    let baselineDs: Dataset | null = null;
    let unpaired: Uint8Array | null = null;
    if (plan?.source === 'baseline-input') {
      baselineDs = await readDataset(flags.baselineInput!, {
        stdin: ctx.stdin,
        logger: ctx.logger,
        seed: ctx.seed,
      });
      if (
        baselineDs.nRows !== ds.nRows &&
        flags.id !== undefined &&
        ds.has(flags.id) &&
        baselineDs.has(flags.id)
      ) {
        // Cleaning dropped rows since the raw input: pair the rest by id.
        assertUniqueIds(ds, flags.id, dataName, `its rows are paired with ${flags.baselineInput} by id`);
        const aligned = alignById(ds, baselineDs, flags.id, flags.baselineInput!);
        baselineDs = aligned.data;
        unpaired = aligned.unpaired;
        const lost = unpaired.reduce((a, b) => a + b, 0);
        if (lost * 2 > ds.nRows)
          throw new DataError(
            `${flags.baselineInput}: only ${ds.nRows - lost} of ${ds.nRows} rows pair with ${data === '-' ? 'stdin' : data} by ${flags.id}`,
            '--baseline-input must hold the rows <data> was made from',
          );
        if (lost > 0)
          ctx.logger.log(
            'warn',
            `baseline: ${lost} row(s) have no row with the same ${flags.id} in ${flags.baselineInput}; they count as unlabelled in the matching`,
          );
      } else if (baselineDs.nRows !== ds.nRows) {
        throw new DataError(
          `${flags.baselineInput}: ${baselineDs.nRows} rows but ${data === '-' ? 'stdin' : data} has ${ds.nRows}`,
          '--baseline-input must hold the same rows as <data>, in the same order (or both carry the --id column)',
        );
      }
    }
    if (sampleLater && flags.sample! < ds.nRows) {
      const rows = new Random(ctx.seed).sampleIndices(ds.nRows, flags.sample!);
      ds = ds.take(rows);
      baselineDs = baselineDs?.take(rows) ?? null;
      if (unpaired) unpaired = Uint8Array.from(rows, (i) => unpaired![i]!);
    }
    const duplicateIds = flags.id !== undefined ? warnDuplicateIds(ds, flags.id, ctx.logger, dataName) : null;
    // Earlier labels are never features; they travel into the output beside the new ones.
    const roles = [...new Set(['segment', flags.segmentCol])];
    const { features, leftOut } = chooseFeatures(
      ds,
      { id: flags.id, features: flags.features, exclude: flags.exclude },
      // Dates as epoch milliseconds would swamp every distance: features only when named.
      { roles, skipTemporal: true },
    );
    const omitted = flags.features ? null : leftOutWarning(leftOut);
    if (omitted) ctx.logger.log('warn', omitted);
    // Centroids are only comparable over the same features: refuse before fitting.
    if (baseline && plan?.method === 'centroids') featurePermutation(features, baseline.features);
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
    let baselineLabels: Int32Array | undefined;
    try {
      if (baseline && plan && plan.method === 'members') {
        const scored = await scoreDataset(baseline, plan.source === 'input' ? ds : baselineDs!, {
          input: plan.source === 'input' ? 'prepared' : 'raw',
          pool,
          source: flags.baseline!,
          data: plan.source === 'input' ? (data === '-' ? 'stdin' : data) : flags.baselineInput!,
        });
        baselineLabels = scored.labels;
        if (unpaired) for (let i = 0; i < unpaired.length; i++) if (unpaired[i]) baselineLabels[i] = -1;
      }
      fit = await fitClusters(X, features, flags.id ?? null, params, {
        pool,
        memoryLimit: ctx.memoryLimit,
        logger: ctx.logger,
        toolVersion: version,
      });
    } finally {
      await pool.close();
    }
    let labels = fit.labels;
    let model: ClusterModel = fit.model;
    let identity: SegmentIdentity | null = null;
    if (baseline && plan) {
      const kept = keepSegmentIdentity(X, labels, model, baseline, {
        method: plan.method,
        baselineLabels,
        minJaccard: flags.matchMinJaccard,
      });
      labels = kept.labels;
      model = kept.model;
      identity = kept.identity;
      reportIdentity(ctx.logger, identity);
    }
    const fitSeconds = (performance.now() - fitStart) / 1000;
    for (const w of fit.summary.warnings) ctx.logger.log('warn', w);
    const carried = roles.filter((r) => ds.has(r) && r !== flags.id);
    const keep = [...(flags.id ? [flags.id] : []), ...features, ...carried];
    const out = ds
      .select(keep)
      .withColumn(numericColumn(flags.segmentCol, Float64Array.from(labels), 'integer'));
    if (flags.output) await files.writeDataset('-o', out);
    if (flags.model) await files.writeText('--model', bundleText(bundleModel(model, chainOf(ds))));
    await files.commit();
    if (flags.json) {
      ctx.printJson({
        ...fit.summary,
        ...(identity
          ? {
              sizes: model.segments.map((s) => s.size),
              segments: model.segments.map((s) => ({ segment: s.segment, size: s.size })),
            }
          : {}),
        input: dataName,
        features,
        leftOut,
        segmentColumn: flags.segmentCol,
        duplicateIds,
        output: flags.output ?? null,
        model: flags.model ?? null,
        ...(identity && plan
          ? {
              identity: {
                baselineFile: flags.baseline,
                match: flags.match,
                fallback: plan.fallback,
                ...identity,
              },
            }
          : {}),
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

/** How the segments will be paired with the baseline's, where the baseline's labels come from, and why. */
interface MatchPlan {
  method: MatchMethod;
  /** Members: score <data> as prepared, or --baseline-input raw. */
  source: 'input' | 'baseline-input' | null;
  /** Why auto chose centroids (null otherwise). */
  fallback: string | null;
}

/**
 * Decide how to pair with the baseline: members when its labels for the same rows can be had — <data> carries the
 * baseline's chain (or neither has one) and has its features, else --baseline-input scored raw — otherwise centroids
 * (auto) or a usage error (--match members).
 */
function planMatch(baseline: ClusterModel, ds: Dataset, flags: ClusterFlags): MatchPlan {
  if (flags.match === 'centroids') return { method: 'centroids', source: null, fallback: null };
  const sameChain = JSON.stringify(chainOf(ds)) === JSON.stringify(baseline.chain ?? []);
  if (sameChain && baseline.features.every((f) => ds.has(f)))
    return { method: 'members', source: 'input', fallback: null };
  if (flags.baselineInput) return { method: 'members', source: 'baseline-input', fallback: null };
  const why = sameChain
    ? "the input lacks the baseline's features"
    : "the input was not prepared by the baseline's fitted chain";
  if (flags.match === 'members') {
    throw new UsageError(
      `--match members cannot score the rows with the baseline: ${why}`,
      "pass --baseline-input with the same rows in the form the baseline's chain reads (e.g. before clean)",
    );
  }
  return {
    method: 'centroids',
    source: null,
    fallback: `${why} and no --baseline-input was given: segments matched by centroids`,
  };
}

/** Log how the numbering followed the baseline: an info line, and warnings for new and vanished segments. */
function reportIdentity(logger: Logger, id: SegmentIdentity): void {
  logger.log(
    'info',
    `baseline: ${id.matched.length} segment(s) kept their number (by ${id.method}), ${id.new.length} new, ${id.vanished.length} vanished`,
  );
  if (id.new.length > 0) {
    const parts = id.new.map((s) => {
      const c = s.closest;
      const near = !c
        ? ''
        : c.jaccard !== undefined
          ? `; closest baseline segment ${c.baseline}, Jaccard ${c.jaccard.toFixed(2)}`
          : `; nearest baseline segment ${c.baseline}, distance ${c.distance!.toPrecision(3)}`;
      return `${s.segment} (${s.size} rows${near})`;
    });
    logger.log('warn', `new segment(s), not in the baseline: ${parts.join(', ')}`);
  }
  if (id.vanished.length > 0) {
    logger.log(
      'warn',
      `baseline segment(s) with no partner (vanished): ${id.vanished.map((s) => `${s.segment} (${s.size} rows in the baseline)`).join(', ')}`,
    );
  }
}

/**
 * The rows of `other` in the order of `ds`, paired by the id column; rows of `ds` whose id `other` lacks get a
 * stand-in row and are flagged in `unpaired`. O(n).
 * @throws DataError when `other` holds an id twice.
 */
function alignById(
  ds: Dataset,
  other: Dataset,
  id: string,
  name: string,
): { data: Dataset; unpaired: Uint8Array } {
  const index = rowsById(other, id, name, true);
  const mine = ds.column(id);
  const rows = new Int32Array(ds.nRows);
  const unpaired = new Uint8Array(ds.nRows);
  for (let i = 0; i < ds.nRows; i++) {
    const key = cellText(mine, i);
    const j = key === null ? undefined : index.get(key);
    if (j === undefined) unpaired[i] = 1;
    else rows[i] = j;
  }
  return { data: other.take(rows), unpaired };
}

/**
 * Parse `--eps`: a number > 0 or `auto`.
 * @throws UsageError for anything else.
 */
function parseEps(v: string): number | 'auto' {
  if (v === 'auto') return 'auto';
  const eps = Number(v);
  if (v.trim() === '' || !Number.isFinite(eps) || eps <= 0)
    throw new UsageError(`--eps must be a number > 0 or auto, got '${v}'`);
  return eps;
}
