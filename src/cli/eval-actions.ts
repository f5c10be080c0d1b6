/**
 * What the `mst eval` commands do (declared in eval.ts): train and score the instrument judge,
 * classify audio, and run the evaluation and its report.
 */
import type { Command } from 'commander';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { progressTowards } from './progress.js';
import { trainJudge, saveJudge, loadJudge, scoreOnMore, joinJudges, type JudgeReport } from '../eval/train-judge.js';
import { JUDGE_VIEWS, type JudgeView } from '../eval/judge.js';
import { classifyFile } from '../eval/classify.js';
import { confusionTable, reportPathOf, rewriteFolderCard } from '../eval/judge-card.js';
import { evaluate, type EvaluationReport } from '../eval/evaluate.js';
import { unseenReferences } from '../eval/unseen.js';
import { BASELINES, modelSystem, autoencodedSystem, type TransferSystem } from '../eval/baselines.js';
import { BASELINE_NAMES, type BaselineName } from '../eval/choices.js';
import { loadLatentDiffusion } from '../model/load.js';
import { resolveModelPath } from '../transfer/model-folder.js';
import type { LatentDiffusion, TileSamplingOptions } from '../model/ldm.js';
import { SAMPLING_DEFAULTS } from '../model/sampling.js';
import type { GuidanceFrom } from '../model/guidance-from.js';
import type { VocoderPhase } from '../audio/vocoder-phase.js';
import { loadFeatureNet } from '../model/vggish.js';
import { seedFigures, type SeedFigures } from '../eval/seed-figures.js';
import { transferExamples, writeReport, markdownTable, seedTable, targetTable } from '../eval/report.js';
import { buildDataset } from '../data/build.js';
import { DATASET_CONFIGS } from '../data/config.js';
import { readManifest } from '../data/loader.js';
import { writeFileAtomic } from '../engine/files.js';

/** The options `eval run` and `eval report` share (eval.ts: withRunOptions). */
export interface RunOptions {
  model: string;
  data: string;
  judge: string;
  split: string;
  groups: number;
  audioGroups: number;
  iterations: number;
  referenceTiles: number;
  phase: VocoderPhase;
  seed: number;
  font?: string;
  targetFont?: string;
  anyRange?: boolean;
  small?: boolean;
  strength?: number[];
  guidance?: number[];
  guidanceFrom?: GuidanceFrom[];
  steps?: number;
  /** false: the trained models' transfers without their refiner (--no-refine). */
  refine?: boolean;
  /** Each trained model's autoencoder on the true targets beside it (--autoencoded). */
  autoencoded?: boolean;
  /** Style guidance of the trained models' refiners that read the reference (--refiner-guidance). */
  refinerGuidance?: number[];
}

/** Prints a judge's scores per font: accuracy and confusion matrix. */
function printScores(report: JudgeReport, scores = report.scores): void {
  for (const score of scores) {
    console.log(`\n${score.font} ${score.split}${score.dataset ? ` (${score.dataset})` : ''}: accuracy ${score.accuracy.toFixed(3)} on ${score.tiles} tiles`);
    console.log(confusionTable(report.instruments, score));
  }
}

/** Writes a judge and its report (`<name>.json` beside it) and rewrites its folder's card; returns the card's path, if written. */
function writeJudge(path: string, judge: Parameters<typeof saveJudge>[1], report: JudgeReport): string | null {
  mkdirSync(dirname(path), { recursive: true });
  saveJudge(path, judge, report);
  judge.dispose();
  writeFileAtomic(reportPathOf(path), [Buffer.from(JSON.stringify(report, null, 2) + '\n')]);
  return rewriteFolderCard(path); // a network of a panel, or a judge trained without one set, adds to the folder's judge's card
}

