/**
 * `mst eval …`: the evaluation's judges and runs.
 */
import { Command } from 'commander';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import cliProgress from 'cli-progress';
import { trainJudge, saveJudge, loadJudge, scoreOnMore } from '../eval/train-judge.js';
import { classifyFile } from '../eval/classify.js';
import { confusionTable, reportPathOf, writeJudgeCard } from '../eval/judge-card.js';
import { evaluate, type EvaluationReport } from '../eval/evaluate.js';
import { BASELINES, modelSystem, type TransferSystem } from '../eval/baselines.js';
import { loadLatentDiffusion } from '../model/load.js';
import type { LatentDiffusion } from '../model/ldm.js';
import type { DdimOptions } from '../model/ddim.js';
import { loadFeatureNet } from '../model/vggish.js';
import { seedFigures, type SeedFigures } from '../eval/seed-figures.js';
import { transferExamples, writeReport, markdownTable, seedTable, DEFAULT_EXAMPLES } from '../eval/report.js';
import { buildDataset } from '../data/build.js';
import { DATASET_CONFIGS } from '../data/config.js';
import { JUDGE_SETS } from '../data/fonts.js';
import { readManifest } from '../data/loader.js';
import { writeFileAtomic } from '../engine/files.js';

/** A confusion matrix as aligned text, rows = true instrument, columns = the judge's label. */
function positiveInteger(name: string) {
  return (raw: string) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`--${name}: Expected a positive integer but received ${raw}`);
    return n;
  };
}

