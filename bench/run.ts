/**
 * `npm run bench`: the engine against its PyTorch twin (bench/twin.py) on the seed's model sizes,
 * in one run on this machine with the same threads and BLAS. Rounds alternate between the two
 * (engine, then PyTorch) so that both see the same machine load; medians are reported.
 *
 * Prints one JSON line per case: {case, engine_median_s, pytorch_median_s, ratio, ...}.
 * Options: --rounds N (default 10), --iterations N per round (default 3), --cases a,b.
 */
import { SeedBench } from './seed-model.js';
import { engineInfo } from '../src/engine/index.js';
import { startPeer, compareWithPeer, option } from './peer.js';

const CASES = {
  autoencoder_step: (b: SeedBench) => b.autoencoderStep(),
  diffusion_step: (b: SeedBench) => b.diffusionStep(),
  inference_10_steps: (b: SeedBench) => b.inference10Steps(),
} as const;
type CaseName = keyof typeof CASES;

async function main() {
  const rounds = Number(option('rounds', '10'));
  const iterations = Number(option('iterations', '3'));
  const names = option('cases', Object.keys(CASES).join(',')).split(',') as CaseName[];
  const info = engineInfo();
  const twin = await startPeer('twin.py', info.threads);
  const bench = new SeedBench();
  for (const name of names) {
    if (!(name in CASES)) throw new Error(`bench: unknown case ${name}; cases: ${Object.keys(CASES).join(', ')}`);
    const figures = await compareWithPeer(twin, name, () => CASES[name](bench), rounds, iterations);
    console.log(JSON.stringify({ case: name, ...figures, threads: info.threads, torch: info.torchVersion, blas: info.blas.split(',')[0] }));
  }
  twin.close();
}

await main();
