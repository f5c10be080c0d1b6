/**
 * `npm run bench`: the engine against its PyTorch twin (bench/twin.py) on the seed's model sizes
 * and the paired model's (paired_step, paired_step_default at mst train's precision here,
 * paired_sampling_8_tiles, refined_sampling_8_tiles through the refined model's refiner, and
 * refiner_8_tiles, the refiner alone),
 * in one run on this machine with the same threads and BLAS. Rounds alternate between the two
 * (engine, then PyTorch) so that both see the same machine load; medians are reported.
 *
 * Each case runs in a fresh pair of processes (this script re-runs itself with one case), so that
 * the heap a training case leaves behind does not weigh on the next case on either side.
 *
 * Prints one JSON line per case: {case, engine_median_s, pytorch_median_s, ratio, processor, ...}.
 * The training steps run in float32; bench/precision.ts times them at the precision mst train
 * chooses on this machine.
 * Options: --rounds N (default 10), --iterations N per round (default 3), --cases a,b,
 * --device cpu|cuda (default cpu; cuda needs an engine built against a CUDA libtorch and
 * MST_PYTHON naming a Python whose torch has CUDA).
 */
import { spawnSync } from 'node:child_process';
import { SeedBench } from './seed-model.js';
import { PhaseBench } from './phases.js';
import { PairedBench, PAIRED_GUIDANCE, REFINED_GUIDANCE, REFINED_GUIDANCE_FROM, REFINED } from './paired-model.js';
import { trainingPrecision } from '../src/train/precision.js';
import { engineInfo, synchronize, describeProcessor, type Device } from '../src/engine/index.js';
import { startPeer, compareWithPeer, option, configureForComparison } from './peer.js';

let phases: PhaseBench | null = null; // built on first use: only the phase cases need it
let paired: PairedBench | null = null; // likewise for the paired model's cases
const CASES = {
  autoencoder_step: (b: SeedBench) => b.autoencoderStep(),
  diffusion_step: (b: SeedBench) => b.diffusionStep(),
  inference_10_steps: (b: SeedBench) => b.inference10Steps(),
  sampling_8_tiles: (b: SeedBench) => b.sampling8Tiles(),
  features_step: (b: SeedBench) => (phases ??= new PhaseBench(b.device)).step('features'),
  phase1_step: (b: SeedBench) => (phases ??= new PhaseBench(b.device)).step('phase1'),
  phase2_step: (b: SeedBench) => (phases ??= new PhaseBench(b.device)).step('phase2'),
  phase1_step_all_items: (b: SeedBench) => (phases ??= new PhaseBench(b.device)).step('phase1_all_items'),
  phase1_step_checkpointed: (b: SeedBench) => (phases ??= new PhaseBench(b.device)).step('phase1_checkpointed'),
  paired_step: (b: SeedBench) => (paired ??= new PairedBench(b.device)).step(false),
  paired_step_default: (b: SeedBench) => {
    const bench = (paired ??= new PairedBench(b.device));
    return bench.step(bench.defaultBf16);
  },
  paired_sampling_8_tiles: (b: SeedBench) => (paired ??= new PairedBench(b.device)).sampling8Tiles(),
  refined_sampling_8_tiles: (b: SeedBench) => (paired ??= new PairedBench(b.device)).sampling8Tiles(true),
  refiner_8_tiles: (b: SeedBench) => (paired ??= new PairedBench(b.device)).refiner8Tiles(),
} as const;
type CaseName = keyof typeof CASES;

/** This script's own command line with `--cases` replaced by one case. */
function argsForOneCase(name: string): string[] {
  const args = process.argv.slice(1);
  const at = args.indexOf('--cases');
  if (at >= 0) args.splice(at, 2);
  return [...process.execArgv, ...args, '--cases', name];
}

async function main() {
  const rounds = Number(option('rounds', '10'));
  const iterations = Number(option('iterations', '3'));
  const device = option('device', 'cpu') as Device;
  const names = option('cases', Object.keys(CASES).join(',')).split(',') as CaseName[];
  for (const name of names) {
    if (!(name in CASES)) throw new Error(`bench: unknown case ${name}; cases: ${Object.keys(CASES).join(', ')}`);
  }
  if (names.length > 1) {
    for (const name of names) {
      const { status } = spawnSync(process.execPath, argsForOneCase(name), { stdio: 'inherit' });
      if (status !== 0) process.exit(status ?? 1);
    }
    return;
  }
  const name = names[0]!;
  configureForComparison();
  const info = engineInfo();
  if (device !== 'cpu' && !info.cudaAvailable) throw new Error(`bench: --device ${device} but libtorch sees no CUDA device`);
  const twin = await startPeer('twin.py', info.threads, {
    MST_DEVICE: device,
    MST_DEFAULT_BF16: trainingPrecision({ bf16: 'auto', device }).bf16 ? '1' : '0',
    MST_PAIRED_GUIDANCE: String(PAIRED_GUIDANCE),
    MST_REFINED_GUIDANCE: String(REFINED_GUIDANCE),
    MST_REFINED_GUIDANCE_FROM: REFINED_GUIDANCE_FROM,
    MST_REFINER: JSON.stringify(REFINED.refiner),
  });
  const bench = new SeedBench(device);
  const figures = await compareWithPeer(twin, name, () => {
    CASES[name](bench);
    synchronize();
  }, rounds, iterations);
  console.log(JSON.stringify({ case: name, device, ...figures, threads: info.threads, torch: info.torchVersion, blas: info.blas.split(',')[0], processor: describeProcessor() }));
  twin.close();
}

await main();
