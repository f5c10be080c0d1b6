/**
 * Training the instrument judge (judge.ts) on the held-out SoundFont's training-split renders —
 * never on the font the style-transfer model learns from — with augmentations (augment.ts) that
 * vary what SoundFont families differ in (spectral colour), loudness, room and noise — and
 * measuring it on validation renders of both fonts: the held-out font's accuracy is the judge's own; the training font's
 * tells how well it recognises instruments across SoundFont families, which is what judging a
 * model's outputs asks of it.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { tensor, tidy, cat, optim, F, manualSeed, saveCheckpoint, loadCheckpoint, type Tensor } from '../engine/index.js';
import { augmentForJudge, describeAugmentation } from './augment.js';
import { PairLoader, readManifest, disposeBatch } from '../data/loader.js';
import type { Split } from '../data/build.js';
import { InstrumentJudge, DEFAULT_JUDGE, type JudgeConfig } from './judge.js';

export interface JudgeTrainingOptions {
  /** A built dataset (mst dataset build). */
  datasetDir: string;
  /** Optimiser steps, each on batchSize groups × 3 tiles (content, target, style reference). */
  steps: number;
  batchSize?: number;
  /** Peak learning rate of AdamW, decayed to 0 along a cosine. */
  learningRate?: number;
  seed?: number;
  /** Validation groups to score per font (all when omitted). */
  validationGroups?: number;
  onStep?: (step: number, steps: number, loss: number) => void;
}

export interface JudgeScore {
  font: string;
  split: Split;
  tiles: number;
  accuracy: number;
  /** confusion[i][j]: tiles of instrument i labelled j, in `instruments` order. */
  confusion: number[][];
}

export interface JudgeReport {
  instruments: string[];
  trainedOn: { font: string; split: Split; steps: number; batchTiles: number; seconds: number; augmentation?: string };
  /** On the held-out font (the judge's own accuracy) and on the training font (across families). */
  scores: JudgeScore[];
}

/** Labelled tiles of a batch: content, target and style tiles with their instruments. */
function labelled(batch: { content: Tensor; target: Tensor; style: Tensor; contentInstrument: string[]; targetInstrument: string[] }, instruments: string[]) {
  const names = [...batch.contentInstrument, ...batch.targetInstrument, ...batch.targetInstrument];
  return { tiles: cat([batch.content, batch.target, batch.style], 0), labels: names.map((n) => instruments.indexOf(n)) };
}

export async function trainJudge(options: JudgeTrainingOptions): Promise<{ judge: InstrumentJudge; report: JudgeReport }> {
  const { datasetDir, steps, batchSize = 32, learningRate = 1e-3, seed = 0 } = options;
  const manifest = readManifest(datasetDir);
  const heldOut = manifest.config.heldOutFont.name;
  const instruments = manifest.config.instruments;
  manualSeed(seed);
  const judge = new InstrumentJudge({ ...DEFAULT_JUDGE, nMels: manifest.config.analysis.nMels, instruments });
  const optimizer = new optim.AdamW(judge.parameters(), { lr: learningRate, weightDecay: 0.01 });
  const loader = new PairLoader(datasetDir, { split: 'train', font: heldOut, batchSize, seed });
  const started = performance.now();
  let step = 0;
  judge.train();
  for (let epoch = 0; step < steps; epoch++) {
    const before = step;
    for await (const batch of loader.epoch(epoch)) {
      optimizer.lr = (learningRate * (1 + Math.cos((Math.PI * step) / steps))) / 2;
      const loss = tidy(() => {
        const { tiles, labels } = labelled(batch, instruments);
        disposeBatch(batch);
        optimizer.zeroGrad();
        const l = F.crossEntropy(judge.forward(augmentForJudge(tiles)).logits, tensor(labels, { dtype: 'int64' }));
        l.backward();
        optimizer.step();
        return l.item();
      });
      step++;
      options.onStep?.(step, steps, loss);
      await yieldToEventLoop(); // lets finalizers of freed handles run
      if (step >= steps) break; // the loader frees the shards it still holds
    }
    if (step === before) throw new RangeError(`trainJudge: the training split of ${datasetDir} has fewer than ${batchSize} tile groups in ${heldOut}; lower --batch`);
  }
  const seconds = (performance.now() - started) / 1000;
  judge.eval();
  const scores: JudgeScore[] = [];
  for (const font of [heldOut, manifest.config.trainFont.name]) {
    scores.push(await scoreJudge(judge, datasetDir, font, 'validation', options.validationGroups));
  }
  const augmentation = describeAugmentation();
  return { judge, report: { instruments, trainedOn: { font: heldOut, split: 'train', steps, batchTiles: 3 * batchSize, seconds, augmentation }, scores } };
}

/** The judge's accuracy and confusion matrix on the content and target tiles of a split. */
export async function scoreJudge(judge: InstrumentJudge, datasetDir: string, font: string, split: Split, maxGroups = Infinity): Promise<JudgeScore> {
  const instruments = judge.config.instruments;
  const confusion = instruments.map(() => new Array<number>(instruments.length).fill(0));
  const loader = new PairLoader(datasetDir, { split, font, batchSize: 32, seed: 1, keepLast: true });
  let groups = 0;
  for await (const batch of loader.epoch(0)) {
    tidy(() => {
      const tiles = cat([batch.content, batch.target], 0);
      const truth = [...batch.contentInstrument, ...batch.targetInstrument];
      judge.predict(tiles).forEach((label, i) => confusion[instruments.indexOf(truth[i]!)]![instruments.indexOf(label)]!++);
    });
    groups += batch.content.shape[0]!;
    disposeBatch(batch);
    await yieldToEventLoop();
    if (groups >= maxGroups) break;
  }
  const tiles = confusion.flat().reduce((a, b) => a + b, 0);
  const correct = instruments.reduce((s, _, i) => s + confusion[i]![i]!, 0);
  return { font, split, tiles, accuracy: tiles ? correct / tiles : NaN, confusion };
}

export function saveJudge(path: string, judge: InstrumentJudge, report: JudgeReport): void {
  saveCheckpoint(path, judge, judge.config, { 'mst.judge.report': JSON.stringify(report) });
}

/** Loads a judge checkpoint (in eval mode), with the report it was saved with. */
export function loadJudge(path: string): { judge: InstrumentJudge; report: JudgeReport | null } {
  const { config, tensors, metadata } = loadCheckpoint<JudgeConfig>(path);
  const judge = new InstrumentJudge(config);
  judge.loadStateDict(tensors);
  for (const t of tensors.values()) t.dispose();
  judge.eval();
  const report = metadata['mst.judge.report'];
  return { judge, report: report ? (JSON.parse(report) as JudgeReport) : null };
}
