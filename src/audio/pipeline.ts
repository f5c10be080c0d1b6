/**
 * Audio file → TileProcessor → WAV file, in bounded memory for any length: the file is decoded
 * as a stream and the WAV is written as a stream, under a temporary name renamed when complete.
 */
import { probeAudio, streamAudio } from './decode.js';
import { WavStreamWriter, type WavFormat } from './wav.js';
import { checkOutputPath } from './paths.js';
import { TileProcessor, type TileProcessorOptions } from './processor.js';

export interface ProcessOptions extends Omit<TileProcessorOptions, 'source'> {
  format?: WavFormat;
  /** Called as input is consumed: seconds of input analysed so far. */
  onProgress?: (seconds: number) => void;
  /** Told what went through but deserves a look: an input cut short, output clipped at full scale. */
  onWarning?: (message: string) => void;
}

export interface ProcessResult {
  inputSeconds: number;
  outputSamples: number;
  tiles: number;
  wallSeconds: number;
}

/**
 * Reads `input`, passes its tiles through `options.transformTiles`, and writes the result to
 * `output` (a WAV at the config's sample rate, written atomically: on any error no file is left).
 */
export async function processFile(input: string, output: string, options: ProcessOptions = {}): Promise<ProcessResult> {
  const started = performance.now();
  probeAudio(input);
  checkOutputPath(output, [input], 'wav');
  const processor = new TileProcessor({ ...options, source: input });
  const { sampleRate } = processor.config;
  const writer = new WavStreamWriter(output, sampleRate, options.format ?? 'pcm16');
  try {
    for await (const chunk of streamAudio(input, { sampleRate, ...(options.onWarning ? { onWarning: options.onWarning } : {}) })) {
      writer.write(processor.push(chunk));
      options.onProgress?.(processor.inputSamples / sampleRate);
      await new Promise((resolve) => setImmediate(resolve)); // let Node-API finish freeing handles
    }
    writer.write(processor.finish());
    writer.close();
    const { samples: clipped, peak } = writer.clipping;
    if (clipped > 0) {
      options.onWarning?.(`${output}: ${clipped} samples (${((100 * clipped) / Math.max(1, writer.samples)).toFixed(2)}%) went past full scale (peak +${(20 * Math.log10(peak)).toFixed(1)} dB) and were clipped in the 16-bit file; write 32-bit float (--float) to keep them, or lower the input's level`);
    }
  } catch (error) {
    processor.dispose();
    writer.abort();
    throw error;
  }
  return { inputSeconds: processor.inputSamples / sampleRate, outputSamples: processor.outputSamples, tiles: processor.tiles, wallSeconds: (performance.now() - started) / 1000 };
}
