/**
 * `mst eval …`: the evaluation's judges and runs. The commands are declared here; what they do is
 * in eval-actions.ts, loaded when one runs, so that the engine does not load for mst --help.
 */
import { Command, Option } from 'commander';
import { join } from 'node:path';
import { JUDGE_SETS } from '../data/fonts.js';
import { BASELINE_NAMES, DEFAULT_EXAMPLES, DEFAULT_JUDGE_FILE, JUDGE_VIEW_NAMES } from '../eval/choices.js';
import type * as actions from './eval-actions.js';
import { choiceListOf, numberIn, numberListIn, positiveInteger } from './options.js';
import { GUIDANCE_FROM } from '../model/guidance-from.js';
import { VOCODER_PHASES } from '../audio/vocoder-phase.js';

const loadActions = () => import('./eval-actions.js');
const GUIDANCE_FROM_HELP = `what the paired models' guidance steers away from: ${GUIDANCE_FROM.join(' (no style) or ')} (the content's own timbre), comma-separated for one system per value (name@from-<value>); default: each model's own`;

export function evalCommand(): Command {
  const evaluation = new Command('eval').description('judge style transfer: the instrument judge, metrics and baselines');
  evaluation
    .command('train-judge')
    .description("train the instrument judge on every sound set's training renders but the model's own (FluidR3); print its validation accuracy per set; run it again to resume")
    .option('--data <dirs>', "built datasets, comma-separated: the judge's corpora (mst dataset build --config judge-<set> --out data/judge/<set>; with --programVariants=true, a second corpus of the set where each instrument plays its kin programs) and the paired dataset, whose FluidR3 renders it is scored on but never trains on", [...JUDGE_SETS.map((set) => join('data', 'judge', set)), join('data', 'full')].join(','))
    .option('--out <file>', "where to write the judge (README.md beside it is the card of that folder's judge.safetensors)", DEFAULT_JUDGE_FILE)
    .addOption(new Option('--view <view>', 'how the network hears its tiles: centred (without their long-term spectrum) or raw; a panel of both (eval join-judges) hears best').choices(JUDGE_VIEW_NAMES).default('centred'))
    .option('--mixStatistics <share>', "share of training batches whose tiles exchange part of their features' statistics over time (MixStyle: a tile keeps its notes and takes on another set's colour; it heard FluidR3 worse, judge.ts)", numberIn(0, 1), 0)
    .option('--without <set>', "leave this sound set out of training too, to measure how the judge hears a set it never heard (default --out: without-<set>.safetensors beside the judge, whose card gains the figure)")
    .option('--steps <n>', 'optimiser steps', positiveInteger, 3000)
    .option('--batch <n>', 'tile groups per step (3 tiles each)', positiveInteger, 32)
    .option('--seed <n>', 'seed of the initialisation and the data order', numberIn(0, 2 ** 31 - 1, true), 0)
    .option('--json', 'print the report as JSON')
    .action(async (...args: Parameters<typeof actions.trainJudgeAction>) => (await loadActions()).trainJudgeAction(...args));
  evaluation
    .command('join-judges')
    .description('make one judge of several trained networks (mean probabilities; a centred and a raw network hear an unknown synth better than either); score it on the validation renders of --data; write it with its report and card')
    .argument('<judges...>', 'judges written by mst eval train-judge, two or more')
    .requiredOption('--out <file>', `where to write the panel (the shipped judge is ${DEFAULT_JUDGE_FILE})`)
    .option('--data <dirs>', 'built datasets to score it on, comma-separated', [...JUDGE_SETS.map((set) => join('data', 'judge', set)), join('data', 'full')].join(','))
    .action(async (...args: Parameters<typeof actions.joinJudgesAction>) => (await loadActions()).joinJudgesAction(...args));
  evaluation
    .command('score-judge')
    .description("score a trained judge on the validation renders of sets its report lacks (a corpus built after it was trained, or FluidR3 in data/full); its report and card are rewritten")
    .option('--judge <file>', 'the judge', DEFAULT_JUDGE_FILE)
    .option('--data <dirs>', 'built datasets, comma-separated', join('data', 'full'))
    .action(async (...args: Parameters<typeof actions.scoreJudgeAction>) => (await loadActions()).scoreJudgeAction(...args));
  evaluation
    .command('classify')
    .description('the instrument the judge hears in each audio file, with its probabilities (any length, any format mst reads)')
    .argument('<audio...>', 'audio files')
    .option('--judge <file>', 'the instrument judge', DEFAULT_JUDGE_FILE)
    .option('--json', 'one JSON object per file and line: {"file", "instrument", "probabilities": {name: p}}')
    .action(async (...args: Parameters<typeof actions.classifyAction>) => (await loadActions()).classifyAction(...args));
  evaluation
    .command('reconstruction')
    .description("the autoencoder's figures alone (reconstruction MSE, perceptual, latent penalty) of trained models, with the loss network beside each")
    .option('--model <files>', 'model .safetensors files from mst train (autoencoder.safetensors or model.safetensors), comma-separated', join('runs', 'seed', 'model.safetensors'))
    .option('--data <dir>', 'a built dataset', join('data', 'full'))
    .option('--split <name>', 'validation or test', 'test')
    .option('--groups <n>', 'tile groups (2 tiles each)', positiveInteger, 256)
    .option('--json', 'print the figures as JSON')
    .action(async (...args: Parameters<typeof actions.reconstructionAction>) => (await loadActions()).reconstructionAction(...args));
  evaluation
    .command('unseen')
    .description("give systems references of instruments no training data plays (an oboe, a horn): how often the output's judge embedding is nearer the reference's than the content's")
    .option('--model <names>', `systems, comma-separated: ${BASELINE_NAMES.join(', ')}, or model files or folders`, ['identity', 'envelope', 'seed', 'default'].join(','))
    .option('--data <dir>', 'the paired dataset the content tiles come from (test split)', join('data', 'full'))
    .option('--unseen <dir>', 'the references (mst dataset build --config unseen --splits test)', join('data', 'unseen'))
    .option('--judge <file>', 'the instrument judge', DEFAULT_JUDGE_FILE)
    .option('--groups <n>', 'content tiles per system', positiveInteger, 128)
    .option('--seed <n>', 'seed of the draw', numberIn(0, 2 ** 31 - 1, true), 0)
    .option('--reference-font <name>', 'the references\' sound set: the unseen dataset\'s own (fluidr3) or its held-out one (timgm6mb)')
    .option('--guidance <values>', "the trained models' style guidance, comma-separated for one system per value", numberListIn(0, 100))
    .option('--guidance-from <values>', GUIDANCE_FROM_HELP, choiceListOf(GUIDANCE_FROM))
    .option('--json', 'print the report as JSON')
    .action(async (...args: Parameters<typeof actions.unseenAction>) => (await loadActions()).unseenAction(...args));
  withRunOptions(evaluation.command('run'))
    .description('score systems on the test pairs: ground truth, judged style, transcribed content, cost')
    .option('--json', 'print every figure as one JSON object')
    .action(async (...args: Parameters<typeof actions.runAction>) => (await loadActions()).runAction(...args));
  withRunOptions(evaluation.command('report'))
    .description('run the evaluation and write a Markdown + HTML report with figures and audio examples')
    .option('--out <dir>', 'where to write the report', join('reports', 'eval'))
    .option('--examples <pairs>', 'worked examples as content:target pairs', DEFAULT_EXAMPLES.map((p) => p.join(':')).join(','))
    .action(async (...args: Parameters<typeof actions.reportAction>) => (await loadActions()).reportAction(...args));
  return evaluation;
}


