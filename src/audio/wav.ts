/**
 * Writing mono WAV files, whole or in pieces: 16-bit PCM (clipped to [-1, 1], rounded with the
 * asymmetric ×32768/×32767 scaling that readers invert, no dither) or 32-bit float. Files appear
 * under their name only when complete.
 */
import { AtomicFile } from '../engine/files.js';

export type WavFormat = 'pcm16' | 'float32';

/**
 * Samples as 16-bit integers: clipped to [-1, 1] and scaled asymmetrically (×32768 below zero,
 * ×32767 above), which maps [-1, 1] onto the whole int16 range as readers invert it.
 */
export function toInt16(samples: Float32Array): Int16Array {
  const ints = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) ints[i] = int16Of(samples[i]!);
  return ints;
}

/** One sample as toInt16 writes it. */
function int16Of(x: number): number {
  const v = Math.max(-1, Math.min(1, x));
  return Math.round(v < 0 ? v * 32768 : v * 32767);
}

/** Writers not yet closed or aborted, so that an interrupted process can remove their temporary files. */
const open = new Set<WavStreamWriter>();

/** Aborts every WAV still being written (for SIGINT/SIGTERM handlers): no partial file stays behind. */
export function abortOpenWavWriters(): void {
  for (const writer of [...open]) writer.abort();
}

/** Writes a whole mono clip as a WAV file, atomically. */
export function writeWav(path: string, samples: Float32Array, sampleRate: number, format: WavFormat = 'pcm16'): void {
  const writer = new WavStreamWriter(path, sampleRate, format);
  try {
    writer.write(samples);
    writer.close();
  } catch (error) {
    writer.abort();
    throw error;
  }
}

/**
 * Writes a mono WAV file of unknown length in pieces: samples go to a temporary file beside the
 * target (AtomicFile: every byte checked, a full disk an error), the RIFF sizes are patched in at
 * `close()`, and only then is the file renamed into place; `abort()` (or a crash) leaves no
 * partial file under the target name.
 * Layout: 44-byte canonical header (RIFF, fmt with PCM=1 or IEEE float=3, data).
 */
export class WavStreamWriter {
  #file: AtomicFile;
  #dataBytes = 0;
  #clipped = 0;
  #peak = 0;
  #closed = false;

  constructor(readonly path: string, readonly sampleRate: number, readonly format: WavFormat = 'pcm16') {
    if (!(Number.isInteger(sampleRate) && sampleRate > 0)) throw new RangeError(`WavStreamWriter: Expected a positive integer for sampleRate but received ${sampleRate}`);
    this.#file = new AtomicFile(path);
    open.add(this);
    this.#file.write(this.#header());
  }

  get bytesPerSample(): number {
    return this.format === 'pcm16' ? 2 : 4;
  }

  /** Appends samples (nominally in [-1, 1]). */
  write(samples: Float32Array): void {
    if (this.#closed) throw new Error(`WavStreamWriter: ${this.path} is already closed`);
    if (samples.length === 0) return;
    let bytes: Uint8Array;
    if (this.format === 'float32') {
      bytes = new Uint8Array(samples.buffer.slice(samples.byteOffset, samples.byteOffset + samples.byteLength));
    } else {
      const ints = new Int16Array(samples.length);
      for (let i = 0; i < samples.length; i++) {
        const x = samples[i]!;
        const magnitude = Math.abs(x);
        if (magnitude > 1) this.#clipped++;
        if (magnitude > this.#peak) this.#peak = magnitude;
        ints[i] = int16Of(x);
      }
      bytes = new Uint8Array(ints.buffer);
    }
    this.#file.write(bytes);
    this.#dataBytes += bytes.byteLength;
  }

  /** 16-bit samples that went past full scale and were clipped there, and the largest magnitude written (16-bit only). */
  get clipping(): { samples: number; peak: number } {
    return { samples: this.#clipped, peak: this.#peak };
  }

  /** Samples written so far. */
  get samples(): number {
    return this.#dataBytes / this.bytesPerSample;
  }

  /** Patches the header, syncs and renames the file into place. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    open.delete(this);
    try {
      this.#file.write(this.#header(), 0);
    } catch (error) {
      this.#file.abort();
      throw error;
    }
    this.#file.close();
  }

  /** Discards everything written; the target path is left untouched. */
  abort(): void {
    if (this.#closed) return;
    this.#closed = true;
    open.delete(this);
    this.#file.abort();
  }

  #header(): Uint8Array {
    const header = Buffer.alloc(44);
    const bytesPerSample = this.bytesPerSample;
    header.write('RIFF', 0, 'ascii');
    header.writeUInt32LE(36 + this.#dataBytes, 4);
    header.write('WAVE', 8, 'ascii');
    header.write('fmt ', 12, 'ascii');
    header.writeUInt32LE(16, 16); // fmt chunk size
    header.writeUInt16LE(this.format === 'pcm16' ? 1 : 3, 20); // PCM or IEEE float
    header.writeUInt16LE(1, 22); // channels
    header.writeUInt32LE(this.sampleRate, 24);
    header.writeUInt32LE(this.sampleRate * bytesPerSample, 28); // byte rate
    header.writeUInt16LE(bytesPerSample, 32); // block align
    header.writeUInt16LE(bytesPerSample * 8, 34); // bits per sample
    header.write('data', 36, 'ascii');
    header.writeUInt32LE(this.#dataBytes, 40);
    return header;
  }
}
