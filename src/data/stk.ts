/**
 * The Synthesis ToolKit (Perry Cook and Gary Scavone's STK, Debian `stk`) as a sound set: physical
 * and FM models of instruments — a bowed string, a reed and bore, a lip-driven brass bore, a
 * plucked string, a Hammond-like FM organ — played by its `stk-demo` program. No recorded
 * instrument at all, which is what the instrument judge needs beside the SoundFonts: a family
 * that shares nothing with any sample set.
 *
 * A score becomes SKINI, STK's text score (`NoteOn Δt channel pitch velocity`, Δt in seconds
 * since the previous line), and stk-demo renders it offline with enough voices for its chords.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAudio } from '../audio/decode.js';
import { notesOf, type Score } from './midi.js';
import { RenderError, runSynth, inRenderFolder } from './synth.js';
import { STK_MODELS } from './stk-models.js';

export { STK_RAWWAVES, STK_MODELS } from './stk-models.js';

/** Most notes a piece may hold at once: stk-demo allocates this many voices. */
const VOICES = 16;

/** The SKINI text of a score's melodic notes, from t = 0, with `tailSeconds` of silence after the last release. */
export function scoreToSkini(score: Score, tailSeconds = 1): string {
  const events = notesOf(score)
    .flatMap((n) => [
      { at: n.start, line: (dt: string) => `NoteOn ${dt} 1 ${n.pitch} ${Math.max(1, n.velocity)}`, order: 1 },
      { at: n.end, line: (dt: string) => `NoteOff ${dt} 1 ${n.pitch} 64`, order: 0 },
    ])
    .sort((a, b) => a.at - b.at || a.order - b.order); // a release before an onset at the same time
  let now = 0;
  const lines = events.map((e) => {
    const dt = Math.max(0, e.at - now);
    now = Math.max(now, e.at);
    return e.line(dt.toFixed(6));
  });
  lines.push(`NoteOff ${tailSeconds.toFixed(6)} 1 0 0`); // nothing sounds at pitch 0: only the time passes
  return lines.join('\n') + '\n';
}

/** Renders a score with the STK model for `program`; mono samples at `sampleRate`. */
export async function renderStk(score: Score, program: number, options: { sampleRate: number; synthRate?: number }): Promise<Float32Array> {
  const model = STK_MODELS[program];
  if (model === undefined) throw new RangeError(`stk: no STK model stands for General MIDI program ${program}; programs: ${Object.keys(STK_MODELS).join(', ')}`);
  return inRenderFolder('stk', async (dir) => {
    const skini = join(dir, 'score.ski');
    const wav = join(dir, 'score.wav');
    writeFileSync(skini, scoreToSkini(score));
    const { code, stderr } = await runSynth('stk-demo', [model, '-n', String(VOICES), '-s', String(options.synthRate ?? 44100), '-ow', wav, '-if', skini], 'stk');
    if (code !== 0 || !existsSync(wav)) throw new RenderError(`stk-demo ${model} failed (exit ${code}): ${stderr.trim().split('\n').slice(-2).join(' | ')}`);
    return await readAudio(wav, { sampleRate: options.sampleRate });
  });
}
