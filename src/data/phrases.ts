/**
 * Generated phrases that cover the registers the instruments play in: scales, arpeggios,
 * melodies (a seeded random walk in a key, with varied rhythm and dynamics) and block chords.
 * Deterministic for a given seed. Each phrase is a Score on channel 0 at its own tempo.
 */
import type { Score } from './midi.js';
import { seededRandom } from '../random.js';

export type PhraseKind = 'scale' | 'arpeggio' | 'melody' | 'chords';

export interface PhraseNote {
  /** Onset and length in beats. */
  beat: number;
  beats: number;
  pitch: number;
  velocity: number;
}

export interface Phrase {
  id: string;
  kind: PhraseKind;
  /** Lowest and highest note the phrase may use. */
  register: [number, number];
  bpm: number;
  notes: PhraseNote[];
}

const MAJOR = [0, 2, 4, 5, 7, 9, 11];
const MINOR = [0, 2, 3, 5, 7, 8, 10];
const TICKS = 480;

/** Scale degrees (any integer, octaves wrap) of a key → MIDI notes. */
function degreeToPitch(tonic: number, mode: number[], degree: number): number {
  const octave = Math.floor(degree / 7);
  return tonic + 12 * octave + mode[((degree % 7) + 7) % 7]!;
}

/** Makes one phrase of `kind` inside `register`, about `beats` long. */
export function makePhrase(kind: PhraseKind, register: [number, number], seed: number, beats = 16): Phrase {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const mode = random() < 0.5 ? MAJOR : MINOR;
  const [lo, hi] = register;
  const tonic = lo + Math.floor(random() * 12);
  const inRange = (p: number) => p >= lo && p <= hi;
  const dynamics = () => Math.round(50 + random() * 70); // pp … ff, per phrase section
  const notes: PhraseNote[] = [];
  let beat = 0;
  if (kind === 'scale') {
    const step = pick([0.25, 0.5, 1]);
    const span = Math.min(15, Math.floor(((hi - tonic) / 12) * 7));
    const degrees = [...Array(span + 1).keys(), ...[...Array(span).keys()].reverse()];
    let velocity = dynamics();
    for (const d of degrees) {
      if (beat >= beats) break;
      const p = degreeToPitch(tonic, mode, d);
      if (inRange(p)) notes.push({ beat, beats: step * 0.9, pitch: p, velocity });
      velocity = Math.max(30, Math.min(120, velocity + Math.round((random() - 0.5) * 12))); // crescendi and diminuendi
      beat += step;
    }
  } else if (kind === 'arpeggio') {
    const step = pick([0.25, 0.5]);
    while (beat < beats) {
      const root = Math.floor(random() * 7);
      const velocity = dynamics();
      for (const d of [0, 2, 4, 7, 4, 2]) {
        const p = degreeToPitch(tonic, mode, root + d);
        if (inRange(p)) notes.push({ beat, beats: step * 0.95, pitch: p, velocity });
        beat += step;
      }
    }
  } else if (kind === 'melody') {
    let degree = Math.floor(random() * 5);
    let velocity = dynamics();
    while (beat < beats) {
      const length = pick([0.25, 0.5, 0.5, 1, 1, 1.5, 2]);
      degree += pick([-2, -1, -1, 0, 1, 1, 2, 3, -3]);
      let p = degreeToPitch(tonic, mode, degree);
      while (p > hi) p -= 12, degree -= 7;
      while (p < lo) p += 12, degree += 7;
      if (random() < 0.12) velocity = dynamics(); // a new phrase dynamic
      if (random() > 0.08) notes.push({ beat, beats: length * pick([0.6, 0.9, 1]), pitch: p, velocity }); // some rests
      beat += length;
    }
  } else {
    const step = pick([1, 2]);
    while (beat < beats) {
      const root = Math.floor(random() * 7);
      const velocity = dynamics();
      for (const d of [0, 2, 4]) {
        const p = degreeToPitch(tonic, mode, root + d);
        if (inRange(p)) notes.push({ beat, beats: step * 0.95, pitch: p, velocity });
      }
      beat += step;
    }
  }
  return { id: `${kind}-${lo}-${hi}-${seed}`, kind, register, bpm: Math.round(70 + random() * 70), notes };
}

/** A phrase as a one-track score on channel 0 (the program is set later by forInstrument). */
export function phraseToScore(phrase: Phrase): Score {
  const events = phrase.notes.flatMap((n) => [
    { type: 'noteOn', channel: 0, noteNumber: n.pitch, velocity: n.velocity, deltaTime: 0, tick: Math.round(n.beat * TICKS) },
    { type: 'noteOff', channel: 0, noteNumber: n.pitch, velocity: 0, deltaTime: 0, tick: Math.round((n.beat + n.beats) * TICKS) },
  ]);
  const end = events.reduce((m, e) => Math.max(m, e.tick), 0);
  const track = [
    { type: 'setTempo', microsecondsPerBeat: Math.round(60e6 / phrase.bpm), deltaTime: 0, tick: 0 },
    ...events.sort((a, b) => a.tick - b.tick || (a.type === 'noteOff' ? -1 : 1)),
    { type: 'endOfTrack', deltaTime: 0, tick: end },
  ];
  return { format: 0, ticksPerBeat: TICKS, tracks: [track as Score['tracks'][number]] };
}
