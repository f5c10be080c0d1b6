/**
 * The General MIDI sound sets this project renders with, and what is known of each: the Debian
 * package that brings it, its licence, where its sounds come from, and which of the dataset's
 * instruments it cannot stand for (a missing program, or recordings it shares with another set
 * here, found by comparing sample data: readSoundFontSamples).
 *
 * FluidR3_GM is the set the style-transfer model learns from. The instrument judge must learn
 * instruments, not one set's recordings of them, so it trains on the other families and never on
 * FluidR3 or a set built from it. "Fluid R3 Mono" (fluidr3mono-gm-soundfont) is FluidR3 and is not
 * used; MuseScore's General font is a fork of it that replaced some recordings, and plays only
 * those instruments here (MUSESCORE_OWN).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { SoundFontSpec } from './config.js';
import { instrument, INSTRUMENTS } from './instruments.js';
import { readSoundFontSamples } from './soundfont.js';
import { STK_RAWWAVES, STK_MODELS } from './stk-models.js';
import { EAS_RENDERER } from './eas-renderer.js';
import { LMMS_FONT, LMMS_INSTRUMENTS, LMMS_SAMPLES } from './lmms-recordings.js';

export interface SoundSet extends SoundFontSpec {
  /**
   * The synthesizer that plays it: FluidSynth for .sf2 fonts, TiMidity++ for GUS patch sets (its
   * config file is `path`; render.ts picks by that extension), stk-demo for the STK's models
   * (`path`: its wave tables, stk.ts), eas-render for Sonivox's built-in wavetable (`path`: the
   * renderer, eas.ts).
   */
  synth: 'fluidsynth' | 'timidity' | 'stk' | 'eas';
  /** Debian package and the licence its copyright file gives for the sounds. */
  package: string;
  licence: string;
  /** Where the sounds come from. */
  origin: string;
  /** Instruments (dataset names) this set must not stand for, with the reason. */
  leftOut: Record<string, string>;
  /** Why its instruments must not play their kin programs (DatasetConfig.programVariants), where they must not. */
  noKin?: string;
}

/**
 * The instruments of MuseScore's General font (a fork of FluidR3Mono) whose recordings its sample
 * sources list (MuseScore_General_HQ_Sample_Sources.csv in the package's documentation) credits to
 * someone other than FluidR3: the grand piano (AKAI's "Splendid Grand", public domain), the
 * ensemble strings (VSCO 2 Community Edition, CC0) and the square lead (S. Christian Collins'
 * own synthesised waveforms). Every other instrument plays FluidR3's samples, in mono.
 */
export const MUSESCORE_OWN = ['piano', 'strings', 'lead'];

/** Instruments whose TimGM6mb recordings csound's GM bank also holds, sample for sample (fonts.test.ts checks it). */
const CSOUND_BORROWED = ['guitar', 'violin', 'cello', 'clarinet', 'saxophone', 'organ', 'lead'];

