/**
 * Training the instrument judge (judge.ts) on the training-split renders of every sound set it is
 * given but the one the style-transfer model learns from (FluidR3), every step an equal share of
 * each corpus, with augmentations (augment.ts, output-path.ts) for what sets differ in and what the judge will
 * be shown: spectral colour, loudness, room, noise and mst's own output path. It is scored on
 * every font's validation renders; FluidR3's, a family it never heard, tells how it will hear a
 * model's outputs. The training state is saved as it goes, so a killed run resumes.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { tensor, tidy, cat, rand, optim, F, manualSeed, saveCheckpoint, loadModule, describeProcessor, type Tensor } from '../engine/index.js';
import { MelFrontEnd } from '../audio/mel.js';
import { PairLoader, readManifest, disposeBatch, type PairBatch } from '../data/loader.js';
import { SOUND_SETS, JUDGE_SETS } from '../data/fonts.js';
import type { Split } from '../data/build.js';
import { saveTrainingState, loadTrainingState } from '../train/state.js';
import { augmentForJudge, describeAugmentation, JUDGE_AUGMENTATION, type JudgeAugmentation } from './augment.js';
import { OutputPathPool, OUTPUT_PATH, type OutputPathSettings } from './output-path.js';
import { InstrumentJudge, DEFAULT_JUDGE, viewOf, type Judge, type JudgeConfig, type JudgeView } from './judge.js';
import { JudgePanel, isPanelConfig, type JudgePanelConfig } from './judge-panel.js';

export interface JudgeTrainingOptions {
  /**
   * Built datasets: the judge's corpora (mst dataset build --config judge-<set>, with or
   * without --programVariants=true) and paired datasets. The judge trains on the training split
   * of every font in them but the style-transfer model's own (FluidR3): each font's first corpus
   * of each kind (its instruments' own programs; their kin), and is scored on every font's
   * validation split (in its first corpus that has one, its own programs' before its kin's), the
   * model's font included: a family it never heard.
   */
  datasets: string[];
  /**
   * A font to hold out of training as well (it is still scored): trained without font F, the
   * judge's accuracy on F estimates how it hears a sound set nobody rendered for it.
   */
  without?: string;
  /**
   * Optimiser steps, each on about batchSize groups × 3 tiles (content, target, style reference):
   * batchSize / corpora groups of every corpus it trains on, so that each step weighs them alike.
   */
  steps: number;
  batchSize?: number;
  /** The judge's architecture, over DEFAULT_JUDGE (judge.ts). */
  architecture?: Partial<Omit<JudgeConfig, 'instruments' | 'nMels'>>;
  /** Peak learning rate of AdamW, decayed to 0 along a cosine. */
  learningRate?: number;
  seed?: number;
  /** Validation groups to score per font (all when omitted). */
  validationGroups?: number;
  /** What the training tiles go through (augment.ts; default JUDGE_AUGMENTATION). */
  augmentation?: JudgeAugmentation;
  /** The pool of tiles passed through the tool's output path (output-path.ts); `draw: 0` turns it off. */
  outputPath?: OutputPathSettings;
  /**
   * Where the training state is saved every `checkpointEvery` steps (default 200), atomically;
   * a run started again with the same datasets, batch, seed and rate resumes from it (the pool of
   * resynthesised tiles starts empty again).
   */
  statePath?: string;
  checkpointEvery?: number;
  log?: (message: string) => void;
  onStep?: (step: number, steps: number, loss: number) => void;
}

export interface JudgeScore {
  /** The dataset and font scored. */
  dataset?: string;
  font: string;
  split: Split;
  tiles: number;
  accuracy: number;
  /** confusion[i][j]: tiles of instrument i labelled j, in `instruments` order. */
  confusion: number[][];
}

