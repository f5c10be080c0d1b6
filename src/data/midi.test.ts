/**
 * MIDI scores: round trips, the rewrites for one instrument, transposition, tempo maps,
 * statistics, and clear errors for bad files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScore, scoreToBytes, forInstrument, transpose, notesOf, scoreStats, channelsOf, onlyChannels, tempoMap, MidiError, DRUM_CHANNEL, type Score } from './midi.js';
import { melodyChannelOf } from './sources.js';
import { makePhrase, phraseToScore } from './phrases.js';
import { seededRandom } from '../random.js';

type Event = Score['tracks'][number][number];
const ev = (tick: number, e: Record<string, unknown>) => ({ deltaTime: 0, tick, ...e }) as unknown as Event;

/** Two tracks: a tempo change, a piano melody with a program change and a bank select, drums. */
function band(): Score {
  return {
    format: 1,
    ticksPerBeat: 480,
    tracks: [
      [ev(0, { type: 'setTempo', microsecondsPerBeat: 500000 }), ev(960, { type: 'setTempo', microsecondsPerBeat: 1000000 }), ev(1920, { type: 'endOfTrack' })],
      [
        ev(0, { type: 'controller', channel: 1, controllerType: 0, value: 8 }),
        ev(0, { type: 'programChange', channel: 1, programNumber: 5 }),
        ev(0, { type: 'controller', channel: 1, controllerType: 91, value: 100 }),
        ev(0, { type: 'noteOn', channel: 1, noteNumber: 60, velocity: 90 }),
        ev(0, { type: 'noteOn', channel: 1, noteNumber: 64, velocity: 80 }),
        ev(480, { type: 'noteOff', channel: 1, noteNumber: 60, velocity: 0 }),
        ev(480, { type: 'noteOn', channel: 1, noteNumber: 64, velocity: 0 }), // note-on with velocity 0 ends a note
        ev(960, { type: 'noteOn', channel: 1, noteNumber: 67, velocity: 100 }),
        ev(1440, { type: 'noteOff', channel: 1, noteNumber: 67, velocity: 0 }),
        ev(0, { type: 'noteOn', channel: DRUM_CHANNEL, noteNumber: 36, velocity: 100 }),
        ev(240, { type: 'noteOff', channel: DRUM_CHANNEL, noteNumber: 36, velocity: 0 }),
        ev(1920, { type: 'endOfTrack' }),
      ],
    ],
  };
}

test('scores round-trip through MIDI bytes, with every kind of channel event and the tempo map', () => {
  const score = band();
  score.tracks[1]!.push(
    ev(100, { type: 'pitchBend', channel: 1, value: -1234 }),
    ev(110, { type: 'channelAftertouch', channel: 1, amount: 33 }),
    ev(120, { type: 'noteAftertouch', channel: 1, noteNumber: 60, amount: 44 }),
  );
  const back = parseScore(scoreToBytes(score));
  assert.deepEqual(notesOf(back), notesOf(score));
  assert.equal(back.ticksPerBeat, 480);
  // every event as one line: a note-on of velocity 0 is a note-off, as the MIDI standard reads it
  const kinds = (s: Score) =>
    (s.tracks.flat().filter((e) => e.type !== 'endOfTrack') as unknown as Record<string, number | string>[])
      .map((e) => {
        const type = e.type === 'noteOn' && e.velocity === 0 ? 'noteOff' : e.type;
        const fields = ['channel', 'noteNumber', 'controllerType', 'value', 'programNumber', 'amount', 'microsecondsPerBeat'].map((k) => e[k] ?? '');
        return `${e.tick} ${type} ${fields.join(' ')}`;
      })
      .sort();
  assert.deepEqual(kinds(back), kinds(score));
  assert.equal(tempoMap(back)(1440), 2);
});

test('tempo changes set the times of notes', () => {
  const seconds = tempoMap(band());
  assert.equal(seconds(480), 0.5);
  assert.equal(seconds(960), 1);
  assert.equal(seconds(1440), 2); // after the change, 1 s per beat
  assert.deepEqual(notesOf(band()).map((n) => [n.start, n.end, n.pitch]), [[0, 0.5, 60], [0, 0.5, 64], [1, 2, 67]]);
});

