/**
 * The recordings of Debian's lmms-common that the lmms sound set plays (lmms.ts builds them into
 * a SoundFont), and where that font is built: the set's `path`, the name a dataset's config
 * records for its font. Data only, apart from lmms.ts, so that the list of sound sets (fonts.ts)
 * loads no audio decoder.
 */
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

export const LMMS_FONT = join(packageRoot(), 'data', 'fonts', 'lmms-samples.sf2');

/** Where lmms-common puts its samples. */
export const LMMS_SAMPLES = '/usr/share/lmms/samples';

export interface LmmsRecording {
  /** Relative to LMMS_SAMPLES. */
  file: string;
  /** The highest key it plays; the next recording takes the keys above (the last: all). */
  upTo?: number;
}

export interface LmmsInstrument {
  /** The dataset's instrument (instruments.ts) it stands for. */
  name: string;
  /** Recordings from low to high. */
  recordings: LmmsRecording[];
  /** Loop the steady part (bowed, blown, piped), or play once (struck, plucked). */
  sustained: boolean;
  releaseSeconds: number;
}

/**
 * The dataset's instruments LMMS has recordings of. None of clarinet, saxophone or lead: those
 * are left out of this set (fonts.ts: the font has no program for them).
 */
export const LMMS_INSTRUMENTS: readonly LmmsInstrument[] = [
  { name: 'piano', recordings: [{ file: 'instruments/piano02.ogg', upTo: 54 }, { file: 'instruments/piano01.ogg' }], sustained: false, releaseSeconds: 0.3 },
  { name: 'guitar', recordings: [{ file: 'instruments/steel_guitar01.ogg' }], sustained: false, releaseSeconds: 0.2 },
  { name: 'violin', recordings: [{ file: 'instruments/violin_fingered01.ogg' }], sustained: true, releaseSeconds: 0.15 },
  { name: 'cello', recordings: [{ file: 'instruments/cello01.ogg' }], sustained: true, releaseSeconds: 0.2 },
  { name: 'flute', recordings: [{ file: 'instruments/flute01.ogg' }], sustained: true, releaseSeconds: 0.1 },
  { name: 'trumpet', recordings: [{ file: 'instruments/trumpet01.ogg' }], sustained: true, releaseSeconds: 0.1 },
  {
    name: 'organ',
    recordings: [
      { file: 'instruments/church_organ04.ogg', upTo: 50 }, { file: 'instruments/church_organ03.ogg', upTo: 62 },
      { file: 'instruments/church_organ02.ogg', upTo: 74 }, { file: 'instruments/church_organ01.ogg' },
    ],
    sustained: true,
    releaseSeconds: 0.2,
  },
  { name: 'strings', recordings: [{ file: 'stringsnpads/strings01.ogg' }], sustained: true, releaseSeconds: 0.4 },
];

