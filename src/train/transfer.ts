/**
 * Fine-tuning a trained paired model's denoiser and style encoder on the transfer itself
 * (`mst train transfer --denoiserFrom=<model>`): each batch is sampled as a user's transfer is
 * (the model's default sampling: DDIM from noise, guidance from the content), with autograd
 * through the sampler, decoded by the frozen decoder, and compared with the true target:
 *   L = E ‖D(ẑ) − x‖² + λ_flux E ‖ΔD(ẑ) − Δx‖² + λ_diff L_paired,
 * ẑ the sampled latent, x the target tile, Δ the change from frame to frame (λ_flux =
 * fluxWeight), L_paired the paired phase's own objective at random steps (λ_diff =
 * diffusionWeight), which keeps the denoiser a denoiser at the steps the default sampler skips.
 *
 * Why: the paired phase teaches the latent's MSE at every step, while the shipped sampler takes
 * one step from noise and a listener hears the decoded tile. Decoded alone, that one-step latent
 * is far plainer than a target's own (models/default's card: What the autoencoder allows), so
 * this phase asks the denoiser for latents that decode to the target, attacks included.
 * The refiner (if the model has one) is frozen and not used; train one on the result with
 * `mst train refine --denoiserFrom=<this run's model>`.
 */
import { F, manualSeed, noGrad, type Tensor } from '../engine/index.js';
import type { PairBatch } from '../data/loader.js';
import { freeze, type LatentDiffusion } from '../model/index.js';
import { SAMPLING_DEFAULTS } from '../model/sampling.js';
import type { TrainConfig } from './config.js';
import type { TrainingTask } from './loop.js';
import { pairedDiffusionLoss, pairedUnetOf } from './paired.js';
import { frameToFrame } from './refine.js';
import { transferSamples } from './diffusion.js';

export function transferTask(model: LatentDiffusion, config: TrainConfig): TrainingTask {
  const unet = pairedUnetOf(model, 'transfer');
  for (const part of [model.encoder, model.decoder, ...(model.refiner ? [model.refiner] : [])]) freeze(part);
  const { sampling } = model.config;
  const settings = { ...sampling, guidance: sampling.guidance ?? SAMPLING_DEFAULTS.guidance, guidanceFrom: sampling.guidanceFrom ?? SAMPLING_DEFAULTS.guidanceFrom };
  /** The batch's decoded transfers [B, 1, M, T], sampled with autograd where it records, and their error to the targets. */
  const terms = (batch: PairBatch): { mse: Tensor; flux: Tensor } => {
    const content = batch.content.to(config.device);
    const target = batch.target.to(config.device);
    const latent = model.samplePairedLatent(content, model.styleEncoder.forward(batch.style.to(config.device)), settings);
    const decoded = model.decodeLatent(latent).float();
    return { mse: F.mseLoss(decoded, target), flux: F.mseLoss(frameToFrame(decoded), frameToFrame(target)) };
  };
  return {
    module: model,
    parameters: [...model.styleEncoder.parameters(), ...unet.parameters()],
    emaModule: model,
    trainModules: [model.styleEncoder, unet], // the decoder decodes in eval mode, on its BatchNorm statistics
    loss(batch) {
      const { mse, flux } = terms(batch);
      const parts: Record<string, Tensor> = { mse, flux };
      let loss = mse.add(flux.mul(config.fluxWeight));
      if (config.diffusionWeight > 0) {
        parts.diffusion = pairedDiffusionLoss(model, unet, batch, config.device, config.styleDropout);
        loss = loss.add(parts.diffusion.mul(config.diffusionWeight));
      }
      return { loss, parts };
    },
    validate(batch) {
      manualSeed(config.seed); // the same sampling noise at every validation, as the refine phase's
      const { mse, flux } = noGrad(() => terms(batch));
      return { unrefinedMse: mse.item(), flux: flux.item() };
    },
    drawSamples: (batch) => transferSamples(model, batch, config),
  };
}
