/**
 * Small helpers for blocks of samples.
 */

/** Joins blocks of samples end to end (returns the block itself when there is only one). */
export function concatSamples(...parts: Float32Array[]): Float32Array {
  const nonEmpty = parts.filter((p) => p.length > 0);
  if (nonEmpty.length === 1) return nonEmpty[0]!;
  const out = new Float32Array(nonEmpty.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of nonEmpty) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
