import { applyCleanModel, fitClean, type CleanParams } from '../clean/clean.js';
import { cleanModelKind, type CleanModel } from '../clean/clean-model.js';
import { assignRows } from '../cluster/assign.js';
import { clusterModelKind, type ClusterModel } from '../cluster/cluster-model.js';
import { fitClusters, type ClusterParams } from '../cluster/fit.js';
import { chainOf } from '../core/chain.js';
import { numericColumn, type Dataset } from '../core/dataset.js';
import type { Logger } from '../core/logger.js';
import { assertFinite, chooseFeatures, toMatrix } from '../core/matrix.js';
import type { SavedModelKind } from '../core/model-kind.js';
import { toolVersion } from '../core/version.js';
import type { WorkerPool } from '../core/worker-pool.js';
import { bundleModel } from '../model/bundle.js';
import { predictModelKind, type PredictModel } from '../predict/predict-model.js';
import { scorePropensity } from '../predict/score.js';
import { trainPropensity, type PredictParams } from '../predict/train.js';
import { fitSelect, type SelectParams } from '../select/select.js';
import { applySelectModel, selectModelKind, type SelectModel } from '../select/select-model.js';

/** What fitting and applying a stage may use: worker threads, a memory budget, a logger, the version recorded. */
export interface StageEnv {
  pool?: WorkerPool | undefined;
  /** Memory budget in bytes of O(n²) algorithms and forests. */
  memoryLimit?: number | undefined;
  logger?: Logger | undefined;
  /** Recorded in the model (default: this package's version). */
  toolVersion?: string | undefined;
}

/** A fitted stage: its model (saved with the stage's `kind`) and its output on the rows it was fitted on. */
export interface Fitted<M> {
  model: M;
  /** What `apply(model, data)` gives on the training data. */
  data: Dataset;
}

/**
 * The contract every fitted stage follows — clean, select, cluster, predict: `fit(data, params, env)` gives a model
 * and the stage's output on its training rows; `apply(model, data, env)` gives the same output on any rows, without
 * refitting; `kind` loads (`kind.load`, one policy: format, version, content hash, structure), writes
 * (`kind.toJSON`) and, where a chain can hold the stage, renders it as SQL (`kind.toSql`).
 * @example
 * const { model, data } = await stages.clean.fit(ds, { impute: { strategy: 'median' }, scale: { method: 'zscore' } });
 * const tonight = await stages.clean.apply(model, newRows); // last night's medians and deviations
 * writeFileSync('clean.json', stages.clean.kind.toJSON(model));
 */
export interface Stage<P, M> {
  readonly name: 'clean' | 'select' | 'cluster' | 'predict';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SQL context is export-sql's, not the stage's
  readonly kind: SavedModelKind<M, any>;
  fit(data: Dataset, params: P, env?: StageEnv): Promise<Fitted<M>>;
  apply(model: M, data: Dataset, env?: StageEnv): Promise<Dataset>;
}

/** Cluster parameters plus the choice of feature columns (as `segment cluster` picks them by default). */
export type ClusterStageParams = ClusterParams & {
  id?: string | undefined;
  features?: readonly string[] | undefined;
  exclude?: readonly string[] | undefined;
  /** Name of the label column of `data` (default `segment`). */
  segmentColumn?: string | undefined;
};

const cleanStage: Stage<CleanParams, CleanModel> = {
  name: 'clean',
  kind: cleanModelKind,
  async fit(ds, params, env = {}) {
    const r = await fitClean(ds, params, {
      pool: env.pool,
      logger: env.logger,
      toolVersion: env.toolVersion ?? toolVersion,
    });
    return { model: r.model, data: r.data };
  },
  apply: (model, ds, env = {}) => applyCleanModel(ds, model, { pool: env.pool, logger: env.logger }),
};

const selectStage: Stage<SelectParams, SelectModel> = {
  name: 'select',
  kind: selectModelKind,
  async fit(ds, params, env = {}) {
    const r = await fitSelect(ds, params, {
      pool: env.pool,
      logger: env.logger,
      toolVersion: env.toolVersion ?? toolVersion,
    });
    return { model: r.model, data: r.data };
  },
  apply: async (model, ds) => applySelectModel(ds, model),
};

/** The rows with their segment: the id (if any), the features and the label column. */
function labelled(
  ds: Dataset,
  id: string | null,
  features: readonly string[],
  labels: Int32Array,
  col: string,
): Dataset {
  return ds
    .select([...(id !== null && ds.has(id) ? [id] : []), ...features])
    .withColumn(numericColumn(col, Float64Array.from(labels), 'integer'));
}

const clusterStage: Stage<ClusterStageParams, ClusterModel> = {
  name: 'cluster',
  kind: clusterModelKind,
  async fit(ds, params, env = {}) {
    const { id, features: named, exclude, segmentColumn, ...fitParams } = params;
    const { features } = chooseFeatures(
      ds,
      { id, features: named ? [...named] : undefined, exclude: exclude ? [...exclude] : undefined },
      { roles: ['segment'], skipTemporal: true },
    );
    const X = toMatrix(ds, features);
    assertFinite(X, features, 'clustering');
    const fit = await fitClusters(X, features, id ?? null, fitParams, {
      pool: env.pool,
      memoryLimit: env.memoryLimit,
      logger: env.logger,
      toolVersion: env.toolVersion ?? toolVersion,
    });
    // Saved as `segment cluster --model` saves it: the bundle with the data's fitted chain and a content hash.
    return {
      model: bundleModel(fit.model, chainOf(ds)),
      data: labelled(ds, id ?? null, features, fit.labels, segmentColumn ?? 'segment'),
    };
  },
  async apply(model, ds) {
    const X = toMatrix(ds, model.features);
    assertFinite(X, model.features, 'assignment');
    return labelled(ds, model.id ?? null, model.features, assignRows(model, X), 'segment');
  },
};

const predictStage: Stage<PredictParams, PredictModel> = {
  name: 'predict',
  kind: predictModelKind,
  async fit(ds, params, env = {}) {
    const { model } = await trainPropensity(ds, params, {
      pool: env.pool,
      memoryLimit: env.memoryLimit,
      logger: env.logger,
      toolVersion: env.toolVersion ?? toolVersion,
    });
    return { model, data: await predictStage.apply(model, ds, env) };
  },
  async apply(model, ds, env = {}) {
    const r = await scorePropensity(model, ds, {
      pool: env.pool,
      input: 'prepared',
      source: 'model',
      data: 'data',
    });
    return r.scores;
  },
};

/** The fitted stages, one contract (see {@link Stage}). */
export const stages = {
  clean: cleanStage,
  select: selectStage,
  cluster: clusterStage,
  predict: predictStage,
} as const;
