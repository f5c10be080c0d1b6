/**
 * Band-limited sample-rate conversion. Rational ratios with up to 1024 phases (every common
 * rate: 44.1 k, 48 k, 22.05 k, 32 k, 8 k … → 16 k) run the engine's polyphase Kaiser-windowed
 * sinc (polyphase.ts, ≈ −80 dB stopband); anything else falls back to libsamplerate's sinc
 * converter (its WebAssembly build). Both remove what the target rate cannot hold, so nothing
 * aliases, and neither adds delay.
 */
import libsamplerate from '@alexanderolsen/libsamplerate-js';
import { designPolyphase, PolyphaseStream } from './polyphase.js';
import { concatSamples } from './samples.js';

const { create, ConverterType } = libsamplerate; // a CommonJS package: no named ESM exports
type ConverterTypeValue = (typeof ConverterType)[keyof typeof ConverterType];

/** Quality of the libsamplerate fallback ('fastest' is still a band-limited sinc, ~97 dB SNR). */
export type ResampleQuality = 'best' | 'medium' | 'fastest';

const CONVERTERS: Record<ResampleQuality, ConverterTypeValue> = {
  best: ConverterType.SRC_SINC_BEST_QUALITY,
  medium: ConverterType.SRC_SINC_MEDIUM_QUALITY,
  fastest: ConverterType.SRC_SINC_FASTEST,
};

/** Input samples of silence fed at the end to flush libsamplerate's filter. */
const FLUSH_SAMPLES = 8192;

interface Converter {
  push(chunk: Float32Array): Float32Array;
  finish(): Float32Array;
}

/** libsamplerate's streaming ("full") API, flushed with silence and cut to the exact length. */
class LibsamplerateConverter implements Converter {
  #inputs = 0;
  #outputs = 0;
  constructor(private readonly src: Awaited<ReturnType<typeof create>>, private readonly ratio: number) {}
  push(chunk: Float32Array): Float32Array {
    this.#inputs += chunk.length;
    const out = this.src.full(chunk).slice();
    this.#outputs += out.length;
    return out;
  }
  finish(): Float32Array {
    const expected = Math.round(this.#inputs * this.ratio);
    const tail = this.src.full(new Float32Array(FLUSH_SAMPLES)).slice();
    this.src.destroy();
    return tail.subarray(0, Math.max(0, expected - this.#outputs));
  }
}

/**
 * A mono resampler for a stream of chunks: `push` returns what is ready, `finish` flushes the
 * rest. The concatenated output has round(inputLength · outRate / inRate) samples, aligned with
 * the input.
 */
export class StreamResampler {
  private constructor(readonly inRate: number, readonly outRate: number, private readonly converter: Converter | null) {}

  static async create(inRate: number, outRate: number, quality: ResampleQuality = 'medium'): Promise<StreamResampler> {
    if (!(Number.isInteger(inRate) && inRate > 0 && Number.isInteger(outRate) && outRate > 0)) {
      throw new RangeError(`resample: Expected positive integer sample rates but received ${inRate} → ${outRate}`);
    }
    if (inRate === outRate) return new StreamResampler(inRate, outRate, null);
    const design = designPolyphase(inRate, outRate);
    if (design !== null) return new StreamResampler(inRate, outRate, new PolyphaseStream(design));
    const src = await create(1, inRate, outRate, { converterType: CONVERTERS[quality] });
    return new StreamResampler(inRate, outRate, new LibsamplerateConverter(src, outRate / inRate));
  }

  /** Resamples the next chunk; returns the samples ready so far (may be fewer than expected). */
  push(chunk: Float32Array): Float32Array {
    return this.converter === null ? chunk : this.converter.push(chunk);
  }

  /** Flushes the filter; returns the last samples and frees the converter. */
  finish(): Float32Array {
    return this.converter === null ? new Float32Array(0) : this.converter.finish();
  }
}

/** Resamples a whole mono signal. */
export async function resample(signal: Float32Array, inRate: number, outRate: number, quality: ResampleQuality = 'medium'): Promise<Float32Array> {
  const resampler = await StreamResampler.create(inRate, outRate, quality);
  return concatSamples(resampler.push(signal), resampler.finish());
}
