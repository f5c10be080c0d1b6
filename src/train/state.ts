/**
 * A training run's whole state in one safetensors file, written atomically, so that a killed run
 * resumes exactly where it stopped: the weights (model.*), their moving averages (ema.*), the
 * optimizer's per-parameter tensors (optim.<index>.<name>), the random generators (rng, and rng.cuda
 * when training on a GPU), and in
 * the metadata the step, the epoch and the batches of it already served, the config, and the
 * optimizer's per-parameter step counts. A phase with a critic (the refine phase's adversarial
 * training, critic.ts) keeps the critic's weights and optimizer beside them (critic.model.*,
 * critic.optim.<index>.<name>, and its step counts in the metadata).
 */
import { existsSync } from 'node:fs';
import { saveSafetensors, loadSafetensors, getRngState, setRngState, type Tensor, type nn, type optim } from '../engine/index.js';
import type { Ema } from './ema.js';

export const STATE_KEY = 'mst.training';

export interface Position {
  /** Optimizer steps done. */
  step: number;
  epoch: number;
  /** Batches of `epoch` already trained on. */
  batchInEpoch: number;
}

interface StateMetadata extends Position {
  config: unknown;
  optimizerSteps: (number | null)[];
  criticOptimizerSteps?: (number | null)[];
}

/** A second network trained beside the phase's own, with its own optimizer (a critic). */
export interface CriticState {
  module: nn.Module;
  optimizer: optim.Optimizer;
}

/** An optimizer's per-parameter tensors under `prefix` (`optim.` or `critic.optim.`) into `tensors`; returns its state, whose tensors the caller disposes. */
function putOptimizer(tensors: Map<string, Tensor>, prefix: string, optimizer: optim.Optimizer): ReturnType<optim.Optimizer['state']> {
  const state = optimizer.state();
  state.forEach((entry, i) => {
    if (entry) for (const [name, t] of Object.entries(entry.tensors)) tensors.set(`${prefix}${i}.${name}`, t);
  });
  return state;
}

/** Writes the run's state to `path`. */
export function saveTrainingState(path: string, parts: { module: nn.Module; optimizer: optim.Optimizer; ema: Ema | null; critic?: CriticState | null; position: Position; config: unknown }): void {
  const tensors = new Map<string, Tensor>();
  for (const [name, t] of parts.module.stateDict()) tensors.set(`model.${name}`, t);
  if (parts.ema) for (const [name, t] of parts.ema.averages) tensors.set(`ema.${name}`, t);
  const optimizerState = putOptimizer(tensors, 'optim.', parts.optimizer);
  const critic = parts.critic ?? null;
  if (critic) for (const [name, t] of critic.module.stateDict()) tensors.set(`critic.model.${name}`, t);
  const criticState = critic ? putOptimizer(tensors, 'critic.optim.', critic.optimizer) : [];
  const rng = getRngState();
  tensors.set('rng', rng);
  const onCuda = parts.module.parameters()[0]?.device.startsWith('cuda') ?? false;
  const cudaRng = onCuda ? getRngState('cuda') : null; // the GPU's generator too, so that a GPU run resumes exactly
  if (cudaRng) tensors.set('rng.cuda', cudaRng);
  const steps = (state: typeof optimizerState) => state.map((e) => (e ? e.step : null));
  const metadata: StateMetadata = { ...parts.position, config: parts.config, optimizerSteps: steps(optimizerState), ...(critic ? { criticOptimizerSteps: steps(criticState) } : {}) };
  try {
    saveSafetensors(path, tensors, { [STATE_KEY]: JSON.stringify(metadata) });
  } finally {
    rng.dispose();
    cudaRng?.dispose();
    for (const entry of [...optimizerState, ...criticState]) if (entry) for (const t of Object.values(entry.tensors)) t.dispose();
  }
}

/**
 * Restores a state written by saveTrainingState into the module, optimizer, EMA and generator;
 * returns where the run stopped, or null when there is no state yet. `sameConfig` decides whether
 * the saved config may be resumed with the current one (it throws with the difference if not).
 */
export function loadTrainingState(path: string, parts: { module: nn.Module; optimizer: optim.Optimizer; ema: Ema | null; critic?: CriticState | null; checkConfig: (saved: unknown) => void }): Position | null {
  if (!existsSync(path)) return null;
  const { tensors, metadata } = loadSafetensors(path);
  try {
    const raw = metadata[STATE_KEY];
    if (raw === undefined) throw new Error(`${path}: not a training state written by mst (no ${STATE_KEY} metadata); move it away to start afresh`);
    const saved = JSON.parse(raw) as StateMetadata;
    parts.checkConfig(saved.config);
    const prefixed = (prefix: string) => new Map([...tensors].filter(([k]) => k.startsWith(prefix)).map(([k, t]): [string, Tensor] => [k.slice(prefix.length), t]));
    parts.module.loadStateDict(prefixed('model.'));
    if (parts.ema) parts.ema.load(prefixed('ema.'));
    // the optimizer's moments live where their parameters do (the file is read to the CPU)
    const device = parts.module.parameters()[0]?.device ?? 'cpu';
    const moved: Tensor[] = [];
    const onDevice = (entries: Map<string, Tensor>) => Object.fromEntries([...entries].map(([k, t]): [string, Tensor] => [k, device === 'cpu' ? t : (moved.push(t.to(device)), moved[moved.length - 1]!)]));
    /** The optimizer's state from the tensors under `prefix` (as putOptimizer wrote them) and its step counts. */
    const loadOptimizer = (optimizer: optim.Optimizer, prefix: string, steps: (number | null)[]) => optimizer.loadState(steps.map((step, i) => (step === null ? null : { step, tensors: onDevice(prefixed(`${prefix}${i}.`)) })));
    loadOptimizer(parts.optimizer, 'optim.', saved.optimizerSteps);
    const critic = parts.critic ?? null;
    if (!critic && saved.criticOptimizerSteps !== undefined) throw new Error(`${path}: a state saved with a critic (adversarial training), and this run trains none; use the same settings, or another --run to start afresh`);
    if (critic) {
      if (saved.criticOptimizerSteps === undefined) throw new Error(`${path}: a state saved without a critic, and this run trains one; use the same settings, or another --run to start afresh`);
      critic.module.loadStateDict(prefixed('critic.model.'));
      loadOptimizer(critic.optimizer, 'critic.optim.', saved.criticOptimizerSteps);
    }
    for (const t of moved) t.dispose(); // loadState copied them
    setRngState(tensors.get('rng')!);
    const cudaRng = tensors.get('rng.cuda');
    if (cudaRng && device.startsWith('cuda')) setRngState(cudaRng, 'cuda');
    return { step: saved.step, epoch: saved.epoch, batchInEpoch: saved.batchInEpoch };
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}
