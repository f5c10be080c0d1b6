/**
 * `npm run bench:precision`: one training step of each phase (the feature network, phase 1,
 * phase 2; PhaseBench's batch of 8 groups) at the precision `mst train` chooses on this machine
 * (bf16 autocast where the processor runs bf16 natively, float32 elsewhere: src/train/precision.ts)
 * and in float32, beside the PyTorch twin doing the same (bench/twin.py's <phase>_step and
 * <phase>_step_default). The variants alternate within each round, in one process per phase, so
 * that the ratio default/float32 is taken under the same machine load on both sides.
 *
 * Prints one JSON line per phase: the chosen precision and why, the median step of each variant
 * here and in the twin, the per-round medians of default/float32, and the processor.
 * Options: --rounds N (default 8), --iterations N per round (default 2), --phases a,b,
 * --device cpu|cuda, --forced-bf16 (also time bf16 forced, as --bf16=true: what the default
 * avoids where bf16 is not native; slow there, by design).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { engineInfo, synchronize, describeProcessor, type Device } from '../src/engine/index.js';
import { trainingPrecision } from '../src/train/precision.js';
import { PhaseBench, type PhaseVariant } from './phases.js';
import { startPeer, median, option, configureForComparison } from './peer.js';

const PHASES = ['features', 'phase1', 'phase2'] as const satisfies readonly PhaseVariant[];
type Phase = (typeof PHASES)[number];
/**
 * Settings that hold libraries below this processor's instructions, to stand in for another
 * processor (ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 OPENBLAS_CORETYPE=Haswell: an
 * AVX2-only one); printed with the figures when set.
 */
const limits = Object.fromEntries(['ONEDNN_MAX_CPU_ISA', 'DNNL_MAX_CPU_ISA', 'ATEN_CPU_CAPABILITY', 'OPENBLAS_CORETYPE'].flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : [])));

const rounds = Number(option('rounds', '8'));
const iterations = Number(option('iterations', '2'));
const device = option('device', 'cpu') as Device;
configureForComparison();
const forced = process.argv.includes('--forced-bf16');
const phases = option('phases', PHASES.join(',')).split(',') as Phase[];
for (const phase of phases) if (!PHASES.includes(phase)) throw new Error(`bench:precision: unknown phase ${phase}; phases: ${PHASES.join(', ')}`);

async function measure(phase: Phase): Promise<void> {
  const precision = trainingPrecision({ bf16: 'auto', device });
  const twin = await startPeer('twin.py', engineInfo().threads, { MST_DEVICE: device, MST_DEFAULT_BF16: precision.bf16 ? '1' : '0' });
  // engine variant, twin case
  const variants = [
    ['float32', new PhaseBench(device, false), `${phase}_step`],
    ['default', new PhaseBench(device, precision.bf16), `${phase}_step_default`],
    ...(forced ? [['bf16', new PhaseBench(device, true), `${phase}_step_bf16`] as const] : []),
  ] as const;
  const engine = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  const pytorch = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  const ratios = { engine: [] as number[], pytorch: [] as number[] };
  for (const [, bench, twinCase] of variants) {
    // warm-up: the first steps grow the heap and pay for fresh pages (more so beside another variant)
    for (let i = 0; i < 2; i++) bench.step(phase);
    await twin.time(twinCase, 2);
  }
  for (let r = 0; r < rounds; r++) {
    const round = { engine: {} as Record<string, number>, pytorch: {} as Record<string, number> };
    for (const [name, bench, twinCase] of variants) {
      const mine: number[] = [];
      for (let i = 0; i < iterations; i++) {
        const start = performance.now();
        bench.step(phase);
        synchronize();
        mine.push((performance.now() - start) / 1000);
        await yieldToEventLoop(); // let Node-API finish freeing handles
      }
      const theirs = await twin.time(twinCase, iterations);
      engine.get(name)!.push(...mine);
      pytorch.get(name)!.push(...theirs);
      round.engine[name] = median(mine);
      round.pytorch[name] = median(theirs);
    }
    ratios.engine.push(round.engine.default! / round.engine.float32!);
    ratios.pytorch.push(round.pytorch.default! / round.pytorch.float32!);
  }
  twin.close();
  const seconds = (m: Map<string, number[]>) => Object.fromEntries([...m].map(([name, xs]) => [name, Number(median(xs).toFixed(4))]));
  console.log(JSON.stringify({
    case: `${phase}_step_precision`,
    device,
    default_precision: precision.bf16 ? 'bf16' : 'float32',
    reason: precision.reason,
    engine_s: seconds(engine),
    pytorch_s: seconds(pytorch),
    engine_default_over_float32: Number(median(ratios.engine).toFixed(3)),
    pytorch_default_over_float32: Number(median(ratios.pytorch).toFixed(3)),
    samples: rounds * iterations,
    processor: describeProcessor(),
    ...(Object.keys(limits).length ? { limits } : {}),
  }));
}

if (phases.length > 1) {
  // one process per phase, so that one phase's heap does not weigh on the next
  const self = fileURLToPath(import.meta.url);
  const args = process.argv.slice(2).filter((a, i, all) => a !== '--phases' && all[i - 1] !== '--phases');
  for (const phase of phases) {
    const { status } = spawnSync(process.execPath, [...process.execArgv, self, ...args, '--phases', phase], { stdio: 'inherit' });
    if (status !== 0) process.exit(status ?? 1);
  }
} else {
  await measure(phases[0]!);
}
