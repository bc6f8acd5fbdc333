import { join } from 'node:path';
import type { Dataset } from '../../src/core/dataset.js';
import { readDataset } from '../../src/io/read.js';
import { fixtures } from './cli.js';

/**
 * Reference values from R 4 / cluster 2.1.4 (`Rscript scripts/gower-reference.R`) on the first 120 rows of
 * fixtures/subscribers.csv: recency_days, frequency, revenue (rows 21, 49, 85, 118 missing, 0-based), tenure_days,
 * internet_service, contract. DBSCAN and hierarchical references: dbscan 1.1.11, R stats hclust.
 */
export const mixedFeatures = [
  'recency_days',
  'frequency',
  'revenue',
  'tenure_days',
  'internet_service',
  'contract',
];
export const numericFeatures = ['recency_days', 'frequency', 'tenure_days'];

/** The 120 rows the references were computed on. */
export async function referenceRows(): Promise<Dataset> {
  const ds = await readDataset(join(fixtures, 'subscribers.csv'));
  return ds.take(Int32Array.from({ length: 120 }, (_, i) => i));
}

/** daisy(x, metric = "gower")[i, j] (0-based i, j). */
export const daisyGower: [number, number, number][] = [
  [0, 1, 0.20255275509873669],
  [0, 119, 0.37756706509495391],
  [4, 16, 0.090507973715869675],
  [32, 70, 0.31331216923619409],
  [59, 60, 0.71184441202137305],
  [87, 118, 0.28081497275527123],
  [9, 99, 0.29205261712315828],
  [41, 42, 0.38658266871969499],
  [21, 0, 0.38969438521677324],
  [21, 49, 0.2079436152570481],
];

/** daisy(x, metric = "gower", weights = c(1, 2, 0.5, 1, 3, 1))[i, j]. */
export const referenceWeights = new Map([
  ['frequency', 2],
  ['revenue', 0.5],
  ['internet_service', 3],
]);
export const daisyGowerWeighted: [number, number, number][] = [
  [0, 1, 0.15647394784662966],
  [0, 119, 0.52277357596603546],
  [4, 16, 0.063590380622491421],
  [32, 70, 0.4695140404152327],
  [59, 60, 0.80328360409232946],
  [87, 118, 0.18939824686093343],
  [9, 99, 0.44129596528925547],
  [41, 42, 0.52004289014305216],
  [21, 0, 0.52480899076048326],
  [21, 49, 0.38343698175787727],
];

/** A pam fit: medoids (0-based rows, sorted), R's labels (1-based cluster numbers) and objective. */
export interface PamReference {
  k: number;
  medoids: number[];
  labels: number[];
  build: number;
  swap: number;
}

const parse = (s: string): number[] => s.trim().split(/\s+/).map(Number);

/** pam(daisy(x, metric = "gower"), 4). */
export const pamGower: PamReference = {
  k: 4,
  medoids: [33, 51, 75, 76],
  labels: parse(
    '1 1 1 2 3 1 1 4 3 1 4 2 3 2 2 2 3 1 1 1 2 4 4 4 3 1 2 2 3 1 2 1 1 1 1 2 3 2 2 2 3 4 1 2 2 2 2 2 3 1 4 2 2 2 4 2 3 1 3 2 3 2 2 2 3 1 2 2 1 4 2 2 3 1 2 4 3 1 4 2 3 1 4 4 3 4 2 1 3 1 2 2 4 1 2 4 3 4 1 2 3 4 2 4 3 1 1 2 3 1 4 2 3 1 2 2 3 4 1 4',
  ),
  build: 0.14262568105087514,
  swap: 0.13293586855223224,
};

/** pam(daisy(x, metric = "gower", weights = c(1, 2, 0.5, 1, 3, 1)), 3). */
export const pamGowerWeighted: PamReference = {
  k: 3,
  medoids: [33, 51, 103],
  labels: parse(
    '1 1 1 2 1 1 1 3 2 1 3 2 2 2 2 2 1 1 1 1 2 3 3 3 1 1 2 2 2 1 2 1 1 1 1 2 1 2 2 2 1 3 1 2 2 2 2 2 1 1 3 2 2 2 3 2 3 1 1 2 1 2 2 2 1 1 2 2 1 3 2 2 1 1 2 3 1 1 3 2 1 1 3 3 1 3 2 1 1 1 2 2 3 1 2 3 1 3 1 2 1 3 2 3 1 1 1 2 1 1 3 2 2 1 2 2 3 3 1 3',
  ),
  build: 0.14570477383452904,
  swap: 0.14095854633563334,
};

/** pam(x[, c("recency_days", "frequency", "tenure_days")], 3) (euclidean). */
export const pamEuclidean: PamReference = {
  k: 3,
  medoids: [49, 50, 68],
  labels: parse(
    '1 2 3 2 1 2 3 3 1 2 2 3 1 2 3 3 3 2 3 3 1 2 3 3 1 2 3 3 1 2 1 3 1 2 1 3 1 2 3 3 1 2 1 3 1 2 3 3 1 2 3 3 1 2 3 2 1 2 3 3 1 2 2 2 3 2 3 3 1 2 3 3 2 2 3 3 1 2 3 3 1 2 3 2 3 2 3 3 1 2 1 3 1 2 1 2 1 2 3 3 3 2 3 3 1 2 3 3 3 2 1 2 1 2 1 2 1 2 1 3',
  ),
  build: 97.323563742354693,
  swap: 96.806238529963338,
};

