/**
 * Rendering with FluidSynth: the same bytes twice, notes that start at the same time in every
 * instrument (within one analysis hop), calibrated loudness, and clear errors when the synthesizer
 * or a SoundFont is missing; a render stopped mid-way leaves no synthesizer running and no folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { tensor, tidy } from '../engine/index.js';
import { DEFAULT_ANALYSIS as config } from '../audio/config.js';
import { MelFrontEnd } from '../audio/mel.js';
import { renderScore, renderPrograms, normaliseLoudness, activeLevelDb, fitLength, RenderError } from './render.js';
import { abortRenders } from './synth.js';
import { forInstrument, notesOf, type Score } from './midi.js';
import { temporaryDirectory } from '../testing/helpers.js';

const FLUID = '/usr/share/sounds/sf2/FluidR3_GM.sf2';
const TIMGM = '/usr/share/sounds/sf2/TimGM6mb.sf2';
const options = { soundfont: FLUID, sampleRate: config.sampleRate };

/** Eight separate notes with rests between them, so that every onset follows silence. */
function detached(): Score {
  type Event = Score['tracks'][number][number];
  const events: Event[] = [];
  [60, 64, 67, 72, 65, 62, 69, 71].forEach((pitch, i) => {
    const tick = (i + 1) * 480; // a beat of silence first
    events.push({ type: 'noteOn', channel: 0, noteNumber: pitch, velocity: 96, deltaTime: 0, tick } as unknown as Event);
    events.push({ type: 'noteOff', channel: 0, noteNumber: pitch, velocity: 0, deltaTime: 0, tick: tick + 200 } as unknown as Event);
  });
  events.push({ type: 'endOfTrack', deltaTime: 0, tick: 9 * 480 } as unknown as Event);
  return { format: 0, ticksPerBeat: 480, tracks: [events] };
}

test('rendering is deterministic', async () => {
  const score = forInstrument(detached(), 0);
  const a = await renderScore(score, options);
  const b = await renderScore(score, options);
  assert.deepEqual(a, b);
});

test('the same note starts in the same frame whatever plays it (plucked and struck instruments, both SoundFonts)', async () => {
  // Instruments with sharp attacks, so that the detected onset is the note's start: bowed and
  // blown notes swell for tens of milliseconds, which moves a detector's onset, not the note.
  const frontEnd = new MelFrontEnd(config);
  const onsets = notesOf(detached()).map((n) => n.start);
  const detected: Record<string, number[]> = {};
  for (const soundfont of [FLUID, TIMGM]) {
    for (const [name, program] of [['piano', 0], ['harpsichord', 6], ['marimba', 12], ['guitar', 24]] as const) {
      const samples = await renderScore(forInstrument(detached(), program), { ...options, soundfont });
      // frame energy in dB; the onset is the frame of steepest rise near the note's time
      const energy = tidy(() => frontEnd.melFromMagnitude(frontEnd.magnitude(tensor(samples))).sum(0).clamp(1e-9).log().mul(10 / Math.LN10).toArray());
      const frameOf = (t: number) => Math.round((t * config.sampleRate) / config.hop);
      detected[`${name}@${soundfont}`] = onsets.map((t) => {
        let best = -1;
        for (let f = frameOf(t - 0.064); f <= frameOf(t + 0.1); f++) {
          if (best < 0 || energy[f]! - energy[f - 1]! > energy[best]! - energy[best - 1]!) best = f;
        }
        return best;
      });
    }
  }
  frontEnd.dispose();
  const runs = Object.values(detected);
  for (const [name, run] of Object.entries(detected)) assert.ok(run.every((f) => f >= 0), `every note was found in ${name}: ${JSON.stringify(run)}`);
  for (let i = 0; i < onsets.length; i++) {
    const frames = runs.map((run) => run[i]!);
    // and at the score's time: the centred 64 ms window sees an attack up to 2 frames early
    const expected = (onsets[i]! * config.sampleRate) / config.hop;
    assert.ok(frames.every((f) => Math.abs(f - expected) <= 2), `note ${i} at frame ${expected}: ${JSON.stringify(frames)}`);
    assert.ok(Math.max(...frames) - Math.min(...frames) <= 1, `note ${i}: onset frames ${JSON.stringify(Object.fromEntries(Object.keys(detected).map((k, j) => [k.split('/').pop(), frames[j]])))}`);
  }
});

