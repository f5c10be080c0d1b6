/**
 * Helpers shared by the benchmarks: the Python peer process (Debian's python3-torch) that
 * answers timing requests line by line, command-line options, medians and a process's own peak
 * memory.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pythonWithTorch } from '../src/testing/helpers.js';
import { availableParallelism } from 'node:os';
import { configure, settingsFromEnvironment, MALLOC_MMAP_THRESHOLD, MALLOC_TRIM_THRESHOLD } from '../src/engine/configure.js';

/**
 * glibc's allocator set in the peer as configure() sets it in the engine's process (src/engine/configure.ts),
 * so that neither side pays for freshly mapped pages the other does not. MST_MALLOC=default leaves
 * both sides on glibc's defaults.
 */
const SAME_ALLOCATOR = process.env.MST_MALLOC === 'default' ? {} : { GLIBC_TUNABLES: `glibc.malloc.mmap_threshold=${MALLOC_MMAP_THRESHOLD}:glibc.malloc.trim_threshold=${MALLOC_TRIM_THRESHOLD}` };

/**
 * The engine configured for a comparison with a peer: a fixed thread count (MST_NUM_THREADS, else
 * every core), which the peer is given too, rather than 'auto', and the allocator from MST_MALLOC.
 */
export function configureForComparison(): void {
  const settings = settingsFromEnvironment();
  configure({ ...settings, threads: settings.threads ?? availableParallelism() });
}

export interface Peer {
  /** Runs `name` `iterations` times in the peer; returns the seconds of each run. */
  time(name: string, iterations: number): Promise<number[]>;
  close(): void;
}

/** Starts bench/<script> with the same thread count, allocator settings and `env`; waits until it is ready. */
export async function startPeer(script: string, threads: number, env: Record<string, string> = {}): Promise<Peer> {
  // Debian's python3-torch (the engine's libtorch and BLAS), or MST_PYTHON with another torch (scripts/gpu-check.sh)
  const child = spawn(pythonWithTorch, [fileURLToPath(new URL(`../../bench/${script}`, import.meta.url))], {
    env: { ...process.env, MST_NUM_THREADS: String(threads), ...SAME_ALLOCATOR, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`bench: ${script} exited (is python3-torch installed? run scripts/setup.sh)`);
    return JSON.parse(value as string) as Record<string, unknown>;
  };
  await next();
  return {
    async time(name: string, iterations: number): Promise<number[]> {
      child.stdin.write(JSON.stringify({ case: name, iterations }) + '\n');
      return (await next()).seconds as number[];
    },
    close: () => child.stdin.end(),
  };
}

/** The value after `--name` on the command line, or `fallback`. */
export function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

/**
 * This process's own peak resident memory, MiB: Linux's VmHWM, which starts afresh at exec.
 * getrusage's maxRSS does not: a child forked from a large benchmark process reports at least the
 * parent's resident memory at the fork (Linux keeps the high-water mark across exec). Elsewhere,
 * maxRSS.
 */
export function peakResidentMiB(): number {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kib !== undefined) return Math.round(Number(kib) / 1024);
  } catch {
    // not Linux
  }
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface Comparison {
  engine_median_s: number;
  pytorch_median_s: number;
  /** Median over rounds of (engine median / PyTorch median) within the round. */
  ratio: number;
  samples: number;
}

/**
 * Times `run` here and `name` in the peer in alternating rounds (after one untimed warm-up call
 * each). Adjacent rounds share the machine's load, so the per-round ratio cancels slow drifts of
 * a shared machine.
 */
export async function compareWithPeer(peer: Peer, name: string, run: () => void, rounds: number, iterations: number): Promise<Comparison> {
  run();
  await peer.time(name, 1);
  const engine: number[] = [];
  const pytorch: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const mine: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const start = performance.now();
      run();
      mine.push((performance.now() - start) / 1000);
      await new Promise((resolve) => setImmediate(resolve)); // let Node-API finish freeing handles
    }
    const theirs = await peer.time(name, iterations);
    ratios.push(median(mine) / median(theirs));
    engine.push(...mine);
    pytorch.push(...theirs);
  }
  return {
    engine_median_s: Number(median(engine).toFixed(4)),
    pytorch_median_s: Number(median(pytorch).toFixed(4)),
    ratio: Number(median(ratios).toFixed(3)),
    samples: engine.length,
  };
}