/** pam(x[, c("recency_days", "frequency", "tenure_days")], 5, metric = "manhattan"). */
export const pamManhattan: PamReference = {
  k: 5,
  medoids: [8, 15, 77, 78, 92],
  labels: parse(
    '1 2 3 2 1 2 4 3 1 2 2 3 5 2 4 3 4 2 3 3 5 2 4 3 5 2 3 3 1 2 1 4 1 2 4 3 1 2 4 3 1 2 1 3 5 2 4 3 1 2 3 3 1 2 4 3 1 2 4 3 1 2 2 2 4 2 4 3 1 2 4 3 2 2 3 3 1 2 4 3 5 2 3 3 4 2 4 3 1 2 1 3 5 2 4 3 5 2 3 4 4 2 4 3 1 2 3 3 4 2 1 3 4 2 4 3 1 2 4 3',
  ),
  build: 76.483333333333334,
  swap: 74.091666666666669,
};

/** R's dbscan::dbscan(daisy(x, "gower"), eps, minPts = 5)$cluster (0 = noise) and sorted kNNdist(k = 4). */
export const dbscanGower = {
  kDist4: { first: 0.0044740582800284288, middle: 0.074360341151385914, last: 0.2655367741806049 },
  eps010: [
    0, 1, 1, 2, 3, 0, 1, 0, 0, 1, 0, 2, 0, 2, 2, 2, 3, 1, 1, 1, 0, 4, 0, 0, 5, 1, 2, 2, 0, 1, 2, 0, 0, 1, 1,
    2, 5, 2, 2, 2, 0, 4, 1, 2, 0, 2, 2, 2, 5, 1, 4, 2, 2, 2, 0, 0, 0, 1, 0, 0, 3, 2, 2, 2, 0, 1, 2, 2, 0, 4,
    2, 2, 0, 1, 2, 4, 3, 1, 0, 0, 5, 1, 4, 0, 5, 4, 2, 0, 5, 1, 2, 2, 0, 1, 2, 4, 0, 4, 1, 2, 3, 4, 2, 4, 0,
    1, 1, 2, 0, 1, 0, 2, 0, 1, 0, 2, 0, 4, 1, 4,
  ],
  eps015: [
    1, 1, 1, 2, 3, 0, 1, 0, 0, 1, 4, 2, 0, 2, 2, 2, 3, 1, 1, 1, 0, 4, 0, 0, 5, 1, 2, 2, 0, 1, 2, 0, 1, 1, 1,
    2, 5, 2, 2, 2, 3, 4, 1, 2, 0, 2, 2, 2, 5, 1, 4, 2, 2, 2, 0, 0, 0, 1, 0, 0, 3, 2, 2, 2, 5, 1, 2, 2, 1, 4,
    2, 2, 3, 1, 2, 4, 3, 1, 0, 0, 5, 1, 4, 0, 5, 4, 2, 0, 5, 1, 2, 2, 0, 1, 2, 4, 3, 4, 1, 2, 3, 4, 2, 4, 1,
    1, 1, 2, 5, 1, 4, 2, 0, 1, 0, 2, 0, 4, 1, 4,
  ],
};

/** R's cutree(hclust(daisy(x, "gower"), method), 4) and the merge heights 1, 60 and 119 (1-based). */
export const hclustGower: Record<'average' | 'complete' | 'single', { labels: number[]; heights: number[] }> =
  {
    average: {
      labels: [
        1, 1, 1, 1, 2, 3, 1, 3, 4, 1, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 2, 1, 3, 3, 2, 1, 1, 1, 2, 1, 1, 3, 1, 1,
        1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 1, 1, 3, 3, 4, 1, 3, 3, 2, 1, 1, 1, 2, 1, 1, 1,
        1, 1, 1, 1, 2, 1, 1, 1, 2, 1, 3, 3, 2, 1, 1, 3, 2, 1, 1, 3, 2, 1, 1, 1, 4, 1, 1, 1, 2, 1, 1, 1, 2, 1,
        1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 2, 1, 3, 1, 4, 1, 1, 1,
      ],
      heights: [0.00089552238805970172, 0.044361302044951416, 0.55499902763458164],
    },
    complete: {
      labels: [
        1, 1, 1, 2, 3, 4, 1, 4, 4, 1, 2, 2, 3, 2, 2, 2, 3, 1, 1, 1, 3, 2, 4, 4, 3, 1, 2, 2, 3, 1, 2, 4, 1, 1,
        1, 2, 3, 2, 2, 2, 3, 2, 1, 2, 3, 2, 2, 2, 3, 1, 2, 2, 2, 2, 4, 4, 3, 1, 4, 4, 3, 2, 2, 2, 3, 1, 2, 2,
        1, 2, 2, 2, 3, 1, 2, 2, 3, 1, 4, 4, 3, 1, 2, 4, 3, 2, 2, 4, 3, 1, 2, 2, 3, 1, 2, 2, 3, 2, 1, 2, 3, 2,
        2, 2, 1, 1, 1, 2, 3, 1, 2, 2, 3, 1, 4, 2, 3, 2, 1, 2,
      ],
      heights: [0.00089552238805970172, 0.049356401057448616, 0.8603285346823849],
    },
    single: {
      labels: [
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
      ],
      heights: [0.00089552238805970172, 0.040073400079571039, 0.23374089107163473],
    },
  };

/** R's silhouette(cutree(hclust(daisy(x, "gower"), "average"), 4), daisy(x, "gower")): mean and rows 0, 7, 21, 119. */
export const silhouetteHclustAverage = {
  /** min between-cluster / max within-cluster Gower distance (clValid::dunn). */
  dunn: 0.28816350479953462,
  mean: 0.3601433044662668,
  widths: [0.14097892631400055, 0.344801577509319, 0.38119138240859285, 0.29555326846453212],
};
