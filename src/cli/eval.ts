/**
 * `mst eval …`: the evaluation's judges and runs.
 */
import { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import cliProgress from 'cli-progress';
import { trainJudge, saveJudge, type JudgeScore } from '../eval/train-judge.js';
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
        onStep: (step, _steps, loss) => bar?.update(step, { loss: loss.toFixed(3) }),
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
  return evaluation;
}