export interface JudgeReport {
  instruments: string[];
  /**
   * `seconds`: of the steps this run took (a resumed run counts only its own). A panel's: what its
   * networks heard together, their steps and seconds summed.
   */
  trainedOn: {
    /** How the network heard its tiles (absent in reports older than the choice: centred). */
    view?: JudgeView;
    fonts: string[];
    /** A font held out of training besides the model's own (JudgeTrainingOptions.without). */
    without?: string;
    split: Split;
    /** Training tile groups of each font (its corpora together). */
    groups?: Record<string, number>;
    /** The fonts it also heard play their instruments' kin programs (a corpus built with programVariants). */
    kin?: string[];
    steps: number;
    batchTiles: number;
    seconds: number;
    /** The processor the run took `seconds` on (describeProcessor). */
    processor?: string;
    augmentation?: string;
  };
  /** On every font's validation split: those it trained on, and the model's font, which it never heard. */
  scores: JudgeScore[];
  /** A panel's (judge-panel.ts): each network's own report, its scores alone included. */
  networks?: JudgeReport[];
}

/** The font the style-transfer model learns from, which the judge never trains on. */
export const MODEL_FONT = SOUND_SETS.fluidr3.name;

/** Labelled tiles of a batch: content, target and style tiles with their instruments. */
function labelled(batch: { content: Tensor; target: Tensor; style: Tensor; contentInstrument: string[]; targetInstrument: string[] }, instruments: string[]) {
  const names = [...batch.contentInstrument, ...batch.targetInstrument, ...batch.targetInstrument];
  return { tiles: cat([batch.content, batch.target, batch.style], 0), labels: names.map((n) => instruments.indexOf(n)) };
}

/** Where a font's stream of batches stands: its epoch and the batches of it already served. */
interface StreamPosition {
  epoch: number;
  batchInEpoch: number;
}

/** Batches of one font's training split, epoch after epoch, from `position` on (which it keeps up to date). */
async function* endlessBatches(loader: PairLoader, what: string, batchSize: number, position: StreamPosition): AsyncGenerator<PairBatch> {
  for (; ; position.epoch++, position.batchInEpoch = 0) {
    let batches = 0;
    for await (const batch of loader.epoch(position.epoch, { skip: position.batchInEpoch })) {
      batches++;
      position.batchInEpoch++;
      yield batch;
    }
    if (batches === 0 && position.batchInEpoch === 0) throw new RangeError(`trainJudge: ${what} has fewer than ${batchSize} training tile groups; lower --batch`);
  }
}

/** What a saved judge-training state must agree with to be resumed. */
interface ResumableSettings {
  datasets: string[];
  without?: string;
  architecture: JudgeConfig;
  augmentation: JudgeAugmentation;
  batchSize: number;
  seed: number;
  learningRate: number;
}

/** A font's renders in one dataset: `kin` when its instruments played their kin programs (DatasetConfig.programVariants). */
interface Corpus {
  dataset: string;
  font: string;
  kin: boolean;
  trainGroups: number;
  /** Its validation tile groups: a corpus built with --splits train has none, and is not scored. */
  validationGroups: number;
  instruments: string[];
}

/** Every (dataset, font) a list of datasets holds, in order, with its manifest's instruments. */
function fontsOf(datasets: string[]): Corpus[] {
  return datasets.flatMap((dataset) => {
    const set = basename(dataset);
    const config = (JUDGE_SETS as string[]).includes(set) ? `judge-${set}` : set === 'small' || set === 'full' ? set : '<name>';
    if (!existsSync(join(dataset, 'manifest.json'))) throw new Error(`${dataset}: no dataset here (no manifest.json); build it with mst dataset build --config ${config} --out ${dataset}`);
    const manifest = readManifest(dataset);
    const fonts = [manifest.config.trainFont.name, manifest.config.heldOutFont.name].filter((font) => manifest.shards.some((s) => s.fonts.includes(font)));
    const groups = (font: string, split: Split) => manifest.shards.filter((s) => s.split === split && s.fonts.includes(font)).reduce((sum, s) => sum + s.groups, 0);
    return fonts.map((font) => ({ dataset, font, kin: manifest.config.programVariants === true, instruments: manifest.config.instruments, trainGroups: groups(font, 'train'), validationGroups: groups(font, 'validation') }));
  });
}

