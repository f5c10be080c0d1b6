/**
 * Sonivox's Embedded Audio Synthesis (EAS, Debian `libsonivox3`) as a sound set: the General MIDI
 * wavetable Sonic Network made for phones (2004–2006), later Android's MIDI synthesizer, built into
 * the library. Its recordings are its own and small (22,050 Hz), unlike any SoundFont here, which is
 * what the instrument judge needs: one more family that hears a violin its own way.
 *
 * `eas-render` (native/eas-render.c, built by node-gyp beside the engine where libsonivox-dev is
 * installed) plays a MIDI file into a WAV file, reverb and chorus off.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAudio } from '../audio/decode.js';
import { scoreToBytes, type Score } from './midi.js';
import { RenderError, runSynth, inRenderFolder } from './synth.js';
import { EAS_RENDERER } from './eas-renderer.js';

export { EAS_RENDERER } from './eas-renderer.js';

/** Renders a score with EAS's wavetable; mono samples at `sampleRate`. */
export async function renderEas(score: Score, options: { sampleRate: number }): Promise<Float32Array> {
  if (!existsSync(EAS_RENDERER)) {
    throw new RenderError(`${EAS_RENDERER} is missing: it is built with the engine where Sonivox's library is installed (Debian: apt-get install libsonivox-dev, or scripts/setup.sh; then npm run build:native)`);
  }
  return inRenderFolder('eas', async (dir) => {
    const midi = join(dir, 'score.mid');
    const wav = join(dir, 'score.wav');
    writeFileSync(midi, scoreToBytes(score));
    const { code, stderr } = await runSynth(EAS_RENDERER, [midi, wav], 'libsonivox-dev');
    if (code !== 0 || !existsSync(wav)) throw new RenderError(`eas-render failed (exit ${code}): ${stderr.trim().split('\n').slice(-2).join(' | ')}`);
    return await readAudio(wav, { sampleRate: options.sampleRate });
  });
}
