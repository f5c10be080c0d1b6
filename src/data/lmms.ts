/**
 * LMMS's bundled recordings (Debian `lmms-common`, /usr/share/lmms/samples) made into a General
 * MIDI SoundFont for the instrument judge: one or a few recorded notes per instrument — a cello, a
 * violin, a flute, a trumpet, a piano, a steel-string guitar, a church organ, a string section —
 * each transposed across the keyboard by FluidSynth, as a small SoundFont would. Recordings of
 * solo violin and cello that no other set here holds.
 *
 * Each recording's pitch is measured (YIN, audio/pitch.ts), not read from its name. Sustained
 * instruments loop a stretch of their steady part, cross-faded into the loop start so the joint is
 * seamless; struck and plucked ones play once and decay as recorded. The font is built once per
 * machine (ensureLmmsFont) into LMMS_FONT, the set's path in fonts.ts.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readAudio } from '../audio/decode.js';
import { estimatePitch } from '../audio/pitch.js';
import { instrument } from './instruments.js';
import { blockPowers } from './render.js';
export { LMMS_FONT } from './lmms-recordings.js';
import { LMMS_FONT, LMMS_INSTRUMENTS, LMMS_SAMPLES, type LmmsRecording } from './lmms-recordings.js';
import { writeSoundFont, type RecordedInstrument, type RecordedZone } from './sf2-write.js';

/** The rate the recordings are read and stored at, Hz. */
const FONT_RATE = 44100;

/**
 * The loop of a sustained recording: from a third of the way into its steady part (the frames
 * within 6 dB of its loudest) to just before that part ends, a whole number of periods long.
 */
export function steadyLoop(samples: Float32Array, sampleRate: number, periodSamples: number): { start: number; end: number } {
  const frame = Math.round(0.01 * sampleRate);
  const levels = Array.from(blockPowers(samples, frame), (power) => 10 * Math.log10(power + 1e-12)); // dBFS of 10 ms frames
  const loudest = Math.max(...levels);
  const first = levels.findIndex((level) => level > loudest - 6);
  const last = levels.length - 1 - [...levels].reverse().findIndex((level) => level > loudest - 6);
  const steadyStart = first * frame;
  const steadyEnd = (last + 1) * frame - Math.round(0.05 * sampleRate);
  const start = Math.round(steadyStart + (steadyEnd - steadyStart) / 3);
  const periods = Math.max(1, Math.round((steadyEnd - start) / periodSamples));
  const end = Math.min(samples.length, start + Math.round(periods * periodSamples));
  if (end - start < Math.round(0.1 * sampleRate)) throw new RangeError(`lmms: the steady part of a recording is too short to loop (${((end - start) / sampleRate).toFixed(3)} s)`);
  return { start, end };
}

/**
 * Cross-fades the `fade` samples before `loop.end` into those before `loop.start`, so that
 * playing on from the end into the start continues the signal as it was at the start: the
 * joint is seamless whatever the phase, vibrato or level there. Returns a new array.
 */
export function crossfadeLoop(samples: Float32Array, loop: { start: number; end: number }, fade: number): Float32Array {
  const length = Math.min(fade, loop.start, loop.end - loop.start);
  const out = samples.slice();
  for (let i = 0; i < length; i++) {
    const w = (i + 1) / length; // reaches 1 at the last sample before the end: it is then the sample before the start
    const at = loop.end - length + i;
    out[at] = (1 - w) * samples[at]! + w * samples[loop.start - length + i]!;
  }
  return out;
}

/** Drops the quiet lead-in (below −50 dB of the peak) and scales the peak to 0.8. */
function trimmed(samples: Float32Array): Float32Array {
  let peak = 0;
  for (const value of samples) peak = Math.max(peak, Math.abs(value));
  if (peak === 0) throw new RangeError('lmms: a recording is silent');
  const floor = peak * 10 ** (-50 / 20);
  const first = samples.findIndex((value) => Math.abs(value) > floor);
  const out = samples.slice(first);
  for (let i = 0; i < out.length; i++) out[i]! *= 0.8 / peak;
  return out;
}

async function recordedZone(recording: LmmsRecording, sustained: boolean, keyRange: [number, number], samplesDir: string): Promise<RecordedZone> {
  const path = join(samplesDir, recording.file);
  const samples = trimmed(await readAudio(path, { sampleRate: FONT_RATE }));
  const pitch = estimatePitch(samples, FONT_RATE);
  const rootKey = Math.round(pitch.midi);
  const zone: RecordedZone = { samples, sampleRate: FONT_RATE, rootKey, centsAbove: 100 * (pitch.midi - rootKey), keyRange };
  if (!sustained) return zone;
  const loop = steadyLoop(samples, FONT_RATE, FONT_RATE / pitch.hz);
  return { ...zone, samples: crossfadeLoop(samples, loop, Math.round(0.1 * FONT_RATE)), loop };
}

/** The font's instruments, read and measured from the recordings in `samplesDir`. */
export async function lmmsInstruments(samplesDir = LMMS_SAMPLES): Promise<RecordedInstrument[]> {
  if (!existsSync(samplesDir)) throw new Error(`${samplesDir} not found: install Debian's lmms-common (scripts/setup.sh does), whose recordings the lmms sound set plays`);
  const instruments: RecordedInstrument[] = [];
  for (const spec of LMMS_INSTRUMENTS) {
    const zones: RecordedZone[] = [];
    let low = 0;
    for (const recording of spec.recordings) {
      const high = recording.upTo ?? 127;
      zones.push(await recordedZone(recording, spec.sustained, [low, high], samplesDir));
      low = high + 1;
    }
    instruments.push({ program: instrument(spec.name).program, name: spec.name, zones, releaseSeconds: spec.releaseSeconds });
  }
  return instruments;
}

/** Builds LMMS_FONT from lmms-common's recordings unless it is there; returns its path. */
export async function ensureLmmsFont(path = LMMS_FONT, samplesDir = LMMS_SAMPLES): Promise<string> {
  if (existsSync(path)) return path;
  const instruments = await lmmsInstruments(samplesDir);
  mkdirSync(dirname(path), { recursive: true });
  writeSoundFont(path, 'LMMS recordings (mst)', instruments);
  return path;
}
