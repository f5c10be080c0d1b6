/**
 * Dataset build configurations: typed, with documented defaults, checked up front. `small` is a
 * seconds-long build for tests; `full` is the training set.
 */
import { DEFAULT_ANALYSIS, type AnalysisConfig } from '../audio/config.js';
import { INSTRUMENTS, UNSEEN_INSTRUMENTS, instrument } from './instruments.js';
import { MIDI_SOURCES } from './sources.js';
import { SOUND_SETS, JUDGE_SETS, instrumentsFor, type SoundSet, type SoundSetName } from './fonts.js';

export interface SoundFontSpec {
  /** Short name used in file and tensor names. */
  name: string;
  path: string;
}

export interface DatasetConfig {
  /** Instruments rendered for every piece, by name (see instruments.ts). */
  instruments: string[];
  /** The SoundFont the style-transfer model trains on. */
  trainFont: SoundFontSpec;
  /** A different SoundFont family, never used to train the transfer model (judge, ground truth). */
  heldOutFont: SoundFontSpec;
  /** MIDI sources by name (see sources.ts), and at most this many files from each (null: all). */
  sources: string[];
  maxFilesPerSource: number | null;
  /** Pieces are cut after this many seconds (null: the source's own limit). */
  maxPieceSeconds: number | null;
  /** Generated phrases per kind and register, and their length in beats. */
  phrasesPerRegister: number;
  phraseBeats: number;
  /** Semitone shifts each piece is also rendered at (0 = as written). */
  transpositions: number[];
  /** The transpositions also rendered with the held-out SoundFont (its uses need less data)… */
  heldOutTranspositions: number[];
  /** …and the share of training pieces rendered with it (validation and test always are). */
  heldOutTrainShare: number;
  /** Frames between the starts of neighbouring dataset tiles (≤ tileFrames; smaller overlaps more). */
  tileStep: number;
  /** FluidSynth's sample rate, Hz: 32 kHz is cheaper than 44.1 kHz, and what it aliases above 16 kHz lands above the 8 kHz the model keeps. */
  synthRate: number;
  /** Shares of pieces (never of tiles) in validation and test; the rest is training. */
  validationShare: number;
  testShare: number;
  /** Seeds the phrases and the split. */
  seed: number;
  /** A tile group is dropped when no instrument's tile rises above this normalised level (−0.8 ≈ −80 dB). */
  silenceLevel: number;
  /** Active loudness every render is normalised to, dBFS. */
  loudnessDb: number;
  analysis: AnalysisConfig;
  /**
   * Each piece's instruments play one program of their kin (instruments.ts) that the training
   * set defines, drawn from the piece's name, rather than always their own; the labels stay the
   * instruments' names. For the judge's corpora: more recordings of each instrument per set.
   */
  programVariants?: boolean;
}

/** A dataset's fonts by name and path, from the registry of sound sets. */
const font = (name: SoundSetName): SoundFontSpec => ({ name: SOUND_SETS[name].name, path: SOUND_SETS[name].path });
const FONTS = { fluidr3: font('fluidr3'), timgm6mb: font('timgm6mb') };

/** Every source, every instrument the model knows, 12 phrases per register: the paired dataset the models train on. */
const FULL: DatasetConfig = {
  instruments: INSTRUMENTS.map((i) => i.name),
  trainFont: FONTS.fluidr3,
  heldOutFont: FONTS.timgm6mb,
  sources: MIDI_SOURCES.map((s) => s.name),
  maxFilesPerSource: null,
  maxPieceSeconds: null,
  phrasesPerRegister: 12,
  phraseBeats: 32,
  transpositions: [0],
  heldOutTranspositions: [0],
  heldOutTrainShare: 0.2,
  tileStep: 64,
  synthRate: 32000,
  validationShare: 0.1,
  testShare: 0.1,
  seed: 1,
  silenceLevel: -0.8,
  loudnessDb: -20,
  analysis: DEFAULT_ANALYSIS,
};

