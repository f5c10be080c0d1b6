/**
 * The two training phases as `mst train` runs them — the same task code (src/train) and the same
 * optimizer step (loop.ts's optimizerStep) — on a fixed batch of 8 tile groups, for timing
 * against twin.py's phase1_step and phase2_step.
 */
import { rand, manualSeed, optim, type Device } from '../src/engine/index.js';
import { LatentDiffusion, VGGishFeatureNet, freeze, modelConfig } from '../src/model/index.js';
import type { PairBatch } from '../src/data/loader.js';
import { featureNetConfig } from '../src/train/features.js';
import { autoencoderTask } from '../src/train/autoencoder.js';
import { diffusionTask } from '../src/train/diffusion.js';
import { optimizerStep, type TrainingTask } from '../src/train/loop.js';
import { PHASE_DEFAULTS } from '../src/train/config.js';

/** Groups per step: phase 1 reconstructs 2 tiles of each (16), phase 2 transfers 1 (8). */
export const PHASE_BATCH = 8;
const INSTRUMENTS = ['piano', 'guitar', 'violin', 'cello', 'clarinet', 'flute', 'trumpet', 'saxophone', 'organ', 'strings', 'lead'];

export class PhaseBench {
  readonly model: LatentDiffusion;
  readonly net: VGGishFeatureNet;
  readonly batch: PairBatch;
  readonly phases: { task: TrainingTask; optimizer: optim.AdamW; config: (typeof PHASE_DEFAULTS)['autoencoder'] }[];

  constructor(readonly device: Device = 'cpu') {
    manualSeed(0);
    this.model = new LatentDiffusion(modelConfig('seed')).to(device);
    this.net = freeze(new VGGishFeatureNet(featureNetConfig(INSTRUMENTS)).to(device));
    const tiles = () => rand([PHASE_BATCH, 1, 128, 128]).mul(2).sub(1).to(device);
    const names = Array(PHASE_BATCH).fill('piano') as string[];
    this.batch = { content: tiles(), target: tiles(), style: tiles(), contentInstrument: names, targetInstrument: names, pitchRanges: [], source: [], styleSource: [] };
    // phase 1, phase 2, phase 1 with the feature loss on every tile (what featureLossItems
    // saves), and that again with the feature network recomputed in the backward pass
    const variants = [['autoencoder', {}], ['diffusion', {}], ['autoencoder', { featureLossItems: 0 }], ['autoencoder', { featureLossItems: 0, gradientCheckpointing: true }]] as const;
    this.phases = variants.map(([phase, extra]) => {
      const config = { ...PHASE_DEFAULTS[phase], ...extra, device, bf16: false }; // float32, as the twin runs
      const task = (phase === 'autoencoder' ? autoencoderTask : diffusionTask)(this.model, this.net, config);
      return { task, optimizer: new optim.AdamW(task.parameters, { lr: config.learningRate, weightDecay: config.weightDecay }), config };
    });
  }

  /**
   * One optimizer step of phase 1 (autoencoder), 2 (diffusion), 3 (phase 1, feature loss on
   * every tile) or 4 (3 with gradient checkpointing); returns the loss.
   */
  step(phase: 1 | 2 | 3 | 4): number {
    const { task, optimizer, config } = this.phases[phase - 1]!;
    this.model.eval();
    for (const m of task.trainModules) m.train();
    return optimizerStep(task, optimizer, this.batch, config).loss!;
  }
}
