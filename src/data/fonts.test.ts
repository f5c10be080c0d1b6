/**
 * The sound sets: which instruments each may stand for, checked against the files themselves —
 * csound's bank borrows TimGM6mb's recordings for exactly the instruments the registry leaves
 * out, no judge set shares a sample with FluidR3, and freepats' config covers every instrument;
 * TiMidity renders the same twice to within a fraction of a dB; damaged input is refused by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SOUND_SETS, JUDGE_SETS, MUSESCORE_OWN, programsOf, instrumentsFor, soundSet } from './fonts.js';
import { readSoundFontSamples, sharedSampleShare, SoundFontError } from './soundfont.js';
import { ensureLmmsFont } from './lmms.js';
import { INSTRUMENTS, instrument } from './instruments.js';
import { renderPrograms, activeLevelDb } from './render.js';
import { generatedPieces } from './sources.js';
import { MelFrontEnd } from '../audio/mel.js';
import { DEFAULT_ANALYSIS } from '../audio/config.js';
import { tensor, tidy } from '../engine/index.js';
import { temporaryDirectory } from '../testing/helpers.js';

const names = INSTRUMENTS.map((i) => i.name);
const sf2 = (name: keyof typeof SOUND_SETS) => readSoundFontSamples(SOUND_SETS[name].path);

test("csound's bank plays TimGM6mb's samples for exactly the instruments it is left out for", () => {
  const [csound, timgm6mb] = [sf2('csound'), sf2('timgm6mb')];
  const borrowed = INSTRUMENTS.filter((i) => sharedSampleShare(csound, timgm6mb, i.program) > 0.5).map((i) => i.name);
  assert.deepEqual(borrowed.sort(), Object.keys(SOUND_SETS.csound.leftOut).sort());
  assert.deepEqual(instrumentsFor(SOUND_SETS.csound, names).usable, ['piano', 'flute', 'trumpet', 'strings']);
});

test('no instrument the judge learns shares a sample with FluidR3, the model\'s set', async () => {
  await ensureLmmsFont(); // the lmms set's font is built on first use
  const fluidr3 = sf2('fluidr3');
  for (const name of JUDGE_SETS.filter((n) => SOUND_SETS[n].synth === 'fluidsynth')) {
    const set = readSoundFontSamples(SOUND_SETS[name].path);
    for (const usable of instrumentsFor(SOUND_SETS[name], names).usable) assert.equal(sharedSampleShare(set, fluidr3, instrument(usable).program), 0, `${name}'s ${usable}`);
  }
  assert.ok(!(JUDGE_SETS as string[]).includes('fluidr3'));
});

test("MuseScore's General font stands only for the instruments whose recordings its sources credit elsewhere, and is left out wherever it plays FluidR3's samples", () => {
  const [musescore, fluidr3] = [sf2('musescore'), sf2('fluidr3')];
  assert.deepEqual(instrumentsFor(SOUND_SETS.musescore, names).usable, MUSESCORE_OWN);
  const sharing = INSTRUMENTS.filter((i) => sharedSampleShare(musescore, fluidr3, i.program) > 0).map((i) => i.name);
  assert.deepEqual(sharing, ['guitar', 'violin', 'flute', 'trumpet', 'saxophone', 'organ']); // byte for byte; cello and clarinet are FluidR3's mixed to mono (the sources credit no one else)
  for (const name of sharing) assert.ok(name in SOUND_SETS.musescore.leftOut, name);
});

test("freepats' config defines every instrument's program, and not program 3", () => {
  const programs = programsOf(SOUND_SETS.freepats);
  for (const { name, program } of INSTRUMENTS) assert.ok(programs.has(program), `${name} (${program})`);
  assert.ok(!programs.has(3), 'Honky-tonk piano is missing from freepats');
  assert.deepEqual(instrumentsFor({ ...SOUND_SETS.freepats, leftOut: {} }, ['piano', 'violin']).leftOut, {});
  assert.equal(programsOf(SOUND_SETS.opl3).size, 128);
});

test('TiMidity renders a patch set the same way twice (to a fraction of a dB), each instrument audible', async () => {
  const piece = generatedPieces(1, 0, 8)[0]!;
  const options = { soundfont: SOUND_SETS.freepats.path, sampleRate: 16000, synthRate: 32000 };
  const [a, b] = [await renderPrograms(piece.score, [40, 73], piece.seconds, options), await renderPrograms(piece.score, [40, 73], piece.seconds, options)];
  const frontEnd = new MelFrontEnd(DEFAULT_ANALYSIS);
  a.forEach((clip, i) => {
    assert.equal(clip.length, b[i]!.length);
    const difference = tidy(() => frontEnd.logMel(tensor(clip)).sub(frontEnd.logMel(tensor(b[i]!))).abs().mean().item());
    assert.ok(difference < 0.02, `mean |Δ log-mel| ${difference} (1 dB = 0.02)`); // bit-exact on a quiet machine, not on a busy one (render.ts)
  });
  frontEnd.dispose();
  for (const clip of a) assert.ok(activeLevelDb(clip, 16000) > -45, `level ${activeLevelDb(clip, 16000)}`);
  assert.notDeepEqual(a[0], a[1], 'violin and flute differ');
});

test('a file that is not a SoundFont, and an unknown set, are refused by name', () => {
  const dir = temporaryDirectory('mst-fonts-');
  writeFileSync(join(dir, 'fake.sf2'), 'RIFF\0\0\0\0WAVEfmt ');
  assert.throws(() => readSoundFontSamples(join(dir, 'fake.sf2')), (e: Error) => e instanceof SoundFontError && /fake.sf2 is not a SoundFont 2 file/.test(e.message));
  assert.throws(() => programsOf({ name: 'gone', path: join(dir, 'gone.sf2') }), /gone.sf2 not found; install its package/);
  assert.throws(() => soundSet('fluidr4'), /unknown sound set fluidr4; sets: fluidr3, timgm6mb, csound, freepats, opl3/);
});
