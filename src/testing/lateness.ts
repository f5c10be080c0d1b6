/**
 * How late the calling thread's timers fire while some work runs: a program that embeds mst
 * must keep answering (a server's requests, an app's frames) while a transfer computes.
 */

/** Runs `work` with an interval timer of `intervalMs` beside it; returns its result, each tick's lateness (ms, sorted) and the wall time. */
export async function timerLatenessDuring<T>(intervalMs: number, work: () => Promise<T>): Promise<{ result: T; lateness: number[]; wallMs: number }> {
  const lateness: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    lateness.push(now - last - intervalMs);
    last = now;
  }, intervalMs);
  const started = performance.now();
  try {
    const result = await work();
    return { result, lateness: lateness.sort((a, b) => a - b), wallMs: performance.now() - started };
  } finally {
    clearInterval(timer);
  }
}
