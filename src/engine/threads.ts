/**
 * How many intra-op threads the engine uses, when told 'auto': the cores that other processes
 * leave idle, re-measured as the work goes.
 *
 * libtorch's OpenMP threads wait for each other at every op's end by spinning. On a machine where
 * another process keeps one core busy, a thread that shares that core arrives late at every
 * barrier and the others spin meanwhile: on one machine (issue 20), a 60 s transfer on 2 cores,
 * one of them busy, took 13.3 s against 3 s quiet, and 4.2 s with one thread (bench/busy.ts
 * measures it; other machines do not collapse so). So 'auto' uses one thread per core
 * that is idle apart from this process's own work, measured from /proc/stat (every core's busy
 * time) less /proc/self/stat (this process's), over at least MIN_WINDOW_MS since the last look.
 * Where /proc is missing (not Linux), 'auto' is every core.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { native } from './native.js';

/** The shortest span over which busy time is compared: /proc's clock ticks are 10 ms. */
const MIN_WINDOW_MS = 200;
/** Of a core, the share another process must keep busy before this process leaves it. */
const BUSY_CORE_SHARE = 0.4;

interface CpuSample {
  /** Ticks spent busy (not idle, not waiting for I/O) by every core together. */
  busy: number;
  /** Ticks of all kinds, every core together. */
  total: number;
  /** Ticks this process spent on the CPU (user and system). */
  own: number;
  at: number;
}

/** Every core's ticks and this process's, or null where /proc cannot be read. */
function sampleCpu(): CpuSample | null {
  try {
    const cpu = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal [guest guest_nice: already counted in user and nice]
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = cpu;
    const busy = user + nice + system + irq + softirq + steal;
    // /proc/self/stat: the command name in parentheses may hold spaces; utime and stime are fields 14 and 15
    const self = readFileSync('/proc/self/stat', 'latin1');
    const fields = self.slice(self.lastIndexOf(')') + 2).split(' ');
    const own = Number(fields[11]) + Number(fields[12]);
    if (![busy, idle, own].every(Number.isFinite)) return null;
    return { busy, total: busy + idle + iowait, own, at: performance.now() };
  } catch {
    return null;
  }
}

/**
 * The 'auto' thread count: call `adapt()` between units of work (a tile, a step); it sets the
 * engine's threads to the cores other processes left idle since the last call that measured.
 */
export class AdaptiveThreads {
  readonly cores: number;
  #last: CpuSample | null;
  #threads: number;

  constructor(cores = availableParallelism()) {
    this.cores = cores;
    this.#last = sampleCpu();
    this.#threads = cores;
    native.setNumThreads(cores);
  }

  /** The thread count now in force. */
  get threads(): number {
    return this.#threads;
  }

  /** Re-measures (when MIN_WINDOW_MS have passed) and sets the thread count; returns it. */
  adapt(): number {
    if (this.#last === null) return this.#threads;
    const now = sampleCpu();
    if (now === null || now.at - this.#last.at < MIN_WINDOW_MS || now.total <= this.#last.total) return this.#threads;
    const share = (now.total - this.#last.total) / this.cores; // ticks of one core over the window
    const othersBusyCores = Math.max(0, now.busy - this.#last.busy - (now.own - this.#last.own)) / share;
    this.#last = now;
    return this.#set(othersBusyCores);
  }

  /** The threads for this much of the other processes' load (in cores); sets them when they change. */
  #set(othersBusyCores: number): number {
    const idle = this.cores - Math.floor(othersBusyCores + (1 - BUSY_CORE_SHARE));
    const threads = Math.min(this.cores, Math.max(1, idle));
    if (threads !== this.#threads) {
      native.setNumThreads(threads);
      this.#threads = threads;
    }
    return threads;
  }
}