export const SOUND_SETS = {
  fluidr3: {
    name: 'fluidr3', path: '/usr/share/sounds/sf2/FluidR3_GM.sf2', synth: 'fluidsynth', package: 'fluid-soundfont-gm', licence: 'MIT',
    origin: "Frank Wen's Fluid R3 General MIDI SoundFont; the style-transfer model's set", leftOut: {},
  },
  timgm6mb: {
    name: 'timgm6mb', path: '/usr/share/sounds/sf2/TimGM6mb.sf2', synth: 'fluidsynth', package: 'timgm6mb-soundfont', licence: 'GPL-2',
    origin: "Tim Brechbill's 6 MB General MIDI SoundFont (2004), as MuseScore 1.3 shipped it", leftOut: {},
  },
  csound: {
    name: 'csound', path: '/usr/share/sounds/sf2/sf_GMbank.sf2', synth: 'fluidsynth', package: 'csound-soundfont', licence: 'public domain',
    origin: "csound's General MIDI bank (sf_GMbank.sf2); a mix of its own recordings and TimGM6mb's",
    leftOut: Object.fromEntries(CSOUND_BORROWED.map((name) => [name, "plays TimGM6mb's samples"])),
  },
  freepats: {
    name: 'freepats', path: '/etc/timidity/freepats.cfg', synth: 'timidity', package: 'freepats (played by timidity)', licence: 'GPL-2.0-or-later with a composition exception',
    origin: 'the FreePats project’s GUS patches (2004), played by TiMidity++', leftOut: {},
  },
  opl3: {
    name: 'opl3', path: '/usr/share/sounds/sf2/OPL-3_FM_128M.sf2', synth: 'fluidsynth', package: 'opl3-soundfont', licence: 'CC-BY-SA-4.0',
    origin: "Zandro Reveille's recordings of an OPL3 FM chip's General MIDI bank (2009): FM synthesis, not acoustic samples", leftOut: {},
  },
  stk: {
    name: 'stk', path: STK_RAWWAVES, synth: 'stk', package: 'stk', licence: 'MIT-style (the STK licence)',
    origin: "Perry Cook and Gary Scavone's Synthesis ToolKit (1995–2021): physical and FM models played by stk-demo, no recordings",
    leftOut: { cello: "the violin's bowed-string model: on the same notes, the same sound" },
  },
  sonivox: {
    name: 'sonivox', path: EAS_RENDERER, synth: 'eas', package: 'libsonivox3 (played by mst\'s eas-render; built with libsonivox-dev)', licence: 'Apache-2.0',
    origin: "Sonic Network's General MIDI wavetable for Sonivox EAS (2004–2006), built into the library; Android's MIDI synthesizer", leftOut: {},
  },
  lmms: {
    name: 'lmms', path: LMMS_FONT, synth: 'fluidsynth', package: 'lmms-common (its recordings, made into a SoundFont by mst: lmms.ts)', licence: 'GPL-2.0-or-later (the package\'s copyright file, Files: *, which notes an open question, LMMS issue 2752, whether every file is GPL-2+)',
    origin: "LMMS's bundled recordings of single notes (one to four per instrument, transposed across the keyboard): a solo violin and cello no other set holds; no clarinet, saxophone or lead", leftOut: {},
  },
  musescore: {
    name: 'musescore', path: '/usr/share/sounds/sf2/MuseScore_General_Full.sf2', synth: 'fluidsynth', package: 'musescore-general-soundfont-lossless', licence: 'MIT (parts public domain or CC0)',
    origin: "S. Christian Collins' MuseScore_General (2021), a fork of FluidR3Mono: used only for the three instruments whose recordings are not FluidR3's (AKAI's Splendid Grand piano, VSCO 2's strings, Collins' own synth lead)",
    leftOut: Object.fromEntries(INSTRUMENTS.filter((i) => !MUSESCORE_OWN.includes(i.name)).map((i) => [i.name, "plays FluidR3's samples (the font is a fork of FluidR3Mono)"])),
    noKin: "its sample sources credit its own recordings to the grand piano, the ensemble strings and the square lead only; their kin programs may play FluidR3's",
  },
} as const satisfies Record<string, SoundSet>;

export type SoundSetName = keyof typeof SOUND_SETS;

/** The sets the judge learns from: every family here but the model's own. */
export const JUDGE_SETS = (Object.keys(SOUND_SETS) as SoundSetName[]).filter((name) => name !== 'fluidr3');

export function soundSet(name: string): SoundSet {
  const set = (SOUND_SETS as Record<string, SoundSet>)[name];
  if (!set) throw new RangeError(`unknown sound set ${name}; sets: ${Object.keys(SOUND_SETS).join(', ')}`);
  return set;
}

/**
 * The General MIDI programs (bank 0) a set defines: a SoundFont's presets, or the program lines
 * under `bank 0` of a timidity config. A program a timidity set lacks would not be silent: timidity
 * also reads the system's default config (on Debian, FluidR3), so such programs must not be rendered.
 */
export function programsOf(set: SoundFontSpec): Set<number> {
  if (set.path === LMMS_FONT) {
    // built from this list when first rendered (lmms.ts), so perhaps not yet there
    if (!existsSync(LMMS_SAMPLES)) throw new Error(`${LMMS_SAMPLES} not found; install lmms-common, whose recordings the lmms set plays (scripts/setup.sh installs every set in src/data/fonts.ts)`);
    return new Set(LMMS_INSTRUMENTS.map((spec) => instrument(spec.name).program));
  }
  if (!existsSync(set.path)) throw new Error(`${set.path} not found; install its package (scripts/setup.sh installs every set in src/data/fonts.ts)`);
  if (set.path === STK_RAWWAVES) return new Set(Object.keys(STK_MODELS).map(Number));
  if (set.path === EAS_RENDERER) return new Set(Array.from({ length: 128 }, (_, program) => program)); // a full General MIDI set
  if (!set.path.endsWith('.cfg')) return new Set(readSoundFontSamples(set.path).programs.keys());
  const programs = new Set<number>();
  let bank: string | null = null;
  for (const line of readFileSync(set.path, 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim())) {
    const section = /^(bank|drumset)\s+(\d+)/.exec(line);
    if (section) bank = `${section[1]} ${section[2]}`;
    else if (bank === 'bank 0' && /^\d+\s+\S/.test(line)) programs.add(Number(line.split(/\s+/)[0]));
  }
  return programs;
}

/** Of `instruments`, those `set` may stand for, and the others with the reason. */
export function instrumentsFor(set: SoundSet, instruments: readonly string[]): { usable: string[]; leftOut: Record<string, string> } {
  const programs = programsOf(set);
  const leftOut: Record<string, string> = {};
  for (const name of instruments) {
    const reason = (set.leftOut as Record<string, string>)[name] ?? (programs.has(instrument(name).program) ? undefined : `has no program ${instrument(name).program}`);
    if (reason) leftOut[name] = reason;
  }
  return { usable: instruments.filter((name) => !(name in leftOut)), leftOut };
}
