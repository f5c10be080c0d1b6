/**
 * Fine-tuning a trained model's decoder (`mst train decoder --denoiserFrom=<model>`) on its own
 * encoder's latents, everything else frozen:
 *   L = E ‖D(E(x)) − x‖² + λ_flux E ‖ΔD(E(x)) − Δx‖²,
 * x the target tiles of the training pairs (the instruments the model plays, in its font), Δ the
 * change from frame to frame (λ_flux = fluxWeight), which weighs attacks and note ends. The
 * latents stay those the denoiser learned, so the model's transfers decode through the new
 * decoder at once; its refiner was trained on the old decoder's tiles (mst train refine
 * --denoiserFrom=<this run's model> trains one on the new). The paired model's decoder is the
 * seed's autoencoder's, trained for 4,500 steps: the true targets through it are heard as their
 * instrument less often than the targets themselves. Fine-tuned, it hears them better, but the
 * sampled latents hardly so, and a refiner trained on it lost style (models/default's card:
 * What the autoencoder allows).
 */
import { F, type Tensor } from '../engine/index.js';
import type { PairBatch } from '../data/loader.js';
import { freeze, type LatentDiffusion } from '../model/index.js';
import type { TrainConfig } from './config.js';
import type { TrainingTask } from './loop.js';
import { frameToFrame } from './refine.js';

export function decoderTask(model: LatentDiffusion, config: TrainConfig): TrainingTask {
  for (const part of [model.encoder, model.styleEncoder, model.unet, ...(model.refiner ? [model.refiner] : [])]) freeze(part);
  model.eval(); // the decoder learns in eval mode, on its BatchNorm statistics
  /** The round trip's MSE and flux error on the batch's targets [B, 1, M, T]. */
  const terms = (batch: PairBatch): { mse: Tensor; flux: Tensor } => {
    const x = batch.target.to(config.device);
    const y = model.decodeLatent(model.encodeLatent(x).detach()).float();
    return { mse: F.mseLoss(y, x), flux: F.mseLoss(frameToFrame(y), frameToFrame(x)) };
  };
  return {
    module: model,
    parameters: model.decoder.parameters(),
    emaModule: model.decoder,
    trainModules: [],
    loss(batch) {
      const { mse, flux } = terms(batch);
      return { loss: mse.add(flux.mul(config.fluxWeight)), parts: { mse, flux } };
    },
    validate(batch) {
      const { mse, flux } = terms(batch);
      return { mse: mse.item(), flux: flux.item() };
    },
  };
}