export function evalCommand(): Command {
  const evaluation = new Command('eval').description('judge style transfer: the instrument judge, metrics and baselines');
  evaluation
    .command('train-judge')
    .description("train the instrument judge on every sound set's training renders but the model's own (FluidR3); print its validation accuracy per set; run it again to resume")
    .option('--data <dirs>', "built datasets, comma-separated: the judge's corpora (mst dataset build --config judge-<set> --out data/judge/<set>) and the paired dataset, whose FluidR3 renders it is scored on but never trains on", [...JUDGE_SETS.map((set) => join('data', 'judge', set)), join('data', 'full')].join(','))
    .option('--out <file>', 'where to write the judge (a card, README.md, is written beside it)', join('models', 'judge', 'judge.safetensors'))
    .option('--without <set>', "leave this sound set out of training too, to measure how the judge hears a set it never heard (default --out: without-<set>.safetensors beside the judge, whose card gains the figure)")
    .option('--steps <n>', 'optimiser steps', positiveInteger('steps'), 3000)
    .option('--batch <n>', 'tile groups per step (3 tiles each)', positiveInteger('batch'), 32)
    .option('--seed <n>', 'seed of the initialisation and the data order', Number, 0)
    .option('--json', 'print the report as JSON')
    .action(async (options: { data: string; out: string; without?: string; steps: number; batch: number; seed: number; json?: boolean }, command: Command) => {
      const judgePath = options.out;
      if (options.without && command.getOptionValueSource('out') === 'default') options.out = join(dirname(judgePath), `without-${options.without}.safetensors`);
      const bar = process.stderr.isTTY
        ? new cliProgress.SingleBar({ format: 'judge {bar} {value}/{total} steps | loss {loss} | ETA {eta_formatted}', stream: process.stderr }, cliProgress.Presets.shades_classic)
        : null;
      bar?.start(options.steps, 0, { loss: '-' });
      mkdirSync(dirname(options.out), { recursive: true }); // the training state is saved beside it as it goes
      const { judge, report } = await trainJudge({
        datasets: options.data.split(','),
        ...(options.without ? { without: options.without } : {}),
        steps: options.steps,
        statePath: options.out.replace(/\.safetensors$/, '') + '.state.safetensors', // run the command again to resume
        log: (message) => console.error(message),
        batchSize: options.batch,
        seed: options.seed,
        onStep: (step, steps, loss) => {
          bar?.update(step, { loss: loss.toFixed(3) });
          // without a terminal (a log file), a line now and then
          if (!bar && (step % 100 === 0 || step === steps)) console.error(`judge step ${step}/${steps} loss ${loss.toFixed(3)}`);
        },
      });
      bar?.stop();
      saveJudge(options.out, judge, report);
      judge.dispose();
      writeFileAtomic(reportPathOf(options.out), [Buffer.from(JSON.stringify(report, null, 2) + '\n')]);
      // the card of the judge itself, which a judge trained without one set adds a row to
      const card = options.without && existsSync(reportPathOf(judgePath)) ? writeJudgeCard(judgePath) : options.without ? null : writeJudgeCard(options.out);
      if (options.json) {
        console.log(JSON.stringify(report));
        return;
      }
      console.log(`trained on ${report.trainedOn.fonts.join(', ')} (${report.trainedOn.split}) for ${report.trainedOn.steps} steps in ${report.trainedOn.seconds.toFixed(0)} s → ${options.out}${card ? `; its card: ${card}` : ''}`);
      for (const score of report.scores) {
        console.log(`\n${score.font} ${score.split}${score.dataset ? ` (${score.dataset})` : ''}: accuracy ${score.accuracy.toFixed(3)} on ${score.tiles} tiles`);
        console.log(confusionTable(report.instruments, score));
      }
    });
  evaluation
    .command('score-judge')
    .description("score a trained judge on the validation renders of sets its report lacks (a corpus built after it was trained, or FluidR3 in data/full); its report and card are rewritten")
    .option('--judge <file>', 'the judge', join('models', 'judge', 'judge.safetensors'))
    .option('--data <dirs>', 'built datasets, comma-separated', join('data', 'full'))
    .action(async (options: { judge: string; data: string }) => {
      if (!existsSync(options.judge)) throw new Error(`no judge at ${options.judge}: give one with --judge, or train one with mst eval train-judge --out ${options.judge}`);
      const { judge, report } = loadJudge(options.judge);
      if (!report) throw new Error(`${options.judge} holds no training report (not saved by mst eval train-judge); train it again`);
      const before = new Set(report.scores.map((s) => s.font));
      const scored = await scoreOnMore(judge, report, options.data.split(','));
      saveJudge(options.judge, judge, scored);
      judge.dispose();
      writeFileAtomic(reportPathOf(options.judge), [Buffer.from(JSON.stringify(scored, null, 2) + '\n')]);
      const mainJudge = join(dirname(options.judge), 'judge.safetensors');
      const card = existsSync(reportPathOf(mainJudge)) ? writeJudgeCard(mainJudge) : null;
      const added = scored.scores.filter((s) => !before.has(s.font));
      if (added.length === 0) console.log(`${options.judge}: already scored on every font of ${options.data}`);
      for (const score of added) {
        console.log(`\n${score.font} ${score.split} (${score.dataset}): accuracy ${score.accuracy.toFixed(3)} on ${score.tiles} tiles`);
        console.log(confusionTable(scored.instruments, score));
      }
      if (card) console.log(`\nits card: ${card}`);
    });
  evaluation
    .command('classify')
    .description('the instrument the judge hears in each audio file, with its probabilities (any length, any format mst reads)')
    .argument('<audio...>', 'audio files')
    .option('--judge <file>', 'the instrument judge', join('models', 'judge', 'judge.safetensors'))
    .option('--json', 'one JSON object per file and line: {"file", "instrument", "probabilities": {name: p}}')
    .action(async (files: string[], options: { judge: string; json?: boolean }) => {
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
    });
  evaluation
    .command('reconstruction')
    .description("the autoencoder's figures alone (reconstruction MSE, perceptual, latent penalty) of trained models, with the loss network beside each")
    .option('--model <files>', 'model .safetensors files from mst train (autoencoder.safetensors or model.safetensors), comma-separated', join('runs', 'seed', 'model.safetensors'))
    .option('--data <dir>', 'a built dataset', join('data', 'full'))
    .option('--split <name>', 'validation or test', 'test')
    .option('--groups <n>', 'tile groups (2 tiles each)', positiveInteger('groups'), 256)
    .option('--json', 'print the figures as JSON')
    .action(async (options: { model: string; data: string; split: string; groups: number; json?: boolean }) => {
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
    });
  withRunOptions(evaluation.command('run'))
    .description('score systems on the test pairs: ground truth, judged style, transcribed content, cost')
    .option('--json', 'print every figure as one JSON object')
    .action(async (options: RunOptions & { json?: boolean }) => {
      const { report, judgePath } = await runEvaluation(options);
      console.log(options.json ? JSON.stringify({ ...report, judgeFile: judgePath }) : summaryTable(report));
    });
  withRunOptions(evaluation.command('report'))
    .description('run the evaluation and write a Markdown + HTML report with figures and audio examples')
    .option('--out <dir>', 'where to write the report', join('reports', 'eval'))
    .option('--examples <pairs>', 'worked examples as content:target pairs', DEFAULT_EXAMPLES.map((p) => p.join(':')).join(','))
    .action(async (options: RunOptions & { out: string; examples: string }) => {
      const pairs = options.examples.split(',').map((p) => p.split(':') as [string, string]);
      const { report, judgePath, systems, datasetDir } = await runEvaluation(options);
      const examples = await transferExamples(systems, datasetDir, pairs.filter(([c, t]) => report.judge.instruments.includes(c) && report.judge.instruments.includes(t)), { split: report.split, targetFont: report.targetFont });
      const command = ['mst eval report', ...process.argv.slice(4)].join(' ');
      writeReport(options.out, report, examples, readManifest(datasetDir).config.analysis, { command, judge: judgePath });
      console.log(`wrote ${join(options.out, 'report.md')} and report.html`);
    });
  return evaluation;
}

