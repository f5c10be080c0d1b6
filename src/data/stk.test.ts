/**
 * The STK as a sound set: scores become SKINI with the right times, and stk-demo renders each
 * model audibly, the same way twice, differently from model to model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scoreToSkini, STK_RAWWAVES } from './stk.js';
import { renderPrograms, activeLevelDb } from './render.js';
import { makePhrase, phraseToScore } from './phrases.js';
import { notesOf } from './midi.js';
import { SOUND_SETS, instrumentsFor } from './fonts.js';

const score = phraseToScore(makePhrase('melody', [55, 72], 1, 8));

test('SKINI holds every note, onsets and releases at their times', () => {
  const notes = notesOf(score);
  const lines = scoreToSkini(score, 1).trim().split('\n');
  assert.equal(lines.length, 2 * notes.length + 1);
  let now = 0;
  const onsets: number[] = [];
  for (const line of lines.slice(0, -1)) {
    const [kind, dt, channel, pitch, velocity] = line.split(' ');
    now += Number(dt);
    assert.equal(channel, '1');
    if (kind === 'NoteOn') {
      onsets.push(now);
      assert.ok(Number(velocity) >= 1 && Number(pitch) >= 0);
    } else assert.equal(kind, 'NoteOff');
  }
  assert.deepEqual(onsets.map((t) => t.toFixed(3)), notes.map((n) => n.start.toFixed(3)));
  assert.equal(lines.at(-1), 'NoteOff 1.000000 1 0 0');
});

test('stk-demo renders each model audibly and the same twice; models differ; a model it lacks is refused', async () => {
  const options = { soundfont: STK_RAWWAVES, sampleRate: 16000, synthRate: 32000 };
  const [bowed, clarinet] = await renderPrograms(score, [40, 71], 5, options);
  const [again] = await renderPrograms(score, [40], 5, options);
  assert.equal(bowed!.length, 5 * 16000);
  assert.ok(activeLevelDb(bowed!, 16000) > -50 && activeLevelDb(clarinet!, 16000) > -50, 'audible');
  assert.deepEqual(again, bowed, 'deterministic');
  assert.notDeepEqual(clarinet, bowed);
  await assert.rejects(renderPrograms(score, [0], 5, options), /no STK model stands for General MIDI program 0/);
  const { usable, leftOut } = instrumentsFor(SOUND_SETS.stk, ['piano', 'violin', 'cello', 'clarinet']);
  assert.deepEqual(usable, ['violin', 'clarinet']);
  assert.match(leftOut.cello!, /bowed-string model/);
  assert.match(leftOut.piano!, /has no program 0/);
});
