/**
 * How a few trained judges hear a font's validation renders alone and together: each judge's
 * accuracy, and that of their mean probabilities (an ensemble), on the content and target tiles
 * of every validation group, scored as `mst eval train-judge` scores a judge (scoreJudge).
 * Run: npm run build && node dist/scripts/judge-ensemble.js <judge.safetensors> <judge.safetensors>… [--data=data/full] [--font=fluidr3]
 */
import { loadJudge, scoreJudge, type TileLabeller } from '../src/eval/train-judge.js';
import type { Tensor } from '../src/engine/index.js';

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
const ensemble: TileLabeller = {
  config: { instruments },
  predict: (tiles: Tensor) => judges.map((judge) => judge.forward(tiles).logits.softmax(1)).reduce((sum, p) => sum.add(p)).argmax(1).toArray().map((i) => instruments[Number(i)]!),
};
const [data, font] = [flag('data', 'data/full'), flag('font', 'fluidr3')];
for (const [name, judge] of [...paths.map((path, k) => [path, judges[k]!] as const), [`ensemble of ${paths.length} (mean probabilities)`, ensemble] as const]) {
  const { accuracy, tiles } = await scoreJudge(judge, data, font, 'validation');
  console.log(`${name}: ${accuracy.toFixed(3)} on ${tiles} tiles`);
}
judges.forEach((judge) => judge.dispose());
