/**
 * Single clips of real music played by one instrument: the bundled example, the model's style
 * presets and the benchmarks' inputs are made here, with the same synthesizer, SoundFont and
 * loudness as the dataset.
 */
import { discoverPieces, MIDI_SOURCES, type Piece } from './sources.js';
import { channelsOf, cutScore, forInstrument, notesOf, transpose } from './midi.js';
import { renderScore, normaliseLoudness, fitLength } from './render.js';
import { instrument as instrumentNamed } from './instruments.js';
import { DATASET_CONFIGS } from './config.js';

/** The piece with this id (as the dataset names it, e.g. "musescore/Reunion" or "freedoom/freedoom1-D_INTRO#melody"). */
export function findPiece(id: string): Piece {
  const sourceName = id.split('/')[0]!;
  const source = MIDI_SOURCES.find((s) => s.name === sourceName);
  if (!source) throw new RangeError(`no MIDI source called ${sourceName}; sources: ${MIDI_SOURCES.map((s) => s.name).join(', ')}`);
  const messages: string[] = [];
  const piece = discoverPieces([source], (m) => messages.push(m)).find((p) => p.id === id);
  if (!piece) throw new RangeError(`no piece ${id}${messages.length ? ` (${messages.slice(0, 2).join('; ')})` : ''}; is ${source.package} installed (scripts/setup.sh)?`);
  return piece;
}

export interface ClipOptions {
  /** Length of the clip, s. */
  seconds: number;
  /** Where the clip starts, s after the piece's first note (default 0). */
  offsetSeconds?: number;
  sampleRate?: number;
  /** Default: the dataset's training SoundFont (FluidR3_GM). */
  soundfont?: string;
}

/**
 * `piece` played by `instrumentName` (moved by octaves so its median note sits in the
 * instrument's range), at the dataset's loudness; mono, exactly `seconds` long.
 */
export async function renderClip(piece: Piece, instrumentName: string, options: ClipOptions): Promise<Float32Array> {
  const { program, range } = instrumentNamed(instrumentName);
  const dataset = DATASET_CONFIGS.full;
  const sampleRate = options.sampleRate ?? dataset.analysis.sampleRate;
  const offset = (notesOf(piece.score)[0]?.start ?? 0) + (options.offsetSeconds ?? 0);
  const lines = channelsOf(piece.score);
  const median = lines.length ? lines.map((l) => l.medianPitch).sort((a, b) => a - b)[lines.length >> 1]! : 60;
  const octaves = Math.round(((range[0] + range[1]) / 2 - median) / 12);
  const score = forInstrument(transpose(cutScore(piece.score, offset + options.seconds), 12 * octaves), program);
  const samples = await renderScore(score, { soundfont: options.soundfont ?? dataset.trainFont.path, sampleRate });
  const clip = fitLength(samples.subarray(Math.round(offset * sampleRate)), Math.round(options.seconds * sampleRate));
  if (!clip.some((v) => v !== 0)) throw new RangeError(`${piece.id} is silent from ${offset.toFixed(1)} s for ${options.seconds} s; choose another offset`);
  return normaliseLoudness(clip, sampleRate, dataset.loudnessDb);
}
