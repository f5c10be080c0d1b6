/**
 * The whole audio path in bounded memory, as a push stream: mono samples in → log-mel frames →
 * tiles → (a tile transform: identity for a resynthesis, the model for a transfer, run on
 * `batchSize` tiles at once) → crossfaded join → segment-wise Griffin-Lim → samples out.
 *
 * Files (pipeline.ts) and live PCM (mst stream) both drive it. The output is the input's length,
 * delayed: a sample comes out once every tile and Griffin-Lim segment that covers it is done.
 * With batch size 1 and segments of S frames with C frames of context, that delay is at most
 * tileFrames − 1 + S + C frames plus half an FFT window (see `latencyBoundSamples`).
 */
import { Tensor, tidy, keep, cat, zeros, adaptThreads } from '../engine/index.js';
import { DEFAULT_ANALYSIS, type AnalysisConfig } from './config.js';
import { MelFrontEnd } from './mel.js';
import { MelStream } from './analysis.js';
import { TileStream, TileJoiner } from './tiles.js';
import { SynthesisStream, type SynthesisStreamOptions } from './synthesis.js';
import { concatSamples, checkSamples } from './samples.js';
import type { VocoderPhase } from './vocoder-phase.js';

/** Raised when the tile transform (the model) returns NaN or infinite values, or silence for sound. */
export class TileTransformError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TileTransformError';
  }
}

/**
 * Levels of tiles in [-1, 1] (the analysis's dB range): input whose loudest bin passes
 * AUDIBLE_TILE (−70 dB) has sound; output whose loudest bin stays under SILENT_TILE (−85 dB, 5 dB
 * over the floor) has none.
 */
const AUDIBLE_TILE = -0.6;
const SILENT_TILE = -0.9;

/** Maps tiles [n, 1, nMels, tileFrames], the first of them tile #`first` of the input, to tiles of the same shape. */
export type TileTransform = (tiles: Tensor, first: number) => Tensor;

export interface TileProcessorOptions extends SynthesisStreamOptions {
  config?: AnalysisConfig;
  /** Starting phase of Griffin-Lim: 'random' (default) or the input's own ('input'). */
  phase?: VocoderPhase;
  /** The tile transform (default: identity). */
  transformTiles?: TileTransform;
  /** Tiles transformed together (default 1): more is faster on a CPU, and each adds a tile of delay. */
  batchSize?: number;
  /** Sees every input frame [nMels, k] and every output frame [nMels, k] (for pictures); must not keep them. */
  onInputFrames?: (frames: Tensor) => void;
  onOutputFrames?: (frames: Tensor) => void;
  /** Names the input in errors. */
  source?: string;
}

export class TileProcessor {
  readonly config: AnalysisConfig;
  readonly batchSize: number;
  readonly #frontEnd: MelFrontEnd;
  readonly #analysis: MelStream;
  readonly #tiler: TileStream;
  readonly #joiner: TileJoiner;
  readonly #synthesis: SynthesisStream;
  readonly #transform: TileTransform;
  readonly #usePhase: boolean;
  readonly #phases = new FrameQueue();
  #waiting: Tensor[] = [];
  #tiles = 0;
  #produced = 0;
  #outputFrames = 0;
  #finished = false;
  #disposed = false;
  /** The loudest bin of every input tile and of every output tile so far, in tile units. */
  #inputLevel = -1;
  #outputLevel = -1;

  constructor(readonly options: TileProcessorOptions = {}) {
    this.config = options.config ?? DEFAULT_ANALYSIS;
    this.batchSize = options.batchSize ?? 1;
    if (!(Number.isInteger(this.batchSize) && this.batchSize >= 1)) throw new RangeError(`TileProcessor: Expected a batch size ≥ 1 but received ${options.batchSize}`);
    this.#frontEnd = new MelFrontEnd(this.config);
    this.#usePhase = options.phase === 'input';
    this.#analysis = new MelStream(this.#frontEnd, { keepPhase: this.#usePhase, ...(options.source ? { source: options.source } : {}) });
    this.#tiler = new TileStream(this.config);
    this.#joiner = new TileJoiner(this.config);
    this.#synthesis = new SynthesisStream(this.#frontEnd, options);
    this.#transform = options.transformTiles ?? ((tiles) => tiles);
  }

  /** Samples pushed so far. */
  get inputSamples(): number {
    return this.#analysis.samples;
  }

  /** Samples returned so far. */
  get outputSamples(): number {
    return this.#produced;
  }

  /** Tiles cut so far. */
  get tiles(): number {
    return this.#tiles;
  }

