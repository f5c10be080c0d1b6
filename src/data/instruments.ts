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
  /**
   * General MIDI programs a listener would still call this instrument (its own first): other
   * sizes or builds of it (viola and fiddle for violin, the saxophone family), never another
   * instrument (an oboe is not a clarinet). The judge's corpora may draw from them
   * (DatasetConfig.programVariants), so that it hears more than one recording of each.
   */
  kin: readonly number[];
}

export const INSTRUMENTS: readonly Instrument[] = Object.freeze([
  { name: 'piano', program: 0, range: [21, 108], polyphonic: true, kin: [0, 1, 2, 3] },
  { name: 'guitar', program: 24, range: [40, 83], polyphonic: true, kin: [24, 25, 26, 27] }, // nylon-string
  { name: 'violin', program: 40, range: [55, 100], polyphonic: false, kin: [40, 41, 110] },
  { name: 'cello', program: 42, range: [36, 76], polyphonic: false, kin: [42, 43] },
  { name: 'clarinet', program: 71, range: [50, 91], polyphonic: false, kin: [71] },
  { name: 'flute', program: 73, range: [60, 96], polyphonic: false, kin: [73, 72, 74] },
  { name: 'trumpet', program: 56, range: [54, 86], polyphonic: false, kin: [56, 59] },
  { name: 'saxophone', program: 65, range: [49, 81], polyphonic: false, kin: [65, 64, 66, 67] }, // alto
  { name: 'organ', program: 19, range: [36, 96], polyphonic: true, kin: [19, 16, 17, 18, 20] }, // church organ
  { name: 'strings', program: 48, range: [28, 96], polyphonic: true, kin: [48, 49, 50] }, // string ensemble
  { name: 'lead', program: 80, range: [36, 96], polyphonic: true, kin: [80, 81] }, // square-wave synth lead
]);

/**
 * Instruments no training data plays: references for the zero-shot evaluation only (`mst dataset
 * build --config unseen`, `mst eval unseen`), so that a model's answer to a timbre it never heard
 * can be measured. Never add them to a training or judge corpus.
 */
export const UNSEEN_INSTRUMENTS: readonly Instrument[] = Object.freeze([
  { name: 'oboe', program: 68, range: [58, 91], polyphonic: false, kin: [68] },
  { name: 'horn', program: 60, range: [34, 77], polyphonic: false, kin: [60] }, // French horn
]);

/** The instrument called `name` (the unseen ones included); a RangeError lists the known names otherwise. */
export function instrument(name: string): Instrument {
  const found = INSTRUMENTS.find((i) => i.name === name) ?? UNSEEN_INSTRUMENTS.find((i) => i.name === name);
  if (!found) throw new RangeError(`Expected one of ${INSTRUMENTS.map((i) => i.name).join(', ')} (or, as unseen references, ${UNSEEN_INSTRUMENTS.map((i) => i.name).join(', ')}) for instrument but received ${name}`);
  return found;
}