test('forInstrument drops drums, program changes, bank selects and effect sends, and sets one program', () => {
  const piano = forInstrument(band(), 40);
  const events = piano.tracks.flat();
  assert.ok(!events.some((e) => (e as { channel?: number }).channel === DRUM_CHANNEL), 'drums dropped');
  const programs = events.filter((e) => e.type === 'programChange') as unknown as { channel: number; programNumber: number; tick: number }[];
  assert.deepEqual(programs.map((p) => [p.channel, p.programNumber, p.tick]), [[1, 40, 0]]);
  assert.ok(!events.some((e) => e.type === 'controller'), 'bank select and reverb send dropped');
  assert.deepEqual(notesOf(piano), notesOf(band()));
  assert.throws(() => forInstrument(band(), 128), /Expected a GM program in \[0, 127\] but received 128/);
});

test('transposition moves notes and drops those out of range; statistics describe the score', () => {
  const up = transpose(band(), 12);
  assert.deepEqual(notesOf(up).map((n) => n.pitch), [72, 76, 79]);
  assert.deepEqual(notesOf(transpose(band(), 61)).map((n) => n.pitch), [121, 125]); // 67 + 61 > 127 is dropped
  assert.deepEqual(scoreStats(band()), { seconds: 2, notes: 3, lowest: 60, highest: 67, maxPolyphony: 2 });
  assert.deepEqual(channelsOf(band()), [{ channel: 1, notes: 3, maxPolyphony: 2, medianPitch: 64 }]);
  assert.deepEqual(notesOf(onlyChannels(band(), new Set([2]))), []);
});

test("a piece's melody is its top monophonic line, not the busier bass line, nor a short high ornament", () => {
  const line = (channel: number, pitches: number[], polyphonic = false) =>
    pitches.flatMap((pitch, i) => [
      ev(i * 240, { type: 'noteOn', channel, noteNumber: pitch, velocity: 90 }),
      ...(polyphonic ? [ev(i * 240, { type: 'noteOn', channel, noteNumber: pitch + 4, velocity: 90 }), ev(i * 240 + 200, { type: 'noteOff', channel, noteNumber: pitch + 4, velocity: 0 })] : []),
      ev(i * 240 + 200, { type: 'noteOff', channel, noteNumber: pitch, velocity: 0 }),
    ]);
  const range = (n: number, from: number) => Array.from({ length: n }, (_, i) => from + (i % 5));
  const bass = line(0, range(30, 36));
  const tune = line(1, range(18, 72));
  const ornament = line(2, range(8, 96));
  const chords = line(3, range(30, 84), true);
  const score = (...tracks: Event[][]): Score => ({ format: 1, ticksPerBeat: 480, tracks });
  assert.equal(melodyChannelOf(score(bass, tune, ornament, chords)), 1);
  assert.equal(melodyChannelOf(score(bass, ornament, chords)), 0, 'the bass line when it is the only line');
  assert.equal(melodyChannelOf(score(line(1, range(12, 72)), chords)), null, 'fewer than 16 notes');
  assert.equal(melodyChannelOf(score(chords)), null);
});

test('generated phrases are deterministic, inside their register, and play', () => {
  for (const kind of ['scale', 'arpeggio', 'melody', 'chords'] as const) {
    const a = makePhrase(kind, [55, 79], 7);
    assert.deepEqual(a, makePhrase(kind, [55, 79], 7));
    assert.notDeepEqual(a.notes, makePhrase(kind, [55, 79], 8).notes);
    assert.ok(a.notes.length > 4, `${kind} has notes`);
    assert.ok(a.notes.every((n) => n.pitch >= 55 && n.pitch <= 79), `${kind} stays in its register`);
    const stats = scoreStats(parseScore(scoreToBytes(phraseToScore(a))));
    assert.equal(stats.notes, a.notes.length);
    assert.equal(stats.maxPolyphony > 1, kind === 'chords');
  }
  const random = seededRandom(1);
  assert.ok(Array.from({ length: 1000 }, random).every((v) => v >= 0 && v < 1));
});

test('bad MIDI files raise MidiError naming the file', () => {
  assert.throws(() => parseScore(new Uint8Array(0), 'empty.mid'), (e: unknown) => e instanceof MidiError && e.message === 'empty.mid: the file is empty');
  assert.throws(() => parseScore(new TextEncoder().encode('not midi at all'), 'text.mid'), (e: unknown) => e instanceof MidiError && /^text\.mid: not a readable MIDI file/.test((e as Error).message));
  const cut = scoreToBytes(band()).subarray(0, 30);
  assert.throws(() => parseScore(cut, 'cut.mid'), MidiError);
});
