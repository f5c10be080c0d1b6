/**
 * Fine-tuning a trained paired model's denoiser and style encoder on the transfer itself
 * (`mst train transfer --denoiserFrom=<model>`): each batch is sampled as a user's transfer is
 * (the model's default sampling: DDIM from noise, guidance from the content), with autograd
 * through the sampler, decoded by the frozen decoder, and compared with the true target:
 *   L = E ‖D(ẑ) − x‖² + λ_flux E ‖ΔD(ẑ) − Δx‖² + λ_diff L_paired,
 * ẑ the sampled latent (with throughRefiner, D(ẑ) is refined by the model's frozen refiner, as a
 * user's transfer is), x the target tile, Δ the change from frame to frame (λ_flux =
 * fluxWeight; with regressionLoss 'l1', |·| for both ‖·‖²), L_paired the paired phase's own
 * objective at random steps (λ_diff = diffusionWeight), which keeps the denoiser a denoiser at the steps the default sampler skips.
 *
 * Why: the paired phase teaches the latent's MSE at every step, while the shipped sampler takes
 * one step from noise and a listener hears the decoded tile. Decoded alone, that one-step latent
 * is far plainer than a target's own (models/default's card: What the autoencoder allows), so
 * this phase asks the denoiser for latents that decode to the target, attacks included.
 * The refiner (if the model has one) is frozen, and read only with throughRefiner; else train
 * one on the result with `mst train refine --denoiserFrom=<this run's model>`. On the decoded
 * transfer the phase bought distance to the truth and little style, and a new refiner on it
 * lost style; through the shipped refiner it bought both, and made the default of 2026-12-03
 * (models/default's card: The denoiser fine-tuned on its own transfers).
 */
import { F, manualSeed, noGrad, type Tensor } from '../engine/index.js';
import type { PairBatch } from '../data/loader.js';
import { freeze, pooledStyle, type LatentDiffusion } from '../model/index.js';
import { SAMPLING_DEFAULTS } from '../model/sampling.js';
import type { TrainConfig } from './config.js';
import type { TrainingTask } from './loop.js';
import { pairedDiffusionLoss, pairedUnetOf } from './paired.js';
import { frameToFrame, regressionError } from './refine.js';
import { transferSamples } from './diffusion.js';

export function transferTask(model: LatentDiffusion, config: TrainConfig): TrainingTask {
  const unet = pairedUnetOf(model, 'transfer');
  for (const part of [model.encoder, model.decoder, ...(model.refiner ? [model.refiner] : [])]) freeze(part);
  if (config.throughRefiner && !model.refiner) throw new RangeError(`train: the ${model.config.name} model has no refiner for throughRefiner; give --denoiserFrom a refined model (e.g. models/default/model.safetensors), or leave throughRefiner false`);
  const refiner = config.throughRefiner ? model.refiner : null;
  const { sampling } = model.config;
  const settings = { ...sampling, guidance: sampling.guidance ?? SAMPLING_DEFAULTS.guidance, guidanceFrom: sampling.guidanceFrom ?? SAMPLING_DEFAULTS.guidanceFrom };
  /** The batch's transfers [B, 1, M, T], decoded (or refined), sampled with autograd where it records, with the targets. */
  const transfers = (batch: PairBatch): { output: Tensor; target: Tensor } => {
    const content = batch.content.to(config.device);
    const styleMaps = model.styleEncoder.forward(batch.style.to(config.device));
    const decoded = model.decodeLatent(model.samplePairedLatent(content, styleMaps, settings));
    const output = refiner ? refiner.forward(decoded, content, refiner.style ? pooledStyle(styleMaps) : undefined) : decoded;
    return { output: output.float(), target: batch.target.to(config.device) };
  };
  return {
    module: model,
    parameters: [...model.styleEncoder.parameters(), ...unet.parameters()],
    emaModule: model,
    trainModules: [model.styleEncoder, unet], // the decoder decodes in eval mode, on its BatchNorm statistics
    loss(batch) {
      const { output, target } = transfers(batch);
      const tile = regressionError(config.regressionLoss, output, target);
      const flux = regressionError(config.regressionLoss, frameToFrame(output), frameToFrame(target));
      const parts: Record<string, Tensor> = { [config.regressionLoss]: tile, flux };
      let loss = tile.add(flux.mul(config.fluxWeight));
      if (config.diffusionWeight > 0) {
        parts.diffusion = pairedDiffusionLoss(model, unet, batch, config.device, config.styleDropout);
        loss = loss.add(parts.diffusion.mul(config.diffusionWeight));
      }
      return { loss, parts };
    },
    validate(batch): Record<string, number> {
      manualSeed(config.seed); // the same sampling noise at every validation, as the refine phase's
      const { output, target } = noGrad(() => transfers(batch));
      // named and clamped as the refine phase's validation figures are: a refined transfer is clamped as transfer returns it
      return refiner ? { transferMse: F.mseLoss(output.clamp(-1, 1), target).item() } : { unrefinedMse: F.mseLoss(output, target).item() };
    },
    drawSamples: (batch) => transferSamples(model, batch, config),
  };
}
