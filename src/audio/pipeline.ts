/**
 * Audio file → tiles → audio file, in bounded memory for any length: stream decode → log-mel
 * frames → tiles → (a tile transform: identity for a resynthesis, the model for a transfer) →
 * crossfaded join → segment-wise Griffin-Lim → streamed WAV. This is exactly the path the
 * model's output takes back to sound.
 */
import { Tensor, tidy, keep, cat, zeros } from '../engine/index.js';
import { DEFAULT_ANALYSIS, type AnalysisConfig } from './config.js';
import { MelFrontEnd } from './mel.js';
import { MelStream } from './analysis.js';
import { TileStream, TileJoiner } from './tiles.js';
import { SynthesisStream, type SynthesisStreamOptions } from './synthesis.js';
import { streamAudio, probeAudio } from './decode.js';
import { WavStreamWriter, type WavFormat } from './wav.js';
import { checkOutputPath } from './paths.js';

export interface ProcessOptions extends SynthesisStreamOptions {
  config?: AnalysisConfig;
  /** Starting phase of Griffin-Lim: 'random' (default) or the input's own ('input'). */
  phase?: 'random' | 'input';
  format?: WavFormat;
  /** Maps each tile [1, nMels, tileFrames] to a tile of the same shape (default: identity). */
  transformTile?: (tile: Tensor) => Tensor;
  /** Called as input is consumed: seconds of input analysed so far. */
  onProgress?: (seconds: number) => void;
}

export interface ProcessResult {
  inputSeconds: number;
  outputSamples: number;
  tiles: number;
  wallSeconds: number;
}

/**
 * Reads `input`, passes every tile through `transformTile`, and writes the result to `output`
 * (a WAV at the config's sample rate, written atomically).
 */
export async function processFile(input: string, output: string, options: ProcessOptions = {}): Promise<ProcessResult> {
  const started = performance.now();
  const config = options.config ?? DEFAULT_ANALYSIS;
  probeAudio(input);
  checkOutputPath(output, [input]);
  const frontEnd = new MelFrontEnd(config);
  const usePhase = options.phase === 'input';
  const analysis = new MelStream(frontEnd, { keepPhase: usePhase, source: input });
  const tiler = new TileStream(config);
  const joiner = new TileJoiner(config);
  const synthesis = new SynthesisStream(frontEnd, options);
  const writer = new WavStreamWriter(output, config.sampleRate, options.format ?? 'pcm16');
  const transform = options.transformTile ?? ((tile: Tensor) => tile);
  let held: Tensor | null = null; // one tile of look-ahead, to know which tile is the last
  let tiles = 0;
  let produced = 0;
  const phases = new FrameQueue();

  const emit = (samples: Float32Array) => {
    writer.write(samples);
    produced += samples.length;
  };
  const join = (tile: Tensor, isLast: boolean) => {
    tidy(() => {
      const frames = joiner.push(transform(tile), isLast);
      const phase = usePhase ? phases.take(frames.shape[1]!) : null;
      emit(synthesis.push(frames, phase));
    });
  };
  const feed = (newTiles: Tensor[]) => {
    for (const tile of newTiles) {
      if (held !== null) {
        join(held, false);
        held.dispose();
      }
      held = tile;
      tiles++;
    }
  };
  const accept = (frames: { mel: Tensor; phase: Tensor | null }) => {
    if (frames.phase !== null) phases.push(frames.phase);
    feed(tiler.push(frames.mel));
    frames.mel.dispose();
  };

  try {
    for await (const chunk of streamAudio(input, { sampleRate: config.sampleRate })) {
      accept(analysis.push(chunk));
      options.onProgress?.(analysis.samples / config.sampleRate);
      await new Promise((resolve) => setImmediate(resolve)); // let Node-API finish freeing handles
    }
    accept(analysis.finish());
    feed(tiler.finish());
    if (held !== null) {
      join(held, true);
      (held as Tensor).dispose();
    }
    emit(synthesis.finish(analysis.samples, produced));
    writer.close();
  } catch (error) {
    writer.abort();
    throw error;
  } finally {
    phases.dispose();
    frontEnd.dispose();
  }
  return { inputSeconds: analysis.samples / config.sampleRate, outputSamples: produced, tiles, wallSeconds: (performance.now() - started) / 1000 };
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
  }
}
