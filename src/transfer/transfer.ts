/**
 * Style transfer of whole recordings: any length, in bounded memory. The input is cut into
 * overlapping tiles; batches of tiles go through the model (img2img DDIM in the latent, the
 * style read through cross-attention) with the same time steps for every tile and noise that
 * overlapping tiles share (noise.ts); the output tiles are crossfaded and vocoded
 * (Griffin-Lim, starting from the input's own phase) as a stream.
 */
import { basename } from 'node:path';
import { Tensor } from '../engine/index.js';
import { typeError } from '../engine/errors.js';
import { processFile } from '../audio/pipeline.js';
import { TileProcessor, latencyBoundSamples, type TileTransform } from '../audio/processor.js';
import type { VocoderPhase } from '../audio/vocoder-phase.js';
import { ColumnPool, renderSpectrograms } from '../audio/image.js';
import { checkOutputPath } from '../audio/paths.js';
import { writeFileAtomic } from '../engine/files.js';
import type { WavFormat } from '../audio/wav.js';
import { samplingSettings, type SamplingSettings } from '../model/sampling.js';
import type { StyleTransferModel } from './bundle.js';
import { resolveStyle, type Style } from './style.js';
import { tileNoise } from './noise.js';
import { checkTransferOptions } from './options.js';
import { TransferWorker } from './worker.js';

/**
 * A transfer's options. The sampler's (steps, strength, eta, guidance, seed: model/sampling.ts)
 * default to the loaded model's own (model.model.config.sampling), then guidance 1 and seed 0.
 * The same seed gives the same bytes with a fixed thread count (configure({ threads })); threads
 * 'auto' may change the last bits.
 */
export interface TransferOptions extends Partial<SamplingSettings> {
  /** A preset's name (see model.presets), a reference clip's path, or a style resolved once with resolveStyle. */
  style: string | Style;
  /** Tiles sampled together (default 8; 1 for the least memory). */
  batchSize?: number;
  /** Griffin-Lim iterations of the vocoder (default 32). */
  iterations?: number;
  /**
   * Where the vocoder's phase starts (default 'input'): the input's own STFT phase, which keeps
   * attacks where the input had them (transferred onsets transcribe better than from a random
   * start, and the audio matches its spectrogram as closely), or 'random'.
   */
  phase?: VocoderPhase;
  /** WAV sample format (default 16-bit PCM). */
  format?: WavFormat;
  /** Also draw the input's and the output's spectrograms into this PNG. */
  spectrogram?: string;
  /** How the picture's titles name the input, the output and the style (default: their file names). */
  spectrogramNames?: { input?: string; output?: string; style?: string };
  /** Seconds of input done so far. */
  onProgress?: (seconds: number) => void;
  /** Told what went through but deserves a look (an input cut short, output clipped at full scale). */
  onWarning?: (message: string) => void;
  /** Cancels the transfer: it stops within a sampling step, leaves no output, and rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface TransferResult {
  input: string;
  output: string;
  style: string;
  seconds: number;
  tiles: number;
  wallSeconds: number;
  /** Seconds of audio per second of wall time. */
  realTimeFactor: number;
}

/** The sampler's settings for `model`: its defaults overridden by `options`, checked (model/sampling.ts). */
export function samplingOptions(model: StyleTransferModel, options: Partial<SamplingSettings>): SamplingSettings {
  return samplingSettings(model.model.config.sampling, options, model.model.schedule.steps);
}

/** The tile transform that runs the model: tiles to the model's device and back, noise by tile position. */
export function modelTransform(model: StyleTransferModel, style: Tensor, options: Partial<SamplingSettings>): TileTransform {
  const { seed, ...sampling } = samplingOptions(model, options);
  return (tiles, first) => {
    const onDevice = model.device === 'cpu' ? tiles : tiles.to(model.device);
    const styleOnDevice = model.device === 'cpu' ? style : style.to(model.device);
    const out = model.model.transfer(onDevice, styleOnDevice, { ...sampling, noise: tileNoise(seed, first, model.analysis) });
    return model.device === 'cpu' ? out : out.to('cpu');
  };
}

async function styleOf(model: StyleTransferModel, style: string | Style): Promise<{ style: Style; owned: boolean }> {
  if (typeof style !== 'string') return { style, owned: false };
  return { style: await resolveStyle(style, model.presets, model.analysis), owned: true };
}

const workers = new WeakMap<StyleTransferModel, TransferWorker>();

/**
 * Transfers the audio file `input` to `style`, writing a WAV to `output` (atomically), on the
 * model's worker thread (worker.ts): the caller's event loop stays free meanwhile, and
 * `options.signal` cancels. Transfers of one model run one at a time, in the order asked.
 */
