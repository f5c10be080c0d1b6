/**
 * YIN's pitch against known signals: a pure tone, a tone whose second harmonic is louder than its
 * fundamental (the octave error YIN's normalisation exists to avoid), and signals without pitch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimatePitch } from './pitch.js';

const RATE = 16000;

/** One second of Σ amplitude·sin(2π·k·hz·t) over the harmonics k = 1, 2, …. */
function tone(hz: number, amplitudes: number[], seconds = 1): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < out.length; i++) {
    amplitudes.forEach((amplitude, k) => (out[i]! += amplitude * Math.sin((2 * Math.PI * (k + 1) * hz * i) / RATE)));
  }
  return out;
}

test('a pure 440 Hz tone is A4, to a cent', () => {
  const pitch = estimatePitch(tone(440, [0.5]), RATE);
  assert.ok(Math.abs(pitch.hz - 440) < 0.25, `${pitch.hz} Hz`);
  assert.ok(Math.abs(pitch.midi - 69) < 0.01, `key ${pitch.midi}`);
  assert.equal(pitch.periodicFrames, pitch.frames);
});

test('a low tone whose second harmonic is the loudest keeps its fundamental (no octave error)', () => {
  const pitch = estimatePitch(tone(98, [0.2, 0.6, 0.4, 0.3, 0.1]), RATE);
  assert.ok(Math.abs(pitch.hz - 98) < 0.2, `${pitch.hz} Hz, not 196`);
  const detuned = estimatePitch(tone(440 * 2 ** (-14 / 1200), [0.3, 0.3, 0.2]), RATE); // a violin's 14 cents flat
  assert.ok(Math.abs(detuned.midi - (69 - 0.14)) < 0.01, `key ${detuned.midi}`);
});

test('silence and noise have no pitch, and say so', () => {
  assert.throws(() => estimatePitch(new Float32Array(RATE), RATE), (e: Error) => e instanceof RangeError && /no periodic frame between 30 and 2000 Hz in 0 sounding frames/.test(e.message));
  let seed = 12345;
  const noise = Float32Array.from({ length: RATE }, () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.5);
  assert.throws(() => estimatePitch(noise, RATE), /no periodic frame/);
});
