/**
 * Band-limited sample-rate conversion with libsamplerate (its WebAssembly build): a windowed-sinc
 * converter whose low-pass removes what the target rate cannot hold, so nothing aliases.
 */
import libsamplerate from '@alexanderolsen/libsamplerate-js';

const { create, ConverterType } = libsamplerate; // a CommonJS package: no named ESM exports
type ConverterTypeValue = (typeof ConverterType)[keyof typeof ConverterType];

export type ResampleQuality = 'best' | 'medium' | 'fastest';

const CONVERTERS: Record<ResampleQuality, ConverterTypeValue> = {
  best: ConverterType.SRC_SINC_BEST_QUALITY,
  medium: ConverterType.SRC_SINC_MEDIUM_QUALITY,
  fastest: ConverterType.SRC_SINC_FASTEST,
};

/** Input samples of silence fed at the end to flush the converter's filter. */
const FLUSH_SAMPLES = 8192;

/**
 * A mono resampler for a stream of chunks: `push` returns what is ready, `finish` flushes the
 * rest. The concatenated output has round(inputLength · outRate / inRate) samples, aligned with
 * the input (no added delay).
 */
export class StreamResampler {
  #inputLength = 0;
  #outputLength = 0;
  private constructor(
    readonly inRate: number,
    readonly outRate: number,
    private readonly src: Awaited<ReturnType<typeof create>> | null,
  ) {}

  static async create(inRate: number, outRate: number, quality: ResampleQuality = 'medium'): Promise<StreamResampler> {
    if (!(Number.isInteger(inRate) && inRate > 0 && Number.isInteger(outRate) && outRate > 0)) {
      throw new RangeError(`resample: Expected positive integer sample rates but received ${inRate} → ${outRate}`);
    }
    const src = inRate === outRate ? null : await create(1, inRate, outRate, { converterType: CONVERTERS[quality] });
    return new StreamResampler(inRate, outRate, src);
  }

  /** Resamples the next chunk; returns the samples ready so far (may be fewer than expected). */
  push(chunk: Float32Array): Float32Array {
    this.#inputLength += chunk.length;
    if (this.src === null) return chunk;
    const out = this.src.full(chunk);
    this.#outputLength += out.length;
    return out.slice();
  }

  /** Flushes the filter; returns the last samples and frees the converter. */
  finish(): Float32Array {
    if (this.src === null) return new Float32Array(0);
    const expected = Math.round((this.#inputLength * this.outRate) / this.inRate);
    const tail = this.src.full(new Float32Array(FLUSH_SAMPLES)).slice();
    this.src.destroy();
    return tail.subarray(0, Math.max(0, expected - this.#outputLength));
  }
}

/** Resamples a whole mono signal. */
export async function resample(signal: Float32Array, inRate: number, outRate: number, quality: ResampleQuality = 'medium'): Promise<Float32Array> {
  const resampler = await StreamResampler.create(inRate, outRate, quality);
  const head = resampler.push(signal);
  const tail = resampler.finish();
  const out = new Float32Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}
