/**
 * Notation to MIDI with the real programs (abc2midi, mscore3, mma, installed by
 * scripts/setup.sh): the notes that come out are the notes written, the input folder is left
 * alone, charts are deterministic, and a missing program names its package.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { abcToMidi, abcTuneNumbers, musescoreToMidi, mmaToMidi, ConverterMissingError } from './notation.js';
import { grooveChart, grooveVariants } from './grooves.js';
import { parseScore, notesOf, scoreStats, channelsOf } from './midi.js';
import { discoverPieces, MIDI_SOURCES } from './sources.js';
import { temporaryDirectory } from '../testing/helpers.js';

const TWO_TUNES = `X:1
T:Scale
M:4/4
L:1/4
Q:1/4=120
K:C
C D E F | G A B c |]

X:7
T:Fifths
M:3/4
L:1/4
Q:1/4=90
K:G
G d G | D A D |]
`;

test('abc2midi turns every tune of an ABC file into MIDI with the written pitches and tempo', () => {
  const dir = temporaryDirectory('mst-abc-');
  const file = join(dir, 'tunes.abc');
  writeFileSync(file, TWO_TUNES);
  assert.deepEqual(abcTuneNumbers(TWO_TUNES), [1, 7]);
  const [scale, fifths] = abcToMidi(file);
  assert.deepEqual([scale!.name, fifths!.name], ['tunes-1', 'tunes-7']);
  const scaleNotes = notesOf(parseScore(scale!.bytes));
  assert.deepEqual(scaleNotes.map((n) => n.pitch), [60, 62, 64, 65, 67, 69, 71, 72]);
  const onsets = scaleNotes.map((n) => n.start - scaleNotes[0]!.start);
  onsets.forEach((t, i) => assert.ok(Math.abs(t - i * 0.5) < 0.01, `onset ${i} at ${t} s, expected ${i * 0.5} s at 120 beats per minute`));
  assert.deepEqual(notesOf(parseScore(fifths!.bytes)).map((n) => n.pitch), [67, 74, 67, 62, 69, 62]);
  assert.deepEqual(readdirSync(dir), ['tunes.abc'], 'nothing is written beside the input');
});

test("mscore3 plays one of MuseScore's demo scores into a polyphonic MIDI file", () => {
  const demo = MIDI_SOURCES.find((s) => s.name === 'musescore')!.directories[0]!;
  const fugue = musescoreToMidi(join(demo, 'Fugue_1.mscx'));
  const stats = scoreStats(parseScore(fugue.bytes));
  assert.equal(fugue.name, 'Fugue_1');
  assert.ok(stats.notes > 200, `${stats.notes} notes`);
  assert.ok(stats.maxPolyphony >= 2, `polyphony ${stats.maxPolyphony}`);
  assert.ok(stats.seconds > 30, `${stats.seconds} s`);
});

test('groove charts are deterministic, and mma plays them as several accompaniment parts', () => {
  const variants = grooveVariants('DefGroove Swing\nDefGroove SwingIntro\nDefGroove Swing1\ndefgroove SwingEnd\nDefGroove SwingSus\nDefGroove Swing2');
  assert.deepEqual(variants, ['Swing', 'Swing1', 'SwingSus', 'Swing2']);
  const chart = grooveChart('Swing', variants);
  assert.equal(chart, grooveChart('Swing', variants));
  assert.equal(chart.match(/^Groove /gm)!.length, 3, 'three sections');
  const tempo = Number(/^Tempo (\d+)/m.exec(chart)![1]);
  const first = mmaToMidi(chart, 'swing', 'test');
  assert.deepEqual(mmaToMidi(chart, 'swing', 'test').bytes, first.bytes, 'same chart, same MIDI');
  const score = parseScore(first.bytes);
  assert.ok(channelsOf(score).length >= 2, 'bass and chords at least');
  const seconds = scoreStats(score).seconds;
  const expected = (24 * 4 * 60) / tempo; // 24 bars of 4/4
  assert.ok(Math.abs(seconds - expected) < 0.1 * expected, `${seconds} s, expected about ${expected} s`);
});

test('a missing converter names the package to install, and discovery skips its source', () => {
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    const dir = temporaryDirectory('mst-abc-');
    writeFileSync(join(dir, 'tunes.abc'), TWO_TUNES);
    assert.throws(() => abcToMidi(join(dir, 'tunes.abc')), (e: unknown) =>
      e instanceof ConverterMissingError && e.message === 'abc2midi is not installed (apt-get install abcmidi, or run scripts/setup.sh)');
    const messages: string[] = [];
    const pieces = discoverPieces([{ name: 'tunes', package: 'abcmidi', directories: [dir], format: 'abc', licence: 'x' }], (m) => messages.push(m));
    assert.deepEqual(pieces, []);
    assert.deepEqual(messages, ['skipping tunes: abc2midi is not installed (apt-get install abcmidi, or run scripts/setup.sh)']);
  } finally {
    process.env.PATH = path;
  }
});

test('a tune with no melodic notes is logged and skipped; the others are kept', () => {
  const dir = temporaryDirectory('mst-abc-');
  writeFileSync(join(dir, 'a.abc'), TWO_TUNES);
  writeFileSync(join(dir, 'b.abc'), 'X:1\nT:Only drums\nK:C\n%%MIDI channel 10\nC D E F|\n');
  const messages: string[] = [];
  const pieces = discoverPieces([{ name: 'tunes', package: 'abcmidi', directories: [dir], format: 'abc', licence: 'CC0-1.0' }], (m) => messages.push(m));
  assert.deepEqual(pieces.map((p) => p.id), ['tunes/a-1', 'tunes/a-7']);
  assert.equal(messages.length, 1);
  assert.match(messages[0]!, /^skipping .*b\.abc#X:1: no melodic notes$/);
});