export const DATASET_CONFIGS: Record<'small' | 'full' | 'unseen', DatasetConfig> = {
  small: {
    instruments: ['piano', 'guitar', 'violin', 'flute'],
    trainFont: FONTS.fluidr3,
    heldOutFont: FONTS.timgm6mb,
    sources: ['openmsx'],
    maxFilesPerSource: 1,
    maxPieceSeconds: 12,
    phrasesPerRegister: 1,
    phraseBeats: 8,
    transpositions: [0],
    heldOutTranspositions: [0],
    heldOutTrainShare: 1,
    tileStep: 96,
    synthRate: 32000,
    validationShare: 0.2,
    testShare: 0.2,
    seed: 1,
    silenceLevel: -0.8,
    loudnessDb: -20,
    analysis: DEFAULT_ANALYSIS,
  },
  full: FULL,
  /**
   * References of instruments no training data plays (UNSEEN_INSTRUMENTS: oboe, French horn), for
   * the zero-shot evaluation (mst eval unseen): `full`'s pieces and splits, in the training font
   * and the held-out one. Only its test split is needed (--splits test).
   */
  unseen: { ...structuredClone(FULL), instruments: UNSEEN_INSTRUMENTS.map((i) => i.name), heldOutTrainShare: 0 },
};

/**
 * The instrument judge's renders in one sound set (`mst dataset build --config judge-<set>`): the
 * pieces, splits and analysis of `full`, each piece cut after 30 s, played by every instrument
 * the set may stand for (fonts.ts). Only `trainFont`, the set, is rendered: with no
 * heldOutTranspositions the held-out font (FluidR3, named because a config names two) never is.
 * The splits are `full`'s, piece for piece, so the judge never trains on a test piece.
 */
export function judgeCorpusConfig(set: SoundSetName): DatasetConfig {
  if (!(JUDGE_SETS as string[]).includes(set)) throw new RangeError(`dataset: the judge's sets are ${JUDGE_SETS.join(', ')}; ${set} is not one of them`);
  const base = DATASET_CONFIGS.full;
  return {
    ...structuredClone(base),
    instruments: instrumentsFor(SOUND_SETS[set], base.instruments).usable,
    trainFont: font(set),
    heldOutFont: font('fluidr3'),
    maxPieceSeconds: 30,
    heldOutTranspositions: [],
    heldOutTrainShare: 0,
    programVariants: false, // --programVariants=true: each instrument's kin (instruments.ts), a corpus of its own
  };
}

/** Checks a config; each message names the offending values. */
export function checkDatasetConfig(config: DatasetConfig): DatasetConfig {
  if (config.instruments.length < 2) throw new RangeError(`dataset: Expected at least 2 instruments but received ${config.instruments.length}`);
  config.instruments.forEach(instrument);
  const known = new Set(MIDI_SOURCES.map((s) => s.name));
  for (const source of config.sources) if (!known.has(source)) throw new RangeError(`dataset: Expected one of ${[...known].join(', ')} for a source but received ${source}`);
  const set = (SOUND_SETS as Record<string, SoundSet>)[config.trainFont.name];
  if (config.programVariants && set?.noKin) throw new RangeError(`dataset: ${config.trainFont.name} cannot play its instruments' kin programs (programVariants): ${set.noKin}; build it without --programVariants`);
  if (config.trainFont.path === config.heldOutFont.path) throw new RangeError(`dataset: the held-out SoundFont must differ from the training one (both ${config.trainFont.path})`);
  for (const t of config.heldOutTranspositions) {
    if (!config.transpositions.includes(t)) throw new RangeError(`dataset: heldOutTranspositions ${JSON.stringify(config.heldOutTranspositions)} must be among transpositions ${JSON.stringify(config.transpositions)}`);
  }
  if (!(config.heldOutTrainShare >= 0 && config.heldOutTrainShare <= 1)) throw new RangeError(`dataset: Expected heldOutTrainShare in [0, 1] but received ${config.heldOutTrainShare}`);
  if (!(Number.isInteger(config.tileStep) && config.tileStep >= 1 && config.tileStep <= config.analysis.tileFrames)) {
    throw new RangeError(`dataset: Expected tileStep in [1, ${config.analysis.tileFrames}] but received ${config.tileStep}`);
  }
  if (config.synthRate < 2 * config.analysis.fmax) throw new RangeError(`dataset: synthRate ${config.synthRate} Hz cannot hold fmax ${config.analysis.fmax} Hz`);
  if (!(config.validationShare >= 0 && config.testShare >= 0 && config.validationShare + config.testShare < 1)) {
    throw new RangeError(`dataset: Expected validationShare + testShare below 1 but received ${config.validationShare} + ${config.testShare}`);
  }
  return config;
}
