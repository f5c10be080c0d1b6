/**
 * Log-mel analysis on the engine: STFT magnitude → mel bands → dB → [-1, 1], and the inverse
 * of the last two steps. Levels are calibrated: the STFT magnitude is scaled by 2/Σwindow, and
 * each triangular mel filter is scaled so that a sine at its centre frequency reads its own
 * amplitude in that band — a full-scale sine reads 0 dB.
 */
import { Tensor, tensor, stft, angle, hannWindow, keep, tidy, noGrad, type Device } from '../engine/index.js';
import { type AnalysisConfig, checkAnalysisConfig } from './config.js';

// ---- units ----

/** Hz → mel. Slaney: linear (3 mel per 200 Hz) below 1 kHz, logarithmic above; HTK: 2595·log10(1 + f/700). */
export function hzToMel(hz: number, scale: 'slaney' | 'htk' = 'slaney'): number {
  if (scale === 'htk') return 2595 * Math.log10(1 + hz / 700);
  const linearTop = 1000 / (200 / 3); // 15 mel at 1 kHz
  if (hz < 1000) return hz / (200 / 3);
  return linearTop + Math.log(hz / 1000) / (Math.log(6.4) / 27);
}

/** mel → Hz, the inverse of hzToMel. */
export function melToHz(mel: number, scale: 'slaney' | 'htk' = 'slaney'): number {
  if (scale === 'htk') return 700 * (10 ** (mel / 2595) - 1);
  const linearTop = 15;
  if (mel < linearTop) return mel * (200 / 3);
  return 1000 * Math.exp((Math.log(6.4) / 27) * (mel - linearTop));
}

/** Centre frequencies of the mel bands, Hz, low to high. */
export function melBandCentres(config: AnalysisConfig): number[] {
  const lo = hzToMel(config.fmin, config.melScale);
  const hi = hzToMel(config.fmax, config.melScale);
  return Array.from({ length: config.nMels }, (_, i) => melToHz(lo + ((hi - lo) * (i + 1)) / (config.nMels + 1), config.melScale));
}

/**
 * |W(δ)| / Σw for the periodic Hann window of `length` samples: the scaled STFT magnitude that a
 * unit sine puts into a bin δ cycles/sample away from it.
 */
function hannLeakage(length: number, delta: number): number {
  let re = 0;
  let im = 0;
  let sum = 0;
  for (let n = 0; n < length; n++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / length);
    re += w * Math.cos(2 * Math.PI * delta * n);
    im -= w * Math.sin(2 * Math.PI * delta * n);
    sum += w;
  }
  return Math.hypot(re, im) / sum;
}

/**
 * Mel filters: band m is a triangle rising from edge m to its centre (edge m+1) and falling to
 * edge m+2, over nMels + 2 edges evenly spaced in mel between fmin and fmax, scaled so that a
 * sine at the centre frequency reads its amplitude (the STFT spreads a sine over a few bins).
 * @returns weights [nMels, nFft/2 + 1] as a Float32Array, row-major.
 */
export function melFilterbank(config: AnalysisConfig): Float32Array {
  const nFreqs = config.nFft / 2 + 1;
  const lo = hzToMel(config.fmin, config.melScale);
  const hi = hzToMel(config.fmax, config.melScale);
  const edges = Array.from({ length: config.nMels + 2 }, (_, i) => melToHz(lo + ((hi - lo) * i) / (config.nMels + 1), config.melScale));
  const weights = new Float32Array(config.nMels * nFreqs);
  for (let m = 0; m < config.nMels; m++) {
    const [left, centre, right] = [edges[m]!, edges[m + 1]!, edges[m + 2]!];
    let sineResponse = 0;
    for (let k = 0; k < nFreqs; k++) {
      const f = (k * config.sampleRate) / config.nFft;
      const w = Math.max(0, Math.min(1, f <= centre ? (f - left) / (centre - left) : (right - f) / (right - centre)));
      weights[m * nFreqs + k] = w;
      if (w > 0) sineResponse += w * hannLeakage(config.winLength, (centre - f) / config.sampleRate);
    }
    if (sineResponse > 0) for (let k = 0; k < nFreqs; k++) weights[m * nFreqs + k]! /= sineResponse;
  }
  return weights;
}

