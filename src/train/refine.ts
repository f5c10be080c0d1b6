/**
 * Training the content refiner (config 'refined-styled-long', 'refined-styled', 'refined-spectral' or 'refined', src/model/refiner.ts) around a trained paired
 * model, frozen: for each batch the model transfers the content to the target instrument as it
 * would for a user (DDIM at the config's sampling settings, from fresh noise), and the refiner
 * learns
 *   L = E ‖ r(x̂, content) − target ‖² + λ_flux E ‖ Δr − Δtarget ‖² + λ_timbre (1/6) Σ_l e(φ_l(r), φ_l(target))
 *       + λ_inst CE(p(r), i) − λ_adv E D(r, i) + λ_fm (1/5) Σ_l E |D_l(r, i) − D_l(target, i)|,
 * x̂ the decoded transfer, Δ the change from frame to frame (λ_flux = fluxWeight: 16 by default,
 * 0 for the MSE alone; with regressionLoss 'l1' both terms take the absolute error, |·|, for
 * ‖·‖²), φ_l the frozen style encoder's six maps and e their error relative to the target's energy (relativeError; λ_timbre = timbreWeight), p the instrument probe on the
 * style encoder's pooled features (instrument-probe.ts; λ_inst = instrumentWeight), D the critic's patch scores and
 * D_l its maps for the target instrument i (critic.ts; λ_adv = adversarialWeight, λ_fm =
 * featureMatchingWeight; the critic learns beside the refiner, one step after each of its
 * steps, with the hinge loss on the same batch, and with contentAsFake learns that the content
 * tile is not the target instrument either), so that it corrects the errors
 * the sampler really makes (smeared onsets, haze, a timbre averaged towards the content's)
 * rather than those of a single denoising step. With refineDecoder, the model's decoder learns
 * too, decoding the sampled latents into x̂. The timbre term judges the refined tile with the
 * same features the model hears its references with, never with the evaluation's judge. The
 * transfers run inside the step, at its precision (bf16 autocast where the processor runs bf16
 * natively): a hair less exact than a user's float32 ones.
 */
import { F, manualSeed, noGrad, tensor, type Tensor } from '../engine/index.js';
import type { PairBatch } from '../data/loader.js';
import { MODEL_CONFIGS, freeze, pooledStyle, relativeError, type LatentDiffusion } from '../model/index.js';
import type { RegressionLoss, TrainConfig } from './config.js';
import type { TrainingTask } from './loop.js';
import { transferSamples } from './diffusion.js';
import type { InstrumentProbe } from './instrument-probe.js';
import { InstrumentCritic, adversarialLoss, criticHingeLoss, featureMatchingLoss } from './critic.js';

/** The mean over the style encoder's six maps of their relative error, refined tiles [B, 1, M, T] against the targets', a scalar; the targets' maps carry no gradient. */
function timbreError(model: LatentDiffusion, refined: Tensor, target: Tensor): Tensor {
  const targetMaps = noGrad(() => model.styleEncoder.forward(target));
  const errors = model.styleEncoder.forward(refined).map((map, l) => relativeError(map, targetMaps[l]!));
  return errors.reduce((a, b) => a.add(b)).div(errors.length);
}

/** The names of the model configs with a refiner, as `--model` takes them. */
function refinedConfigs(): string[] {
  return Object.values(MODEL_CONFIGS).filter((c) => c.refiner !== undefined).map((c) => c.name);
}

/** Tiles [B, 1, M, T] → the change from each frame to the next, [B, 1, M, T − 1]. */
export function frameToFrame(tiles: Tensor): Tensor {
  const frames = tiles.shape[3]!;
  return tiles.slice(3, 1, frames).sub(tiles.slice(3, 0, frames - 1));
}

/** The regression error `kind` names (TrainConfig.regressionLoss) of output tiles against the targets, a scalar: their mean squared or mean absolute difference. */
export function regressionError(kind: RegressionLoss, output: Tensor, target: Tensor): Tensor {
  return kind === 'l1' ? F.l1Loss(output, target) : F.mseLoss(output, target);
}

/**
 * `instruments`: the dataset's, which a critic (adversarialWeight or featureMatchingWeight > 0) is
 * told the targets' instrument among; `probe`: the instrument probe the instrument term
 * (instrumentWeight > 0) hears the refined tiles with.
 */
