/**
 * The seed's own figures for a trained model (§3.4): reconstruction quality of its autoencoder —
 * MSE, perceptual loss and the latent penalty it calls KL — and the style loss between the
 * transfer and the true target, all measured with the model's own loss network (the
 * VGGish-architecture feature net trained with it), on the tiles of a split. These are the
 * numbers the seed reports; the judges in evaluate.ts are the independent ones.
 */
import { tidy, noGrad, cat, manualSeed } from '../engine/index.js';
import { PairLoader, disposeBatch } from '../data/loader.js';
import type { Split } from '../data/build.js';
import type { LatentDiffusion } from '../model/ldm.js';
import type { DdimOptions } from '../model/ddim.js';
import { featureLoss, type VGGishFeatureNet } from '../model/vggish.js';
import { reconstructionTerms } from '../model/reconstruction.js';
import { EVERY_SHARD } from './evaluate.js';

export interface SeedFigures {
  split: Split;
  tiles: number;
  /** Autoencoder reconstruction of content and target tiles (seed: validation MSE 0.009). */
  reconstructionMse: number;
  perceptual: number;
  kl: number;
  /** Feature loss between the transfer (at `sampling`, by default the model's) and the true target; null when `sampling` is null. */
  styleLoss: number | null;
}

/**
 * Means over up to `groups` tile groups of `split` (each gives 2 reconstructed tiles and 1
 * transfer); `sampling` null skips the transfer, for the autoencoder's figures alone.
 */
export async function seedFigures(model: LatentDiffusion, featureNet: VGGishFeatureNet, datasetDir: string, split: Split, groups = 256, seed = 0, sampling: DdimOptions | null = model.config.sampling): Promise<SeedFigures> {
  const loader = new PairLoader(datasetDir, { split, batchSize: 16, seed, keepLast: true, window: EVERY_SHARD });
  model.eval();
  const sums = { reconstructionMse: 0, perceptual: 0, kl: 0, styleLoss: 0 };
  let seen = 0;
  for await (const batch of loader.epoch(0)) {
    const n = batch.content.shape[0]!;
    noGrad(() => tidy(() => {
      const tiles = cat([batch.content, batch.target], 0);
      const terms = reconstructionTerms(model.decoder, featureNet, model.encoder.forward(tiles), tiles);
      sums.reconstructionMse += terms.mse.item() * n;
      sums.perceptual += terms.perceptual!.item() * n;
      sums.kl += terms.kl.item() * n;
      if (sampling === null) return;
      manualSeed(seed);
      const transferred = model.transfer(batch.content, batch.style, sampling);
      sums.styleLoss += featureLoss(featureNet, transferred, batch.target).item() * n;
    }));
    disposeBatch(batch);
    seen += n;
    if (seen >= groups) break;
  }
  if (seen === 0) throw new RangeError(`seedFigures: the ${split} split of ${datasetDir} has no tiles`);
  const means = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / seen])) as Omit<SeedFigures, 'split' | 'tiles'>;
  return { split, tiles: seen, ...means, styleLoss: sampling === null ? null : means.styleLoss };
}
