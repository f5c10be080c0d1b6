/**
 * Rendering scores to audio with FluidSynth (SoundFont 2 files) or TiMidity++ (GUS patch sets,
 * named by a timidity config file): deterministic (the same bytes twice), reverb and chorus off,
 * at 44.1 or 32 kHz (rendering straight at 16 kHz aliases in the top bands), as raw 16-bit stereo
 * that is mixed to mono and brought to the model's rate by the band-limited resampler.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resample } from '../audio/resample.js';
import { scoreToBytes, retime, concatenate, forInstrument, type Score } from './midi.js';
import { renderStk, STK_RAWWAVES } from './stk.js';
import { renderEas, EAS_RENDERER } from './eas.js';
import { RenderError, runSynth, inRenderFolder } from './synth.js';

export { RenderError } from './synth.js';

export interface RenderOptions {
  /** The SoundFont (.sf2) to play with, a timidity config (.cfg) naming a patch set, or EAS_RENDERER (Sonivox's wavetable, eas.ts). */
  soundfont: string;
  /** Output sample rate, Hz. */
  sampleRate: number;
  /** FluidSynth's own rate, Hz (default 44100). */
  synthRate?: number;
  /** Master gain (default 0.5: headroom for dense polyphony); timidity's volume is this × 100 %. */
  gain?: number;
  /** The fluidsynth executable (default: from PATH). */
  fluidsynth?: string;
}

/** Renders a score; returns mono samples at `options.sampleRate`. */
export async function renderScore(score: Score, options: RenderOptions): Promise<Float32Array> {
  if (options.soundfont === EAS_RENDERER) return renderEas(score, options);
  if (!existsSync(options.soundfont)) {
    throw new RenderError(`SoundFont ${options.soundfont} not found; install it (its Debian package is listed in src/data/fonts.ts, e.g. fluid-soundfont-gm for FluidR3_GM.sf2; scripts/setup.sh installs them all)`);
  }
  return inRenderFolder('render', async (dir) => {
    const midi = join(dir, 'score.mid');
    const raw = join(dir, 'score.raw');
    writeFileSync(midi, scoreToBytes(score));
    // raw little-endian 16-bit stereo: no container to parse, half the bytes of float
    const synthRate = options.synthRate ?? 44100;
    const gain = options.gain ?? 0.5;
    const [command, args, install] = options.soundfont.endsWith('.cfg')
      // timidity keeps leading silence (so clips stay aligned with the score) and is asked not to
      // drop voices when it runs late; even so it is not bit-exact on a busy machine (5 of 24
      // renders of a phrase differed, by 0.26 dB of log-mel on average, while another job held
      // both cores), which its uses, the judge's corpora, tolerate; FluidSynth is bit-exact.
      // It also reads Debian's default config (FluidR3) for programs the set lacks: fonts.ts's
      // programsOf tells which programs the set itself defines
      ? ['timidity', ['-c', options.soundfont, '-OrS1sl', '-s', String(synthRate), '-EFreverb=d', '-EFchorus=d', `-A${Math.round(gain * 100)}`,
        '--preserve-silence', '--no-polyphony-reduction', '-k', '0', '-o', raw, midi], 'timidity']
      : [options.fluidsynth ?? 'fluidsynth', ['-ni', '-q', '-R', '0', '-C', '0', '-g', String(gain), '-r', String(synthRate), '-T', 'raw', '-O', 's16', '-E', 'little', '-F', raw, options.soundfont, midi], 'fluidsynth'];
    const { code, stderr } = await runSynth(command, args, install);
    if (code !== 0 || !existsSync(raw)) throw new RenderError(`${command} failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const bytes = readFileSync(raw);
    const stereo = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
    const mono = new Float32Array(stereo.length >> 1);
    for (let i = 0; i < mono.length; i++) mono[i] = (stereo[2 * i]! + stereo[2 * i + 1]!) / 65536; // (L + R) / 2, scaled by 1/32768
    return await resample(mono, synthRate, options.sampleRate);
  });
}

/** Mean power (mean square) of each whole block of `block` samples; a short tail is left out. */
export function blockPowers(samples: Float32Array, block: number): Float64Array {
  const powers = new Float64Array(Math.floor(samples.length / block));
  for (let b = 0; b < powers.length; b++) {
    let sum = 0;
    for (let i = b * block; i < (b + 1) * block; i++) sum += samples[i]! * samples[i]!;
    powers[b] = sum / block;
  }
  return powers;
}

/** RMS level in dBFS over the louder half of 50 ms blocks (so rests do not count), or −∞ for silence. */
export function activeLevelDb(samples: Float32Array, sampleRate: number): number {
  const powers = blockPowers(samples, Math.max(1, Math.round(0.05 * sampleRate)));
  if (powers.length === 0) return -Infinity;
  powers.sort((a, b) => b - a);
  const loud = powers.slice(0, Math.max(1, Math.ceil(powers.length / 2)));
  const mean = loud.reduce((a, b) => a + b, 0) / loud.length;
  return mean > 0 ? 10 * Math.log10(mean) : -Infinity;
}

/** Scales samples so that their active level is `targetDb` dBFS, then limits peaks to ±`peak`. */
export function normaliseLoudness(samples: Float32Array, sampleRate: number, targetDb = -20, peak = 0.99): Float32Array {
  const level = activeLevelDb(samples, sampleRate);
  if (!Number.isFinite(level)) return samples;
  let gain = 10 ** ((targetDb - level) / 20);
  let max = 0;
  for (let i = 0; i < samples.length; i++) max = Math.max(max, Math.abs(samples[i]!));
  if (max * gain > peak) gain = peak / max;
  const out = new Float32Array(samples.length); // an indexed loop: TypedArray.map is many times slower
  for (let i = 0; i < samples.length; i++) out[i] = samples[i]! * gain;
  return out;
}

/** Cuts or zero-pads to exactly `length` samples (FluidSynth appends seconds of silence). */
export function fitLength(samples: Float32Array, length: number): Float32Array {
  if (samples.length === length) return samples;
  const out = new Float32Array(length);
  out.set(samples.subarray(0, length));
  return out;
}

/**
 * Renders one score by several instruments in a single FluidSynth run (the SoundFont loads once)
 * (the STK's models, `soundfont` STK_RAWWAVES, in one stk-demo run each):
 * the copies play one after another, `lengthSeconds + gapSeconds` apart, and the output is cut
 * back into one clip per program, each exactly `lengthSeconds` long.
 * @returns one clip [round(lengthSeconds·sampleRate)] per program, in order
 */
export async function renderPrograms(score: Score, programs: readonly number[], lengthSeconds: number, options: RenderOptions & { gapSeconds?: number }): Promise<Float32Array[]> {
  const length = Math.round(lengthSeconds * options.sampleRate);
  if (options.soundfont === STK_RAWWAVES) {
    // the STK's models are programs of their own: one stk-demo run each
    const clips: Float32Array[] = [];
    for (const program of programs) clips.push(fitLength(await renderStk(retime(score), program, options), length));
    return clips;
  }
  const period = Math.ceil((lengthSeconds + (options.gapSeconds ?? 2)) * 4) / 4; // a quarter-second grid: exact in ticks and samples
  const fixed = retime(score);
  const all = await renderScore(concatenate(programs.map((p) => forInstrument(fixed, p)), period), options);
  return programs.map((_, i) => fitLength(all.subarray(Math.round(i * period * options.sampleRate)), length));
}