function withRunOptions(command: Command): Command {
  return command
    .option('--model <names>', `systems to score, comma-separated: ${BASELINE_NAMES.join(', ')}, or model .safetensors files (mst train) or folders (models/default)`, BASELINE_NAMES.join(','))
    .option('--data <dir>', 'a built dataset', join('data', 'full'))
    .option('--judge <file>', 'the instrument judge (mst eval train-judge)', DEFAULT_JUDGE_FILE)
    .option('--split <name>', 'validation or test', 'test')
    .option('--groups <n>', 'test pairs per system', positiveInteger, 256)
    .option('--audio-groups <n>', 'of those, resynthesised and transcribed', positiveInteger, 48)
    .option('--iterations <n>', "Griffin-Lim iterations of every resynthesis (as mst transfer's --iterations)", numberIn(1, 1000, true), 32)
    .addOption(new Option('--phase <start>', "where the outputs' resynthesis starts its phase: the content's (as mst transfer starts from its input's) or random").choices([...VOCODER_PHASES]).default('input'))
    .option('--reference-tiles <n>', 'tiles of each style reference: the drawn tile and those after it in its piece, read by the models as one clip', numberIn(1, 16, true), 1)
    .option('--seed <n>', 'seed of the pair draw', numberIn(0, 2 ** 31 - 1, true), 0)
    .option('--font <name>', 'SoundFont of the content: the held-out one (e.g. timgm6mb) for content in a sound the model never read')
    .option('--target-font <name>', "SoundFont of the style references and targets: the held-out one (e.g. timgm6mb) for sounds the model never heard")
    .option('--any-range', 'draw instrument pairs regardless of whether their ranges hold the notes')
    .option('--small', 'a quick check: the small dataset (built if missing), a briefly trained judge, 16 pairs')
    .option('--strength <values>', "the trained models' sampling strength, comma-separated for one system per value (name@strength); default: each model's own", numberListIn(0.001, 1))
    .option('--guidance <values>', "the trained models' style guidance, comma-separated for one system per value (name@g<value>); default: each model's own", numberListIn(0, 100))
    .option('--guidance-from <values>', GUIDANCE_FROM_HELP, choiceListOf(GUIDANCE_FROM))
    .option('--steps <n>', "the trained models' DDIM steps; default: each model's own", positiveInteger)
    .option('--refiner-guidance <values>', "style guidance of the trained models' refiners that read the reference, from the content's own style, comma-separated for one system per value (name@rg<value>); default 1 (none)", numberListIn(0, 100))
    .option('--no-refine', "score the trained models' decoded transfers without their content refiner, where they have one (name@unrefined): what the refiner adds")
    .option('--autoencoded', "score each trained model's autoencoder on the true targets too (name@autoencoded): the best its latents can give before a refiner");
}