export async function trainJudge(options: JudgeTrainingOptions): Promise<{ judge: InstrumentJudge; report: JudgeReport }> {
  const { datasets, without, steps, batchSize = 32, learningRate = 1e-3, seed = 0, augmentation = JUDGE_AUGMENTATION, outputPath = OUTPUT_PATH, statePath, checkpointEvery = 200 } = options;
  if (datasets.length === 0) throw new RangeError('trainJudge: Expected at least one dataset');
  const available = fontsOf(datasets);
  if (without !== undefined && !available.some((f) => f.font === without)) throw new RangeError(`trainJudge: cannot leave out ${without}: ${datasets.join(', ')} hold ${[...new Set(available.map((f) => f.font))].join(', ')}`);
  const held = new Set([MODEL_FONT, ...(without === undefined ? [] : [without])]);
  // one corpus of each font and kind: data/full's TimGM6mb renders repeat its judge corpus's pieces
  const training = available.filter((f, i) => !held.has(f.font) && f.trainGroups > 0 && available.findIndex((g) => g.font === f.font && g.kin === f.kin && g.trainGroups > 0) === i);
  if (training.length === 0) throw new RangeError(`trainJudge: ${datasets.join(', ')} hold no training renders outside ${[...held].join(' and ')} (${MODEL_FONT} is the model's own font); build the judge's corpora (mst dataset build --config judge-<set>)`);
  const instruments = [...new Set(available.flatMap((f) => f.instruments))];
  const analysis = readManifest(datasets[0]!).config.analysis;
  manualSeed(seed);
  const judge = new InstrumentJudge({ ...DEFAULT_JUDGE, ...options.architecture, nMels: analysis.nMels, instruments });
  const optimizer = new optim.AdamW(judge.parameters(), { lr: learningRate, weightDecay: 0.01 });
  const settings: ResumableSettings = { datasets, ...(without === undefined ? {} : { without }), batchSize, seed, learningRate, architecture: judge.config, augmentation };
  let positions: StreamPosition[] = training.map(() => ({ epoch: 0, batchInEpoch: 0 }));
  let first = 0;
  if (statePath) {
    const resumed = loadTrainingState(statePath, {
      module: judge, optimizer, ema: null,
      checkConfig: (saved) => {
        const { settings: before, streams } = saved as { settings: ResumableSettings; streams: StreamPosition[] };
        if (JSON.stringify(before) !== JSON.stringify(settings)) throw new Error(`${statePath}: a judge training state of other settings (${JSON.stringify(before)}, not ${JSON.stringify(settings)}); use the same, or remove it to start afresh`);
        positions = streams;
      },
    });
    if (resumed) {
      first = resumed.step;
      options.log?.(`resuming the judge's training at step ${first} from ${statePath}`);
    }
  }
  const perCorpus = Math.max(1, Math.round(batchSize / training.length));
  const streams = training.map(({ dataset, font }, i) => endlessBatches(new PairLoader(dataset, { split: 'train', font, batchSize: perCorpus, seed }), `${dataset} (${font})`, perCorpus, positions[i]!));
  const save = (step: number) => (mkdirSync(dirname(statePath!), { recursive: true }), saveTrainingState(statePath!, { module: judge, optimizer, ema: null, position: { step, epoch: 0, batchInEpoch: 0 }, config: { settings, streams: positions } }));
  const frontEnd = new MelFrontEnd(analysis);
  const pool = new OutputPathPool(frontEnd, outputPath);
  const started = performance.now();
  judge.train();
  try {
    for (let step = first; step < steps; step++) {
      const batches = (await Promise.all(streams.map((stream) => stream.next()))).map((result) => result.value as PairBatch);
      optimizer.lr = (learningRate * (1 + Math.cos((Math.PI * step) / steps))) / 2;
      const loss = tidy(() => {
        const parts = batches.map((batch) => labelled(batch, instruments));
        for (const batch of batches) disposeBatch(batch);
        let [tiles, labels] = [cat(parts.map((p) => p.tiles), 0), parts.flatMap((p) => p.labels)];
        if (outputPath.draw > 0) {
          if (step % outputPath.refillEvery === 0) {
            const spread = Array.from({ length: outputPath.refill }, (_, k) => Math.floor((k * labels.length) / outputPath.refill)); // across the fonts
            pool.add(tiles.indexSelect(0, tensor(spread, { dtype: 'int64' })), spread.map((i) => labels[i]!));
          }
          const drawn = pool.sample(outputPath.draw, () => rand([1]).item());
          if (drawn) [tiles, labels] = [cat([tiles, drawn.tiles], 0), [...labels, ...drawn.labels]];
        }
        optimizer.zeroGrad();
        const l = F.crossEntropy(judge.forward(augmentForJudge(tiles, augmentation, analysis)).logits, tensor(labels, { dtype: 'int64' }));
        l.backward();
        optimizer.step();
        return l.item();
      });
      options.onStep?.(step + 1, steps, loss);
      if (statePath && ((step + 1) % checkpointEvery === 0 || step + 1 === steps)) save(step + 1);
      await yieldToEventLoop(); // lets finalizers of freed handles run
    }
  } finally {
    await Promise.all(streams.map((s) => s.return(undefined))); // the loaders free the shards they still hold
    pool.dispose();
    frontEnd.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  judge.eval();
  const scores: JudgeScore[] = [];
  const fonts = [...new Set(training.map((f) => f.font))];
  const validated = available.filter((f) => f.validationGroups > 0);
  const scored = fonts.flatMap((font) => validated.find((f) => f.font === font && !f.kin) ?? validated.find((f) => f.font === font) ?? []); // each font once, in its first corpus with a validation split
  const unheard = validated.filter((f, i) => !fonts.includes(f.font) && validated.findIndex((g) => g.font === f.font) === i);
  const modelFontLast = [...unheard.filter((f) => f.font !== MODEL_FONT), ...unheard.filter((f) => f.font === MODEL_FONT)];
  for (const { dataset, font } of [...scored, ...modelFontLast]) {
    scores.push(await scoreJudge(judge, dataset, font, 'validation', options.validationGroups)); // the fonts it trained on, then the others, the model's last
  }
  const throughOutput = outputPath.draw > 0 ? `; ${outputPath.draw} more tiles a step drawn from a pool of up to ${outputPath.capacity} passed through mst's output path (Griffin-Lim, 16-bit, analysis again), ${outputPath.refill} of a batch added every ${outputPath.refillEvery} steps` : '';
  const trainedOn = {
    view: viewOf(judge.config),
    fonts,
    ...(without === undefined ? {} : { without }),
    ...(training.some((f) => f.kin) ? { kin: training.filter((f) => f.kin).map((f) => f.font) } : {}),
    split: 'train' as const,
    groups: Object.fromEntries(fonts.map((font) => [font, training.filter((f) => f.font === font).reduce((sum, f) => sum + f.trainGroups, 0)])),
    steps,
    batchTiles: 3 * perCorpus * training.length,
    seconds,
    processor: describeProcessor(),
    augmentation: describeAugmentation(augmentation) + throughOutput,
  };
  return { judge, report: { instruments, trainedOn, scores } };
}

/**
 * Scores a trained judge on the validation split of every font of `datasets` its report has no
 * score for yet (a set built after it was trained, or the model's own font), and returns the
 * report with them added, the model's font last.
 */
export async function scoreOnMore(judge: Judge, report: JudgeReport, datasets: string[], maxGroups?: number): Promise<JudgeReport> {
  const scores = [...report.scores];
  for (const { dataset, font } of fontsOf(datasets).filter((f) => f.validationGroups > 0)) {
    if (!scores.some((s) => s.font === font)) scores.push(await scoreJudge(judge, dataset, font, 'validation', maxGroups));
  }
  return { ...report, scores: [...scores.filter((s) => s.font !== MODEL_FONT), ...scores.filter((s) => s.font === MODEL_FONT)] };
}

/** The judge's accuracy and confusion matrix on the content and target tiles of a split. */
export async function scoreJudge(judge: Pick<Judge, 'config' | 'predict'>, datasetDir: string, font: string, split: Split, maxGroups = Infinity): Promise<JudgeScore> {
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
  return { dataset: datasetDir, font, split, tiles, accuracy: tiles ? correct / tiles : NaN, confusion };
}

export function saveJudge(path: string, judge: InstrumentJudge | JudgePanel, report: JudgeReport): void {
  saveCheckpoint(path, judge, judge.config, { 'mst.judge.report': JSON.stringify(report) });
}

/** Loads a judge checkpoint (in eval mode), one network or a panel, with the report it was saved with. */
export function loadJudge(path: string): { judge: InstrumentJudge | JudgePanel; report: JudgeReport | null } {
  const { module: judge, metadata } = loadModule<JudgeConfig | JudgePanelConfig, InstrumentJudge | JudgePanel>(path, (config) =>
    isPanelConfig(config) ? new JudgePanel(config.networks) : new InstrumentJudge(config),
  );
  judge.eval();
  const report = metadata['mst.judge.report'];
  return { judge, report: report ? (JSON.parse(report) as JudgeReport) : null };
}

/** What a panel's networks heard together: every font and kin corpus, the most groups of each font, steps and seconds summed. */
function heardTogether(reports: JudgeReport[]): JudgeReport['trainedOn'] {
  const all = reports.map((r) => r.trainedOn);
  const union = (lists: (string[] | undefined)[]) => [...new Set(lists.flatMap((l) => l ?? []))];
  const groups = Object.fromEntries(union(all.map((t) => t.fonts)).map((font) => [font, Math.max(0, ...all.map((t) => t.groups?.[font] ?? 0))]));
  const kin = union(all.map((t) => t.kin));
  const augmentations = union(all.map((t) => (t.augmentation === undefined ? undefined : [t.augmentation])));
  const processors = union(all.map((t) => (t.processor === undefined ? undefined : [t.processor])));
  return {
    fonts: union(all.map((t) => t.fonts)),
    ...(kin.length ? { kin } : {}),
    split: 'train',
    groups,
    steps: all.reduce((sum, t) => sum + t.steps, 0),
    batchTiles: Math.max(...all.map((t) => t.batchTiles)),
    seconds: all.reduce((sum, t) => sum + t.seconds, 0),
    ...(processors.length ? { processor: processors.join('; ') } : {}),
    ...(augmentations.length === 1 ? { augmentation: augmentations[0]! } : {}),
  };
}

/**
 * A panel of trained judges (judge-panel.ts), scored on the validation split of every font of
 * `datasets` (each network's report keeps its own scores), the model's font last.
 */
export async function joinJudges(paths: string[], datasets: string[], maxGroups?: number): Promise<{ judge: JudgePanel; report: JudgeReport }> {
  const loaded = paths.map((path) => ({ path, ...loadJudge(path) }));
  let panel: JudgePanel;
  try {
    for (const { path, judge, report } of loaded) {
      if (judge instanceof JudgePanel) throw new RangeError(`${path} is a panel already; join the networks it was made of`);
      if (!report) throw new Error(`${path} holds no training report (not saved by mst eval train-judge); train it again`);
    }
    panel = new JudgePanel(loaded.map(({ judge }) => judge as InstrumentJudge)).eval(); // refuses networks of other instruments
  } catch (error) {
    loaded.forEach(({ judge }) => judge.dispose());
    throw error;
  }
  const networks = loaded.map(({ judge, report }) => ({ ...report!, trainedOn: { ...report!.trainedOn, view: viewOf((judge as InstrumentJudge).config) } })); // from the weights' config: older reports lack it
  const report = await scoreOnMore(panel, { instruments: panel.config.instruments, trainedOn: heardTogether(networks), scores: [], networks }, datasets, maxGroups);
  const heard = report.trainedOn.fonts;
  return { judge: panel, report: { ...report, scores: [...report.scores.filter((s) => heard.includes(s.font)), ...report.scores.filter((s) => !heard.includes(s.font))] } };
}
