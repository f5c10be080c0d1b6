/**
 * Fréchet distance between two sets of embeddings, each summarised by a Gaussian (mean μ,
 * covariance Σ): |μa − μb|² + tr(Σa) + tr(Σb) − 2·tr((Σa^½ Σb Σa^½)^½). Zero for the same
 * distribution. Computed in float64 with symmetric eigen-decompositions. Here it is taken in the
 * instrument judge's embedding space: a "Fréchet judge distance", not FAD (no VGGish).
 */
import { Tensor, tensor, tidy, eigh } from '../engine/index.js';

export interface GaussianStats {
  /** [d] */
  mean: Float64Array;
  /** [d, d], row-major */
  covariance: Float64Array;
  dim: number;
  count: number;
}

/** Mean and (unbiased) covariance of embeddings [n, d], n ≥ 2. */
export function gaussianStats(embeddings: Tensor): GaussianStats {
  const [n, d] = embeddings.shape as [number, number];
  if (embeddings.ndim !== 2 || n < 2) throw new RangeError(`gaussianStats: Expected embeddings [n ≥ 2, d] but received [${embeddings.shape.join(', ')}]`);
  return tidy(() => {
    const x = embeddings.to('float64');
    const mean = x.mean([0]);
    const centred = x.sub(mean);
    const covariance = centred.transpose(0, 1).matmul(centred).div(n - 1);
    return { mean: mean.toFloat64Array(), covariance: covariance.toFloat64Array(), dim: d, count: n };
  });
}

/** The symmetric square root of a symmetric positive semi-definite matrix (negative eigenvalues from rounding count as 0). */
function sqrtSymmetric(m: Tensor): Tensor {
  const { values, vectors } = eigh(m);
  return vectors.mul(values.clamp(0).sqrt().unsqueeze(0)).matmul(vectors.transpose(0, 1));
}

export function frechetDistance(a: GaussianStats, b: GaussianStats): number {
  if (a.dim !== b.dim) throw new RangeError(`frechetDistance: embeddings of ${a.dim} and ${b.dim} dimensions`);
  return tidy(() => {
    const d = a.dim;
    const matrix = (values: Float64Array) => tensor(values, [d, d]);
    const [sa, sb] = [matrix(a.covariance), matrix(b.covariance)];
    const root = sqrtSymmetric(sa);
    const product = root.matmul(sb).matmul(root);
    const crossTrace = eigh(product.add(product.transpose(0, 1)).div(2)).values.clamp(0).sqrt().sum().item();
    let meanTerm = 0;
    for (let i = 0; i < d; i++) meanTerm += (a.mean[i]! - b.mean[i]!) ** 2;
    const trace = (m: Float64Array) => Array.from({ length: d }, (_, i) => m[i * d + i]!).reduce((s, x) => s + x, 0);
    return Math.max(0, meanTerm + trace(a.covariance) + trace(b.covariance) - 2 * crossTrace);
  });
}
