/**
 * One phase of training from its config: builds the modules, loads what earlier phases made,
 * trains (resuming where a killed run stopped), and exports the result into the run folder:
 *   features     → <run>/features.safetensors     (the frozen loss network; config: FeatureNetConfig)
 *   autoencoder  → <run>/autoencoder.safetensors  (a whole model whose encoder and decoder are trained)
 *   diffusion    → <run>/model.safetensors        (the model, with averaged weights where kept)
 *   paired       → <run>/model.safetensors        (the content-conditioned model, likewise)
 *   decoder      → <run>/model.safetensors        (a trained model with its decoder fine-tuned)
 *   transfer     → <run>/model.safetensors        (a trained paired model with its denoiser fine-tuned)
 *   refine       → <run>/model.safetensors        (that model with its content refiner)
 * Checkpoints carry their config (model or feature network), the training config, and the
 * precision the steps ran in with the processor they ran on.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { manualSeed, saveCheckpoint, loadModule, type nn } from '../engine/index.js';
import { openTrainingData, type TrainingData } from './data.js';
import { LatentDiffusion } from '../model/ldm.js';
import { loadLatentDiffusion } from '../model/load.js';
import { modelConfig, type ModelConfig } from '../model/config.js';
import { VGGishFeatureNet, freeze, type FeatureNetConfig } from '../model/vggish.js';
import { checkTrainConfig, type Phase, type TrainConfig } from './config.js';
import { train, type TrainingHooks, type TrainingResult } from './loop.js';
import { featureTask, featureNetConfig } from './features.js';
import { autoencoderTask } from './autoencoder.js';
import { diffusionTask } from './diffusion.js';
import { pairedTask } from './paired.js';
import { decoderTask } from './decoder.js';
import { instrumentProbe } from './instrument-probe.js';
import { refineTask } from './refine.js';
import { transferTask } from './transfer.js';

export const PHASE_OUTPUT: Record<Phase, string> = { features: 'features.safetensors', autoencoder: 'autoencoder.safetensors', diffusion: 'model.safetensors', paired: 'model.safetensors', decoder: 'model.safetensors', transfer: 'model.safetensors', refine: 'model.safetensors' };

export const TRAINING_KEY = 'mst.training-config';
export const PRECISION_KEY = 'mst.training-precision';

/** The module in `path`, built by `build` once the checkpoint's config is found to be `expected`. */
function loadSame<M extends nn.Module>(path: string, expected: unknown, what: string, build: () => M): M {
  return loadModule<unknown, M>(path, (config) => {
    if (JSON.stringify(config) !== JSON.stringify(expected)) {
      throw new Error(`${path}: a ${what} checkpoint of another config (${JSON.stringify(config)}), not ${JSON.stringify(expected)}; train it again with this config, or pick the run made with that one`);
    }
    return build();
  }).module;
}

/** The model at `path`, once `misfit` finds nothing wrong with its config (else its message is the error's). */
function loadFitting(path: string, misfit: (config: ModelConfig) => string | null): LatentDiffusion {
  return loadModule<ModelConfig, LatentDiffusion>(path, (config) => {
    const problem = misfit(config);
    if (problem !== null) throw new Error(`${path}: ${problem}`);
    return new LatentDiffusion(config);
  }).module;
}

/** `model` with the encoder and decoder of the model checkpoint at `path`, which must have the same latent and widths. */
function withAutoencoderOf(path: string, model: LatentDiffusion): LatentDiffusion {
  if (!existsSync(path)) throw new Error(`${path} does not exist: the paired phase takes its autoencoder from a trained model (--autoencoderFrom=models/seed/model.safetensors, or a run's model.safetensors)`);
  const { latentChannels, autoencoderWidths } = model.config;
  const source = loadFitting(path, (config) =>
    config.latentChannels !== latentChannels || JSON.stringify(config.autoencoderWidths) !== JSON.stringify(autoencoderWidths)
      ? `its autoencoder (${config.latentChannels}-channel latent, widths ${JSON.stringify(config.autoencoderWidths)}) does not fit the ${model.config.name} model's (${latentChannels} channels, ${JSON.stringify(autoencoderWidths)}); give a ${latentChannels}-channel model such as a 'wide' one`
      : null,
  );
  model.encoder.loadStateDict(source.encoder.stateDict());
  model.decoder.loadStateDict(source.decoder.stateDict());
  source.dispose();
  return model;
}

/** What a refined model shares with the paired model it is built on: everything up to the decoded transfer. */
const DENOISER_KEYS = ['latentChannels', 'autoencoderWidths', 'styleFilters', 'unetFilters', 'timeDim', 'attentionHeads', 'schedule', 'conditioning', 'prediction', 'latentScale'] as const;

/** `model` with the autoencoder, style encoder and denoiser of the trained paired model at `path` (the same config up to the decoded transfer). */
function withDenoiserOf(path: string, model: LatentDiffusion): LatentDiffusion {
  if (!existsSync(path)) throw new Error(`${path} does not exist: the refine phase refines a trained paired model (mst train paired; --denoiserFrom=runs/paired/model.safetensors)`);
  const shared = (config: ModelConfig) => JSON.stringify(DENOISER_KEYS.map((key) => config[key]));
  const source = loadFitting(path, (config) =>
    shared(config) !== shared(model.config) ? `a ${config.name} model, whose denoiser is not the ${model.config.name} model's; give a model trained by mst train paired` : null,
  );
  for (const part of ['encoder', 'decoder', 'styleEncoder', 'unet'] as const) model[part].loadStateDict(source[part].stateDict());
  source.dispose();
  return model;
}

