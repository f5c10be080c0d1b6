/**
 * Reading audio files of any common format (WAV 8/16/24/32-bit int and float, FLAC, MP3, Ogg
 * Vorbis, Opus, M4A/AAC) as a stream of mono chunks at the model's sample rate, so that an hour of
 * audio never needs an hour-sized buffer: decode (audio-decode, chunked) → mix down to mono →
 * band-limited resampling (libsamplerate).
 */
import { createReadStream, existsSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import decodeAudio from 'audio-decode';
import audioType from 'audio-type';
import { AudioError } from './errors.js';
import { StreamResampler, type ResampleQuality } from './resample.js';
import { concatSamples, checkSamples } from './samples.js';

type Format = 'mp3' | 'flac' | 'opus' | 'oga' | 'm4a' | 'wav' | 'aac' | 'aiff' | 'caf' | 'webm' | 'qoa' | 'amr' | 'wma';
const SUPPORTED = new Set<string>(['mp3', 'flac', 'opus', 'oga', 'm4a', 'wav', 'aac', 'aiff', 'caf', 'webm']);

export interface ReadOptions {
  /** Output sample rate, Hz (the model's rate). */
  sampleRate: number;
  /** Resampler quality; 'fastest' is still a band-limited sinc (80% of the band, ~97 dB SNR). */
  quality?: ResampleQuality;
  /** Bytes read from the file at a time. */
  chunkBytes?: number;
  /** Told what is odd but readable (a WAV cut short of what its header promises). */
  onWarning?: (message: string) => void;
}

/** What the file holds, read from its first bytes. */
export interface AudioInfo {
  format: string;
  bytes: number;
}

/** Checks that `path` is a readable, non-empty file in a supported format; returns its format. */
export function probeAudio(path: string): AudioInfo {
  if (!existsSync(path)) throw new AudioError('NOT_FOUND', path, 'no such file; check the path');
  const stat = statSync(path);
  if (!stat.isFile()) throw new AudioError('NOT_A_FILE', path, 'is not a file (a directory?); give an audio file');
  if (stat.size === 0) throw new AudioError('EMPTY', path, 'the file is empty (0 bytes)');
  const head = new Uint8Array(Math.min(stat.size, 65536));
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const format = audioType(head) as string | undefined;
  if (!format || !SUPPORTED.has(format)) {
    throw new AudioError('UNSUPPORTED', path, `${format ? `format '${format}' is` : 'this is not audio mst can read, or its format is'} not supported; use WAV, FLAC, MP3, Ogg Vorbis, Opus or M4A`);
  }
  return { format, bytes: stat.size };
}

/** The sample rates mst reads, Hz: from telephone-grade audio up to the highest rates in use. */
const MIN_RATE = 1000;
const MAX_RATE = 768000;

/**
 * For a WAV file, the seconds its header promises and the seconds it holds, when it holds less
 * (a download or copy cut short); null when it is whole or not a plain RIFF WAV.
 */
export function wavShortfall(path: string): { promised: number; held: number } | null {
  const size = statSync(path).size;
  const head = Buffer.alloc(Math.min(size, 4096));
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (head.length < 12 || head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') return null;
  let byteRate = 0;
  for (let at = 12; at + 8 <= head.length; ) {
    const id = head.toString('ascii', at, at + 4);
    const length = head.readUInt32LE(at + 4);
    if (id === 'fmt ' && at + 16 <= head.length) byteRate = head.readUInt32LE(at + 16);
    if (id === 'data') {
      const available = size - (at + 8);
      // 0 and 0xFFFFFFFF mark a length left open by a streaming writer
      if (byteRate === 0 || length === 0 || length === 0xffffffff || available >= length) return null;
      return { promised: length / byteRate, held: available / byteRate };
    }
    at += 8 + length + (length % 2);
  }
  return null;
}

/** Averages the channels of a decoded chunk into one. */
export function mixDown(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0]!;
  const out = new Float32Array(channels[0]?.length ?? 0);
  for (const channel of channels) for (let i = 0; i < out.length; i++) out[i]! += channel[i]!;
  const scale = 1 / channels.length;
  for (let i = 0; i < out.length; i++) out[i]! *= scale;
  return out;
}

/**
 * File chunks copied into fresh buffers: Node's stream chunks can start at any byte offset of a
 * shared pool, which typed-array views of 32-bit samples inside the decoders cannot take.
 */
async function* alignedChunks(source: AsyncIterable<Buffer>): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) yield new Uint8Array(chunk);
}

/**
 * Streams `path` as mono Float32 chunks at `options.sampleRate`.
 * Errors: AudioError with code NOT_FOUND, NOT_A_FILE, EMPTY, UNSUPPORTED, CORRUPT (undecodable or
 * truncated: no audio came out), NOT_FINITE, ABSURD_LEVEL (samples.ts).
 */
export async function* streamAudio(path: string, options: ReadOptions): AsyncGenerator<Float32Array> {
  const { format } = probeAudio(path);
  if (format === 'wav' && options.onWarning) {
    const cut = wavShortfall(path);
    if (cut) options.onWarning(`${path}: the file is cut short: its header promises ${cut.promised.toFixed(2)} s and it holds ${cut.held.toFixed(2)} s; mst uses what is there`);
  }
  const source = createReadStream(path, { highWaterMark: options.chunkBytes ?? 1 << 18 });
  let resampler: StreamResampler | null = null;
  let decoded = 0;
  let inputRate = 0;
  try {
    for await (const chunk of decodeAudio(alignedChunks(source), format as Format)) {
      const mono = mixDown(chunk.channelData);
      if (mono.length === 0) continue;
      if (resampler === null) {
        inputRate = chunk.sampleRate;
        if (!(Number.isInteger(inputRate) && inputRate >= MIN_RATE && inputRate <= MAX_RATE)) {
          throw new AudioError('CORRUPT', path, `its header gives a sample rate of ${inputRate} Hz; mst reads ${MIN_RATE} Hz to ${MAX_RATE / 1000} kHz. The header is damaged, or the file is not what its name says`);
        }
        resampler = await StreamResampler.create(inputRate, options.sampleRate, options.quality ?? 'fastest');
      }
      checkSamples(path, mono, decoded, inputRate);
      decoded += mono.length;
      const out = resampler.push(mono);
      if (out.length > 0) yield out;
    }
  } catch (error) {
    if (error instanceof AudioError) throw error;
    throw new AudioError('CORRUPT', path, `cannot decode this ${format} file (${(error as Error).message}); is it damaged or truncated?`);
  } finally {
    source.destroy();
  }
  if (resampler === null || decoded === 0) {
    throw new AudioError('CORRUPT', path, `no audio could be decoded from this ${format} file; is it damaged or truncated?`);
  }
  const tail = resampler.finish();
  if (tail.length > 0) yield tail;
}

/** Reads a whole file as one mono Float32Array at `options.sampleRate` (for short clips). */
export async function readAudio(path: string, options: ReadOptions): Promise<Float32Array> {
  const chunks: Float32Array[] = [];
  for await (const chunk of streamAudio(path, options)) chunks.push(chunk);
  return concatSamples(...chunks);
}
