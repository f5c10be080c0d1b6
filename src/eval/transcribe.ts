/**
 * Note transcription with Spotify's basic-pitch (npm @spotify/basic-pitch: Apache-2.0, its
 * weights inside the package), on TensorFlow.js's wasm backend. An independent judge of content:
 * nobody here trained it, and the style-transfer model never sees it.
 *
 * basic-pitch listens at 22,050 Hz; audio at other rates is resampled first.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { resample } from '../audio/resample.js';

const require = createRequire(import.meta.url);

/** A transcribed note. */
export interface TranscribedNote {
  /** Onset and release, seconds. */
  start: number;
  end: number;
  /** MIDI note number. */
  pitch: number;
  /** basic-pitch's amplitude estimate, 0–1. */
  amplitude: number;
}

export const BASIC_PITCH_RATE = 22050;

/** basic-pitch's note settings (its own defaults, but for inferOnsets). */
export interface TranscriptionOptions {
  onsetThreshold?: number;
  frameThreshold?: number;
  /** Shortest note, in frames of 11.6 ms. */
  minNoteFrames?: number;
  /**
   * Also count onsets inferred from rises of the frame activations (basic-pitch's default).
   * Default false here: resynthesised audio wavers in level, and each waver of a held note would
   * count as a new onset; only the onset detector's own peaks are kept.
   */
  inferOnsets?: boolean;
  /**
   * Join a note to the previous one of the same pitch when it starts within this many seconds of
   * that one's end and is no louder (basic-pitch cuts held string and organ notes into abutting
   * pieces); a louder one is a new stroke. Default 0.02; 0 keeps every piece.
   */
  joinGapSeconds?: number;
}

/** Joins abutting pieces of held notes (see TranscriptionOptions.joinGapSeconds); notes sorted by onset. */
export function joinHeldNotes(notes: TranscribedNote[], gap: number): TranscribedNote[] {
  if (gap <= 0) return notes;
  const open = new Map<number, TranscribedNote>();
  const out: TranscribedNote[] = [];
  for (const note of notes) {
    const last = open.get(note.pitch);
    if (last && note.start - last.end <= gap && note.amplitude <= last.amplitude) {
      last.end = Math.max(last.end, note.end);
      continue;
    }
    const copy = { ...note };
    open.set(note.pitch, copy);
    out.push(copy);
  }
  return out;
}

type Tf = typeof import('@tensorflow/tfjs');
type BasicPitchModule = typeof import('@spotify/basic-pitch');

let loaded: Promise<{ tf: Tf; bp: BasicPitchModule; model: ReturnType<Tf['loadGraphModel']> }> | null = null;

/** Loads TensorFlow.js on its wasm backend and basic-pitch's model from the package's files, once. */
function load() {
  loaded ??= (async () => {
    const tf = require('@tensorflow/tfjs') as Tf;
    require('@tensorflow/tfjs-backend-wasm');
    const bp = require('@spotify/basic-pitch') as BasicPitchModule;
    if (!(await tf.setBackend('wasm'))) throw new Error('transcribe: the TensorFlow.js wasm backend did not start');
    const modelDir = join(dirname(require.resolve('@spotify/basic-pitch/package.json')), 'model');
    const json = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8'));
    const weights = readFileSync(join(modelDir, 'group1-shard1of1.bin'));
    const model = tf.loadGraphModel(tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }));
    return { tf, bp, model };
  })();
  return loaded;
}

/** The notes basic-pitch hears in mono `samples` at `sampleRate`, sorted by onset, then pitch. */
export async function transcribe(samples: Float32Array, sampleRate: number, options: TranscriptionOptions = {}): Promise<TranscribedNote[]> {
  const { bp, model } = await load();
  const audio = sampleRate === BASIC_PITCH_RATE ? samples : await resample(samples, sampleRate, BASIC_PITCH_RATE);
  const frames: number[][] = [];
  const onsets: number[][] = [];
  const contours: number[][] = [];
  await new bp.BasicPitch(model).evaluateModel(audio, (f, o, c) => {
    frames.push(...f);
    onsets.push(...o);
    contours.push(...c);
  }, () => {});
  const events = bp.outputToNotesPoly(frames, onsets, options.onsetThreshold ?? 0.5, options.frameThreshold ?? 0.3, options.minNoteFrames ?? 5, options.inferOnsets ?? false);
  const notes = bp.noteFramesToTime(events)
    .map((n) => ({ start: n.startTimeSeconds, end: n.startTimeSeconds + n.durationSeconds, pitch: n.pitchMidi, amplitude: n.amplitude }))
    .sort((a, b) => a.start - b.start || a.pitch - b.pitch);
  return joinHeldNotes(notes, options.joinGapSeconds ?? 0.02);
}
