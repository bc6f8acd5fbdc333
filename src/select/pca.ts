import { DataError, invalidParameter } from '../core/errors.js';
import type { WorkerPool } from '../core/worker-pool.js';
import { columnMoments, type ColumnData, type Moments } from './covariance.js';
import { symmetricEigen } from '../core/eigen.js';

const OWNER = 'select.pca';

/**
 * Parameters of {@link fitPca}: exactly one of `nComponents` (a count) and `varianceRatio` (a fraction of the total
 * variance).
 */
export interface PcaParams {
  /** Keep this many components: an int in [1, number of features]. */
  nComponents?: number | undefined;
  /**
   * Keep the fewest components whose cumulative explained variance ratio reaches this fraction, in (0, 1]
   * (compared to within 1e-12, so 1.0 keeps every component that carries variance).
   */
  varianceRatio?: number | undefined;
  /**
   * Standardise the features first (centre and divide by the population standard deviation, as scikit-learn's
   * `StandardScaler`; a constant feature keeps scale 1), i.e. PCA of the correlation matrix. Default false: centred
   * only, as scikit-learn's `PCA`.
   */
  standardize?: boolean | undefined;
}

/**
 * A fitted PCA (scikit-learn's fitted attributes in camelCase). Components follow one sign convention: the entry
 * of largest absolute value of every component is positive (first such entry on ties), as scikit-learn ≥ 1.5.
 */
export interface PcaFit {
  /** Number of components kept. */
  nComponents: number;
  /** Rows the fit saw. */
  nSamples: number;
  /** Whether the features were standardised before the decomposition. */
  standardize: boolean;
  /** Per-feature means (length d). */
  mean: Float64Array;
  /** Per-feature divisors applied after centring: population standard deviations, or all 1 when not standardised. */
  scale: Float64Array;
  /** nComponents × d row-major: unit eigenvectors of the (standardised) covariance, largest variance first. */
  components: Float64Array;
  /** Variance along each kept component (n − 1 denominator, as scikit-learn). */
  explainedVariance: Float64Array;
  /** Each kept component's share of the total variance. */
  explainedVarianceRatio: Float64Array;
  /** Singular values of the centred (standardised) data: sqrt(explainedVariance · (n − 1)). */
  singularValues: Float64Array;
  /** Mean variance of the discarded components (0 when all are kept), as scikit-learn's `noise_variance_`. */
  noiseVariance: number;
  /** Variances of all d components, for scree plots. */
  spectrum: Float64Array;
}

/** Tolerance of the variance-ratio rule, so that 1.0 is reached despite rounding. */
const RATIO_TOLERANCE = 1e-12;

/**
 * Principal component analysis by eigen-decomposition of the streamed covariance matrix: O(n · d²) for the
 * covariance (parallel over fixed row blocks, see {@link columnMoments}) plus O(d³) for the eigensolver; memory
 * O(d²) besides the input columns (no n × d copy). Explained variances agree with scikit-learn's SVD-based `PCA`
 * to about 1e-13 relative for well-conditioned components.
 * @throws UsageError for invalid parameters; DataError for fewer than 2 rows, more components than features, or
 * data without variance.
 */
export async function fitPca(
  X: ColumnData,
  params: PcaParams,
  opts: { pool?: WorkerPool | undefined } = {},
): Promise<PcaFit> {
  checkPcaParams(params);
  const moments = await columnMoments(X, { pool: opts.pool });
  return pcaFromMoments(moments, params);
}

/**
 * Check {@link PcaParams} without data.
 * @throws UsageError naming the parameter, the constraint and the value.
 */
export function checkPcaParams(params: PcaParams): void {
  const { nComponents, varianceRatio } = params;
  if ((nComponents === undefined) === (varianceRatio === undefined)) {
    throw invalidParameter(OWNER, 'nComponents', 'given alone, or replaced by varianceRatio', {
      nComponents,
      varianceRatio,
    });
  }
  if (nComponents !== undefined && (!Number.isInteger(nComponents) || nComponents < 1)) {
    throw invalidParameter(OWNER, 'nComponents', 'an int in [1, inf)', nComponents);
  }
  if (
    varianceRatio !== undefined &&
    (!Number.isFinite(varianceRatio) || varianceRatio <= 0 || varianceRatio > 1)
  ) {
    throw invalidParameter(OWNER, 'varianceRatio', 'a float in (0, 1]', varianceRatio);
  }
}

/**
 * PCA from precomputed moments, optionally on a subset of their features (`features`: indices into the moments,
 * in output order). O(d³).
 * @throws UsageError / DataError as {@link fitPca}.
 */