  /** Adds input samples (any count); returns the output samples now final. */
  push(samples: Float32Array): Float32Array {
    if (this.#finished) throw new Error('TileProcessor: push after finish');
    checkSamples(this.options.source ?? 'input', samples, this.#analysis.samples, this.config.sampleRate);
    return this.#count(this.#accept(this.#analysis.push(samples), false));
  }

  /** Flushes everything: the returned samples bring the output to the input's length exactly. */
  finish(): Float32Array {
    if (this.#finished) return new Float32Array(0);
    this.#finished = true;
    try {
      const parts = [this.#accept(this.#analysis.finish(), true)];
      const lastFrames = this.#joiner.finish();
      try {
        parts.push(this.#synthesise(lastFrames));
      } finally {
        lastFrames.dispose();
      }
      parts.push(this.#synthesis.finish(this.#analysis.samples, this.#produced + parts.reduce((n, p) => n + p.length, 0)));
      // the last tile's padding may have been vocoded past the input's end: the output ends where the input did
      const out = concatSamples(...parts);
      const last = this.#count(out.subarray(0, Math.max(0, this.#analysis.samples - this.#produced)));
      if (this.#inputLevel > AUDIBLE_TILE && this.#outputLevel < SILENT_TILE) {
        const db = (level: number) => `${((level + 1) * ((this.config.maxDb - this.config.minDb) / 2) + this.config.minDb).toFixed(0)} dB`;
        throw new TileTransformError(`${this.options.source ?? 'the input'}: the output is silent (its loudest bin at ${db(this.#outputLevel)}) where the input was not (${db(this.#inputLevel)}); the model may be damaged or wrong for this input: check it with mst doctor, or try another model`);
      }
      return last;
    } finally {
      this.dispose();
    }
  }

  /** Frees what the stream holds (finish() does this itself); the stream cannot be used afterwards. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = this.#finished = true;
    for (const t of this.#waiting) t.dispose();
    this.#waiting = [];
    this.#tiler.dispose();
    this.#joiner.dispose();
    this.#synthesis.dispose();
    this.#phases.dispose();
    this.#frontEnd.dispose();
  }

  #count(samples: Float32Array): Float32Array {
    this.#produced += samples.length;
    return samples;
  }

  /** Analysed frames in → tiles → batches → output samples. */
  #accept(frames: { mel: Tensor; phase: Tensor | null }, isEnd: boolean): Float32Array {
    const parts: Float32Array[] = [];
    try {
      if (frames.phase !== null) this.#phases.push(frames.phase);
      if (frames.mel.shape[1]! > 0) this.options.onInputFrames?.(frames.mel);
      for (const tile of this.#tiler.push(frames.mel)) this.#waiting.push(tile);
      if (isEnd) for (const tile of this.#tiler.finish()) this.#waiting.push(tile);
    } finally {
      frames.mel.dispose();
      frames.phase?.dispose();
    }
    while (this.#waiting.length >= this.batchSize || (isEnd && this.#waiting.length > 0)) {
      const batch = this.#waiting.splice(0, this.batchSize);
      try {
        parts.push(this.#run(batch));
      } finally {
        for (const t of batch) t.dispose();
      }
    }
    return concatSamples(...parts);
  }

  /** Transforms tiles [1, nMels, tileFrames] together, joins them and synthesises the frames that are final. */
  #run(batch: Tensor[]): Float32Array {
    const first = this.#tiles;
    this.#tiles += batch.length;
    adaptThreads(); // a machine that got busier (or quieter) since the last tile
    return tidy(() => {
      const input = cat(batch.map((t) => t.unsqueeze(0)), 0); // [n, 1, nMels, tileFrames]
      const output = this.#transform(input, first);
      const expected = input.shape;
      if (output.shape.length !== 4 || output.shape.some((d, i) => d !== expected[i])) {
        throw new RangeError(`TileProcessor: the tile transform returned ${JSON.stringify(output.shape)}; expected ${JSON.stringify(expected)}`);
      }
      if (output.isfinite().logicalNot().sum().item() > 0) {
        throw new TileTransformError(`${this.options.source ?? 'the input'}: the model returned NaN or infinite values for tile ${first}${batch.length > 1 ? `–${first + batch.length - 1}` : ''}; its weights may be damaged: check it with mst doctor, or reinstall or retrain it`);
      }
      this.#inputLevel = Math.max(this.#inputLevel, input.amax().item());
      this.#outputLevel = Math.max(this.#outputLevel, output.amax().item());
      const frames = cat(batch.map((_, i) => this.#joiner.push(output.select(0, i))), 1);
      return this.#synthesise(frames);
    });
  }

  #synthesise(frames: Tensor): Float32Array {
    return tidy(() => {
      if (frames.shape[1]! === 0) return new Float32Array(0);
      // the last tile's padding past the input's end is not shown
      const shown = Math.min(frames.shape[1]!, this.#analysis.frames - this.#outputFrames);
      if (shown > 0) this.options.onOutputFrames?.(frames.slice(1, 0, shown));
      this.#outputFrames += frames.shape[1]!;
      const phase = this.#usePhase ? this.#phases.take(frames.shape[1]!) : null;
      return this.#synthesis.push(frames, phase);
    });
  }
}

/**
 * The most samples by which the output can trail the input with batch size 1: a frame's tile and
 * the next (which overlaps it) must be complete, then its Griffin-Lim segment and the context after
 * it, and the analysis window reaches half an FFT ahead of a frame's centre.
 */
export function latencyBoundSamples(config: AnalysisConfig, synthesis: { segmentFrames: number; contextFrames: number }): number {
  const frames = config.tileFrames - 1 + synthesis.segmentFrames + synthesis.contextFrames;
  return frames * config.hop + config.nFft / 2;
}

/** A FIFO of frames [rows, k] along time: push batches, take the first `count` frames. */
class FrameQueue {
  #frames: Tensor | null = null;

  push(frames: Tensor): void {
    const joined = keep(this.#frames === null ? frames.clone() : cat([this.#frames, frames], 1));
    this.#frames?.dispose();
    this.#frames = joined;
  }

  /** The next `count` frames, zero-padded when fewer are left (past the end of the input). */
  take(count: number): Tensor {
    const frames = this.#frames!;
    const available = Math.min(count, frames.shape[1]!);
    const head = frames.slice(1, 0, available);
    const out = available < count ? cat([head, zeros([frames.shape[0]!, count - available])], 1) : head.contiguous();
    this.#frames = keep(frames.slice(1, available).contiguous());
    frames.dispose();
    return out;
  }

  dispose(): void {
    this.#frames?.dispose();
    this.#frames = null;
  }
}