export async function transfer(model: StyleTransferModel, input: string, output: string, options: TransferOptions): Promise<TransferResult> {
  checkTransferOptions('transfer', options);
  samplingOptions(model, options); // bad settings fail here, before the worker starts
  let worker = workers.get(model);
  if (worker === undefined) {
    const started = new TransferWorker(model);
    model.onDispose(() => void started.close());
    workers.set(model, (worker = started));
  }
  const { style, onProgress, onWarning, signal, ...sent } = options;
  const sentStyle = typeof style === 'string' ? style : { name: style.name, file: style.file, values: style.tile.toFloat32Array(), shape: [...style.tile.shape] };
  return worker.transfer(input, output, sentStyle, sent, { ...(onProgress ? { onProgress } : {}), ...(onWarning ? { onWarning } : {}), ...(signal ? { signal } : {}) });
}

/** Tensors alive in the worker thread of `model`'s transfers (none started yet: 0). */
export async function workerLiveTensors(model: StyleTransferModel): Promise<number> {
  return workers.get(model)?.liveTensors() ?? 0;
}

/**
 * transfer() on the calling thread, which it blocks while the model runs: what the worker runs,
 * and what the command line uses (a process of its own, whose signals stop it).
 */
export async function transferOnThisThread(model: StyleTransferModel, input: string, output: string, options: TransferOptions): Promise<TransferResult> {
  checkTransferOptions('transfer', options);
  samplingOptions(model, options); // bad settings fail before any audio is read
  if (options.spectrogram !== undefined) checkOutputPath(options.spectrogram, [input, output], 'png');
  const { style, owned } = await styleOf(model, options.style);
  try {
    const pools = options.spectrogram !== undefined ? { input: new ColumnPool(model.analysis.nMels), output: new ColumnPool(model.analysis.nMels) } : null;
    const result = await processFile(input, output, {
      config: model.analysis,
      transformTiles: modelTransform(model, style.tile, options),
      batchSize: options.batchSize ?? 8,
      iterations: options.iterations ?? 32,
      phase: options.phase ?? 'input',
      format: options.format ?? 'pcm16',
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
      ...(pools
        ? {
            onInputFrames: (frames: Tensor) => pools.input.push(frames.toFloat32Array(), frames.shape[1]!),
            onOutputFrames: (frames: Tensor) => pools.output.push(frames.toFloat32Array(), frames.shape[1]!),
          }
        : {}),
    });
    if (pools && options.spectrogram !== undefined) {
      const names = { input: basename(input), output: basename(output), style: basename(style.name), ...options.spectrogramNames };
      const png = renderSpectrograms([{ title: `input: ${names.input}`, pool: pools.input }, { title: `output: ${names.output} (style: ${names.style})`, pool: pools.output }], model.analysis);
      writeFileAtomic(options.spectrogram, [png]);
    }
    return {
      input,
      output,
      style: style.name,
      seconds: result.inputSeconds,
      tiles: result.tiles,
      wallSeconds: result.wallSeconds,
      realTimeFactor: result.inputSeconds / result.wallSeconds,
    };
  } finally {
    if (owned) style.tile.dispose();
  }
}

/**
 * Griffin-Lim segments for live streams: short, so that a sample waits for little more than its
 * tile and the next. With these, the delay is at most latencyBoundSamples(analysis, STREAM_SYNTHESIS).
 */
export const STREAM_SYNTHESIS = Object.freeze({ segmentFrames: 16, contextFrames: 12, crossfadeFrames: 8 });

/**
 * A live transfer: push mono samples at the model's rate, get transferred samples back, one tile
 * at a time; finish() flushes the rest. The caller disposes `style`'s tile when done.
 */
export function transferStream(model: StyleTransferModel, style: Style, options: Omit<TransferOptions, 'style' | 'batchSize' | 'spectrogram' | 'format' | 'onProgress' | 'onWarning'> = {}): TileProcessor {
  checkTransferOptions('transferStream', options, { needsStyle: false });
  if (!(typeof style === 'object' && style !== null && style.tile instanceof Tensor)) {
    throw typeError('transferStream', 'style', 'a style from resolveStyle (await resolveStyle(name, model.presets, model.analysis))', style);
  }
  return new TileProcessor({
    config: model.analysis,
    transformTiles: modelTransform(model, style.tile, options),
    batchSize: 1,
    iterations: options.iterations ?? 32,
    phase: options.phase ?? 'input',
    ...STREAM_SYNTHESIS,
    source: 'stdin',
  });
}

/** The longest a streamed sample waits, in samples at the model's rate (without compute time). */
export function streamLatencySamples(model: StyleTransferModel): number {
  return latencyBoundSamples(model.analysis, STREAM_SYNTHESIS);
}
