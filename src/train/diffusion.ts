/**
 * Phase 2 (seed §2.3, eq. 1): style transfer with the encoder frozen and the decoder, style
 * encoder and UNet trained, L = w_rec·L_rec + w_style·L_style + w_diff·L_diffusion.
 *
 * The target tile's latent z_0 is noised to a random step t; the UNet, reading the style
 * reference (another clip of the target instrument) through cross-attention, predicts the noise:
 * L_diffusion = MSE(ε̂, ε) (eq. 3). The clean latent it implies, ẑ_0 = (z_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t,
 * is decoded to x̂ and compared with the true target by L_style, the feature loss (eq. 4).
 * Dividing by √ᾱ_t magnifies ẑ_0's error up to 150× at the last steps, so L_style weighs each
 * item by ᾱ_t (the seed does not say how it tamed this). L_rec is eq. 2 on the target decoded from
 * its own latent, keeping the trainable decoder a good decoder (`reconstructionFrom: 'encoding'`),
 * or, as runs/seed was trained, the ᾱ_t-weighted MSE of x̂ (`'prediction'`). The decoder's BatchNorm
 * layers keep phase 1's statistics: in train mode, decoding ẑ_0 (whose spread at small ᾱ_t is many
 * times a true latent's) moved their running variance far from a true latent's and spoiled the decoder.
 *
 * Validation also runs the real thing: DDIM from the content tile's latent with the model's
 * sampling defaults, and the MSE of the transfer to the true target.
 */
import { randint, randnLike, noGrad, F, manualSeed, type Tensor } from '../engine/index.js';
import type { PairBatch } from '../data/loader.js';
import type { LatentDiffusion } from '../model/ldm.js';
import { featureLoss, spreadSubset, type VGGishFeatureNet } from '../model/vggish.js';
import { reconstructionTerms, reconstructionLoss } from '../model/reconstruction.js';
import { tileGrid } from '../audio/image.js';
import type { TrainConfig } from './config.js';
import type { TrainingTask } from './loop.js';

/** Mean over items of w_i · mean((a_i − b_i)²), a and b [B, …], w [B]. */
function weightedMse(a: Tensor, b: Tensor, weights: Tensor): Tensor {
  return a.sub(b).square().flatten(1).mean([1]).mul(weights).mean();
}

export function diffusionTask(model: LatentDiffusion, featureNet: VGGishFeatureNet, config: TrainConfig): TrainingTask {
  /**
   * The loss terms; L_style on `featureItems` items spread through the batch (0: all), its
   * feature network recomputed in the backward pass when `recompute`.
   */
  const terms = (batch: PairBatch, featureItems: number, recompute = false) => {
    const target = batch.target.to(config.device);
    const style = batch.style.to(config.device);
    const z0 = noGrad(() => model.encoder.forward(target)).float();
    const b = z0.shape[0]!;
    const t = randint(0, model.schedule.steps, [b], { device: z0.device });
    const noise = randnLike(z0);
    const zt = model.schedule.addNoise(z0, noise, t);
    const predicted = model.seedUnet.forward(zt, t, model.styleEncoder.forward(style)).float();
    const clean = model.schedule.predictClean(zt, predicted, t);
    const decoded = model.decoder.forward(clean).float();
    const weights = model.schedule.alphaBar(t).flatten(); // [B]
    const diffusion = F.mseLoss(predicted, noise);
    const [subDecoded, subTarget, subWeights] = [decoded, target, weights].map((x) => spreadSubset(x, featureItems)) as [Tensor, Tensor, Tensor];
    const styleLoss = featureLoss(featureNet, subDecoded, subTarget, { recompute }).mul(subWeights.mean());
    return { diffusion, reconstruction: decoderLoss(z0, target, decoded, weights, featureItems, recompute), style: styleLoss };
  };
  /** L_rec: eq. 2 on the target's own latent z_0 [B, C, 16, 16], or the ᾱ-weighted MSE of the decoded prediction [B, 1, 128, 128]. */
  const decoderLoss = (z0: Tensor, target: Tensor, decodedPrediction: Tensor, weights: Tensor, featureItems: number, recompute: boolean): Tensor => {
    if (config.reconstructionFrom === 'prediction') return weightedMse(decodedPrediction, target, weights);
    const terms = reconstructionTerms(model.decoder, config.perceptualWeight === 0 ? null : featureNet, z0, target, { featureItems, recompute });
    return reconstructionLoss(terms, { perceptual: config.perceptualWeight, kl: 0 }); // z_0 is the frozen encoder's: no latent penalty
  };
  return {
    module: model,
    parameters: [...model.styleEncoder.parameters(), ...model.seedUnet.parameters(), ...model.decoder.parameters()],
    emaModule: model,
    trainModules: [model.styleEncoder, model.unet], // the decoder learns in eval mode, on phase 1's BatchNorm statistics
    loss(batch) {
      const { diffusion, reconstruction, style } = terms(batch, config.featureLossItems, config.gradientCheckpointing);
      const loss = reconstruction.mul(config.reconstructionWeight).add(style.mul(config.styleWeight)).add(diffusion.mul(config.diffusionWeight));
      return { loss, parts: { reconstruction, style, diffusion } };
    },
    validate(batch) {
      const figures = Object.fromEntries(Object.entries(terms(batch, 0)).map(([k, v]) => [k, v.item()]));
      return { ...figures, transferMse: transferMse(model, batch, config) };
    },
    drawSamples: (batch) => transferSamples(model, batch, config),
  };
}

/** The real thing at validation: the MSE of the batch's transfers (the model's sampling defaults, the run's seed) to the true targets. */
export function transferMse(model: LatentDiffusion, batch: PairBatch, config: Pick<TrainConfig, 'device' | 'seed'>): number {
  manualSeed(config.seed); // the same sampling noise at every validation
  const transferred = model.transfer(batch.content.to(config.device), batch.style.to(config.device), model.config.sampling);
  return F.mseLoss(transferred, batch.target.to(config.device)).item();
}

/** A PNG of up to four of the batch's items: content, style reference, transfer and true target. */
export function transferSamples(model: LatentDiffusion, batch: PairBatch, config: Pick<TrainConfig, 'device' | 'seed'>): Uint8Array {
  const n = Math.min(4, batch.content.shape[0]!);
  manualSeed(config.seed);
  const content = batch.content.slice(0, 0, n).to(config.device);
  const transferred = model.transfer(content, batch.style.slice(0, 0, n).to(config.device), model.config.sampling);
  const flat = (x: Tensor, i: number) => x.select(0, i).squeeze(0).float().to('cpu').toFloat32Array();
  const rows = Array.from({ length: n }, (_, i) => ({
    label: `${batch.contentInstrument[i]} → ${batch.targetInstrument[i]}`,
    tiles: [flat(batch.content, i), flat(batch.style, i), flat(transferred, i), flat(batch.target, i)],
  }));
  return tileGrid(rows, ['content', 'style reference', 'transfer', 'true target'], { nMels: content.shape[2]!, tileFrames: content.shape[3]! });
}
