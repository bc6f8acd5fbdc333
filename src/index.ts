/**
 * segment — batch customer segmentation as a library.
 * The CLI (`segment …`) is a thin layer over these exports.
 */
export * from './core/errors.js';
export * from './core/dataset.js';
export * from './core/matrix.js';
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
  profileDataset,
  quantileSorted,
  type ColumnProfile,
  type DatasetProfile,
} from './inspect/profile.js';
