/**
 * `mst transfer <input…> --style <preset | reference> -o <out>`: recordings played by another
 * instrument, and `mst styles`: the presets of a model. Several inputs, or a folder, are
 * transferred one after another with the model loaded once; their outputs go into the folder -o.
 */
import { Command, Option } from 'commander';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join, relative } from 'node:path';
import { OutputPathError } from '../engine/files.js';
import { DEFAULT_MODEL, stylePresets, modelSamplingDefaults, resolveModelPath } from '../transfer/model-folder.js';
import type { DdimOptions } from '../model/ddim.js';
import { GUIDANCE_FROM, type GuidanceFrom } from '../model/guidance-from.js';
import { VOCODER_PHASES, type VocoderPhase } from '../audio/vocoder-phase.js';
import type { StyleTransferModel } from '../transfer/bundle.js';
import type { TransferResult } from '../transfer/transfer.js';
import { progressBar } from './progress.js';
import { numberIn } from './options.js';

const AUDIO_EXTENSIONS = new Set(['.wav', '.flac', '.mp3', '.ogg', '.oga', '.opus', '.m4a', '.mp4', '.aac']);

/** The sampling and model options `transfer` and `stream` share. */
export interface SamplingFlags {
  model: string;
  style: string;
  steps?: number;
  strength?: number;
  eta?: number;
  guidance?: number;
  guidanceFrom?: GuidanceFrom;
  seed: number;
  device: 'cpu' | 'cuda';
  iterations: number;
  phase: VocoderPhase;
}

export function addSamplingOptions(command: Command): Command {
  // the defaults shown are those of the model used when none is named; another model's are its own
  const shipped = modelSamplingDefaults();
  const model = (key: keyof DdimOptions | 'guidance' | 'guidanceFrom', whereNone?: string) =>
    shipped?.[key] !== undefined
      ? `default: the model's; ${shipped[key]} for ${relative(process.cwd(), DEFAULT_MODEL) || '.'}`
      : `default: the model's${whereNone ? `, ${whereNone} where it gives none` : ''}`;
  return command
    .requiredOption('-s, --style <preset|file>', 'a preset (mst styles lists them) or a reference clip of the instrument to sound like')
    .option('-m, --model <folder>', 'the model folder, a shipped model by name (default, seed) or a model.safetensors', DEFAULT_MODEL)
    .option('--steps <n>', `DDIM steps, at most strength × 1000 (${model('steps')})`, numberIn(1, 1000, true))
    .option('--strength <s>', `how far the content is noised before sampling, (0, 1] (${model('strength')})`, numberIn(0.001, 1))
    .option('--eta <e>', `DDIM noise: 0 deterministic, 1 DDPM (${model('eta')})`, numberIn(0, 1))
    .option('--guidance <g>', `style guidance: 1 none, >1 follows the style more strongly (${model('guidance', '1')})`, numberIn(0, 100))
    .addOption(new Option('--guidance-from <what>', `what style guidance steers away from: nothing (no style) or content (the input's own timbre) (${model('guidanceFrom', 'nothing')})`).choices([...GUIDANCE_FROM]))
    .option('--seed <n>', 'seed of the sampling noise', numberIn(0, 2 ** 31 - 1, true), 0)
    .addOption(new Option('--device <device>', 'where the model runs').choices(['cpu', 'cuda']).default('cpu'))
    .option('--iterations <n>', 'Griffin-Lim iterations of the vocoder', numberIn(1, 1000, true), 32)
    .addOption(new Option('--phase <start>', "where the vocoder's phase starts: the input's own (keeps its attacks in place) or random").choices([...VOCODER_PHASES]).default('input'));
}

/**
 * Loads the model onto the device asked for, after checking that the device exists. The engine
 * itself loads here, not when the command line is assembled (mst --help stays instant).
 */
export async function loadModelFor(flags: SamplingFlags): Promise<StyleTransferModel> {
  const [{ engineInfo }, { loadModel }, { samplingOptions }] = await Promise.all([import('../engine/index.js'), import('../transfer/bundle.js'), import('../transfer/transfer.js')]);
  if (flags.device === 'cuda' && !engineInfo().cudaAvailable) {
    throw new Error('--device cuda: libtorch sees no CUDA device here; build the engine against a CUDA libtorch (README) or use --device cpu');
  }
  const model = loadModel(flags.model, { device: flags.device });
  samplingOptions(model, flags); // bad settings fail before any audio is read
  return model;
}

/** The audio files of `inputs`: files as given, folders by their audio files (sorted). */
function expandInputs(inputs: string[]): string[] {
  return inputs.flatMap((input) => {
    if (!existsSync(input) || !statSync(input).isDirectory()) return [input];
    const files = readdirSync(input)
      .filter((f) => AUDIO_EXTENSIONS.has(extname(f).toLowerCase()))
      .sort()
      .map((f) => join(input, f));
    if (files.length === 0) throw new Error(`${input}: a folder without audio files (${[...AUDIO_EXTENSIONS].join(' ')})`);
    return files;
  });
}

interface TransferFlags extends SamplingFlags {
  output: string;
  spectrogram?: string | true;
  batch: number;
  float?: boolean;
  json?: boolean;
}

