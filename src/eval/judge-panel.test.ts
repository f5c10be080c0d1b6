/**
 * A panel of judge networks: its probabilities are the mean of its networks', its embedding
 * theirs side by side; it is saved and loaded as one judge file, and the evaluation reads it as
 * it reads one network (classify's verdict here). Networks that disagree on the instruments, or
 * a lone network, are refused by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { manualSeed, rand, tidy, inferenceMode, stack } from '../engine/index.js';
import { assertAllClose, repoRoot, temporaryDirectory } from '../testing/helpers.js';
import { InstrumentJudge, DEFAULT_JUDGE, JUDGE_VIEWS } from './judge.js';
import { JudgePanel } from './judge-panel.js';
import { classifyTiles } from './classify.js';
import { saveJudge, loadJudge, type JudgeReport } from './train-judge.js';

const instruments = ['piano', 'violin', 'flute'];
const small = { ...DEFAULT_JUDGE, channels: 32, dilations: [1, 2], embedding: 16, instruments };
const noReport = (): JudgeReport => ({ instruments, trainedOn: { fonts: [], split: 'train', steps: 0, batchTiles: 0, seconds: 0 }, scores: [] });

test("the panel's probabilities are the mean of its networks', its embedding theirs side by side", () => {
  manualSeed(5);
  const centred = new InstrumentJudge({ ...small, ...JUDGE_VIEWS.centred }).eval();
  const raw = new InstrumentJudge({ ...small, ...JUDGE_VIEWS.raw }).eval();
  const panel = new JudgePanel([centred, raw]).eval();
  tidy(() => inferenceMode(() => {
    const tiles = rand([4, 1, 128, 128]).mul(2).sub(1);
    const [a, b] = [centred.forward(tiles), raw.forward(tiles)];
    const mean = stack([a.logits.softmax(1), b.logits.softmax(1)], 0).mean([0]);
    const { logits, embedding } = panel.forward(tiles);
    assert.deepEqual(logits.shape, [4, 3]);
    assertAllClose(logits.softmax(1).toFloat32Array(), mean.toFloat32Array(), { atol: 1e-6, what: 'probabilities' });
    assert.deepEqual(embedding.shape, [4, 32]);
    assertAllClose(embedding.slice(1, 0, 16).toFloat32Array(), a.embedding.toFloat32Array(), { what: 'the first network’s embedding' });
    assertAllClose(embedding.slice(1, 16, 32).toFloat32Array(), b.embedding.toFloat32Array(), { what: 'the second network’s embedding' });
    assert.deepEqual(panel.predict(tiles), mean.argmax(1).toArray().map((i) => instruments[i]!));
    const verdict = classifyTiles(panel, tiles)!;
    const expected = mean.mean([0]).toFloat32Array();
    instruments.forEach((name, i) => assert.ok(Math.abs(verdict.probabilities[name]! - expected[i]!) < 1e-6, name));
  }));
  panel.dispose();
});

test('a panel is saved as one judge file and loads as a panel that hears the same; mst eval classify reads it', () => {
  manualSeed(6);
  const panel = new JudgePanel([new InstrumentJudge(small), new InstrumentJudge({ ...small, ...JUDGE_VIEWS.raw })]).eval();
  const dir = temporaryDirectory('mst-judge-panel-');
  const path = join(dir, 'judge.safetensors');
  saveJudge(path, panel, noReport());
  const { judge: loaded } = loadJudge(path);
  assert.ok(loaded instanceof JudgePanel);
  assert.deepEqual(loaded.config, panel.config);
  assert.deepEqual(loaded.networks.map((n) => n.config.centre), [true, false]);
  tidy(() => {
    const tiles = rand([2, 1, 128, 128]).mul(2).sub(1);
    assertAllClose(loaded.forward(tiles).logits.toFloat32Array(), panel.forward(tiles).logits.toFloat32Array(), { atol: 1e-6, what: 'logits' });
  });
  panel.dispose();
  loaded.dispose();
  const mst = (...args: string[]) => spawnSync(process.execPath, [join(repoRoot, 'bin', 'mst.js'), 'eval', ...args], { encoding: 'utf8' });
  const piano = join(repoRoot, 'test', 'fixtures', 'audio', 'phrase-piano.flac');
  const heard = mst('classify', piano, '--judge', path, '--json');
  assert.equal(heard.status, 0, heard.stderr);
  assert.deepEqual(Object.keys((JSON.parse(heard.stdout) as { probabilities: Record<string, number> }).probabilities), instruments);
  const one = mst('join-judges', path, '--out', join(dir, 'two.safetensors'));
  assert.equal(one.status, 1);
  assert.match(one.stderr, /join-judges: give two judges or more \(mst eval train-judge --view centred, --view raw\), not 1/);
  const missing = mst('join-judges', path, join(dir, 'raw.safetensors'), '--out', join(dir, 'new', 'two.safetensors'));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /no judge at .*raw\.safetensors: train it with mst eval train-judge --out /);
});

test('networks that tell other instruments apart, or a lone network, make no panel', () => {
  const a = new InstrumentJudge(small);
  const b = new InstrumentJudge({ ...small, instruments: ['piano', 'flute', 'violin'] });
  assert.throws(() => new JudgePanel([a, b]), /its networks must tell the same instruments apart in the same order; one hears piano, violin, flute, another piano, flute, violin/);
  assert.throws(() => new JudgePanel([a]), /Expected two networks or more but received 1/);
  a.dispose();
  b.dispose();
});
