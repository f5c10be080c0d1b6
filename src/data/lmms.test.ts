/**
 * The lmms sound set: a SoundFont written here (sf2-write.ts) from recorded notes, read back by
 * the reader and played by FluidSynth at the pitch asked for — transposed, pitch-corrected and
 * looped — and the font built from lmms-common's recordings playing a violin and a cello in tune.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeSoundFont } from './sf2-write.js';
import { readSoundFontSamples } from './soundfont.js';
import { renderScore, activeLevelDb } from './render.js';
import { crossfadeLoop, steadyLoop, ensureLmmsFont, lmmsInstruments } from './lmms.js';
import { SOUND_SETS, programsOf, instrumentsFor } from './fonts.js';
import { INSTRUMENTS, instrument } from './instruments.js';
import { estimatePitch } from '../audio/pitch.js';
import { temporaryDirectory } from '../testing/helpers.js';
import { forInstrument, type Score } from './midi.js';

const RATE = 16000;
type Event = Score['tracks'][number][number];

/** One note of `program` at `key`, held `beats` beats at 120 bpm after a beat of silence. */
function oneNote(program: number, key: number, beats: number): Score {
  const events = [
    { type: 'noteOn', channel: 0, noteNumber: key, velocity: 100, deltaTime: 0, tick: 480 },
    { type: 'noteOff', channel: 0, noteNumber: key, velocity: 0, deltaTime: 0, tick: 480 * (1 + beats) },
    { type: 'endOfTrack', deltaTime: 0, tick: 480 * (2 + beats) },
  ] as unknown as Event[];
  return forInstrument({ format: 0, ticksPerBeat: 480, tracks: [events] }, program);
}

/** `seconds` of a harmonic tone at `hz`, sampled at `rate`, with a 10 ms attack. */
function recordedTone(hz: number, seconds: number, rate = 44100): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * rate) }, (_, i) => {
    const t = i / rate;
    return Math.min(1, t / 0.01) * 0.5 * (Math.sin(2 * Math.PI * hz * t) + 0.5 * Math.sin(4 * Math.PI * hz * t));
  });
}

/** The samples from `from` to `to` seconds. */
const between = (samples: Float32Array, from: number, to: number) => samples.subarray(Math.round(from * RATE), Math.round(to * RATE));

test('a written SoundFont reads back with its programs, and FluidSynth plays it transposed, pitch-corrected and looped', async () => {
  const dir = temporaryDirectory('mst-sf2-');
  const path = join(dir, 'made.sf2');
  const flat = 220 * 2 ** (-30 / 1200); // a recording 30 cents under A3
  const tone = recordedTone(flat, 0.5);
  const period = 44100 / flat;
  const loop = { start: Math.round(0.2 * 44100), end: Math.round(0.2 * 44100 + 40 * period) };
  writeSoundFont(path, 'test font', [
    { program: 40, name: 'looped', releaseSeconds: 0.1, zones: [{ samples: crossfadeLoop(tone, loop, 441), sampleRate: 44100, rootKey: 57, centsAbove: -30, loop }] },
    { program: 0, name: 'once', releaseSeconds: 0.1, zones: [{ samples: tone, sampleRate: 44100, rootKey: 57, centsAbove: -30 }] },
  ]);
  const read = readSoundFontSamples(path);
  assert.deepEqual([...read.programs.keys()].sort((a, b) => a - b), [0, 40]);
  assert.equal(read.programs.get(40)!.size, 1);

  // key 69 is an octave above the root; the 30 cents are corrected: 440 Hz
  const looped = await renderScore(oneNote(40, 69, 6), { soundfont: path, sampleRate: RATE });
  const pitch = estimatePitch(between(looped, 0.6, 1.4), RATE);
  assert.ok(Math.abs(pitch.midi - 69) < 0.05, `key ${pitch.midi.toFixed(3)}`);
  // the 0.5 s recording, an octave up, lasts 0.25 s; looped, it sounds for the whole 3 s note
  assert.ok(activeLevelDb(between(looped, 3.0, 3.4), RATE) > -40, 'still sounding near the note\'s end');
  const once = await renderScore(oneNote(0, 69, 6), { soundfont: path, sampleRate: RATE });
  assert.ok(activeLevelDb(between(once, 3.0, 3.4), RATE) < -80, 'played once, it has ended');
});

test('the loop of a sustained note lies in its steady part (within 6 dB of the peak), a whole number of periods long, and the cross-fade joins its ends', () => {
  const rate = 16000;
  const hz = 200;
  // 0.2 s attack, 1 s steady, 0.5 s decay
  const note = Float32Array.from({ length: Math.round(1.7 * rate) }, (_, i) => {
    const t = i / rate;
    const level = t < 0.2 ? t / 0.2 : t < 1.2 ? 1 : Math.exp(-(t - 1.2) * 10);
    return level * Math.sin(2 * Math.PI * hz * t);
  });
  const loop = steadyLoop(note, rate, rate / hz);
  const halfLevelAt = 1.2 + Math.LN2 / 10; // where the decay has fallen 6 dB
  assert.ok(loop.start / rate > 0.2 && loop.end / rate < halfLevelAt, `loop ${loop.start / rate}–${loop.end / rate} s`);
  const periods = (loop.end - loop.start) / (rate / hz);
  assert.ok(Math.abs(periods - Math.round(periods)) < 1e-9 && periods >= 20, `${periods} periods`);

  // a loop of a fractional number of periods jumps in phase; after the cross-fade, the sample
  // before the end is the one before the start, so playing on from the end continues smoothly
  const jumpy = { start: 4000, end: 4000 + 1234 };
  const faded = crossfadeLoop(note, jumpy, 200);
  assert.equal(faded[jumpy.end - 1], note[jumpy.start - 1]);
  assert.deepEqual(faded.subarray(0, jumpy.end - 200), note.subarray(0, jumpy.end - 200));
  assert.deepEqual(faded.subarray(jumpy.end), note.subarray(jumpy.end));
  assert.throws(() => steadyLoop(note.subarray(0, 0.25 * rate), rate, rate / hz), /too short to loop/);
});

test("the font made from lmms-common's recordings plays a violin's A4 and a cello's C3 in tune, for the programs fonts.ts names", async () => {
  const path = await ensureLmmsFont();
  const programs = [...readSoundFontSamples(path).programs.keys()].sort((a, b) => a - b);
  assert.deepEqual(programs, [...programsOf(SOUND_SETS.lmms)].sort((a, b) => a - b));
  assert.deepEqual(instrumentsFor(SOUND_SETS.lmms, INSTRUMENTS.map((i) => i.name)).usable, ['piano', 'guitar', 'violin', 'cello', 'flute', 'trumpet', 'organ', 'strings']);
  for (const [name, key] of [['violin', 69], ['cello', 48]] as const) {
    const clip = await renderScore(oneNote(instrument(name).program, key, 4), { soundfont: path, sampleRate: RATE });
    const pitch = estimatePitch(between(clip, 0.7, 2.4), RATE);
    assert.ok(Math.abs(pitch.midi - key) < 0.3, `${name}: key ${pitch.midi.toFixed(2)} for ${key}`);
  }
});

test('without lmms-common the set says what to install', async () => {
  const gone = join(temporaryDirectory('mst-lmms-'), 'samples');
  await assert.rejects(lmmsInstruments(gone), /samples not found: install Debian's lmms-common/);
  await assert.rejects(ensureLmmsFont(join(gone, 'font.sf2'), gone), /lmms-common/);
});
