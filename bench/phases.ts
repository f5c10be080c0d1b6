/**
 * The training phases as `mst train` runs them — the same task code (src/train) and the same
 * optimizer step (loop.ts's optimizerStep) — on a fixed batch of 8 tile groups, for timing
 * against twin.py's features_step, phase1_step and phase2_step, in float32 or in bf16 autocast.
 */
import { rand, manualSeed, optim, type Device } from '../src/engine/index.js';
import { LatentDiffusion, VGGishFeatureNet, freeze, modelConfig } from '../src/model/index.js';
import type { PairBatch } from '../src/data/loader.js';
import { featureNetConfig, featureTask } from '../src/train/features.js';
import { autoencoderTask } from '../src/train/autoencoder.js';
import { diffusionTask } from '../src/train/diffusion.js';
import { optimizerStep, type TrainingTask } from '../src/train/loop.js';
import { PHASE_DEFAULTS, type TrainConfig } from '../src/train/config.js';

/** Groups per step: the feature network and phase 1 read 2 tiles of each (16), phase 2 transfers 1 (8). */
export const PHASE_BATCH = 8;
const INSTRUMENTS = ['piano', 'guitar', 'violin', 'cello', 'clarinet', 'flute', 'trumpet', 'saxophone', 'organ', 'strings', 'lead'];

/**
 * The timed steps: the feature network's training, phase 1 (autoencoder), phase 2 (diffusion),
 * phase 1 with the feature loss on every tile (what featureLossItems saves), and that again with
 * the feature network recomputed in the backward pass.
 */
const VARIANTS = {
  features: ['features', {}],
  phase1: ['autoencoder', {}],
  phase2: ['diffusion', {}],
  phase1_all_items: ['autoencoder', { featureLossItems: 0 }],
  phase1_checkpointed: ['autoencoder', { featureLossItems: 0, gradientCheckpointing: true }],
} as const;
export type PhaseVariant = keyof typeof VARIANTS;

interface Prepared {
  task: TrainingTask;
  optimizer: optim.AdamW;
  config: TrainConfig & { bf16: boolean };
}

export class PhaseBench {
  readonly model: LatentDiffusion;
  /** The frozen loss network of phases 1 and 2. */
  readonly net: VGGishFeatureNet;
  /** The feature network the features phase trains. */
  readonly trainedNet: VGGishFeatureNet;
  readonly batch: PairBatch;
  private readonly prepared = new Map<PhaseVariant, Prepared>();

  /** `bf16`: every step in bf16 autocast (as `mst train --bf16=true`), else float32. */
  constructor(readonly device: Device = 'cpu', readonly bf16 = false) {
    manualSeed(0);
    this.model = new LatentDiffusion(modelConfig('seed')).to(device);
    this.net = freeze(new VGGishFeatureNet(featureNetConfig(INSTRUMENTS)).to(device));
    this.trainedNet = new VGGishFeatureNet(featureNetConfig(INSTRUMENTS)).to(device);
    const tiles = () => rand([PHASE_BATCH, 1, 128, 128]).mul(2).sub(1).to(device);
    const names = Array(PHASE_BATCH).fill('piano') as string[];
    const ranges = Array.from({ length: PHASE_BATCH }, (): [number, number] => [60, 72]);
    this.batch = { content: tiles(), target: tiles(), style: tiles(), contentInstrument: names, targetInstrument: names, pitchRanges: ranges, source: [], styleSource: [] };
  }

  private prepare(variant: PhaseVariant): Prepared {
    const [phase, extra] = VARIANTS[variant];
    const config = { ...PHASE_DEFAULTS[phase], ...extra, device: this.device, bf16: this.bf16 };
    const task = phase === 'features' ? featureTask(this.trainedNet, this.device) : (phase === 'autoencoder' ? autoencoderTask : diffusionTask)(this.model, this.net, config);
    return { task, optimizer: new optim.AdamW(task.parameters, { lr: config.learningRate, weightDecay: config.weightDecay }), config };
  }

  /** One optimizer step of `variant`; returns the loss. */
  step(variant: PhaseVariant): number {
    let prepared = this.prepared.get(variant);
    if (!prepared) this.prepared.set(variant, (prepared = this.prepare(variant)));
    const { task, optimizer, config } = prepared;
    this.model.eval();
    for (const m of task.trainModules) m.train();
    return optimizerStep(task, optimizer, this.batch, config).loss!;
  }
}
