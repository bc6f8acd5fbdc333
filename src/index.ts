/**
 * segment — batch customer segmentation as a library.
 * The CLI (`segment …`) is a thin layer over these exports.
 */
export * from './core/errors.js';
export * from './core/dataset.js';
export * from './core/matrix.js';
export * from './core/columns.js';
export * from './core/ids.js';
export * from './core/random.js';
export * from './core/logger.js';
export { WorkerPool, defaultThreads, blocks, type Task } from './core/worker-pool.js';
export {
  readDataset,
  parquetMetadata,
  typeOverrides,
  type ReadOptions,
  type TypeOverride,
} from './io/read.js';
export { writeDataset, writeCsv, writeJson, type WriteOptions } from './io/write.js';
export {
  OutputSet,
  refuseInputsAmong,
  type InputDecl,
  type OutputDecl,
  type OpenOptions as OutputSetOptions,
} from './io/outputs.js';
export {
  profileDataset,
  quantileSorted,
  type ColumnProfile,
  type DatasetProfile,
} from './inspect/profile.js';
export {
  kmeans,
  nearestCentroid,
  type KMeansParams,
  type KMeansResult,
  type KMeansAlgorithm,
} from './cluster/kmeans.js';
export { type Distance, type ClusterDistance, type Linkage } from './core/distance.js';
export { dbscan, kDistances, type DbscanParams, type DbscanResult } from './cluster/dbscan.js';
export { hdbscan, type HdbscanParams, type HdbscanResult } from './cluster/hdbscan.js';
export {
  optics,
  extractDbscan,
  extractXi,
  type OpticsParams,
  type OpticsResult,
  type OpticsClusterMethod,
} from './cluster/optics.js';
export { linkageTree, cutTree, estimateMemory, type Dendrogram } from './cluster/hierarchical.js';
export {
  pam,
  clara,
  distanceMatrix,
  fitKMedoids,
  nearestMedoid,
  MAX_PAM_ROWS,
  type MedoidDistance,
  type PamResult,
  type ClaraResult,
} from './cluster/kmedoids.js';
export { fitGowerScale, gowerMatrix, gowerDistance, type GowerScale } from './core/gower.js';
export {
  silhouetteFromRows,
  dunnFromRows,
  gowerValidity,
  euclideanIndexNote,
  type GowerValidity,
} from './evaluate/precomputed.js';
export {
  gowerDbscan,
  gowerKDistances,
  gowerLinkageTree,
  gowerAssignToCores,
  gowerCentres,
  type GowerDbscanResult,
} from './cluster/gower-cluster.js';
export {
  fitClusters,
  suggestEps,
  type ClusterParams,
  type ClusterFit,
  type ClusterSummary,
} from './cluster/fit.js';
export { assignRows } from './cluster/assign.js';
export { type ClusterModel, type KMedoidsModel, type SegmentInfo } from './cluster/cluster-model.js';
export {
  loadSegmentNames,
  parseSegmentNames,
  withSegmentNames,
  segmentNamesOf,
  keptSegmentNames,
  segmentDisplayName,
  segmentFileStem,
  noiseName,
  segmentNameCol,
  type SegmentName,
} from './cluster/segment-names.js';
export { loadModel } from './model/bundle.js';
export { kneeIndex } from './evaluate/knee.js';
export {
  computeValidity,
  inertia,
  silhouetteSamples,
  silhouetteScore,
  silhouetteSampled,
  daviesBouldin,
  calinskiHarabasz,
  dunn,
  type NoisePolicy,
  type ValidityReport,
  type SampledSilhouette,
} from './evaluate/metrics.js';
export { tune, tuneMetrics, type TuneOptions, type TuneResult, type Candidate } from './tune/tune.js';
export { parseIntGrid, parsePositiveGrid } from './tune/grid.js';
export { segmentQuality, type SegmentQuality } from './report/quality.js';
export { renderSvg, type ReportChart, type VegaLiteSpec } from './render/charts.js';
export {
  display,
  richOutput,
  toSvg,
  toHtmlTable,
  toTextTable,
  escapeHtml,
  displayHookKey,
  type Displayable,
  type MimeBundle,
  type HtmlTableOptions,
  type TableRow,
} from './render/display.js';
export { tuneChartSpecs } from './tune/plots.js';
export { reportCharts } from './report/report-charts.js';
export {
  fitClean,
  applyCleanModel,
  applyCleanModelWithReport,
  type CleanParams,
  type CleanFit,
  type CleanReport,
} from './clean/clean.js';
export { loadCleanModel, type CleanModel } from './clean/clean-model.js';
export { knnImpute, type KnnImputeParams } from './clean/knn-impute.js';
export { buildReport, type Report } from './report/build.js';
export { renderHtml } from './report/html.js';
export { computeMigration, migrationSince, type Migration } from './report/migration.js';
export {
  computeFeatures,
  type ComputeOptions,
  type FeatureResult,
  type FeatureSummary,
} from './features/events.js';
export { parseDuration, type FeatureParams } from './features/params.js';
export {
  parseSegmentRules,
  parseScoringRules,
  type SegmentRules,
  type ScoringRules,
} from './features/rules.js';
export { defaultSegmentRules, defaultSegmentRulesYaml } from './features/default-rfm-rules.js';
export { featureQuery, type FeatureQuerySpec } from './features/sql.js';
export { chainKey, chainOf, type ChainEntry } from './core/chain.js';
export { fitSelect, type SelectParams, type SelectFit } from './select/select.js';
export { applySelectModel, loadSelectModel, type SelectModel } from './select/select-model.js';
export { fitPca, pcaTransform, type PcaParams, type PcaFit } from './select/pca.js';
export { tsne, pcaEmbedding, type TsneParams, type Embedding } from './select/embed.js';
export { fitForest, FittedForest, type ForestParams } from './forest/forest.js';
export { permutationImportance } from './forest/importance.js';
export {
  compareSegmentations,
  defaultThresholds,
  type StabilityResult,
  type StabilityThresholds,
} from './stability/stability.js';
export { trainPropensity, type PredictParams, type TrainResult } from './predict/train.js';
export {
  scorePropensity,
  decileTiers,
  tiersOf,
  type ScoreOptions,
  type ScoreResult,
} from './predict/score.js';
export { type PredictModel } from './predict/predict-model.js';
export { rocAuc, averagePrecision, logLoss, brierScore } from './predict/metrics.js';
export { readSql } from './io/sql.js';
export { redactUrl } from './io/sql-url.js';
export { exportSql, sqlDialects, type ExportSqlOptions, type ExportedSql } from './export/sql.js';
export { bundleModel, inputSchemaOf } from './model/bundle.js';
export { scoreDataset, prepareForModel, checkInputSchema, type Scored } from './model/score.js';
export { loadPipeline, applyOverride, type Pipeline, type LoadedPipeline } from './run/pipeline.js';
export { type SegmentIdentity } from './cluster/identity.js';
export { keepSegmentIdentity } from './model/identity.js';
export { bootstrapStability, type BootstrapResult } from './stability/bootstrap.js';
export { computeFeaturesInDatabase, computeFeaturesInDatabaseSql } from './features/pushdown.js';
export { buildPredictReport, renderPredictHtml } from './predict/report.js';
export { predictReportCharts } from './predict/report-charts.js';
export { planMatch, pairBaselineRows, reportIdentity, type MatchPlan } from './cluster/baseline.js';
export { assertModelSegments, loadTuneResult } from './report/inputs.js';
export { segmentLabels } from './core/labels.js';
export {
  clusterCommand,
  clusterParams,
  runCluster,
  parseEps,
  type ClusterOptions,
  type ClusterResult,
  type ClusterJson,
} from './api/cluster.js';
export {
  tuneCommand,
  tuneParams,
  runTune,
  type TuneCommandOptions,
  type TuneCommandResult,
  type TuneFull,
} from './api/tune.js';
export {
  reportCommand,
  reportParams,
  runReport,
  type ReportOptions,
  type ReportResult,
} from './api/report.js';
export {
  cleanCommand,
  cleanParams,
  runClean,
  parseImputeSpec,
  parseContamination,
  type CleanOptions,
  type CleanResult,
  type CleanFitJson,
  type CleanApplyJson,
} from './api/clean.js';
export {
  selectCommand,
  selectParams,
  runSelect,
  parsePcaFlag,
  type SelectOptions,
  type SelectResult,
  type SelectFitJson,
  type SelectApplyJson,
} from './api/select.js';
export { loadValidationRules, parseAsOf, type RuleSources } from './clean/validate.js';
export { embeddingDataset, type EmbeddingParams, type EmbeddingSummary } from './select/embed.js';

