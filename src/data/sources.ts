/**
 * Where the music comes from: real MIDI files from Debian packages (each with its package and
 * licence recorded) and generated phrases. A piece is one score to be played by every
 * instrument; a real piece also yields its melody line alone when it has a monophonic channel,
 * tagged 'monophonic'.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { createHash } from 'node:crypto';
import { midiLumps } from './wad.js';
import { abcToMidi, musescoreToMidi, mmaToMidi, ConverterMissingError, type ConvertedMidi } from './notation.js';
import { grooveCharts } from './grooves.js';
import { packageRoot } from '../package-root.js';
import { parseScore, channelsOf, onlyChannels, cutScore, scoreStats, type Score } from './midi.js';
import { makePhrase, phraseToScore, type PhraseKind } from './phrases.js';

export interface MidiSource {
  name: string;
  /** The Debian package that installs it. */
  package: string;
  /** Where its files are: the first of these folders that exists. */
  directories: string[];
  /**
   * 'midi' (default): .mid files (in subfolders too with `recursive`); 'wad': the MIDI music
   * lumps of the <name>*.wad archives there; 'abc': every tune of the .abc files (abc2midi);
   * 'musescore': .mscx/.mscz scores (mscore3); 'mma-grooves': chord charts over the groove
   * library there (grooves.ts, mma).
   */
  format?: 'midi' | 'wad' | 'abc' | 'musescore' | 'mma-grooves';
  recursive?: boolean;
  /** SPDX-style licence of the music, from the package's copyright file… */
  licence: string;
  /** …or, where the files differ, by file name. */
  licenceOf?: Record<string, string>;
  /** Pieces longer than this are cut (some loop for many minutes). */
  cutSeconds?: number;
  /** Whether its pieces also yield their melody line alone (default true). */
  melodyLines?: boolean;
}

export const MIDI_SOURCES: readonly MidiSource[] = Object.freeze([
  { name: 'openmsx', package: 'openttd-openmsx', directories: ['/usr/share/games/openttd/baseset/openmsx'], licence: 'GPL-2.0', cutSeconds: 180 },
  { name: 'planetblupi', package: 'planetblupi-music-midi', directories: ['/usr/share/planetblupi/music'], licence: 'GPL-3.0-or-later', cutSeconds: 150 },
  { name: 'mma-examples', package: 'mma', directories: ['/usr/share/doc/mma/examples'], recursive: true, licence: 'GPL-2.0-or-later', cutSeconds: 180 },
  { name: 'mma-grooves', package: 'mma', directories: ['/usr/share/mma/lib/stdlib'], format: 'mma-grooves', licence: 'GPL-2.0-or-later (MMA groove library; charts by mst)',
    melodyLines: false, // accompaniment only: its single-note parts are bass and arpeggio lines, not tunes
  },
  { name: 'abcmidi', package: 'abcmidi', directories: ['/usr/share/doc/abcmidi/examples'], format: 'abc', licence: 'GPL-2.0-or-later', cutSeconds: 180 },
  { name: 'abcm2ps', package: 'abcm2ps', directories: ['/usr/share/doc/abcm2ps/examples'], format: 'abc', licence: 'GPL-3.0-or-later', cutSeconds: 180 },
  {
    name: 'musescore', package: 'musescore3', directories: ['/usr/share/mscore3-3.2/demos'], format: 'musescore', licence: 'GPL-2.0', cutSeconds: 180,
    licenceOf: { Brassed_Up: 'CC-BY-SA-4.0', Dynamic_Strings: 'CC-BY-SA-4.0', Fugue_1: 'CC-BY-3.0', Reunion: 'CC-BY-3.0', Unclaimed_Gift: 'CC-BY-3.0' },
  },
  // Installing the package pulls in a game engine, so scripts/setup.sh unpacks its .deb instead
  { name: 'freedoom', package: 'freedoom', directories: ['/usr/share/games/doom', join(packageRoot(), 'data', 'sources', 'freedoom', 'usr', 'share', 'games', 'doom')], format: 'wad', licence: 'BSD-3-Clause (Freedoom)', cutSeconds: 180 },
]);


/** Files under `directory` whose names match `pattern`, sorted, in subfolders too if `recursive`. */
function filesIn(directory: string, pattern: RegExp, recursive = false): string[] {
  const found = readdirSync(directory, { recursive, withFileTypes: false, encoding: 'utf8' })
    .filter((f) => pattern.test(f))
    .map((f) => join(directory, f));
  return found.sort();
}