/**
 * The analysis front end for one config: the window and filterbank live on `device` until
 * dispose(). All methods are pure functions of their inputs.
 */
export class MelFrontEnd {
  readonly config: AnalysisConfig;
  /** Periodic Hann window [winLength]. */
  readonly window: Tensor;
  /** Mel filters [nMels, nFreqs]. */
  readonly filters: Tensor;
  /** 2 / Σ window: scales STFT magnitudes so that a full-scale sine peaks at 1. */
  readonly magnitudeScale: number;

  constructor(config: AnalysisConfig, readonly device: Device = 'cpu') {
    this.config = checkAnalysisConfig(config);
    this.window = keep(hannWindow(config.winLength, { device }));
    this.filters = keep(tensor(melFilterbank(config), [config.nMels, config.nFft / 2 + 1], { device }));
    this.magnitudeScale = 2 / noGrad(() => tidy(() => this.window.sum().item()));
  }

  get stftOptions() {
    const c = this.config;
    return { nFft: c.nFft, hop: c.hop, winLength: c.winLength, window: this.window, center: true, padMode: 'reflect' as const };
  }

  /** Complex STFT of signal [T] (or [B, T]) → [.., nFreqs, frames], frames = ⌊T/hop⌋ + 1. */
  complexSpectrum(signal: Tensor): Tensor {
    return stft(signal, this.stftOptions);
  }

  /** Scaled magnitude: signal [T] → [nFreqs, frames]; a full-scale sine peaks at 1. */
  magnitude(signal: Tensor): Tensor {
    using spectrum = this.complexSpectrum(signal); // freed as soon as the magnitude exists
    return spectrum.abs().mul_(this.magnitudeScale);
  }

  /** Linear magnitude [.., nFreqs, frames] → mel amplitude [.., nMels, frames]. */
  melFromMagnitude(magnitude: Tensor): Tensor {
    return this.filters.matmul(magnitude);
  }

  /** Phase in radians: signal [T] → [nFreqs, frames], the frames of complexSpectrum. */
  phase(signal: Tensor): Tensor {
    using spectrum = this.complexSpectrum(signal);
    return angle(spectrum);
  }

  /** mel amplitude → normalised log-mel in [-1, 1] (minDb → -1, maxDb → +1, clipped). */
  normalise(mel: Tensor): Tensor {
    const { minDb, maxDb } = this.config;
    const floor = 10 ** (minDb / 20);
    // one new tensor, then in place: 20·log10(max(mel, floor)) → (dB − minDb)·2/(maxDb − minDb) − 1
    return mel.clamp(floor).log_().mul_(20 / Math.LN10).sub_(minDb).mul_(2 / (maxDb - minDb)).sub_(1).clamp_(-1, 1);
  }

  /** The inverse of normalise: [-1, 1] → mel amplitude (−1 gives the floor, ≈ silence). */
  denormalise(normalised: Tensor): Tensor {
    const { minDb, maxDb } = this.config;
    return normalised.add(1).mul_((maxDb - minDb) / 2).add_(minDb).mul_(Math.LN10 / 20).exp_(); // 10^(dB/20)
  }

  /** signal [T] at config.sampleRate → normalised log-mel [nMels, frames] in [-1, 1]. */
  logMel(signal: Tensor): Tensor {
    using magnitude = this.magnitude(signal);
    using mel = this.melFromMagnitude(magnitude);
    return this.normalise(mel);
  }

  dispose(): void {
    this.window.dispose();
    this.filters.dispose();
  }
}
