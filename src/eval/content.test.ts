/**
 * The content metrics on inputs whose answer is known: identical, shifted and transposed note
 * lists, pure tones, and basic-pitch's transcription of a rendered phrase whose score is known.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from '../testing/helpers.js';
import { readAudio } from '../audio/decode.js';
import { onsetF1, pitchClassDistance, pitchClassProfile, chroma, chromaSimilarity, type TimedNote } from './content.js';
import { transcribe, joinHeldNotes } from './transcribe.js';

/** The phrase of test/fixtures/audio/make_phrases.py: melody and chords, 0.5 s per quarter. */
const PHRASE: TimedNote[] = [
  [0, 1, 67], [1, 0.5, 69], [1.5, 0.5, 71], [2, 1, 72], [3, 1, 74], [4, 0.5, 76], [4.5, 0.5, 74], [5, 1, 72], [6, 2, 67],
  [0, 2, 48], [0, 2, 55], [2, 2, 53], [2, 2, 57], [4, 2, 55], [4, 2, 59], [6, 2, 48], [6, 2, 52],
].map(([start, length, pitch]) => ({ start: start! * 0.5, end: (start! + length!) * 0.5, pitch: pitch! }))
  .filter((n) => n.start < 4.5); // the fixture is cut at 4.5 s

const shift = (notes: TimedNote[], seconds: number, semitones = 0) =>
  notes.map((n) => ({ start: n.start + seconds, end: n.end + seconds, pitch: n.pitch + semitones }));

test('onset F1 is 1 for the same notes, 0 for a transposition, and honours the tolerance', () => {
  assert.deepEqual(onsetF1(PHRASE, PHRASE), { precision: 1, recall: 1, f1: 1, matched: PHRASE.length });
  assert.equal(onsetF1(PHRASE, shift(PHRASE, 0, 2)).f1, 0);
  assert.equal(onsetF1(PHRASE, shift(PHRASE, 0.03)).f1, 1, '30 ms late is within 50 ms');
  assert.equal(onsetF1(PHRASE, shift(PHRASE, 0.03), 0.02).f1, 0, 'but not within 20 ms');
  const extra = onsetF1(PHRASE, [...PHRASE, { start: 9, end: 10, pitch: 60 }]);
  assert.equal(extra.precision, PHRASE.length / (PHRASE.length + 1));
  assert.equal(extra.recall, 1);
  assert.deepEqual(onsetF1([], []), { precision: 1, recall: 1, f1: 1, matched: 0 });
  assert.equal(onsetF1(PHRASE, []).f1, 0);
  // one estimate cannot match two reference notes
  const twice = [{ start: 0, end: 1, pitch: 60 }, { start: 0.04, end: 1, pitch: 60 }];
  assert.equal(onsetF1(twice, twice.slice(0, 1)).matched, 1);
});

test('pitch-class distance: 0 for the same notes or an octave away, known values otherwise', () => {
  assert.equal(pitchClassDistance(PHRASE, PHRASE), 0);
  assert.equal(pitchClassDistance(PHRASE, shift(PHRASE, 0, 12)), 0);
  const c = [{ start: 0, end: 1, pitch: 60 }];
  const cAndG = [...c, { start: 0, end: 1, pitch: 67 }];
  assert.equal(pitchClassDistance(c, cAndG), 0.5);
  assert.equal(pitchClassDistance(c, [{ start: 0, end: 2, pitch: 61 }]), 1);
  assert.equal(pitchClassDistance([], []), 0);
  assert.deepEqual(pitchClassProfile(cAndG), [1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
});

function tone(hz: number, seconds = 1, rate = 16000): Float32Array {
  return Float32Array.from({ length: seconds * rate }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / rate));
}

test('chroma puts a tone in its pitch class; similarity is 1 for the same harmony and NaN for silence', () => {
  const a = chroma(tone(440), 16000);
  const middle = a[Math.floor(a.length / 2)]!;
  assert.equal(middle.indexOf(Math.max(...middle)), 9, 'A');
  assert.ok(chromaSimilarity(a, chroma(tone(220), 16000)) > 0.99, 'an octave lower is the same pitch class');
  assert.ok(chromaSimilarity(a, chroma(tone(311.13), 16000)) < 0.1, 'a tritone away shares nothing');
  assert.ok(Number.isNaN(chromaSimilarity(a, chroma(new Float32Array(16000), 16000))));
});

test('basic-pitch transcribes a rendered phrase close to its score, and the same phrase on violin too', async () => {
  const notesOf = async (name: string) =>
    transcribe(await readAudio(join(repoRoot, 'test', 'fixtures', 'audio', `phrase-${name}.flac`), { sampleRate: 16000 }), 16000);
  const piano = await notesOf('piano');
  const violin = await notesOf('violin');
  const pianoF1 = onsetF1(PHRASE, piano, 0.1).f1;
  assert.ok(pianoF1 > 0.75, `piano against its score: F1 ${pianoF1.toFixed(2)}`);
  assert.ok(onsetF1(PHRASE, shift(piano, 0, 2), 0.1).f1 < 0.2, 'a transposed transcription does not match');
  assert.ok(pitchClassDistance(PHRASE, violin) < 0.35, `violin pitch classes: distance ${pitchClassDistance(PHRASE, violin).toFixed(2)}`);
  assert.deepEqual(await transcribe(new Float32Array(32000), 16000), [], 'silence has no notes');
});

test('pieces of a held note are joined; a louder stroke, another pitch or a real gap stays a new note', () => {
  const note = (start: number, end: number, pitch: number, amplitude: number) => ({ start, end, pitch, amplitude });
  const joined = joinHeldNotes([
    note(0, 0.2, 60, 0.8), note(0.2, 0.5, 60, 0.6), note(0.21, 0.4, 64, 0.5), // a quieter piece right after: joined
    note(0.5, 0.9, 60, 0.9), // louder: a new stroke
    note(1.0, 1.2, 60, 0.5), // 100 ms after the last end: a new note
  ], 0.02);
  assert.deepEqual(joined.map((n) => [n.start, n.end, n.pitch]), [[0, 0.5, 60], [0.21, 0.4, 64], [0.5, 0.9, 60], [1.0, 1.2, 60]]);
  assert.equal(joinHeldNotes([note(0, 0.2, 60, 0.8), note(0.2, 0.5, 60, 0.6)], 0).length, 2, 'a gap of 0 keeps every piece');
});
