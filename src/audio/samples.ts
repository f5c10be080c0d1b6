/**
 * Small helpers for blocks of samples.
 */
import { AudioError } from './errors.js';

/**
 * The largest sample magnitude mst takes, 1000 (+60 dB over full scale): float audio nominally
 * lies in [-1, 1], and a little over it is ordinary, but a file or stream holding 1e20 holds
 * numbers, not sound at any level the analysis can keep.
 */
export const MAX_SAMPLE_MAGNITUDE = 1000;

/**
 * Throws AudioError (NOT_FINITE, ABSURD_LEVEL) naming the first sample that is NaN, infinite or
 * beyond MAX_SAMPLE_MAGNITUDE; `offset` is the block's first sample in the whole input.
 */
export function checkSamples(source: string, samples: Float32Array, offset: number, sampleRate: number): void {
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i]!;
    if (Math.abs(x) <= MAX_SAMPLE_MAGNITUDE) continue; // false for NaN
    const where = `sample ${offset + i} (${((offset + i) / sampleRate).toFixed(3)} s)`;
    if (!Number.isFinite(x)) throw new AudioError('NOT_FINITE', source, `${where} is ${x}; the audio holds NaN or infinite values`);
    throw new AudioError('ABSURD_LEVEL', source, `${where} is ${x.toExponential(2)}, ${(20 * Math.log10(Math.abs(x))).toFixed(0)} dB over full scale: samples belong in [-1, 1]; scale the audio down (e.g. sox in.wav out.wav norm)`);
  }
}

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
