/**
 * The paired model (config 'paired', issue 18) in the workloads bench/twin.py's PairedBench also
 * runs: `mst train paired`'s step (its task code, src/train/paired.ts, and the loop's optimizer
 * step, on a batch of 16 pairs) and `mst transfer`'s sampling of 8 tiles in 10 DDIM steps from
 * noise, at the paired config's guidance, or at the refined config's and through its refiner
 * (config 'refined-styled-long', the shipped default's: src/model/refiner.ts with its spectral stage, reading the reference).
 */
import { rand, manualSeed, optim, tidy, inferenceMode, type Device } from '../src/engine/index.js';
import { LatentDiffusion, freeze, modelConfig, pooledStyle, type ModelConfig } from '../src/model/index.js';
import { modelSamplingDefaults } from '../src/transfer/model-folder.js';
import type { PairBatch } from '../src/data/loader.js';
import { pairedTask } from '../src/train/paired.js';
import { optimizerStep, type TrainingTask } from '../src/train/loop.js';
import { PHASE_DEFAULTS, type TrainConfig } from '../src/train/config.js';
import { tileNoise } from '../src/transfer/noise.js';
import { trainingPrecision } from '../src/train/precision.js';
import { DEFAULT_ANALYSIS } from '../src/audio/config.js';
import { SAMPLING_DEFAULTS } from '../src/model/sampling.js';

const CONFIG = modelConfig('paired');
/** The refined config timed: the shipped default's. bench/run.ts tells the twin its refiner (MST_REFINER). */
export const REFINED = modelConfig('refined-styled-long');
/** The sampling models/default ships with (its header's: chosen after training, so not the registered config's). */
const SHIPPED: Partial<ModelConfig['sampling']> = modelSamplingDefaults() ?? {};
/**
 * The paired model's default guidance, and the refined model's as shipped with what it steers
 * away from, which the twin is told (MST_PAIRED_GUIDANCE, MST_REFINED_GUIDANCE, MST_REFINED_GUIDANCE_FROM).
 */
export const PAIRED_GUIDANCE = CONFIG.sampling.guidance ?? 1;
export const REFINED_GUIDANCE = SHIPPED.guidance ?? REFINED.sampling.guidance ?? 1;
export const REFINED_GUIDANCE_FROM = SHIPPED.guidanceFrom ?? REFINED.sampling.guidanceFrom ?? SAMPLING_DEFAULTS.guidanceFrom;
/** The sampling the benchmark times: DDIM's steps from noise. */
const SAMPLING_STEPS = 10;

export class PairedBench {
  readonly model: LatentDiffusion;
  readonly batch: PairBatch;
  /** The precision `mst train` chooses here (bf16 autocast where native), decided once rather than per timed step. */
  readonly defaultBf16: boolean;
  readonly #steps = new Map<boolean, { task: TrainingTask; optimizer: optim.AdamW; config: TrainConfig & { bf16: boolean } }>();
  #refined: LatentDiffusion | null = null; // built on first use: the refined model, this one's weights and a refiner

  constructor(readonly device: Device = 'cpu') {
    manualSeed(0);
    this.model = new LatentDiffusion(CONFIG).to(device);
    this.defaultBf16 = trainingPrecision({ bf16: 'auto', device }).bf16;
    freeze(this.model.encoder);
    freeze(this.model.decoder);
    const size = PHASE_DEFAULTS.paired.batchSize;
    const tiles = () => rand([size, 1, 128, 128]).mul(2).sub(1).to(device);
    const names = Array(size).fill('piano') as string[];
    this.batch = { content: tiles(), target: tiles(), style: tiles(), contentInstrument: names, targetInstrument: names, pitchRanges: [], source: [], styleSource: [] };
  }

  /** One optimizer step of `mst train paired` (bf16 autocast or float32); returns the loss. */
  step(bf16: boolean): number {
    let prepared = this.#steps.get(bf16);
    if (!prepared) {
      const config = { ...PHASE_DEFAULTS.paired, device: this.device, bf16 };
      const task = pairedTask(this.model, config);
      prepared = { task, optimizer: new optim.AdamW(task.parameters, { lr: config.learningRate, weightDecay: config.weightDecay }), config };
      this.#steps.set(bf16, prepared);
    }
    const { task, optimizer, config } = prepared;
    this.model.eval();
    for (const m of task.trainModules) m.train();
    return optimizerStep(task, optimizer, this.batch, config).loss!;
  }

  /** LatentDiffusion.transfer on 8 tiles with one style, in 10 DDIM steps at the paired config's guidance, or at the refined config's and through its refiner. */
  sampling8Tiles(refined = false): number {
    const model = refined ? (this.#refined ??= this.#refinedModel()) : this.model;
    return tidy(() => {
      const sampling = { ...model.config.sampling, steps: SAMPLING_STEPS, guidance: refined ? REFINED_GUIDANCE : PAIRED_GUIDANCE, guidanceFrom: refined ? REFINED_GUIDANCE_FROM : SAMPLING_DEFAULTS.guidanceFrom, noise: tileNoise(0, 0, DEFAULT_ANALYSIS) };
      return model.transfer(this.batch.content.slice(0, 0, 8), this.batch.style.slice(0, 0, 1), sampling).mean().item();
    });
  }

  /** The refined model's refiner alone on 8 decoded tiles beside their content, and the reference where it reads one (inference, float32). */
  refiner8Tiles(): number {
    const model = (this.#refined ??= this.#refinedModel());
    return inferenceMode(() =>
      tidy(() => {
        const style = model.refiner!.style ? pooledStyle(model.styleEncoder.forward(this.batch.style.slice(0, 0, 1))).expand([8, -1]) : undefined;
        return model.refiner!.forward(this.batch.target.slice(0, 0, 8), this.batch.content.slice(0, 0, 8), style).mean().item();
      }),
    );
  }

  #refinedModel(): LatentDiffusion {
    const model = new LatentDiffusion(REFINED);
    for (const part of ['encoder', 'decoder', 'styleEncoder', 'unet'] as const) model[part].loadStateDict(this.model[part].stateDict());
    return model.to(this.device);
  }
}