// segment stability
export {
  runStability,
  stabilityParams,
  threshold as stabilityThreshold,
  type StabilityOptions,
  type StabilityRunResult,
  type StabilityCompareResult,
  type StabilityBootstrapResult,
} from './api/stability.js';
export { resolveStabilityInput, type ResolvedStabilityInput } from './stability/inputs.js';
export { pairRows, type PairedLabels, type PairingSide } from './stability/pairing.js';
export { driftFeatures, type DriftFeatures, type DriftSide } from './stability/features.js';
export { refitParams } from './stability/refit.js';

// segment assign
export {
  runAssign,
  assignParams,
  type AssignOptions,
  type AssignResult,
  type AssignSummary,
  type SegmentFile,
} from './api/assign.js';

// segment update
export {
  runUpdate,
  updateParams,
  type UpdateOptions,
  type UpdateResult,
  type UpdateJson,
  type UpdateGate,
  type UpdateSegmentReport,
} from './api/update.js';
export {
  updateKMeans,
  updatableModel,
  priorWeights,
  type UpdateRecord,
  type UpdatableModel,
  type SegmentUpdate,
  type KMeansUpdate,
} from './cluster/update.js';

// segment export-sql
export {
  runExportSql,
  exportSqlParams,
  type ExportSqlCommandOptions,
  type ExportSqlResult,
} from './api/export-sql.js';

