/**
 * `npm run bench`: the engine against its PyTorch twin (bench/twin.py) on the seed's model sizes,
 * in one run on this machine with the same threads and BLAS. Rounds alternate between the two
 * (engine, then PyTorch) so that both see the same machine load; medians are reported.
 *
 * Prints one JSON line per case: {case, engine_median_s, pytorch_median_s, ratio, ...}.
 * Options: --rounds N (default 6), --iterations N per round (default 3), --cases a,b.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { SeedBench } from './seed-model.js';
import { engineInfo } from '../src/engine/index.js';

const CASES = {
  autoencoder_step: (b: SeedBench) => b.autoencoderStep(),
  diffusion_step: (b: SeedBench) => b.diffusionStep(),
  inference_10_steps: (b: SeedBench) => b.inference10Steps(),
} as const;
type CaseName = keyof typeof CASES;

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The PyTorch twin as a child process answering timing requests line by line. */
async function startTwin(threads: number) {
  const child = spawn('/usr/bin/python3', [fileURLToPath(new URL('../../bench/twin.py', import.meta.url))], {
    env: { ...process.env, MST_NUM_THREADS: String(threads) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error('bench: the PyTorch twin exited (is python3-torch installed? run scripts/setup.sh)');
    return JSON.parse(value as string) as Record<string, unknown>;
  };
  const hello = await next();
  return {
    hello,
    async time(name: CaseName, iterations: number): Promise<number[]> {
      child.stdin.write(JSON.stringify({ case: name, iterations }) + '\n');
      return (await next()).seconds as number[];
    },
    close: () => child.stdin.end(),
  };
}

async function main() {
  const rounds = Number(option('rounds', '6'));
  const iterations = Number(option('iterations', '3'));
  const names = option('cases', Object.keys(CASES).join(',')).split(',') as CaseName[];
  const info = engineInfo();
  const twin = await startTwin(info.threads);
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
