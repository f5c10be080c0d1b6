/**
 * Phase 1 (seed §2.3, eq. 2): the spectrogram autoencoder alone, on the content and target tiles
 * of each batch: L = MSE(x̂, x) + λ_perceptual·feature loss(x̂, x) + λ_kl·latent penalty(z).
 * The style encoder and UNet ride along untouched, so the phase's output is a whole model
 * checkpoint that phase 2 starts from.
 */
import { cat, type Tensor } from '../engine/index.js';
import type { PairBatch } from '../data/loader.js';
import type { LatentDiffusion } from '../model/ldm.js';
import type { VGGishFeatureNet } from '../model/vggish.js';
import { reconstructionTerms, reconstructionLoss } from '../model/reconstruction.js';
import { tileGrid } from '../audio/image.js';
import type { TrainConfig } from './config.js';
import type { TrainingTask } from './loop.js';

export function autoencoderTask(model: LatentDiffusion, featureNet: VGGishFeatureNet, config: TrainConfig): TrainingTask {
  const tilesOf = (batch: PairBatch): Tensor => cat([batch.content, batch.target], 0).to(config.device);
  /**
   * The loss terms; the perceptual one on `featureItems` tiles spread through the batch (0: all),
   * its feature network recomputed in the backward pass when `recompute`.
   */
  const terms = (x: Tensor, featureItems: number, recompute = false) => reconstructionTerms(model.decoder, featureNet, model.encoder.forward(x), x, { featureItems, recompute });
  const weights = { perceptual: config.perceptualWeight, kl: config.klWeight };
  return {
    module: model,
    parameters: [...model.encoder.parameters(), ...model.decoder.parameters()],
    trainModules: [model.encoder, model.decoder],
    loss(batch) {
      const parts = terms(tilesOf(batch), config.featureLossItems, config.gradientCheckpointing);
      return { loss: reconstructionLoss(parts, weights), parts: { mse: parts.mse, perceptual: parts.perceptual!, kl: parts.kl } };
    },
    validate(batch) {
      const { mse, perceptual, kl } = terms(tilesOf(batch), 0); // validation reads every tile
      return { mse: mse.item(), perceptual: perceptual!.item(), kl: kl.item() };
    },
    drawSamples(batch) {
      const x = tilesOf(batch).slice(0, 0, 4);
      const names = [...batch.contentInstrument, ...batch.targetInstrument]; // tilesOf's order
      const reconstruction = model.decoder.forward(model.encoder.forward(x));
      const rows = Array.from({ length: x.shape[0]! }, (_, i) => ({
        label: names[i]!,
        tiles: [x.select(0, i).squeeze(0).to('cpu').toFloat32Array(), reconstruction.select(0, i).squeeze(0).float().to('cpu').toFloat32Array()],
      }));
      return tileGrid(rows, ['tile', 'reconstruction'], { nMels: x.shape[2]!, tileFrames: x.shape[3]! });
    },
  };
}