export function refineTask(model: LatentDiffusion, config: TrainConfig, instruments: string[], probe?: InstrumentProbe): TrainingTask {
  const refiner = model.refiner;
  if (!refiner) throw new RangeError(`train: the ${model.config.name} model has no refiner; the refine phase trains a model with one, --model=${refinedConfigs().join(', ')}`);
  const frozen = [model.encoder, model.styleEncoder, model.unet, ...(config.refineDecoder ? [] : [model.decoder])];
  for (const part of frozen) freeze(part); // the timbre term's gradient passes through the style encoder to the refined tile, never into its weights
  /** The batch's unrefined transfers [B, 1, 128, 128] (sampled without gradient; decoded with it where the decoder learns too), with its content and targets on the device. */
  const transfers = (batch: PairBatch) => {
    const content = batch.content.to(config.device);
    const style = batch.style.to(config.device);
    const decoded = config.refineDecoder
      ? model.decodeLatent(model.transfer(content, style, { ...model.config.sampling, decode: false }))
      : model.transfer(content, style, { ...model.config.sampling, refine: false });
    const pooled = refiner.style ? noGrad(() => pooledStyle(model.styleEncoder.forward(style))) : undefined; // the frozen encoder's, as transfer reads it
    return { decoded, content, style: pooled, target: batch.target.to(config.device) };
  };
  if (config.instrumentWeight > 0 && !probe) throw new RangeError('train: the instrument term (instrumentWeight > 0) needs an instrument probe');
  const critic = config.adversarialWeight > 0 || config.featureMatchingWeight > 0 ? new InstrumentCritic(instruments).to(config.device) : null;
  return {
    module: model,
    parameters: config.refineDecoder ? [...refiner.parameters(), ...model.decoder.parameters()] : refiner.parameters(),
    emaModule: config.refineDecoder ? model : refiner, // the frozen parts' averages stay their weights
    trainModules: [refiner], // the decoder learns in eval mode, on its BatchNorm statistics
    ...(critic ? { critic: { module: critic, parameters: critic.parameters() } } : {}),
    loss(batch) {
      const { decoded, content, style, target } = transfers(batch);
      refiner.train(); // transfer leaves the whole model in eval mode (the refiner has no layer that minds, but a step is a step)
      const refined = refiner.forward(decoded, content, style).float();
      const refine = regressionError(config.regressionLoss, refined, target);
      const parts: Record<string, Tensor> = { refine };
      let loss = refine;
      if (config.fluxWeight > 0) {
        parts.flux = regressionError(config.regressionLoss, frameToFrame(refined), frameToFrame(target));
        loss = loss.add(parts.flux.mul(config.fluxWeight));
      }
      if (config.timbreWeight > 0) {
        parts.timbre = timbreError(model, refined, target);
        loss = loss.add(parts.timbre.mul(config.timbreWeight));
      }
      if (config.instrumentWeight > 0) {
        const labels = tensor(new BigInt64Array(batch.targetInstrument.map((n) => BigInt(instruments.indexOf(n)))), { device: config.device });
        parts.instrument = F.crossEntropy(probe!.linear.forward(pooledStyle(model.styleEncoder.forward(refined))).float(), labels);
        loss = loss.add(parts.instrument.mul(config.instrumentWeight));
      }
      if (!critic) return { loss, parts };
      // the critic's weights are not the refiner's step's to change: its step clears their gradients from this loss
      const labels = critic.oneHot(batch.targetInstrument);
      const fake = critic.forward(refined, labels);
      const real = critic.forward(target, labels); // with its graph: the critic's own loss reads these scores
      if (config.adversarialWeight > 0) {
        parts.adversarial = adversarialLoss(fake.scores);
        loss = loss.add(parts.adversarial.mul(config.adversarialWeight));
      }
      if (config.featureMatchingWeight > 0) {
        parts.featureMatching = featureMatchingLoss(fake.features, real.features);
        loss = loss.add(parts.featureMatching.mul(config.featureMatchingWeight));
      }
      const refinedAsIs = refined.detach();
      const criticLoss = () => {
        const fakeScores = critic.forward(refinedAsIs, labels).scores;
        const means = { real: real.scores.mean(), fake: fakeScores.mean() };
        if (!config.contentAsFake) return { loss: criticHingeLoss(real.scores, fakeScores), parts: means };
        const contentScores = critic.forward(content, labels).scores; // the content instrument's true tile, under the target's name
        return { loss: criticHingeLoss(real.scores, fakeScores, contentScores), parts: { ...means, content: contentScores.mean() } };
      };
      return { loss, parts, criticLoss };
    },
    validate(batch) {
      // one sampling for both figures, at the run's seed as transferMse (diffusion.ts) samples: the refined one is what transfer returns
      manualSeed(config.seed);
      const { decoded, content, style, target } = transfers(batch);
      const refined = noGrad(() => refiner.forward(decoded, content, style).clamp(-1, 1));
      return { unrefinedMse: F.mseLoss(decoded, target).item(), transferMse: F.mseLoss(refined, target).item() };
    },
    drawSamples: (batch) => transferSamples(model, batch, config),
  };
}
