/**
 * The training loop every phase shares: AdamW with warm-up and cosine rate, bf16 autocast where
 * the device runs it natively or where asked (precision.ts), global-norm clipping, an optional
 * moving average of the weights, validation on fixed batches, JSONL metrics, sample images, and a
 * state saved atomically every `checkpointEvery` steps from which a killed run resumes exactly
 * (same weights, optimizer, generator and data order, so the same loss curve).
 *
 * Files in the run folder: <phase>.state.safetensors (resume), metrics.jsonl (one line per step,
 * per validation, and at each start the precision chosen and the processor, each with its
 * phase), <phase>-samples/step-<n>.png.
 */
import { existsSync, mkdirSync, readFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { tidy, optim, autocast, noGrad, getRngState, setRngState, writeFileAtomic, adaptThreads, type Tensor, type nn } from '../engine/index.js';
import { disposeBatch, type PairBatch } from '../data/loader.js';
import type { TrainingData } from './data.js';
import type { TrainConfig } from './config.js';
import { learningRateAt } from './schedule.js';
import { Ema } from './ema.js';
import { saveTrainingState, loadTrainingState, type Position } from './state.js';
import { trainingPrecision, precisionName, type Precision } from './precision.js';

/** What a phase trains and how it scores. */
export interface TrainingTask {
  /** Everything the state holds (trained and frozen parts). */
  module: nn.Module;
  /** The parameters the optimizer updates. */
  parameters: Tensor[];
  /** The part whose weights are averaged (default `module`). */
  emaModule?: nn.Module;
  /** Modules in train mode during a step (the rest stay in eval mode). */
  trainModules: nn.Module[];
  /**
   * A second network trained beside the task's, one step of its own after each of the task's
   * (the refine phase's critic, critic.ts): its weights and optimizer are in the run's state.
   */
  critic?: { module: nn.Module; parameters: Tensor[] };
  /**
   * The total loss to minimise and its named parts (scalars), for a batch; with a critic, also
   * its loss on the same batch, to be called after the task's step (what it reads of the step's
   * tensors it holds, detached).
   */
  loss(batch: PairBatch): { loss: Tensor; parts: Record<string, Tensor>; criticLoss?: () => { loss: Tensor; parts: Record<string, Tensor> } };
  /** Named validation figures for one batch (means over it), in eval mode without gradients. */
  validate(batch: PairBatch): Record<string, number>;
  /** Draws examples of a batch to a PNG file (eval mode, no gradients). */
  drawSamples?(batch: PairBatch): Uint8Array;
}

export interface TrainingHooks {
  /** After each step: the step count and its figures. */
  onStep?: (position: Position, figures: Record<string, number>) => void;
  onValidation?: (step: number, figures: Record<string, number>) => void;
  /** Messages for the user (resumed from…, saved…). */
  log?: (message: string) => void;
}

export interface TrainingResult {
  position: Position;
  /** The last validation's figures. */
  validation: Record<string, number> | null;
  seconds: number;
  /** The moving average, when the config keeps one (the caller exports it). */
  ema: Ema | null;
  /** The precision the steps ran in, why, and on which processor. */
  precision: Precision;
}

/** Figures of named scalars, each under `prefix`. */
function figuresOf(parts: Record<string, Tensor>, prefix = ''): Record<string, number> {
  return Object.fromEntries(Object.entries(parts).map(([k, v]) => [prefix + k, v.item()]));
}

/**
 * One optimizer step on a batch (the modules already in train mode); returns the loss, its parts
 * and the gradient norm before clipping. With a critic and its optimizer, the critic's step
 * follows on the same batch (its gradients from the task's loss cleared first), its figures
 * under `critic.`.
 */
export function optimizerStep(task: TrainingTask, optimizer: optim.Optimizer, batch: PairBatch, config: Pick<TrainConfig, 'device' | 'clipNorm'> & { bf16: boolean }, criticOptimizer?: optim.Optimizer): Record<string, number> {
  return tidy(() => {
    const autocastOptions = { enabled: config.bf16, device: config.device as 'cpu' | 'cuda' };
    optimizer.zeroGrad();
    const { loss, parts, criticLoss } = autocast(autocastOptions, () => task.loss(batch));
    loss.backward();
    const gradNorm = optim.clipGradNorm(task.parameters, config.clipNorm);
    optimizer.step();
    const figures = { loss: loss.item(), ...figuresOf(parts), gradNorm };
    if (!task.critic || !criticOptimizer || !criticLoss) return figures;
    criticOptimizer.zeroGrad();
    const critic = autocast(autocastOptions, criticLoss);
    critic.loss.backward();
    const criticGradNorm = optim.clipGradNorm(task.critic.parameters, config.clipNorm);
    criticOptimizer.step();
    return { ...figures, 'critic.loss': critic.loss.item(), ...figuresOf(critic.parts, 'critic.'), 'critic.gradNorm': criticGradNorm };
  });
}

/**
 * The critic's optimizer: AdamW at the task's rate (set each step), with β₁ 0.5 as adversarial
 * training usually takes it (a short memory of the gradient, which turns as the refiner learns), and no weight decay.
 */
function criticOptimizerOf(task: TrainingTask, config: TrainConfig): optim.Optimizer | null {
  return task.critic ? new optim.AdamW(task.critic.parameters, { lr: config.learningRate, betas: [0.5, 0.9], weightDecay: 0 }) : null;
}

/** Lines of metrics.jsonl up to `step` of `phase` (a resumed run drops what came after its state). */
function truncateMetrics(path: string, phase: string, step: number): void {
  if (!existsSync(path)) return;
  const kept = readFileSync(path, 'utf8').split('\n').filter((line) => {
    if (line.trim() === '') return false;
    const entry = JSON.parse(line) as { phase: string; step: number };
    return entry.phase !== phase || entry.step <= step;
  });
  writeFileAtomic(path, [Buffer.from(kept.map((l) => l + '\n').join(''))]);
}

/** Runs (or resumes) a phase until `config.steps` optimizer steps are done. */
export async function train(task: TrainingTask, config: TrainConfig, data: TrainingData, hooks: TrainingHooks = {}): Promise<TrainingResult> {
  const log = hooks.log ?? (() => {});
  mkdirSync(config.run, { recursive: true });
  const statePath = join(config.run, `${config.phase}.state.safetensors`);
  const metricsPath = join(config.run, 'metrics.jsonl');
  const optimizer = new optim.AdamW(task.parameters, { lr: config.learningRate, weightDecay: config.weightDecay });
  const ema = config.emaDecay > 0 ? new Ema(task.emaModule ?? task.module, config.emaDecay) : null;
  const criticOptimizer = criticOptimizerOf(task, config);
  const critic = task.critic && criticOptimizer ? { module: task.critic.module, optimizer: criticOptimizer } : null;
  const stateParts = { module: task.module, optimizer, ema, critic };
  const position = loadTrainingState(statePath, {
    ...stateParts,
    checkConfig: (saved) => {
      const before = saved as TrainConfig;
      for (const key of ['model', 'phase', 'batchSize', 'seed', 'data'] as const) {
        if (before[key] !== config[key]) throw new Error(`${statePath}: saved with ${key} ${JSON.stringify(before[key])}, asked for ${JSON.stringify(config[key])}; use the same, or another --run to start afresh`);
      }
    },
  }) ?? { step: 0, epoch: 0, batchInEpoch: 0 };
  if (position.step > 0) log(`resuming ${config.phase} at step ${position.step} (epoch ${position.epoch}, batch ${position.batchInEpoch}) from ${statePath}`);
  truncateMetrics(metricsPath, config.phase, position.step);
  const precision = trainingPrecision(config);
  log(`${config.phase}: ${precisionName(precision)}: ${precision.reason}; ${precision.processor}`);

  const { train: loader, validation: validationLoader } = data;
  const stepsPerEpoch = Math.floor(loader.groups / config.batchSize);
  if (stepsPerEpoch === 0) throw new RangeError(`${config.data}: ${loader.groups} training items, fewer than one batch of ${config.batchSize}; give a smaller --batchSize or more data`);
  const validateEvery = config.validateEvery || stepsPerEpoch;
  const record = (entry: Record<string, unknown>) => appendFileSync(metricsPath, JSON.stringify({ phase: config.phase, ...entry }) + '\n');
  record({ step: position.step, precision });
  const stepConfig = { ...config, bf16: precision.bf16 };
  const save = () => saveTrainingState(statePath, { ...stateParts, position, config });

  /** Validation on the same batches each time; the generator's stream is left as it was. */
  const validate = async (): Promise<Record<string, number>> => {
    const rng = getRngState();
    const cudaRng = config.device === 'cuda' ? getRngState('cuda') : null;
    const sums: Record<string, number> = {};
    let batches = 0;
    let samples: Uint8Array | null = null;
    const run = async () => {
      for (const m of task.trainModules) m.eval();
      for await (const batch of validationLoader.epoch(0)) {
        noGrad(() => tidy(() => {
          for (const [k, v] of Object.entries(task.validate(batch))) sums[k] = (sums[k] ?? 0) + v;
          if (batches === 0 && task.drawSamples) samples = task.drawSamples(batch);
        }));
        disposeBatch(batch);
        if (++batches >= config.validationBatches) break;
        await yieldToEventLoop();
      }
    };
    ema?.swap(); // the averaged weights are what is exported, so they are what is validated
    try {
      await run();
    } finally {
      ema?.swap();
    }
    setRngState(rng);
    rng.dispose();
    if (cudaRng) {
      setRngState(cudaRng, 'cuda');
      cudaRng.dispose();
    }
    const figures = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / batches]));
    if (samples) {
      const folder = join(config.run, `${config.phase}-samples`);
      mkdirSync(folder, { recursive: true });
      writeFileAtomic(join(folder, `step-${String(position.step).padStart(6, '0')}.png`), [samples]);
    }
    record({ step: position.step, epoch: position.epoch, validation: figures });
    hooks.onValidation?.(position.step, figures);
    return figures;
  };

  task.module.eval(); // what trainModules leaves out (a frozen encoder, phase 2's decoder) stays in eval mode
  const started = performance.now();
  let validation: Record<string, number> | null = null;
  try {
    while (position.step < config.steps) {
      for await (const batch of loader.epoch(position.epoch, { skip: position.batchInEpoch })) {
        const lr = learningRateAt(position.step, config);
        optimizer.lr = lr;
        if (criticOptimizer) criticOptimizer.lr = lr;
        for (const m of task.trainModules) m.train();
        // with threads 'auto', one per core other processes leave idle (engine/threads.ts): two threads
        // beside a busy core made paired steps 5.3 s instead of about 0.5 (a dataset build beside the run)
        adaptThreads();
        const stepStarted = performance.now();
        const figures = { ...optimizerStep(task, optimizer, batch, stepConfig, criticOptimizer ?? undefined), lr };
        disposeBatch(batch);
        ema?.update(position.step);
        position.step += 1;
        position.batchInEpoch += 1;
        record({ step: position.step, epoch: position.epoch, ...figures, seconds: (performance.now() - stepStarted) / 1000 });
        hooks.onStep?.(position, figures);
        if (position.step % validateEvery === 0 || position.step === config.steps) validation = await validate();
        if ((config.checkpointEvery > 0 && position.step % config.checkpointEvery === 0) || position.step === config.steps) save();
        await yieldToEventLoop();
        if (position.step >= config.steps) break;
      }
      if (position.step < config.steps) {
        position.epoch += 1;
        position.batchInEpoch = 0;
      }
    }
  } catch (error) {
    ema?.dispose();
    throw error;
  }
  return { position, validation, seconds: (performance.now() - started) / 1000, ema, precision };
}
