/**
 * Writing WAV files (wavefile): 16-bit PCM (rounded, clipped to the int16 range; no dither) or 32-bit float. Files are written atomically.
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
    // ×32768 so that readers dividing by 32768 get the value back; +1.0 clips to 32767
    for (let i = 0; i < samples.length; i++) ints[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32768)));
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
