/**
 * How a few trained judges hear a font's validation renders alone and together: each judge's
 * accuracy, and that of their mean probabilities (an ensemble), on the content and target tiles
 * of every validation group, as `mst eval train-judge` scores them.
 * Run: npm run build && node dist/scripts/judge-ensemble.js <judge.safetensors> <judge.safetensors>… [--data=data/full] [--font=fluidr3]
 */
import { loadJudge } from '../src/eval/train-judge.js';
import { PairLoader, disposeBatch } from '../src/data/loader.js';
import { tidy, cat, type Tensor } from '../src/engine/index.js';

const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const paths = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flag = (name: string, fallback: string) => flags.find((f) => f.startsWith(`--${name}=`))?.slice(`--${name}=`.length) ?? fallback;
const unknown = flags.filter((f) => !/^--(data|font)=/.test(f));
if (unknown.length > 0 || paths.length < 2) {
  console.error(`judge-ensemble: give two judges or more, and only --data=<dir> or --font=<name>${unknown.length ? `, not ${unknown[0]}` : ''}`);
  process.exit(2);
}
const judges = paths.map((path) => loadJudge(path).judge);
const instruments = judges[0]!.config.instruments;
if (judges.some((j) => j.config.instruments.join() !== instruments.join())) throw new RangeError('judge-ensemble: the judges must tell the same instruments apart, in the same order');
const loader = new PairLoader(flag('data', 'data/full'), { split: 'validation', font: flag('font', 'fluidr3'), batchSize: 32, seed: 1, keepLast: true });
const correct = new Array<number>(judges.length + 1).fill(0); // each judge, then the ensemble
let tiles = 0;
for await (const batch of loader.epoch(0)) {
  tidy(() => {
    const truth = [...batch.contentInstrument, ...batch.targetInstrument].map((name) => instruments.indexOf(name));
    const probabilities = judges.map((judge) => judge.forward(cat([batch.content, batch.target], 0)).logits.softmax(1)); // [B, instruments]
    const heard = (p: Tensor) => p.argmax(1).toArray().map(Number);
    [...probabilities, probabilities.reduce((sum, p) => sum.add(p))].forEach((p, k) => {
      correct[k]! += heard(p).filter((label, i) => label === truth[i]).length;
    });
    tiles += truth.length;
  });
  disposeBatch(batch);
}
judges.forEach((judge) => judge.dispose());
paths.forEach((path, k) => console.log(`${path}: ${(correct[k]! / tiles).toFixed(3)}`));
console.log(`ensemble of ${paths.length} (mean probabilities): ${(correct.at(-1)! / tiles).toFixed(3)} on ${tiles} tiles`);