/** `mst eval train-judge`: trains (or resumes) the judge, saves it with its report and card, prints its scores. */
export async function trainJudgeAction(options: { data: string; out: string; view: JudgeView; mixStatistics: number; without?: string; steps: number; batch: number; seed: number; json?: boolean }, command: Command): Promise<void> {
  if (options.without && command.getOptionValueSource('out') === 'default') options.out = join(dirname(options.out), `without-${options.without}.safetensors`);
  const bar = progressTowards('judge', 'steps', options.steps);
  const { judge, report } = await trainJudge({
    datasets: options.data.split(','),
    ...(options.without ? { without: options.without } : {}),
    architecture: { ...JUDGE_VIEWS[options.view], ...(options.mixStatistics > 0 ? { mixStatistics: options.mixStatistics } : {}) },
    steps: options.steps,
    statePath: options.out.replace(/\.safetensors$/, '') + '.state.safetensors', // run the command again to resume
    log: (message) => console.error(message),
    batchSize: options.batch,
    seed: options.seed,
    onStep: (step, _steps, loss) => bar.update(step, `loss ${loss.toFixed(3)}`),
  });
  bar.stop();
  const card = writeJudge(options.out, judge, report);
  if (options.json) {
    console.log(JSON.stringify(report));
    return;
  }
  console.log(`trained on ${report.trainedOn.fonts.join(', ')} (${report.trainedOn.split}) for ${report.trainedOn.steps} steps in ${report.trainedOn.seconds.toFixed(0)} s → ${options.out}${card ? `; its folder's card: ${card}` : ''}`);
  printScores(report);
}

/** `mst eval join-judges`: a panel of trained networks, scored, saved with its report and card. */
export async function joinJudgesAction(paths: string[], options: { out: string; data: string }): Promise<void> {
  if (paths.length < 2) throw new RangeError(`join-judges: give two judges or more (mst eval train-judge --view centred, --view raw), not ${paths.length}`);
  for (const path of paths) if (!existsSync(path)) throw new Error(`no judge at ${path}: train it with mst eval train-judge --out ${path}`);
  const { judge, report } = await joinJudges(paths, options.data.split(','));
  const card = writeJudge(options.out, judge, report);
  console.log(`a panel of ${paths.length} networks → ${options.out}${card ? `; its folder's card: ${card}` : ''}`);
  for (const score of report.scores) {
    const alone = report.networks!.map((n, i) => `${paths[i]} ${n.scores.find((s) => s.font === score.font && s.dataset === score.dataset)?.accuracy.toFixed(3) ?? '– (not scored on these renders)'}`);
    console.log(`${score.font}: ${score.accuracy.toFixed(3)} together on ${score.tiles} tiles; alone: ${alone.join(', ')}`);
  }
  printScores(report);
}

/** `mst eval score-judge`: scores a judge on the sets its report lacks and rewrites its report and card. */
export async function scoreJudgeAction(options: { judge: string; data: string }): Promise<void> {
  if (!existsSync(options.judge)) throw new Error(`no judge at ${options.judge}: give one with --judge, or train one with mst eval train-judge --out ${options.judge}`);
  const { judge, report } = loadJudge(options.judge);
  if (!report) throw new Error(`${options.judge} holds no training report (not saved by mst eval train-judge); train it again`);
  const before = new Set(report.scores.map((s) => s.font));
  const scored = await scoreOnMore(judge, report, options.data.split(','));
  const card = writeJudge(options.judge, judge, scored);
  const added = scored.scores.filter((s) => !before.has(s.font));
  if (added.length === 0) console.log(`${options.judge}: already scored on every font of ${options.data}`);
  printScores(scored, added);
  if (card) console.log(`\nits card: ${card}`);
}

/** `mst eval classify`: the instrument the judge hears in each file. */
export async function classifyAction(files: string[], options: { judge: string; json?: boolean }): Promise<void> {
  if (!existsSync(options.judge)) throw new Error(`no judge at ${options.judge}: give one with --judge, or train one with mst eval train-judge --out ${options.judge}`);
  const { judge } = loadJudge(options.judge);
  const failed: string[] = [];
  try {
    for (const file of files) {
      try {
        const { instrument, probabilities, tiles } = await classifyFile(judge, file);
        if (options.json) console.log(JSON.stringify({ file, instrument, probabilities }));
        else {
          const ranked = Object.entries(probabilities).sort((a, b) => b[1] - a[1]);
          console.log(`${file}: ${instrument} (${ranked[0]![1].toFixed(2)}); then ${ranked.slice(1, 3).map(([n, p]) => `${n} ${p.toFixed(2)}`).join(', ')} [${tiles.judged} of ${tiles.total} tiles sounding]`);
        }
      } catch (error) {
        console.error(`mst: ${(error as Error).message}`); // the other files are still classified
        failed.push(file);
      }
    }
  } finally {
    judge.dispose();
  }
  if (failed.length > 0) throw new Error(`${failed.length} of ${files.length} files could not be classified (${failed.join(', ')})`);
}

/** `mst eval reconstruction`: the autoencoder's figures of trained models. */
export async function reconstructionAction(options: { model: string; data: string; split: string; groups: number; json?: boolean }): Promise<void> {
  if (options.split !== 'validation' && options.split !== 'test') throw new RangeError(`--split: Expected validation or test but received ${options.split}`);
  const rows: { model: string; figures: SeedFigures }[] = [];
  for (const file of options.model.split(',')) {
    const features = join(dirname(file), 'features.safetensors');
    if (!existsSync(features)) throw new Error(`no loss network beside ${file}: expected ${features} (mst train features)`);
    const [model, net] = [loadLatentDiffusion(file), loadFeatureNet(features)];
    rows.push({ model: file, figures: await seedFigures(model, net, options.data, options.split, options.groups, 0, null) });
    model.dispose();
    net.dispose();
  }
  if (options.json) return console.log(JSON.stringify(rows));
  console.log(['| model | split | groups (2 tiles each) | reconstruction MSE | perceptual | latent penalty |', '|---|---|---:|---:|---:|---:|',
    ...rows.map(({ model, figures: f }) => `| ${model} | ${f.split} | ${f.tiles} | ${f.reconstructionMse.toFixed(5)} | ${f.perceptual.toFixed(4)} | ${f.kl.toFixed(3)} |`)].join('\n'));
}

/** `mst eval run`: the evaluation's figures, as a table or JSON. */
export async function runAction(options: RunOptions & { json?: boolean }): Promise<void> {
  const { report, judgePath } = await runEvaluation(options);
  console.log(options.json ? JSON.stringify({ ...report, judgeFile: judgePath }) : summaryTable(report));
}

/** `mst eval report`: the evaluation written as Markdown and HTML with figures and audio. */
export async function reportAction(options: RunOptions & { out: string; examples: string }): Promise<void> {
  const pairs = options.examples.split(',').map((p) => p.split(':') as [string, string]);
  const { report, judgePath, systems, datasetDir } = await runEvaluation(options);
  const examples = await transferExamples(systems, datasetDir, pairs.filter(([c, t]) => report.judge.instruments.includes(c) && report.judge.instruments.includes(t)), { split: report.split, font: report.font, targetFont: report.targetFont });
  const command = ['mst eval report', ...process.argv.slice(4)].join(' ');
  writeReport(options.out, report, examples, readManifest(datasetDir).config.analysis, { command, judge: judgePath });
  console.log(`wrote ${join(options.out, 'report.md')} and report.html`);
}

/** `mst eval unseen`: systems given references of instruments no training data plays (eval/unseen.ts). */
export async function unseenAction(options: { model: string; data: string; unseen: string; judge: string; groups: number; seed: number; referenceFont?: string; guidance?: number[]; guidanceFrom?: GuidanceFrom[]; json?: boolean }): Promise<void> {
  for (const [what, dir, build] of [['dataset', options.data, 'mst dataset build'], ['unseen-instrument dataset', options.unseen, 'mst dataset build --config unseen --splits test']] as const) {
    if (!existsSync(join(dir, 'manifest.json'))) throw new Error(`no ${what} at ${dir}: build one with ${build} --out ${dir}`);
  }
  if (!existsSync(options.judge)) throw new Error(`no judge at ${options.judge}: train one with mst eval train-judge --out ${options.judge}`);
  const { systems } = evaluationSystems(options.model, { guidance: options.guidance, guidanceFrom: options.guidanceFrom });
  const { judge } = loadJudge(options.judge);
  const report = await unseenReferences(systems, {
    datasetDir: options.data,
    unseenDir: options.unseen,
    judge,
    groups: options.groups,
    seed: options.seed,
    ...(options.referenceFont ? { referenceFont: options.referenceFont } : {}),
    onProgress: (message) => console.error(message),
  });
  if (options.json) {
    console.log(JSON.stringify({ ...report, judgeFile: options.judge }));
    return;
  }
  const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
  const top = (heard: Record<string, number>) => Object.entries(heard).slice(0, 3).map(([name, share]) => `${name} ${percent(share)}`).join(', ');
  const rows = report.systems.map((s) => `| ${s.name} | ${percent(s.nearerReference)} | ${report.instruments.map((i) => `${percent(s.byInstrument[i]!)} (heard as ${top(s.heardAs[i]!)})`).join(' | ')} |`);
  console.log(
    `${report.groups} test tiles of ${report.dataset}, references of ${report.instruments.join(' and ')} (${report.referenceFont}) from other pieces of ${report.unseen}\n` +
      `the judge hears the references as: ${report.instruments.map((i) => `${i}: ${top(report.referencesHeardAs[i]!)}`).join('; ')}\n\n` +
      `| system | output nearer the reference than the content | ${report.instruments.join(' | ')} |\n|---|---:|${report.instruments.map(() => '---|').join('')}\n${rows.join('\n')}`,
  );
}

/** Builds the small dataset and a briefly trained judge for --small, when they are missing. */
async function smallSetup(): Promise<{ data: string; judge: string }> {
  const data = join('data', 'small');
  const judge = join(data, 'judge.safetensors');
  if (!existsSync(join(data, 'manifest.json'))) {
    console.error(`building the small dataset into ${data}`);
    await buildDataset(data, DATASET_CONFIGS.small);
  }
  if (!existsSync(judge)) {
    console.error(`training a small judge into ${judge} (a pipeline check: its accuracy means little)`);
    const trained = await trainJudge({ datasets: [data], steps: 40, batchSize: 8 });
    saveJudge(judge, trained.judge, trained.report);
  }
  return { data, judge };
}

/** A trained model among the systems: its weights file and the sampling it is scored at. */
export interface TrainedSystem {
  model: LatentDiffusion;
  path: string;
  sampling: TileSamplingOptions;
}

/**
 * The systems `--model` names, comma-separated: baselines by name, and trained models (a
 * .safetensors file or a model folder) at their own sampling settings, or once per `strength` and
 * per `guidance` and `guidanceFrom` (named name@strength, name@g<guidance>, name@from-<what> where a
 * list has several) and at `steps` when given; with `refine` false, without their refiner (name@unrefined, where they have one);
 * with `autoencoded`, each model's autoencoder on the true targets beside it (name@autoencoded: autoencodedSystem).
 */
export function evaluationSystems(
  names: string,
  { strength, guidance, guidanceFrom, steps, refine = true, autoencoded = false, refinerGuidance }: { strength?: number[]; guidance?: number[]; guidanceFrom?: GuidanceFrom[]; steps?: number; refine?: boolean; autoencoded?: boolean; refinerGuidance?: number[] } = {},
): { systems: TransferSystem[]; models: Map<string, TrainedSystem> } {
  const models = new Map<string, TrainedSystem>();
  const systems = names.split(',').flatMap((given): TransferSystem[] => {
    const name = (BASELINE_NAMES as readonly string[]).includes(given) ? given : resolveModelPath(given);
    const folderWeights = join(name, 'model.safetensors');
    if (name.endsWith('.safetensors') || existsSync(folderWeights)) {
      const file = name.endsWith('.safetensors') ? name : folderWeights; // a model file or a model folder (models/default)
      const model = loadLatentDiffusion(file);
      const [systemName, bytes] = [basename(dirname(file)) || file, statSync(file).size];
      const own = model.config.sampling;
      const unrefined = !refine && model.refiner !== null;
      const ceiling = autoencoded ? [autoencodedSystem(`${systemName}@autoencoded`, model)] : [];
      const refinerGuidances = model.refiner?.style ? refinerGuidance : undefined; // only a refiner that reads the reference is guided
      return [...ceiling, ...(strength ?? [own.strength]).flatMap((s) =>
        (guidance ?? [own.guidance ?? SAMPLING_DEFAULTS.guidance]).flatMap((g) =>
          (guidanceFrom ?? [own.guidanceFrom ?? SAMPLING_DEFAULTS.guidanceFrom]).flatMap((from) => (refinerGuidances ?? [1]).map((r) => {
            const sampling = { ...own, strength: s, guidance: g, guidanceFrom: from, refinerGuidance: r, ...(steps ? { steps } : {}), ...(unrefined ? { refine: false } : {}) };
            const several = (list?: unknown[]) => list !== undefined && list.length > 1;
            const suffix = `${several(strength) ? `@${s}` : ''}${several(guidance) ? `@g${g}` : ''}${several(guidanceFrom) ? `@from-${from}` : ''}${several(refinerGuidances) ? `@rg${r}` : ''}`;
            const system = modelSystem(`${systemName}${suffix}${unrefined ? '@unrefined' : ''}`, model, bytes, sampling);
            models.set(system.name, { model, path: file, sampling });
            return system;
          })),
        ),
      )];
    }
    if (!(BASELINE_NAMES as readonly string[]).includes(name)) throw new RangeError(`--model: Expected one of ${BASELINE_NAMES.join(', ')} or a model .safetensors file or folder but received ${name}`);
    return [BASELINES[name as BaselineName]];
  });
  return { systems, models };
}

async function runEvaluation(options: RunOptions) {
  if (options.split !== 'validation' && options.split !== 'test') throw new RangeError(`--split: Expected validation or test but received ${options.split}`);
  const { systems, models } = evaluationSystems(options.model, options);
  const { data, judge: judgePath } = options.small ? await smallSetup() : { data: options.data, judge: options.judge };
  if (!existsSync(join(data, 'manifest.json'))) throw new Error(`no dataset at ${data}: build one with mst dataset build --out ${data}`);
  if (!existsSync(judgePath)) throw new Error(`no judge at ${judgePath}: train one with mst eval train-judge --data ${data} --out ${judgePath}`);
  const { judge } = loadJudge(judgePath);
  const report = await evaluate(systems, {
    datasetDir: data,
    split: options.split,
    judge,
    groups: options.small ? Math.min(options.groups, 16) : options.groups,
    audioGroups: options.small ? Math.min(options.audioGroups, 4) : options.audioGroups,
    iterations: options.iterations,
    referenceTiles: options.referenceTiles,
    phase: options.phase,
    seed: options.seed,
    ...(options.font ? { font: options.font } : {}),
    ...(options.targetFont ? { targetFont: options.targetFont } : {}),
    inRange: !options.anyRange,
    onProgress: (message) => console.error(message),
  });
  // the seed's own figures, with the loss network the model was trained with (beside it in its run folder)
  for (const system of report.systems) {
    const trained = models.get(system.name);
    const features = trained && join(dirname(trained.path), 'features.safetensors');
    if (!trained || !features || !existsSync(features)) continue;
    const net = loadFeatureNet(features);
    system.seed = [];
    for (const split of ['validation', 'test'] as const) {
      console.error(`${system.name}: the seed's figures on the ${split} split`);
      system.seed.push(await seedFigures(trained.model, net, data, split, options.small ? 16 : options.groups, options.seed, trained.sampling));
    }
    net.dispose();
  }
  return { report, judgePath, systems, datasetDir: data };
}

/** A header line and the overall figures of each system as a Markdown table. */
export function summaryTable(report: EvaluationReport): string {
  const seed = seedTable(report);
  return `${report.groups} ${report.split} pairs (${report.audioGroups} resynthesised in ${report.iterations} Griffin-Lim iterations from ${report.phase === 'input' ? "the content's phase" : 'random phase'}) from ${report.dataset}, content in ${report.font}, targets in ${report.targetFont}\n\n${markdownTable(report)}\n\n${targetTable(report)}${seed ? `\n\n${seed}` : ''}`;
}