export function pcaFromMoments(m: Moments, params: PcaParams, features?: readonly number[]): PcaFit {
  checkPcaParams(params);
  const idx = features ?? Array.from({ length: m.nCols }, (_, j) => j);
  const d = idx.length;
  const n = m.nRows;
  if (params.nComponents !== undefined && params.nComponents > d) {
    throw new DataError(
      `cannot keep ${params.nComponents} principal components of ${d} feature(s)`,
      `ask for at most ${d}, or a variance fraction such as 0.85`,
    );
  }
  if (params.nComponents !== undefined && params.nComponents > n) {
    throw new DataError(`cannot keep ${params.nComponents} principal components of ${n} row(s)`);
  }
  const standardize = params.standardize ?? false;
  const mean = new Float64Array(d);
  const scale = new Float64Array(d).fill(1);
  for (let a = 0; a < d; a++) {
    const j = idx[a]!;
    mean[a] = m.mean[j]!;
    if (standardize) {
      const sd = Math.sqrt((m.cov[j * m.nCols + j]! * (n - 1)) / n);
      scale[a] = sd > 0 ? sd : 1;
    }
  }
  const C = new Float64Array(d * d);
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) {
      C[a * d + b] = m.cov[idx[a]! * m.nCols + idx[b]!]! / (scale[a]! * scale[b]!);
    }
  }
  const eig = symmetricEigen(C, d);
  const spectrum = eig.values.map((v) => (v > 0 ? v : 0));
  let total = 0;
  let comp = 0;
  for (const v of spectrum) {
    const t = total + v;
    comp += total - t + v;
    total = t;
  }
  total += comp;
  if (!(total > 0)) {
    throw new DataError('every feature is constant: there is no variance to decompose', 'check the input');
  }
  const ratios = spectrum.map((v) => v / total);
  let k: number;
  if (params.nComponents !== undefined) k = params.nComponents;
  else {
    const target = params.varianceRatio! - RATIO_TOLERANCE;
    k = d;
    let cum = 0;
    let c = 0;
    for (let i = 0; i < d; i++) {
      const t = cum + ratios[i]!;
      c += cum - t + ratios[i]!;
      cum = t;
      if (cum + c >= target) {
        k = i + 1;
        break;
      }
    }
  }
  k = Math.min(k, d, n);
  const components = eig.vectors.slice(0, k * d);
  for (let c = 0; c < k; c++) {
    let best = 0;
    for (let j = 1; j < d; j++) {
      if (Math.abs(components[c * d + j]!) > Math.abs(components[c * d + best]!)) best = j;
    }
    if (components[c * d + best]! < 0)
      for (let j = 0; j < d; j++) components[c * d + j] = -components[c * d + j]!;
  }
  const explainedVariance = spectrum.slice(0, k);
  const rest = Math.min(n, d) - k;
  let noiseVariance = 0;
  if (rest > 0) {
    for (let i = k; i < Math.min(n, d); i++) noiseVariance += spectrum[i]!;
    noiseVariance /= rest;
  }
  return {
    nComponents: k,
    nSamples: n,
    standardize,
    mean,
    scale,
    components,
    explainedVariance,
    explainedVarianceRatio: ratios.slice(0, k),
    singularValues: explainedVariance.map((v) => Math.sqrt(v * (n - 1))),
    noiseVariance,
    spectrum,
  };
}

/**
 * Project rows onto fitted components: score_k = Σ_j ((x_j − mean_j) / scale_j) · component_kj, summed in feature
 * order. `X.columns` must be the fitted features in fit order (`names` only serve error messages). O(n · d · k)
 * time; returns k new columns.
 * @throws DataError when the column count differs from the fit or a value is not finite.
 */
export function pcaTransform(
  fit: Pick<PcaFit, 'nComponents' | 'mean' | 'scale' | 'components'>,
  X: ColumnData,
  names?: readonly string[],
): Float64Array[] {
  const d = fit.mean.length;
  const k = fit.nComponents;
  const { columns, nRows: n } = X;
  if (columns.length !== d) {
    throw new DataError(`PCA was fitted on ${d} feature(s), got ${columns.length}`);
  }
  const out = Array.from({ length: k }, () => new Float64Array(n));
  const centred = new Float64Array(d);
  const { mean, scale, components } = fit;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = columns[j]![i]!;
      if (!Number.isFinite(v)) {
        throw new DataError(
          `${names?.[j] !== undefined ? `column '${names[j]}'` : `feature #${j + 1}`} has a ${Number.isNaN(v) ? 'missing' : 'non-finite'} value at row ${i + 1}; PCA cannot project it`,
          'impute first: segment clean --impute median',
        );
      }
      centred[j] = (v - mean[j]!) / scale[j]!;
    }
    for (let c = 0; c < k; c++) {
      let s = 0;
      const base = c * d;
      for (let j = 0; j < d; j++) s += centred[j]! * components[base + j]!;
      out[c]![i] = s;
    }
  }
  return out;
}
