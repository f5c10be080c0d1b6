/**
 * The instruments of the dataset: General MIDI programs and their usual ranges (MIDI notes).
 * The first six are the ones the seed names; the rest add variety.
 */

export interface Instrument {
  name: string;
  /** General MIDI program number, 0–127. */
  program: number;
  /** Usual playing range, lowest and highest MIDI note. */
  range: [number, number];
  /** Can it play chords (several notes at once)? */
  polyphonic: boolean;
}

export const INSTRUMENTS: readonly Instrument[] = Object.freeze([
  { name: 'piano', program: 0, range: [21, 108], polyphonic: true },
  { name: 'guitar', program: 24, range: [40, 83], polyphonic: true }, // nylon-string
  { name: 'violin', program: 40, range: [55, 100], polyphonic: false },
  { name: 'cello', program: 42, range: [36, 76], polyphonic: false },
  { name: 'clarinet', program: 71, range: [50, 91], polyphonic: false },
  { name: 'flute', program: 73, range: [60, 96], polyphonic: false },
  { name: 'trumpet', program: 56, range: [54, 86], polyphonic: false },
  { name: 'saxophone', program: 65, range: [49, 81], polyphonic: false }, // alto
  { name: 'organ', program: 19, range: [36, 96], polyphonic: true }, // church organ
  { name: 'strings', program: 48, range: [28, 96], polyphonic: true }, // string ensemble
  { name: 'lead', program: 80, range: [36, 96], polyphonic: true }, // square-wave synth lead
]);

/** The instrument called `name`; a RangeError lists the known names otherwise. */
export function instrument(name: string): Instrument {
  const found = INSTRUMENTS.find((i) => i.name === name);
  if (!found) throw new RangeError(`Expected one of ${INSTRUMENTS.map((i) => i.name).join(', ')} for instrument but received ${name}`);
  return found;
}