/** The MIDI files of a source, sorted by name; the same music only once. */
function midiFilesOf(source: MidiSource, directory: string, log: DiscoveryLog): ConvertedMidi[] {
  const files: ConvertedMidi[] = [];
  /** Runs a conversion; a file that fails is logged and skipped, a missing program stops the source. */
  const convert = (path: string, make: () => ConvertedMidi[]) => {
    try {
      files.push(...make());
    } catch (error) {
      if (error instanceof ConverterMissingError) throw error;
      log(`skipping ${path}: ${(error as Error).message}`);
    }
  };
  switch (source.format ?? 'midi') {
    case 'wad': {
      // only the source's own archives: other WADs in the same folder carry other licences
      for (const path of filesIn(directory, new RegExp(`^${source.name}.*\\.wad$`, 'i'))) {
        const wad = basename(path).replace(/\.wad$/i, '');
        convert(path, () => midiLumps(path).map((lump) => ({ name: `${wad}-${lump.name}`, bytes: lump.bytes, path: `${path}:${lump.name}` })));
      }
      break;
    }
    case 'abc':
      for (const path of filesIn(directory, /\.abc$/i)) convert(path, () => abcToMidi(path));
      break;
    case 'musescore':
      for (const path of filesIn(directory, /\.msc[xz]$/i)) convert(path, () => [musescoreToMidi(path)]);
      break;
    case 'mma-grooves':
      for (const { style, chart, path } of grooveCharts(directory)) convert(path, () => [mmaToMidi(chart, style, path)]);
      break;
    case 'midi':
      for (const path of filesIn(directory, /\.midi?$/i, source.recursive)) {
        const name = relative(directory, path).replace(/\.midi?$/i, '').replaceAll('/', '-');
        files.push({ name, bytes: readFileSync(path), path });
      }
  }
  const seen = new Set<string>();
  return files.filter((f) => {
    const hash = createHash('sha256').update(f.bytes).digest('hex');
    if (seen.has(hash)) return false;
    seen.add(hash);
    return true;
  });
}

export type Texture = 'polyphonic' | 'monophonic';

export interface Piece {
  /** Stable identifier, e.g. "openmsx/busy_schedule" or "openmsx/busy_schedule#melody". */
  id: string;
  source: string;
  licence: string;
  texture: Texture;
  score: Score;
  /** Time of the last release, seconds. */
  seconds: number;
}

export interface DiscoveryLog {
  (message: string): void;
}

/**
 * The pieces of the given sources, sorted by id. A source whose package is not installed, and a
 * file that does not parse, is logged and skipped.
 */
export function discoverPieces(sources: readonly MidiSource[], log: DiscoveryLog = () => {}, maxPerSource = Infinity, maxSeconds = Infinity): Piece[] {
  const pieces: Piece[] = [];
  for (const source of sources) {
    const directory = source.directories.find((d) => existsSync(d));
    if (directory === undefined) {
      log(`skipping ${source.name}: none of ${source.directories.join(', ')} exists (run scripts/setup.sh, or apt-get install ${source.package})`);
      continue;
    }
    let files: ConvertedMidi[];
    try {
      files = midiFilesOf(source, directory, log);
    } catch (error) {
      log(`skipping ${source.name}: ${(error as Error).message}`);
      continue;
    }
    for (const { name, bytes, path } of files.slice(0, maxPerSource)) {
      let score: Score;
      try {
        score = parseScore(bytes, path);
      } catch (error) {
        log(`skipping ${path}: ${(error as Error).message}`);
        continue;
      }
      const cut = Math.min(source.cutSeconds ?? Infinity, maxSeconds);
      if (Number.isFinite(cut)) score = cutScore(score, cut);
      const id = `${source.name}/${name}`;
      const stats = scoreStats(score);
      if (stats.notes === 0) {
        log(`skipping ${path}: no melodic notes`);
        continue;
      }
      const licence = source.licenceOf?.[name] ?? source.licence;
      pieces.push({ id, source: source.name, licence, texture: stats.maxPolyphony > 1 ? 'polyphonic' : 'monophonic', score, seconds: stats.seconds });
      const melody = melodyChannelOf(score);
      if (melody !== null && stats.maxPolyphony > 1 && source.melodyLines !== false) {
        const line = onlyChannels(score, new Set([melody]));
        pieces.push({ id: `${id}#melody`, source: source.name, licence, texture: 'monophonic', score: line, seconds: scoreStats(line).seconds });
      }
    }
  }
  return pieces.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The channel that carries a piece's tune, or null: of the monophonic channels with at least 16
 * notes and at least half as many as the busiest of them, the highest by median pitch (so the top
 * line, not the bass line, which is often as busy).
 */
export function melodyChannelOf(score: Score): number | null {
  const lines = channelsOf(score).filter((c) => c.maxPolyphony === 1 && c.notes >= 16);
  const busiest = Math.max(0, ...lines.map((c) => c.notes));
  const candidates = lines.filter((c) => 2 * c.notes >= busiest).sort((a, b) => b.medianPitch - a.medianPitch || b.notes - a.notes);
  return candidates[0]?.channel ?? null;
}

/** Registers the generated phrases cover: low, middle and high. */
export const REGISTERS: readonly [number, number][] = [[36, 60], [55, 79], [67, 91]];

/** `perRegister` phrases of every kind in every register, from `seed`. */
export function generatedPieces(perRegister: number, seed: number, beats = 32): Piece[] {
  const kinds: PhraseKind[] = ['scale', 'arpeggio', 'melody', 'chords'];
  const pieces: Piece[] = [];
  REGISTERS.forEach((register, r) => {
    for (const kind of kinds) {
      for (let i = 0; i < perRegister; i++) {
        const phrase = makePhrase(kind, register, seed * 100003 + r * 1009 + kinds.indexOf(kind) * 101 + i, beats);
        const score = phraseToScore(phrase);
        pieces.push({
          id: `generated/${phrase.id}`,
          source: 'generated',
          licence: 'MIT (generated by mst)',
          texture: kind === 'chords' ? 'polyphonic' : 'monophonic',
          score,
          seconds: scoreStats(score).seconds,
        });
      }
    }
  });
  return pieces;
}
