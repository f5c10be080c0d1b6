/**
 * Streaming analysis: mono samples in (any chunk sizes), normalised log-mel frames out, equal to
 * the frames MelFrontEnd.logMel computes on the whole signal (centred frames, reflect padding at
 * both ends) but holding only about one FFT's worth of samples between calls.
 *
 * Frame f is centred on sample f·hop and reads the reflect-padded signal at
 * [f·hop, f·hop + nFft) in padded coordinates (padded index = sample index + nFft/2).
 */
import { Tensor, tensor, tidy, stft, angle, type Device } from '../engine/index.js';
import { AudioError } from './errors.js';
import type { MelFrontEnd } from './mel.js';
import { concatSamples } from './samples.js';

export interface AnalysisFrames {
  /** Normalised log-mel [nMels, k] in [-1, 1]. */
  mel: Tensor;
  /** Phase in radians [nFreqs, k], when asked for. */
  phase: Tensor | null;
  /** Scaled linear magnitude [nFreqs, k], when asked for. */
  magnitude: Tensor | null;
}

export class MelStream {
  /** Padded samples not yet consumed; `bufferStart` is the padded index of buffer[0]. */
  #buffer: Float32Array = new Float32Array(0);
  #bufferStart = 0;
  #samples = 0;
  #nextFrame = 0;
  #padded = false;
  #finished = false;

  constructor(
    readonly frontEnd: MelFrontEnd,
    readonly options: { keepPhase?: boolean; keepMagnitude?: boolean; source?: string } = {},
  ) {}

  /** Samples pushed so far. */
  get samples(): number {
    return this.#samples;
  }

  /** Frames emitted so far. */
  get frames(): number {
    return this.#nextFrame;
  }

  /** Adds samples; returns the frames that are now complete (possibly none: k = 0). */
  push(samples: Float32Array): AnalysisFrames {
    if (this.#finished) throw new Error('MelStream: push after finish');
    this.#samples += samples.length;
    this.#append(samples);
    const half = this.frontEnd.config.nFft / 2;
    if (!this.#padded) {
      if (this.#buffer.length < half + 1) return this.#empty();
      // reflect padding at the start: x[half], …, x[1] before x[0]
      const head = new Float32Array(half);
      for (let i = 0; i < half; i++) head[i] = this.#buffer[half - i]!;
      this.#buffer = concatSamples(head, this.#buffer);
      this.#padded = true;
    }
    return this.#emit(this.#buffer.length + this.#bufferStart);
  }

  /** Flushes the last frames (reflect padding at the end); total frames = ⌊samples/hop⌋ + 1. */
  finish(): AnalysisFrames {
    if (this.#finished) return this.#empty();
    this.#finished = true;
    const half = this.frontEnd.config.nFft / 2;
    if (!this.#padded) {
      throw new AudioError('TOO_SHORT', this.options.source ?? 'input', `the audio is ${this.#samples} samples long; at least ${half + 1} (${(((half + 1) / this.frontEnd.config.sampleRate) * 1000).toFixed(0)} ms) are needed`);
    }
    // reflect padding at the end: x[N−2], …, x[N−1−half] after x[N−1]
    const n = this.#buffer.length;
    const tail = new Float32Array(half);
    for (let i = 0; i < half; i++) tail[i] = this.#buffer[n - 2 - i]!;
    this.#buffer = concatSamples(this.#buffer, tail);
    return this.#emit(this.#buffer.length + this.#bufferStart, Math.floor(this.#samples / this.frontEnd.config.hop) + 1);
  }

  /** Computes every frame whose window lies inside the padded samples up to `paddedEnd`. */
  #emit(paddedEnd: number, limit = Infinity): AnalysisFrames {
    const { nFft, hop } = this.frontEnd.config;
    const first = this.#nextFrame;
    const last = Math.min(Math.floor((paddedEnd - nFft) / hop), limit - 1); // inclusive
    if (last < first) return this.#empty();
    const from = first * hop - this.#bufferStart;
    const to = last * hop + nFft - this.#bufferStart;
    const window = this.#buffer.subarray(from, to);
    const result = tidy(() => {
      const spec = stft(tensor(window, [window.length], { device: this.frontEnd.device }), { ...this.frontEnd.stftOptions, center: false });
      const magnitude = spec.abs().mul(this.frontEnd.magnitudeScale);
      const mel = this.frontEnd.normalise(this.frontEnd.melFromMagnitude(magnitude));
      return { mel, phase: this.options.keepPhase ? angle(spec) : null, magnitude: this.options.keepMagnitude ? magnitude : null };
    });
    this.#nextFrame = last + 1;
    // keep only the samples later frames still need
    const keepFrom = Math.min(this.#nextFrame * hop - this.#bufferStart, this.#buffer.length);
    this.#buffer = this.#buffer.slice(keepFrom);
    this.#bufferStart += keepFrom;
    return result;
  }

  #append(samples: Float32Array): void {
    this.#buffer = concatSamples(this.#buffer, samples);
  }

  #empty(): AnalysisFrames {
    return tidy(() => ({
      mel: tensor(new Float32Array(0), [this.frontEnd.config.nMels, 0], { device: this.frontEnd.device as Device }),
      phase: null,
      magnitude: null,
    }));
  }
}
