/**
 * Stopping long computations promptly on SIGINT or SIGTERM. JavaScript's signal handlers run only
 * when the event loop is free, which a batch of sampling can delay by seconds; the native engine
 * notes the signal at once (then passes it on to Node's handler), and the sampling loops call
 * `throwIfStopped()` between steps, so that the work unwinds — partial outputs removed on the
 * way — and the process's own handler then exits.
 *
 * The same checks end a computation cancelled from another thread: `cancellable(flag, work)`
 * makes them throw AbortError once `flag[0]` (a SharedArrayBuffer's Int32Array) is set non-zero,
 * which is how an AbortSignal in the caller's thread reaches a transfer in a worker.
 */
import { native } from './native.js';

const NAMES: Record<number, string> = { 2: 'SIGINT', 15: 'SIGTERM' };

/** Raised inside a computation stopped by a signal; `signal` is its name, `code` the exit status it calls for. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  constructor(readonly signal: string, readonly code: number) {
    super(`interrupted (${signal})`);
  }
}

/** Raised inside a computation whose cancellation flag was set (an AbortSignal fired). */
export class AbortError extends Error {
  override name = 'AbortError';
  readonly code = 'ABORT_ERR';
  constructor() {
    super('the operation was aborted');
  }
}

let watching = false;
/** The running computation's cancellation flag, if it has one. */
let cancellation: Int32Array | null = null;

/** Runs `work` with `flag` as its cancellation flag: once flag[0] ≠ 0, throwIfStopped() throws AbortError. */
export async function cancellable<T>(flag: Int32Array, work: () => Promise<T>): Promise<T> {
  const outer = cancellation;
  cancellation = flag;
  try {
    return await work();
  } finally {
    cancellation = outer;
  }
}

/**
 * Throws InterruptedError if SIGINT or SIGTERM has arrived since the watch began (it begins at the
 * first call), or AbortError if the running computation was cancelled.
 */
export function throwIfStopped(): void {
  if (cancellation !== null && Atomics.load(cancellation, 0) !== 0) throw new AbortError();
  if (!watching) {
    native.watchStopSignals(); // after the command line's own handlers, which it passes the signal on to
    watching = true;
  }
  const signal = native.stopSignal();
  if (signal !== 0) throw new InterruptedError(NAMES[signal] ?? `signal ${signal}`, 128 + signal);
}