interface RunOptions {
  model: string;
  data: string;
  judge: string;
  split: string;
  groups: number;
  audioGroups: number;
  seed: number;
  targetFont?: string;
  anyRange?: boolean;
  small?: boolean;
  strength?: number[];
  steps?: number;
}

function withRunOptions(command: Command): Command {
  return command
    .option('--model <names>', `systems to score, comma-separated: ${Object.keys(BASELINES).join(', ')}, or model .safetensors files (mst train) or folders (models/default)`, Object.keys(BASELINES).join(','))
    .option('--data <dir>', 'a built dataset', join('data', 'full'))
    .option('--judge <file>', 'the instrument judge (mst eval train-judge)', join('models', 'judge', 'judge.safetensors'))
    .option('--split <name>', 'validation or test', 'test')
    .option('--groups <n>', 'test pairs per system', positiveInteger('groups'), 256)
    .option('--audio-groups <n>', 'of those, resynthesised and transcribed', positiveInteger('audio-groups'), 48)
    .option('--seed <n>', 'seed of the pair draw', Number, 0)
    .option('--target-font <name>', "SoundFont of the style references and targets: the held-out one (e.g. timgm6mb) for sounds the model never heard")
    .option('--any-range', 'draw instrument pairs regardless of whether their ranges hold the notes')
    .option('--small', 'a quick check: the small dataset (built if missing), a briefly trained judge, 16 pairs')
    .option('--strength <values>', "the trained models' sampling strength, comma-separated for one system per value (name@strength); default: each model's own", strengthList)
    .option('--steps <n>', "the trained models' DDIM steps; default: each model's own", positiveInteger('steps'));
}

/** `--strength 0.3,0.5`: values in (0, 1]. */
function strengthList(value: string): number[] {
  const values = value.split(',').map(Number);
  const bad = values.find((v) => !(v > 0 && v <= 1));
  if (bad !== undefined) throw new RangeError(`--strength: Expected values in (0, 1], comma-separated, but received ${value}`);
  return values;
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
  sampling: DdimOptions;
}

/**
 * The systems `--model` names, comma-separated: baselines by name, and trained models (a
 * .safetensors file or a model folder) at their own sampling settings, or once per `strength`
 * (named name@strength when there are several) and at `steps` when given.
 */
export function evaluationSystems(names: string, { strength, steps }: { strength?: number[]; steps?: number } = {}): { systems: TransferSystem[]; models: Map<string, TrainedSystem> } {
  const models = new Map<string, TrainedSystem>();
  const systems = names.split(',').flatMap((name): TransferSystem[] => {
    const folderWeights = join(name, 'model.safetensors');
    if (name.endsWith('.safetensors') || existsSync(folderWeights)) {
      const file = name.endsWith('.safetensors') ? name : folderWeights; // a model file or a model folder (models/default)
      const model = loadLatentDiffusion(file);
      const [systemName, bytes] = [basename(dirname(file)) || file, statSync(file).size];
      return (strength ?? [model.config.sampling.strength]).map((s) => {
        const sampling = { ...model.config.sampling, strength: s, ...(steps ? { steps } : {}) };
        const system = modelSystem(strength && strength.length > 1 ? `${systemName}@${s}` : systemName, model, bytes, sampling);
        models.set(system.name, { model, path: file, sampling });
        return system;
      });
    }
    const system = BASELINES[name];
    if (!system) throw new RangeError(`--model: Expected one of ${Object.keys(BASELINES).join(', ')} or a model .safetensors file or folder but received ${name}`);
    return [system];
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
    seed: options.seed,
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
  return `${report.groups} ${report.split} pairs (${report.audioGroups} resynthesised) from ${report.dataset}, content in ${report.font}, targets in ${report.targetFont}\n\n${markdownTable(report)}${seed ? `\n\n${seed}` : ''}`;
}
