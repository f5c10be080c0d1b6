/**
 * Sonivox's EAS wavetable as a sound set: eas-render plays each of the dataset's instruments
 * audibly, the same way twice and differently from instrument to instrument and from FluidR3's
 * recordings of the same notes; it stands for every instrument (a full General MIDI set).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EAS_RENDERER } from './eas.js';
import { renderPrograms, activeLevelDb } from './render.js';
import { makePhrase, phraseToScore } from './phrases.js';
import { SOUND_SETS, instrumentsFor } from './fonts.js';
import { INSTRUMENTS } from './instruments.js';

const score = phraseToScore(makePhrase('melody', [55, 72], 1, 8));

/** Root-mean-square difference of two clips, relative to the first's RMS. */
function relativeDifference(a: Float32Array, b: Float32Array): number {
  let [diff, energy] = [0, 0];
  for (let i = 0; i < a.length; i++) {
    diff += (a[i]! - b[i]!) ** 2;
    energy += a[i]! ** 2;
  }
  return Math.sqrt(diff / energy);
}

test("eas-render plays every instrument audibly, the same twice, each unlike the others and unlike FluidR3's", async () => {
  const programs = INSTRUMENTS.map((i) => i.program);
  const options = { soundfont: EAS_RENDERER, sampleRate: 16000 };
  const clips = await renderPrograms(score, programs, 5, options);
  const again = await renderPrograms(score, programs.slice(0, 3), 5, options);
  const fluid = await renderPrograms(score, programs, 5, { soundfont: SOUND_SETS.fluidr3.path, sampleRate: 16000, synthRate: 32000 });
  clips.forEach((clip, i) => {
    const name = INSTRUMENTS[i]!.name;
    assert.equal(clip.length, 5 * 16000);
    assert.ok(activeLevelDb(clip, 16000) > -50, `${name} audible`);
    assert.ok(relativeDifference(clip, fluid[i]!) > 0.5, `${name} is not FluidR3's`);
    if (i > 0) assert.ok(relativeDifference(clip, clips[i - 1]!) > 0.5, `${name} differs from ${INSTRUMENTS[i - 1]!.name}`);
  });
  assert.deepEqual(again, clips.slice(0, 3), 'deterministic');
  assert.deepEqual(instrumentsFor(SOUND_SETS.sonivox, INSTRUMENTS.map((i) => i.name)).leftOut, {});
});