/** `model` with the refiner of the model at `path`, whose refiner must be the same config (--refinerFrom: going on training one). */
function withRefinerOf(path: string, model: LatentDiffusion): LatentDiffusion {
  if (!existsSync(path)) throw new Error(`${path} does not exist: --refinerFrom names a model with a refiner (a refine run's model.safetensors, or models/default/model.safetensors); leave it empty for a fresh refiner`);
  const wanted = JSON.stringify(model.config.refiner);
  const source = loadFitting(path, (config) => (JSON.stringify(config.refiner) !== wanted ? `a ${config.name} model, whose refiner (${JSON.stringify(config.refiner ?? null)}) is not the ${model.config.name} model's (${wanted}); give a model of config ${model.config.name}` : null));
  model.refiner!.loadStateDict(source.refiner!.stateDict());
  source.dispose();
  return model;
}

/** A phase's input from the phase before it, or an error naming the command that makes it. */
function required(config: TrainConfig, phase: Phase): string {
  const path = join(config.run, PHASE_OUTPUT[phase]);
  if (!existsSync(path)) throw new Error(`${path} does not exist: the ${config.phase} phase needs the ${phase} phase's output; run mst train ${phase} --run=${config.run} first`);
  return path;
}

export async function runPhase(config: TrainConfig, hooks: TrainingHooks = {}): Promise<TrainingResult & { output: string }> {
  checkTrainConfig(config);
  const data = await openTrainingData(config.data, { batchSize: config.batchSize, seed: config.seed, otherRenders: config.otherRenders, otherRenderShare: config.otherRenderShare, otherTargetShare: config.otherTargetShare, ...(hooks.log ? { log: hooks.log } : {}) });
  try {
    return await runWith(config, data, hooks);
  } finally {
    data.dispose();
  }
}

async function runWith(config: TrainConfig, data: TrainingData, hooks: TrainingHooks): Promise<TrainingResult & { output: string }> {
  manualSeed(config.seed);
  const instruments = data.instruments;
  const output = join(config.run, PHASE_OUTPUT[config.phase]);
  const metadata = (result: TrainingResult) => ({ [TRAINING_KEY]: JSON.stringify(config), [PRECISION_KEY]: JSON.stringify(result.precision) });

  if (config.phase === 'features') {
    const netConfig = featureNetConfig(instruments);
    const net = new VGGishFeatureNet(netConfig).to(config.device);
    const result = await train(featureTask(net, config.device), config, data, hooks);
    saveCheckpoint(output, net, netConfig, metadata(result));
    net.dispose();
    return { ...result, output };
  }

  if (config.phase === 'decoder' || config.phase === 'transfer') {
    const part = config.phase === 'decoder' ? 'decoder of a trained model' : 'denoiser of a trained paired model';
    if (!existsSync(config.denoiserFrom)) throw new Error(`${config.denoiserFrom} does not exist: the ${config.phase} phase fine-tunes the ${part} (--denoiserFrom=runs/paired/model.safetensors)`);
    const source = loadLatentDiffusion(config.denoiserFrom);
    const model = new LatentDiffusion(source.config); // the source's config whatever --model says: only some of its parts change
    model.loadStateDict(source.stateDict()); // in float32, whatever precision the source was stored in
    source.dispose();
    model.to(config.device);
    const result = await train(config.phase === 'decoder' ? decoderTask(model, config) : transferTask(model, config), config, data, hooks);
    result.ema?.swap();
    saveCheckpoint(output, model, model.config, metadata(result));
    result.ema?.swap();
    result.ema?.dispose();
    model.dispose();
    return { ...result, output };
  }

  if (config.phase === 'paired' || config.phase === 'refine') {
    const modelSettings: ModelConfig = modelConfig(config.model);
    const paired = config.phase === 'paired';
    const built = paired ? withAutoencoderOf(config.autoencoderFrom, new LatentDiffusion(modelSettings)) : withDenoiserOf(config.denoiserFrom, new LatentDiffusion(modelSettings));
    const model = (!paired && config.refinerFrom !== '' ? withRefinerOf(config.refinerFrom, built) : built).to(config.device);
    const probe = !paired && config.instrumentWeight > 0 ? await instrumentProbe(join(config.run, 'instrument-probe.safetensors'), model, data, instruments, config.device) : undefined;
    if (probe) hooks.log?.(`instrument probe: ${(probe.accuracy * 100).toFixed(1)}% of validation tiles named right`);
    const result = await train(paired ? pairedTask(model, config) : refineTask(model, config, instruments, probe), config, data, hooks);
    probe?.linear.dispose();
    result.ema?.swap();
    saveCheckpoint(output, model, modelSettings, metadata(result));
    result.ema?.swap();
    result.ema?.dispose();
    model.dispose();
    return { ...result, output };
  }

  const netConfig: FeatureNetConfig = featureNetConfig(instruments);
  const featureNet = loadSame(required(config, 'features'), netConfig, 'feature network', () => new VGGishFeatureNet(netConfig));
  freeze(featureNet.to(config.device));
  const modelSettings: ModelConfig = modelConfig(config.model);
  const model = config.phase === 'diffusion' ? loadSame(required(config, 'autoencoder'), modelSettings, 'model', () => new LatentDiffusion(modelSettings)) : new LatentDiffusion(modelSettings);
  model.to(config.device);
  const task = config.phase === 'autoencoder' ? autoencoderTask(model, featureNet, config) : diffusionTask(model, featureNet, config);
  const result = await train(task, config, data, hooks);
  result.ema?.swap(); // export the averaged weights
  saveCheckpoint(output, model, modelSettings, metadata(result));
  result.ema?.swap();
  result.ema?.dispose();
  model.dispose();
  featureNet.dispose();
  return { ...result, output };
}
