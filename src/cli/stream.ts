/**
 * `mst stream --style <preset | reference>`: raw mono PCM in on stdin, the transfer out on stdout
 * as it is ready (same rate and sample format). Each sample comes out at most one tile plus the
 * vocoder's short look-ahead after it went in (printed with --verbose), plus compute time; at the
 * default settings the model runs many times faster than real time, so a real-time input never
 * waits on it. At the end of the input the rest is flushed, and the output has the input's length.
 */
import { Command, Option } from 'commander';
import { concatSamples } from '../audio/samples.js';
import { toInt16 } from '../audio/wav.js';
import { addSamplingOptions, loadModelFor, type SamplingFlags } from './transfer.js';
import { numberIn } from './options.js';

type SampleFormat = 's16le' | 'f32le';

/** Raw little-endian PCM bytes → samples; an odd trailing byte count is carried to the next chunk. */
class PcmDecoder {
  #rest = Buffer.alloc(0);
  constructor(readonly format: SampleFormat) {}

  push(chunk: Buffer): Float32Array {
    const bytes = this.#rest.length ? Buffer.concat([this.#rest, chunk]) : chunk;
    const width = this.format === 's16le' ? 2 : 4;
    const whole = bytes.length - (bytes.length % width);
    this.#rest = Buffer.from(bytes.subarray(whole));
    const out = new Float32Array(whole / width);
    for (let i = 0; i < out.length; i++) out[i] = this.format === 's16le' ? bytes.readInt16LE(2 * i) / 32768 : bytes.readFloatLE(4 * i);
    return out;
  }
}

/** Samples → raw little-endian PCM bytes (this machine's order, as the WAV writer assumes too). */
function encode(samples: Float32Array, format: SampleFormat): Buffer {
  const data = format === 's16le' ? toInt16(samples) : samples;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

interface StreamFlags extends SamplingFlags {
  rate: number;
  format: SampleFormat;
  verbose?: boolean;
}

export function streamCommand(): Command {
  const command = new Command('stream').description('transfer raw PCM from stdin to stdout as it arrives (live input)');
  return addSamplingOptions(command)
    .option('--rate <hz>', 'sample rate of the input and the output', numberIn(8000, 192000, true), 16000)
    .addOption(new Option('--format <format>', 'raw mono sample format of the input and the output').choices(['s16le', 'f32le']).default('s16le'))
    .option('--verbose', 'say on stderr what the stream does and its latency bound')
    .action(async (flags: StreamFlags) => {
      const model = await loadModelFor(flags);
      const [{ resolveStyle }, { transferStream, streamLatencySamples }, { StreamResampler }] = await Promise.all([import('../transfer/style.js'), import('../transfer/transfer.js'), import('../audio/resample.js')]);
      const style = await resolveStyle(flags.style, model.presets, model.analysis);
      const modelRate = model.analysis.sampleRate;
      const inward = await StreamResampler.create(flags.rate, modelRate);
      const outward = await StreamResampler.create(modelRate, flags.rate);
      const { steps, strength, eta, guidance, guidanceFrom, seed, iterations, phase } = flags;
      const stream = transferStream(model, style, { steps, strength, eta, guidance, guidanceFrom, seed, iterations, phase });
      if (flags.verbose) {
        const latency = streamLatencySamples(model) / modelRate;
        console.error(`mst stream: ${flags.format} mono at ${flags.rate} Hz in and out; style ${style.name}; each sample waits at most ${latency.toFixed(2)} s (one tile plus the vocoder's look-ahead) plus compute`);
      }
      const decoder = new PcmDecoder(flags.format);
      const write = (samples: Float32Array) =>
        new Promise<void>((resolve, reject) => {
          if (samples.length === 0) return resolve();
          process.stdout.write(encode(outward.push(samples), flags.format), (error) => (error ? reject(error) : resolve()));
        });
      let readerGone = false;
      try {
        process.stdout.on('error', () => (readerGone = true)); // a reader that went away (EPIPE) ends the stream below, quietly
        for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
          if (readerGone) return; // nobody reads the rest: stop now rather than transfer endless input into nowhere
          await write(stream.push(inward.push(decoder.push(chunk))));
        }
        const rest = concatSamples(stream.push(inward.finish()), stream.finish());
        await write(rest);
        const tail = outward.finish();
        if (tail.length) await new Promise<void>((resolve, reject) => process.stdout.write(encode(tail, flags.format), (e) => (e ? reject(e) : resolve())));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error; // the reader closed: nothing more to do
      } finally {
        stream.dispose();
        style.tile.dispose();
        model.dispose();
      }
    });
}
