/**
 * `npm run bench`: the engine against its PyTorch twin (bench/twin.py) on the seed's model sizes,
 * in one run on this machine with the same threads and BLAS. Rounds alternate between the two
 * (engine, then PyTorch) so that both see the same machine load; medians are reported.
 *
 * Prints one JSON line per case: {case, engine_median_s, pytorch_median_s, ratio, ...}.
 * Options: --rounds N (default 6), --iterations N per round (default 3), --cases a,b.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { SeedBench } from './seed-model.js';
import { engineInfo } from '../src/engine/index.js';
import { startPeer, median, option } from './peer.js';

const CASES = {
  autoencoder_step: (b: SeedBench) => b.autoencoderStep(),
  diffusion_step: (b: SeedBench) => b.diffusionStep(),
  inference_10_steps: (b: SeedBench) => b.inference10Steps(),
} as const;
type CaseName = keyof typeof CASES;

async function main() {
  const rounds = Number(option('rounds', '6'));
  const iterations = Number(option('iterations', '3'));
  const names = option('cases', Object.keys(CASES).join(',')).split(',') as CaseName[];
  const info = engineInfo();
  const twin = await startPeer('twin.py', info.threads);
  const bench = new SeedBench();
  for (const name of names) {
    if (!(name in CASES)) throw new Error(`bench: unknown case ${name}; cases: ${Object.keys(CASES).join(', ')}`);
    // warm-up: one untimed call each
    CASES[name](bench);
    await twin.time(name, 1);
    const engine: number[] = [];
    const pytorch: number[] = [];
    const roundRatios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const mine: number[] = [];
      for (let i = 0; i < iterations; i++) {
        const start = performance.now();
        CASES[name](bench);
        mine.push((performance.now() - start) / 1000);
        await yieldToEventLoop();
      }
      const theirs = await twin.time(name, iterations);
      roundRatios.push(median(mine) / median(theirs));
      engine.push(...mine);
      pytorch.push(...theirs);
    }
    const e = median(engine);
    const p = median(pytorch);
    // The ratio is the median over rounds of (engine median / PyTorch median) within a round:
    // adjacent rounds share the machine's load, so slow drifts of a shared machine cancel.
    console.log(JSON.stringify({
      case: name,
      engine_median_s: Number(e.toFixed(4)),
      pytorch_median_s: Number(p.toFixed(4)),
      ratio: Number(median(roundRatios).toFixed(3)),
      ratio_of_medians: Number((e / p).toFixed(3)),
      samples: engine.length,
      threads: info.threads,
      torch: info.torchVersion,
      blas: info.blas.split(',')[0],
    }));
  }
  twin.close();
}

await main();