export function transferCommand(): Command {
  const command = new Command('transfer')
    .description('play recordings with another instrument\'s timbre')
    .argument('<input...>', 'audio files (WAV, FLAC, MP3, Ogg Vorbis, Opus, M4A) or folders of them')
    .requiredOption('-o, --output <path>', 'the output WAV; with several inputs or a folder, the folder for the outputs');
  return addSamplingOptions(command)
    .option('--spectrogram [png]', 'also draw the input\'s and output\'s spectrograms (default: beside the output, .png)')
    .option('--batch <n>', 'tiles sampled together (1 uses the least memory)', numberIn(1, 256, true), 8)
    .option('--float', 'write 32-bit float samples instead of 16-bit PCM')
    .option('--json', 'print one JSON line per file')
    .action(async (inputs: string[], flags: TransferFlags) => {
      const files = expandInputs(inputs);
      const batchMode = files.length > 1 || inputs.some((i) => existsSync(i) && statSync(i).isDirectory());
      if (batchMode) {
        if (typeof flags.spectrogram === 'string') throw new OutputPathError(flags.spectrogram, 'with several inputs each picture goes beside its output; give --spectrogram without a path');
        if (existsSync(flags.output) && !statSync(flags.output).isDirectory()) throw new OutputPathError(flags.output, 'with several inputs, -o names a folder for the outputs, and this is a file');
      }
      const outputs = files.map((file) => (batchMode ? join(flags.output, `${basename(file, extname(file))}.wav`) : flags.output));
      const clash = outputs.find((o, i) => outputs.indexOf(o) !== i);
      if (clash !== undefined) throw new OutputPathError(clash, `two inputs would both be written here (${files.filter((_, i) => outputs[i] === clash).join(', ')}); transfer them in separate runs or rename one`);
      const model = await loadModelFor(flags);
      const [{ resolveStyle }, { transferOnThisThread: transfer }] = await Promise.all([import('../transfer/style.js'), import('../transfer/transfer.js')]);
      const style = await resolveStyle(flags.style, model.presets, model.analysis);
      const failed: string[] = [];
      try {
        if (batchMode) mkdirSync(flags.output, { recursive: true });
        for (const [i, file] of files.entries()) {
          const output = outputs[i]!;
          const spectrogram = flags.spectrogram === undefined ? undefined : typeof flags.spectrogram === 'string' ? flags.spectrogram : output.replace(/\.wav$/i, '') + '.png';
          const bar = flags.json ? null : progressBar(basename(file), 's');
          let result: TransferResult;
          try {
            result = await transfer(model, file, output, {
              style,
              steps: flags.steps,
              strength: flags.strength,
              eta: flags.eta,
              guidance: flags.guidance,
              guidanceFrom: flags.guidanceFrom,
              seed: flags.seed,
              batchSize: flags.batch,
              iterations: flags.iterations,
              phase: flags.phase,
              format: flags.float ? 'float32' : 'pcm16',
              spectrogram,
              onProgress: (seconds) => bar?.update(seconds),
              onWarning: (message) => console.error(`mst: warning: ${message}`),
            });
          } catch (error) {
            if (!batchMode) throw error;
            console.error(`mst: ${(error as Error).message}`); // one bad file does not stop the others
            failed.push(file);
            continue;
          } finally {
            bar?.stop();
          }
          const figures = { ...result, seconds: Number(result.seconds.toFixed(3)), wallSeconds: Number(result.wallSeconds.toFixed(3)), realTimeFactor: Number(result.realTimeFactor.toFixed(1)), ...(spectrogram ? { spectrogram } : {}) };
          if (flags.json) console.log(JSON.stringify(figures));
          else console.log(`wrote ${output}: ${figures.seconds} s as ${basename(style.name)} in ${figures.wallSeconds} s (${figures.realTimeFactor}× real time)${spectrogram ? `; picture ${spectrogram}` : ''}`);
        }
        if (failed.length > 0) throw new Error(`${failed.length} of ${files.length} inputs failed (${failed.join(', ')}); the others were written`);
      } finally {
        style.tile.dispose();
        model.dispose();
      }
    });
}

export function stylesCommand(): Command {
  return new Command('styles')
    .description('list the style presets of a model')
    .option('-m, --model <folder>', 'the model folder, or a shipped model by name (default, seed)', DEFAULT_MODEL)
    .option('--json', 'print them as JSON')
    .action(async (flags: { model: string; json?: boolean }) => {
      flags.model = resolveModelPath(flags.model);
      if (!existsSync(flags.model) || !statSync(flags.model).isDirectory() || !existsSync(join(flags.model, 'model.safetensors'))) {
        throw new Error(`${flags.model}: not a model folder (a folder with model.safetensors); give one like models/default`);
      }
      const presets = stylePresets(flags.model);
      if (flags.json) console.log(JSON.stringify(presets));
      else if (presets.length === 0) console.log(`${flags.model} has no presets; give --style a reference clip instead`);
      else {
        const width = Math.max(...presets.map((p) => p.name.length));
        for (const p of presets) console.log(`${p.name.padEnd(width)}  ${p.description}`);
      }
    });
}
