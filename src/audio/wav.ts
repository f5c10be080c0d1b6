/**
 * Writing WAV files (wavefile): 16-bit PCM (clipped to [-1, 1], rounded, no dither) or 32-bit float. Files are written atomically.
 */
import wavefile from 'wavefile';
import { writeFileAtomic } from '../engine/safetensors.js';

const { WaveFile } = wavefile;

export type WavFormat = 'pcm16' | 'float32';

/** Encodes mono samples (nominally in [-1, 1]) at `sampleRate` Hz as WAV bytes. */
export function encodeWav(samples: Float32Array, sampleRate: number, format: WavFormat = 'pcm16'): Uint8Array {
  if (!(Number.isInteger(sampleRate) && sampleRate > 0)) throw new RangeError(`encodeWav: Expected a positive integer for sampleRate but received ${sampleRate}`);
  const wav = new WaveFile();
  if (format === 'float32') {
    wav.fromScratch(1, sampleRate, '32f', samples);
  } else if (format === 'pcm16') {
    const ints = new Int16Array(samples.length);
    // asymmetric scaling (×32767 up, ×32768 down) maps [-1, 1] onto the whole int16 range, and
    // is what readers invert
    for (let i = 0; i < samples.length; i++) {
      const v = Math.max(-1, Math.min(1, samples[i]!));
      ints[i] = Math.round(v < 0 ? v * 32768 : v * 32767);
    }
    wav.fromScratch(1, sampleRate, '16', ints);
  } else {
    throw new TypeError(`encodeWav: Expected 'pcm16' or 'float32' for format but received ${String(format)}`);
  }
  return wav.toBuffer();
}

/** Writes a mono WAV file atomically (a temporary file renamed into place). */
export function writeWav(path: string, samples: Float32Array, sampleRate: number, format: WavFormat = 'pcm16'): void {
  writeFileAtomic(path, [encodeWav(samples, sampleRate, format)]);
}
