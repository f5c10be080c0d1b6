/**
 * `mst eval classify`: the judge's probabilities averaged over a recording's sounding tiles, the
 * same whatever the recording's level, silent input refused by name; the command prints one JSON
 * line per file and goes on past a bad one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { manualSeed, rand, full, cat, tidy, inferenceMode } from '../engine/index.js';
import { readAudio } from '../audio/decode.js';
import { writeWav } from '../audio/wav.js';
import { repoRoot, temporaryDirectory } from '../testing/helpers.js';
import { InstrumentJudge, DEFAULT_JUDGE } from './judge.js';
import { classifyFile, classifyTiles } from './classify.js';
import { saveJudge } from './train-judge.js';

const dir = temporaryDirectory('mst-classify-');
const piano = join(repoRoot, 'test', 'fixtures', 'audio', 'phrase-piano.flac');
manualSeed(3);
const judge = new InstrumentJudge({ ...DEFAULT_JUDGE, instruments: ['piano', 'violin', 'flute'] }).eval();
const judgePath = join(dir, 'judge.safetensors');
saveJudge(judgePath, judge, { instruments: judge.config.instruments, trainedOn: { fonts: [], split: 'train', steps: 0, batchTiles: 0, seconds: 0 }, scores: [] });

test('the verdict is the mean of the sounding tiles’ probabilities; silent tiles are left out', () => {
  tidy(() => {
    const sounding = rand([2, 1, 128, 128]).mul(2).sub(1);
    const tiles = cat([sounding.slice(0, 0, 1), full([1, 1, 128, 128], -1), sounding.slice(0, 1, 2)], 0);
    const verdict = classifyTiles(judge, tiles)!;
    const expected = inferenceMode(() => judge.forward(sounding).logits.softmax(1).mean([0]).toFloat32Array());
    assert.deepEqual(verdict.tiles, { judged: 2, total: 3 });
    judge.config.instruments.forEach((name, i) => assert.ok(Math.abs(verdict.probabilities[name]! - expected[i]!) < 1e-6, name));
    const best = judge.config.instruments[expected.indexOf(Math.max(...expected))];
    assert.equal(verdict.instrument, best);
    assert.equal(classifyTiles(judge, full([2, 1, 128, 128], -1)), null);
  });
});

test('a file is judged at any level the same way, and a silent one is refused', async () => {
  const verdict = await classifyFile(judge, piano);
  const sum = Object.values(verdict.probabilities).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 1e-5, `probabilities sum to ${sum}`);
  assert.deepEqual(Object.keys(verdict.probabilities), ['piano', 'violin', 'flute']);
  const samples = await readAudio(piano, { sampleRate: 16000 });
  const quiet = join(dir, 'quiet.wav');
  writeWav(quiet, samples.map((s) => s * 0.05), 16000, 'float32');
  const loud = join(dir, 'loud.wav');
  writeWav(loud, samples, 16000, 'float32');
  const [a, b] = [await classifyFile(judge, quiet), await classifyFile(judge, loud)];
  for (const name of judge.config.instruments) assert.ok(Math.abs(a.probabilities[name]! - b.probabilities[name]!) < 1e-4, `${name}: ${a.probabilities[name]} vs ${b.probabilities[name]}`);
  const silent = join(dir, 'silent.wav');
  writeWav(silent, new Float32Array(32000), 16000);
  await assert.rejects(classifyFile(judge, silent), /silent\.wav: silent throughout; there is nothing for the judge to hear/);
});

test('mst eval classify prints a JSON line per file, names a bad file and exits 1, and asks for a judge it lacks', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [join(repoRoot, 'bin', 'mst.js'), 'eval', 'classify', ...args], { encoding: 'utf8' });
  const result = run(piano, join(dir, 'missing.wav'), '--judge', judgePath, '--json');
  assert.equal(result.status, 1);
  const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; instrument: string; probabilities: Record<string, number> });
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.file, piano);
  assert.ok(judge.config.instruments.includes(lines[0]!.instrument));
  assert.deepEqual(Object.keys(lines[0]!.probabilities), judge.config.instruments);
  assert.match(result.stderr, /missing\.wav: no such file/);
  assert.match(result.stderr, /1 of 2 files could not be classified \(.*missing\.wav\)/);
  const plain = run(piano, '--judge', judgePath);
  assert.equal(plain.status, 0, plain.stderr);
  assert.match(plain.stdout, /phrase-piano\.flac: (piano|violin|flute) \(\d\.\d\d\); then .* \[\d+ of \d+ tiles sounding\]/);
  const none = run(piano, '--judge', join(dir, 'nothing.safetensors'));
  assert.equal(none.status, 1);
  assert.match(none.stderr, /no judge at .*nothing\.safetensors: give one with --judge, or train one with mst eval train-judge/);
});
