/**
 * The judge's augmentations on known tiles: a level change moves sounding bins by exactly its dB
 * and leaves silence; a room adds a tail that decays at its RT60 after a note stops and changes
 * nothing when its level is inaudible; noise lifts a silent tile to its level below the signal;
 * the whole chain stays in [-1, 1] and repeats under a seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, full, cat, tidy, manualSeed } from '../engine/index.js';
import { DEFAULT_ANALYSIS } from '../audio/config.js';
import { changeLevel, addRoom, addNoise, augmentForJudge } from './augment.js';

const UNITS_PER_DB = 2 / (DEFAULT_ANALYSIS.maxDb - DEFAULT_ANALYSIS.minDb);
const dbOf = (value: number) => (value + 1) / UNITS_PER_DB + DEFAULT_ANALYSIS.minDb;
const FRAME_SECONDS = DEFAULT_ANALYSIS.hop / DEFAULT_ANALYSIS.sampleRate;

/** A tile at `db` for frames [0, 64) and silent after, beside a silent tile. */
function noteThenSilence(db: number) {
  const level = (db - DEFAULT_ANALYSIS.minDb) * UNITS_PER_DB - 1;
  const note = cat([full([1, 1, 128, 64], level), full([1, 1, 128, 64], -1)], 3);
  return cat([note, full([1, 1, 128, 128], -1)], 0);
}

test('a level change moves sounding bins by its dB and leaves silence silent', () => {
  tidy(() => {
    const tiles = noteThenSilence(-30);
    const louder = changeLevel(tiles, tensor([6, 6]));
    assert.ok(Math.abs(dbOf(louder.select(0, 0).select(0, 0).select(0, 0).select(0, 10).item()) - -24) < 1e-3);
    assert.equal(louder.select(0, 1).amax().item(), -1);
    assert.equal(louder.select(0, 0).select(0, 0).select(0, 0).select(0, 100).item(), -1, 'the rest after the note stays silent');
  });
});

test('a room adds a tail that falls 60 dB per RT60 after the note, from its wet level', () => {
  tidy(() => {
    const tiles = noteThenSilence(-20);
    const roomed = addRoom(tiles, tensor([0.5, 0.5]), tensor([-10, -10]));
    const frame = (k: number) => dbOf(roomed.select(0, 0).select(0, 0).select(0, 60).select(0, k).item());
    // right after the note: the tail of 64 frames of direct sound, summed, ≈ wet level above the note's
    const afterStop = frame(64);
    assert.ok(afterStop > -40 && afterStop < -15, `tail starts at ${afterStop} dB`);
    const slope = (frame(64) - frame(84)) / (20 * FRAME_SECONDS); // dB per second
    assert.ok(Math.abs(slope - 120) < 6, `decays ${slope.toFixed(1)} dB/s, expected 60 dB / 0.5 s`);
    assert.ok(Math.abs(frame(10) - -20) < 3, 'the direct sound keeps its level (plus a little tail)');
    assert.equal(roomed.select(0, 1).amax().item(), -1, 'a silent tile has no tail');
    const dry = addRoom(tiles, tensor([0.5, 0.5]), tensor([-200, -200]));
    assert.ok(dry.sub(tiles).abs().amax().item() < 1e-4, 'an inaudible room changes nothing');
  });
});

test('noise lifts silence to its level below the signal, and leaves a loud note nearly as it was', () => {
  tidy(() => {
    manualSeed(2);
    const tiles = noteThenSilence(-20);
    const noisy = addNoise(tiles, tensor([30, 30]));
    const rest = noisy.select(0, 0).slice(2, 64, 128); // after the note, [1, 128, 64]
    const restDb = 10 * Math.log10(rest.add(1).div(UNITS_PER_DB).add(DEFAULT_ANALYSIS.minDb).mul(Math.LN10 / 10).exp().mean().item());
    assert.ok(Math.abs(restDb - -50) < 2, `noise at ${restDb.toFixed(1)} dB, expected 30 dB below −20 dB`);
    const note = noisy.select(0, 0).slice(2, 0, 64);
    assert.ok(Math.abs(dbOf(note.mean().item()) - -20) < 0.5, 'the note keeps its level');
    assert.equal(noisy.select(0, 1).amax().item(), -1, 'a tile with no signal gets no noise (its level is relative)');
  });
});

test('the whole chain keeps shape and range and repeats under a seed', () => {
  tidy(() => {
    const tiles = noteThenSilence(-25);
    manualSeed(9);
    const once = augmentForJudge(tiles);
    manualSeed(9);
    assert.deepEqual(augmentForJudge(tiles).toFloat32Array(), once.toFloat32Array());
    assert.deepEqual(once.shape, tiles.shape);
    assert.ok(once.amax().item() <= 1 && once.amin().item() >= -1);
  });
});
