/**
 * The engine's process-wide settings. Importing mst or mst/engine changes nothing in the process;
 * these apply only when asked:
 *
 *   import { configure } from 'mst/engine';
 *   configure({ threads: 2, malloc: 'default' });
 *
 * The command line applies them from the environment (MST_NUM_THREADS, MST_MALLOC) before any
 * command runs, and `loadModel` does so the first time where the program did not call configure().
 * A program that embeds mst and wants libtorch's own settings calls `configure({ threads:
 * getNumThreads(), malloc: 'default' })` first.
 */
import { native } from './native.js';
import { AdaptiveThreads } from './threads.js';
import { isInteger, rangeError } from './errors.js';

export interface EngineSettings {
  /**
   * libtorch's intra-op threads: a positive integer, or 'auto' (the default): one per core that
   * other processes leave idle, re-measured between tiles (engine/threads.ts), so that
   * a busy machine does not make the threads wait for each other.
   */
  threads?: number | 'auto';
  /**
   * 'tuned' (the default): glibc serves blocks up to 32 MiB from its heap and keeps up to 1 GiB of
   * freed heap mapped, so that a loop freeing and reallocating tensors of the same sizes reuses
   * warm pages instead of faulting in freshly zeroed ones (in a Node process glibc otherwise keeps
   * mapping and unmapping tensor-sized blocks; bench/audio.ts, mel_60s, shows the cost).
   * 'default': leave glibc's thresholds alone. This setting is the whole process's allocator.
   */
  malloc?: 'tuned' | 'default';
}

export const MALLOC_MMAP_THRESHOLD = 32 << 20;
export const MALLOC_TRIM_THRESHOLD = 1 << 30;

let configured: Required<EngineSettings> | null = null;
let adaptive: AdaptiveThreads | null = null;

/** Applies the settings (each absent one at its default); may be called again to change them. */
export function configure(settings: EngineSettings = {}): Required<EngineSettings> {
  const threads = settings.threads ?? 'auto';
  const malloc = settings.malloc ?? 'tuned';
  if (threads !== 'auto' && !(isInteger(threads) && threads >= 1)) throw rangeError('configure', 'threads', "a positive integer or 'auto'", threads);
  if (malloc !== 'tuned' && malloc !== 'default') throw rangeError('configure', 'malloc', "'tuned' or 'default'", malloc);
  if (threads === 'auto') adaptive = new AdaptiveThreads();
  else {
    adaptive = null;
    native.setNumThreads(threads);
  }
  // glibc has no way back to its dynamic thresholds, so 'default' after 'tuned' keeps them
  if (malloc === 'tuned' && configured?.malloc !== 'tuned') native.configureAllocator(MALLOC_MMAP_THRESHOLD, MALLOC_TRIM_THRESHOLD);
  configured = { threads, malloc };
  return configured;
}

/** The settings configure() applied, or null if nothing has configured the engine yet. */
export function engineSettings(): Required<EngineSettings> | null {
  return configured;
}

/** The settings from MST_NUM_THREADS (a positive integer; unset: 'auto') and MST_MALLOC ('default' or unset). */
export function settingsFromEnvironment(env: NodeJS.ProcessEnv = process.env): EngineSettings {
  const threads = env.MST_NUM_THREADS;
  const malloc = env.MST_MALLOC;
  if (malloc !== undefined && malloc !== '' && malloc !== 'default' && malloc !== 'tuned') throw new RangeError(`MST_MALLOC=${malloc}: Expected 'default' (leave glibc's allocator alone) or 'tuned'; unset it for the tuned allocator`);
  const settings: EngineSettings = malloc === 'default' ? { malloc: 'default' } : {};
  if (threads === undefined || threads === '' || threads === 'auto') return settings;
  const n = Number(threads);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`MST_NUM_THREADS=${threads}: Expected a positive integer (threads of the engine) or 'auto'; unset it to use every idle core`);
  return { ...settings, threads: n };
}

/** configure() from the environment, unless the engine is configured already. */
export function configureIfUnset(): void {
  if (configured === null) configure(settingsFromEnvironment());
}

/**
 * With threads 'auto': re-measures the machine's idle cores and sets the threads to them (at most
 * every 200 ms); otherwise nothing. Long computations call it between units of work.
 */
export function adaptThreads(): void {
  adaptive?.adapt();
}
