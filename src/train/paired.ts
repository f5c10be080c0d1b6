/**
 * Training the paired model (config 'paired', issue 18) on exact pairs: the same notes played by
 * the content's instrument and by the target's. The autoencoder is frozen (an earlier model's,
 * TrainConfig.autoencoderFrom); the style encoder and the denoiser learn
 *   L = E ‖ f(z_t, t, content latent, style) − y ‖²,  y = v (or ε, per the config's prediction),
 * where z_t is the target tile's latent noised to a random step t, and the style is a clip of the
 * target instrument from another piece. For `styleDropout` of the items the style is dropped (its
 * tokens and vector zeroed), so that the same network is also the unconditional model that
 * classifier-free guidance needs.
 */
import { randint, randnLike, rand, noGrad, F, type Tensor } from '../engine/index.js';
import type { PairBatch } from '../data/loader.js';
import type { LatentDiffusion } from '../model/ldm.js';
import { PairedUNet } from '../model/paired-unet.js';
import type { TrainConfig } from './config.js';
import type { TrainingTask } from './loop.js';
import { transferMse, transferSamples } from './diffusion.js';

/**
 * The paired objective on a batch: the MSE of the denoiser's v (or ε) for the target tiles'
 * latents noised to random steps, reading the content's latent and the reference, whose style is
 * dropped for `styleDropout` of the items. A scalar with its graph.
 */
export function pairedDiffusionLoss(model: LatentDiffusion, unet: PairedUNet, batch: PairBatch, device: string, styleDropout: number): Tensor {
  const [z0, content] = noGrad(() => [model.encodeLatent(batch.target.to(device)).float(), model.encodeLatent(batch.content.to(device)).float()]);
  const b = z0.shape[0]!;
  const t = randint(0, model.schedule.steps, [b], { device: z0.device });
  const noise = randnLike(z0);
  const zt = model.schedule.addNoise(z0, noise, t);
  const keep = rand([b], { device: z0.device }).ge(styleDropout).float();
  const output = unet.forward(zt, t, content, unet.encodeStyle(model.styleEncoder.forward(batch.style.to(device)), keep)).float();
  const alphaBar = model.schedule.alphaBar(t);
  const goal = model.config.prediction === 'v' ? noise.mul(alphaBar.sqrt()).sub(z0.mul(alphaBar.neg().add(1).sqrt())) : noise;
  return F.mseLoss(output, goal);
}

/** The paired model's denoiser, or a RangeError naming the phase that needs it. */
export function pairedUnetOf(model: LatentDiffusion, phase: string): PairedUNet {
  if (!(model.unet instanceof PairedUNet)) throw new RangeError(`train: the ${model.config.name} model is not content-conditioned; the ${phase} phase trains a paired model (--model=paired, or one trained by mst train paired)`);
  return model.unet;
}

export function pairedTask(model: LatentDiffusion, config: TrainConfig): TrainingTask {
  const unet = pairedUnetOf(model, 'paired');
  const loss = (batch: PairBatch, styleDropout: number) => pairedDiffusionLoss(model, unet, batch, config.device, styleDropout);
  return {
    module: model,
    parameters: [...model.styleEncoder.parameters(), ...unet.parameters()],
    emaModule: model,
    trainModules: [model.styleEncoder, unet],
    loss(batch) {
      const diffusion = loss(batch, config.styleDropout);
      return { loss: diffusion, parts: { diffusion } };
    },
    validate: (batch) => ({ diffusion: loss(batch, 0).item(), transferMse: transferMse(model, batch, config) }),
    drawSamples: (batch) => transferSamples(model, batch, config),
  };
}
