/**
 * `mst eval …`: the evaluation's judges and runs.
 */
import { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import cliProgress from 'cli-progress';
import { existsSync } from 'node:fs';
import { trainJudge, saveJudge, loadJudge, type JudgeScore } from '../eval/train-judge.js';
import { evaluate, type EvaluationReport } from '../eval/evaluate.js';
import { BASELINES, type TransferSystem } from '../eval/baselines.js';
import { writeFileAtomic } from '../engine/safetensors.js';

/** A confusion matrix as aligned text, rows = true instrument, columns = the judge's label. */
export function confusionTable(instruments: string[], score: JudgeScore): string {
  const width = Math.max(6, ...instruments.map((n) => n.length)) + 1;
  const head = ''.padEnd(width) + instruments.map((n) => n.slice(0, 5).padStart(6)).join('');
  const rows = instruments.map((name, i) => name.padEnd(width) + score.confusion[i]!.map((c) => String(c).padStart(6)).join(''));
  return [head, ...rows].join('\n');
}

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
    .description("train the instrument judge on the held-out SoundFont's training renders; print its validation accuracy")
    .option('--data <dir>', 'a built dataset', join('data', 'full'))
    .option('--out <file>', 'where to write the judge', join('models', 'judge', 'judge.safetensors'))
    .option('--steps <n>', 'optimiser steps', positiveInteger('steps'), 3000)
    .option('--batch <n>', 'tile groups per step (3 tiles each)', positiveInteger('batch'), 32)
    .option('--seed <n>', 'seed of the initialisation and the data order', Number, 0)
    .option('--json', 'print the report as JSON')
    .action(async (options: { data: string; out: string; steps: number; batch: number; seed: number; json?: boolean }) => {
      const bar = process.stderr.isTTY
        ? new cliProgress.SingleBar({ format: 'judge {bar} {value}/{total} steps | loss {loss} | ETA {eta_formatted}', stream: process.stderr }, cliProgress.Presets.shades_classic)
        : null;
      bar?.start(options.steps, 0, { loss: '-' });
      const { judge, report } = await trainJudge({
        datasetDir: options.data,
        steps: options.steps,
        batchSize: options.batch,
        seed: options.seed,
        onStep: (step, steps, loss) => {
          bar?.update(step, { loss: loss.toFixed(3) });
          // without a terminal (a log file), a line now and then
          if (!bar && (step % 100 === 0 || step === steps)) console.error(`judge step ${step}/${steps} loss ${loss.toFixed(3)}`);
        },
      });
      bar?.stop();
      mkdirSync(dirname(options.out), { recursive: true });
      saveJudge(options.out, judge, report);
      writeFileAtomic(options.out.replace(/\.safetensors$/, '') + '.json', [Buffer.from(JSON.stringify(report, null, 2) + '\n')]);
      if (options.json) {
        console.log(JSON.stringify(report));
        return;
      }
      console.log(`trained on ${report.trainedOn.font} (${report.trainedOn.split}) for ${report.trainedOn.steps} steps in ${report.trainedOn.seconds.toFixed(0)} s → ${options.out}`);
      for (const score of report.scores) {
        console.log(`\n${score.font} ${score.split}: accuracy ${score.accuracy.toFixed(3)} on ${score.tiles} tiles`);
        console.log(confusionTable(report.instruments, score));
      }
    });
  evaluation
    .command('run')
    .description('score systems on the test pairs: ground truth, judged style, transcribed content, cost')
    .option('--model <names>', `systems to score, comma-separated: ${Object.keys(BASELINES).join(', ')}`, Object.keys(BASELINES).join(','))
    .option('--data <dir>', 'a built dataset', join('data', 'full'))
    .option('--judge <file>', 'the instrument judge (mst eval train-judge)', join('models', 'judge', 'judge.safetensors'))
    .option('--split <name>', 'validation or test', 'test')
    .option('--groups <n>', 'test pairs per system', positiveInteger('groups'), 256)
    .option('--audio-groups <n>', 'of those, resynthesised and transcribed', positiveInteger('audio-groups'), 48)
    .option('--seed <n>', 'seed of the pair draw', Number, 0)
    .option('--json', 'print every figure as one JSON object')
    .action(async (options: { model: string; data: string; judge: string; split: string; groups: number; audioGroups: number; seed: number; json?: boolean }) => {
      if (options.split !== 'validation' && options.split !== 'test') throw new RangeError(`--split: Expected validation or test but received ${options.split}`);
      const systems: TransferSystem[] = options.model.split(',').map((name) => {
        const system = BASELINES[name];
        if (!system) throw new RangeError(`--model: Expected one of ${Object.keys(BASELINES).join(', ')} but received ${name}`);
        return system;
      });
      if (!existsSync(options.judge)) throw new Error(`no judge at ${options.judge}: train one with mst eval train-judge --data ${options.data} --out ${options.judge}`);
      const { judge } = loadJudge(options.judge);
      const report = await evaluate(systems, {
        datasetDir: options.data,
        split: options.split,
        judge,
        groups: options.groups,
        audioGroups: options.audioGroups,
        seed: options.seed,
        onProgress: (message) => console.error(message),
      });
      console.log(options.json ? JSON.stringify({ ...report, judgeFile: options.judge }) : summaryTable(report));
    });
  return evaluation;
}

/** The overall figures of each system as a Markdown table. */
export function summaryTable(report: EvaluationReport): string {
  const columns: [string, (s: EvaluationReport['systems'][number]['overall']) => string][] = [
    ['MSE', (o) => o.mse.toFixed(4)],
    ['mel LSD dB', (o) => o.melLsdDb.toFixed(2)],
    ['resynth LSD dB', (o) => o.resynthMelLsdDb.toFixed(2)],
    ['style acc.', (o) => o.styleAccuracy.toFixed(3)],
    ['Fréchet (judge)', (o) => o.frechetJudgeDistance.toFixed(2)],
    ['onset F1 50 ms', (o) => o.contentF1At50ms.toFixed(3)],
    ['onset F1 100 ms', (o) => o.contentF1At100ms.toFixed(3)],
    ['pitch-class dist.', (o) => o.pitchClassDistance.toFixed(3)],
    ['chroma sim.', (o) => o.chromaSimilarity.toFixed(3)],
    ['s / tile', (o) => o.secondsPerTile.toExponential(2)],
  ];
  const lines = [
    `${report.groups} ${report.split} pairs (${report.audioGroups} resynthesised) from ${report.dataset}, font ${report.font}`,
    '',
    `| system | ${columns.map(([name]) => name).join(' | ')} |`,
    `|---|${columns.map(() => '---').join('|')}|`,
    ...report.systems.map((s) => `| ${s.name} | ${columns.map(([, f]) => f(s.overall)).join(' | ')} |`),
  ];
  return lines.join('\n');
}