test('loudness is normalised on the active part, and lengths are fitted', () => {
  const loud = Float32Array.from({ length: 16000 }, (_, i) => (i < 8000 ? 0.5 * Math.sin(i / 5) : 0));
  const normalised = normaliseLoudness(loud, 16000, -20);
  assert.ok(Math.abs(activeLevelDb(normalised, 16000) + 20) < 0.01);
  assert.equal(activeLevelDb(new Float32Array(1000), 16000), -Infinity);
  assert.deepEqual(normaliseLoudness(new Float32Array(4), 16000), new Float32Array(4));
  assert.equal(fitLength(loud, 100).length, 100);
  assert.deepEqual([...fitLength(Float32Array.of(1, 2), 4)], [1, 2, 0, 0]);
});

test('a missing SoundFont or synthesizer is a RenderError that says what to install', async () => {
  await assert.rejects(renderScore(detached(), { ...options, soundfont: '/nowhere/font.sf2' }), (e: unknown) => e instanceof RenderError && /SoundFont \/nowhere\/font\.sf2 not found; install it/.test((e as Error).message));
  await assert.rejects(renderScore(detached(), { ...options, fluidsynth: 'no-such-fluidsynth' }), (e: unknown) => e instanceof RenderError && /no-such-fluidsynth was not found; install it \(Debian: apt-get install fluidsynth/.test((e as Error).message));
});

test('one FluidSynth run for several instruments gives the clips of separate runs', async () => {
  const frontEnd = new MelFrontEnd(config);
  const programs = [0, 40, 73];
  const seconds = 5;
  const together = await renderPrograms(detached(), programs, seconds, options);
  for (const [i, program] of programs.entries()) {
    const alone = fitLength(await renderScore(forInstrument(detached(), program), options), seconds * config.sampleRate);
    assert.equal(together[i]!.length, alone.length);
    const difference = tidy(() => frontEnd.logMel(tensor(together[i]!)).sub(frontEnd.logMel(tensor(alone))).abs().mean().item());
    assert.ok(difference < 0.02, `program ${program}: mean |Δ log-mel| ${difference}`);
  }
  frontEnd.dispose();
});

test('abortRenders stops the synthesizers in flight and removes their folders', async () => {
  type Event = Score['tracks'][number][number];
  const events: Event[] = [];
  for (let i = 0; i < 4000; i++) {
    events.push({ type: 'noteOn', channel: 0, noteNumber: 48 + (i % 24), velocity: 96, deltaTime: 0, tick: i * 240 } as unknown as Event);
    events.push({ type: 'noteOff', channel: 0, noteNumber: 48 + (i % 24), velocity: 0, deltaTime: 0, tick: i * 240 + 200 } as unknown as Event);
  }
  events.push({ type: 'endOfTrack', deltaTime: 0, tick: 4000 * 240 } as unknown as Event); // 1,000 s of music: rendering takes a while
  // a temporary folder of its own (os.tmpdir() reads TMPDIR), so other test files' renders running beside it are not counted
  const scratch = temporaryDirectory('mst-abort-');
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = scratch;
  try {
    const folders = () => new Set(readdirSync(tmpdir()).filter((name) => name.startsWith('mst-render-')));
    const before = folders();
    const render = renderScore(forInstrument({ format: 0, ticksPerBeat: 480, tracks: [events] }, 0), options);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const during = [...folders()].filter((name) => !before.has(name));
    assert.equal(during.length, 1, 'the render works in a folder of its own');
    abortRenders();
    await assert.rejects(render, (error: Error) => error instanceof RenderError && /fluidsynth failed \(exit null\)/.test(error.message));
    assert.ok(!folders().has(during[0]!), 'and its folder is gone');
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
});
