/**
 * Stopping long computations promptly on SIGINT or SIGTERM. JavaScript's signal handlers run only
 * when the event loop is free, which a batch of sampling can delay by seconds; the native engine
 * notes the signal at once (then passes it on to Node's handler), and the sampling loops call
 * `throwIfStopped()` between steps, so that the work unwinds — partial outputs removed on the
 * way — and the process's own handler then exits.
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

let watching = false;

/** Throws InterruptedError if SIGINT or SIGTERM has arrived since the watch began (it begins at the first call). */
export function throwIfStopped(): void {
  if (!watching) {
    native.watchStopSignals(); // after the command line's own handlers, which it passes the signal on to
    watching = true;
  }
  const signal = native.stopSignal();
  if (signal !== 0) throw new InterruptedError(NAMES[signal] ?? `signal ${signal}`, 128 + signal);
}
