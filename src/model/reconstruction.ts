/**
 * The seed's eq. 2, in one place: the autoencoder's reconstruction of tiles x from their latents z
 * is scored by L = MSE(x̂, x) + λ_perceptual·feature loss(x̂, x) + λ_kl·latent penalty(z).
 * Phase 1 trains on it, phase 2 keeps the decoder a good decoder with it, and the evaluation
 * reports its terms (the seed's reconstruction figures).
 */
import { F, type Tensor } from '../engine/index.js';
import { latentPenalty, type SpectrogramDecoder } from './autoencoder.js';
import { featureLoss, spreadSubset, type VGGishFeatureNet } from './vggish.js';

export interface ReconstructionTerms {
  /** x̂ = decoder(z) [B, 1, 128, 128], in float32. */
  reconstruction: Tensor;
  mse: Tensor;
  /** The feature loss, or null where no feature network was given. */
  perceptual: Tensor | null;
  /** The latent penalty the seed calls KL. */
  kl: Tensor;
}

/**
 * Eq. 2's terms for tiles x [B, 1, 128, 128] decoded from z [B, C, h, w]: the perceptual one on
 * `featureItems` tiles spread through the batch (0: all), its feature network recomputed in the
 * backward pass when `recompute`.
 */
export function reconstructionTerms(decoder: SpectrogramDecoder, featureNet: VGGishFeatureNet | null, z: Tensor, x: Tensor, { featureItems = 0, recompute = false } = {}): ReconstructionTerms {
  const reconstruction = decoder.forward(z).float();
  return {
    reconstruction,
    mse: F.mseLoss(reconstruction, x),
    perceptual: featureNet === null ? null : featureLoss(featureNet, spreadSubset(reconstruction, featureItems), spreadSubset(x, featureItems), { recompute }),
    kl: latentPenalty(z.float()),
  };
}

/** Eq. 2's loss from its terms: MSE + λ_perceptual·perceptual + λ_kl·KL; a term of weight 0 is left out. */
export function reconstructionLoss(terms: ReconstructionTerms, weights: { perceptual: number; kl: number }): Tensor {
  let loss = terms.mse;
  if (weights.perceptual !== 0 && terms.perceptual !== null) loss = loss.add(terms.perceptual.mul(weights.perceptual));
  if (weights.kl !== 0) loss = loss.add(terms.kl.mul(weights.kl));
  return loss;
}