// segment inspect
export { runInspect, inspectParams, type InspectOptions, type InspectResult } from './api/inspect.js';

// segment predict train | score | report: the library functions the CLI calls
export {
  predictTrainParams,
  predictScoreParams,
  predictReportParams,
  predictTrainParamsOf,
  parseMaxFeatures,
  runPredictTrain,
  runPredictScore,
  runPredictReport,
  type PredictTrainOptions,
  type PredictTrainResult,
  type PredictScoreOptions,
  type PredictScoreResult,
  type PredictReportOptions,
  type PredictReportResult,
} from './api/predict.js';
export { predictModelSummary } from './predict/summary.js';

// segment features
export {
  featuresParams,
  runFeatures,
  featuresCommand,
  type FeaturesOptions,
  type FeaturesResult,
} from './api/features.js';

// segment ingest
export {
  ingestParams,
  runIngest,
  ingestCommand,
  type IngestOptions,
  type IngestResult,
  type IngestSummary,
} from './api/ingest.js';

// The fitted stages under one contract: fit, apply, save, load
export { stages, type Stage, type StageEnv, type Fitted, type ClusterStageParams } from './api/stages.js';

// Commands as library functions: their environment and declared parameters, and the pipeline runner
export {
  stepEnv,
  commandOptions,
  pathIn,
  defaultMemoryLimit,
  type StepEnv,
  type StepCommand,
} from './api/env.js';
export {
  paramValues,
  withDefaults,
  paramKey,
  paramAttr,
  InvalidValueError,
  type Param,
  type ValueParser,
} from './core/params.js';
export {
  runPipeline,
  type RunPipelineOptions,
  type RunPipelineResult,
  type RunManifest,
} from './run/run-pipeline.js';
export { stepCommands, stepKinds, pipelineSchema, type StepKind } from './run/steps.js';
