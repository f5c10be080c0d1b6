/**
 * A linear probe of the instrument on the frozen style encoder's pooled features (pooledStyle:
 * [B, 8s]): which of the dataset's instruments a tile plays, read with the features the model
 * hears its references by. The refine phase's instrument term (TrainConfig.instrumentWeight) asks
 * every refined tile to be heard as its target instrument by it. It is fitted once at the start
 * of a refine run, on the content and target tiles of training batches, and saved in the run
 * folder, where a resumed run finds it. It is not the evaluation's judge: that one is trained on
 * other sound sets and never seen in training.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { nn, optim, F, tensor, cat, tidy, keep, noGrad, saveSafetensors, loadSafetensors, type Tensor } from '../engine/index.js';
import type { PairBatch } from '../data/loader.js';
import { freeze, pooledStyle, type LatentDiffusion } from '../model/index.js';
import type { BatchSource } from './data.js';

/** Batches of the training split whose tiles (content and target: 2 per pair) the probe is fitted on. */
const FIT_BATCHES = 96;
/** Batches of the validation split it is scored on. */
const SCORE_BATCHES = 16;
/** Full-batch AdamW steps of the fit. */
const FIT_STEPS = 400;

export interface InstrumentProbe {
  /** Pooled style features [B, 8s] → instrument logits [B, instruments]; its weights need no gradient. */
  linear: nn.Linear;
  /** Share of validation tiles it names right. */
  accuracy: number;
}

/** The batch's content and target tiles [2B, 1, M, T] and their instruments' indices (int64 [2B]). */
function labelledTiles(batch: PairBatch, instruments: readonly string[], device: string): { tiles: Tensor; labels: Tensor } {
  const names = [...batch.contentInstrument, ...batch.targetInstrument];
  return { tiles: cat([batch.content, batch.target], 0).to(device), labels: tensor(new BigInt64Array(names.map((n) => BigInt(instruments.indexOf(n)))), { device }) };
}

/** The pooled features and labels of up to `batches` batches of `source`'s first epoch. */
async function featuresOf(model: LatentDiffusion, source: BatchSource, instruments: readonly string[], batches: number, device: string): Promise<{ features: Tensor; labels: Tensor }> {
  const features: Tensor[] = [];
  const labels: Tensor[] = [];
  let n = 0;
  for await (const batch of source.epoch(0)) {
    noGrad(() => tidy(() => {
      const { tiles, labels: l } = labelledTiles(batch, instruments, device);
      features.push(keep(pooledStyle(model.styleEncoder.forward(tiles)).float()));
      labels.push(keep(l));
    }));
    for (const t of [batch.content, batch.target, batch.style]) t.dispose();
    if (++n >= batches) break;
  }
  const out = { features: keep(cat(features, 0)), labels: keep(cat(labels, 0)) };
  for (const t of [...features, ...labels]) t.dispose();
  return out;
}

/**
 * The probe saved at `path`, or else one fitted on `train` and scored on `validation`, then saved
 * there. The style encoder is read in eval mode and not changed.
 */
export async function instrumentProbe(path: string, model: LatentDiffusion, data: { train: BatchSource; validation: BatchSource }, instruments: readonly string[], device: string): Promise<InstrumentProbe> {
  const width = model.config.styleFilters * 8;
  const linear = new nn.Linear(width, instruments.length).to(device);
  if (existsSync(path)) {
    const { tensors, metadata } = loadSafetensors(path, device);
    linear.loadStateDict(tensors);
    for (const t of tensors.values()) t.dispose();
    freeze(linear);
    return { linear, accuracy: Number(metadata.accuracy) };
  }
  model.styleEncoder.eval();
  const fit = await featuresOf(model, data.train, instruments, FIT_BATCHES, device);
  // the features standardised for the fit, then folded into the linear layer: the same logits from raw features
  const [mean, std] = [keep(fit.features.mean([0], true)), keep(fit.features.std([0], { keepdim: true }).add(1e-5))];
  const standard = new nn.Linear(width, instruments.length).to(device);
  const optimizer = new optim.AdamW(standard.parameters(), { lr: 1e-2, weightDecay: 1e-3 });
  for (let step = 0; step < FIT_STEPS; step++) {
    tidy(() => {
      optimizer.zeroGrad();
      F.crossEntropy(standard.forward(fit.features.sub(mean).div(std)), fit.labels).backward();
      optimizer.step();
    });
  }
  noGrad(() => tidy(() => {
    const weight = standard.weight.div(std); // W·(x − μ)/σ + b = (W/σ)·x + (b − (W/σ)·μ)
    linear.weight.copy_(weight);
    linear.bias!.copy_(standard.bias!.sub(weight.mul(mean).sum([1])));
  }));
  freeze(linear);
  standard.dispose();
  for (const t of [mean, std, fit.features, fit.labels]) t.dispose();
  const held = await featuresOf(model, data.validation, instruments, SCORE_BATCHES, device);
  const accuracy = noGrad(() => tidy(() => linear.forward(held.features).argmax(1).eq(held.labels).float().mean().item()));
  held.features.dispose();
  held.labels.dispose();
  mkdirSync(dirname(path), { recursive: true });
  saveSafetensors(path, linear.stateDict(), { accuracy: String(accuracy), instruments: JSON.stringify(instruments) });
  return { linear, accuracy };
}
