/**
 * The analysis configuration: how audio becomes the model's 1×128×128 tiles in [-1, 1] and back.
 * It is fixed per model and stored with it, so a model always hears audio the way it was
 * trained. Levels are absolute: a full-scale sine reads 0 dB in its mel band, and the same
 * dB range maps to [-1, 1] for every clip (no per-clip normalisation), so loudness survives.
 */
import { rangeError, typeError } from '../engine/errors.js';

export interface AnalysisConfig {
  /** Sample rate the model works at, Hz. */
  sampleRate: number;
  /** FFT size, samples. */
  nFft: number;
  /** Hop between frames, samples. */
  hop: number;
  /** Analysis window length, samples (≤ nFft); the window is a periodic Hann. */
  winLength: number;
  /** Number of mel bands (the tile height). */
  nMels: number;
  /** Lowest and highest mel filter edges, Hz. */
  fmin: number;
  fmax: number;
  /** Mel scale: 'slaney' (linear below 1 kHz, log above; librosa's default) or 'htk'. */
  melScale: 'slaney' | 'htk';
  /** The dB range mapped linearly onto [-1, 1]; minDb is also the log floor (silence). */
  minDb: number;
  maxDb: number;
  /** Frames per tile (the tile width). */
  tileFrames: number;
  /** Frames shared by neighbouring tiles, crossfaded when tiles are joined. */
  tileOverlap: number;
}

/** 16 kHz, 64 ms windows, 16 ms hop: a 128-frame tile spans 2.05 s. */
export const DEFAULT_ANALYSIS: Readonly<AnalysisConfig> = Object.freeze({
  sampleRate: 16000,
  nFft: 1024,
  hop: 256,
  winLength: 1024,
  nMels: 128,
  fmin: 0,
  fmax: 8000,
  melScale: 'slaney',
  minDb: -90,
  maxDb: 10,
  tileFrames: 128,
  tileOverlap: 32,
});

const isPositiveInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

/** Checks a whole config up front; each message names the values that conflict. */
export function checkAnalysisConfig(config: AnalysisConfig): AnalysisConfig {
  const op = 'analysis config';
  for (const key of ['sampleRate', 'nFft', 'hop', 'winLength', 'nMels', 'tileFrames'] as const) {
    if (!isPositiveInteger(config[key])) throw typeError(op, key, 'a positive integer', config[key]);
  }
  if (config.winLength > config.nFft) throw rangeError(op, 'winLength', `at most nFft (${config.nFft})`, config.winLength);
  if (config.hop > config.winLength) throw rangeError(op, 'hop', `at most winLength (${config.winLength})`, config.hop);
  if (!(config.fmin >= 0 && config.fmin < config.fmax)) throw rangeError(op, 'fmin', `≥ 0 and below fmax (${config.fmax})`, config.fmin);
  if (config.fmax > config.sampleRate / 2) throw rangeError(op, 'fmax', `at most the Nyquist frequency ${config.sampleRate / 2} Hz`, config.fmax);
  if (config.melScale !== 'slaney' && config.melScale !== 'htk') throw typeError(op, 'melScale', "'slaney' or 'htk'", config.melScale);
  if (!(config.minDb < config.maxDb)) throw rangeError(op, 'minDb', `below maxDb (${config.maxDb})`, config.minDb);
  if (!(Number.isInteger(config.tileOverlap) && config.tileOverlap >= 0 && config.tileOverlap < config.tileFrames / 2 + 1)) {
    throw rangeError(op, 'tileOverlap', `an integer in [0, tileFrames/2] (tileFrames ${config.tileFrames})`, config.tileOverlap);
  }
  return config;
}

/** Seconds of audio one tile covers. */
export function tileSeconds(config: AnalysisConfig): number {
  return (config.tileFrames * config.hop) / config.sampleRate;
}
