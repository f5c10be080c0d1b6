/**
 * Transfer around the model: model folders, styles, shared noise, guidance, whole files in
 * bounded memory, live streams and their latency, and the errors users meet. The model here is
 * untrained (its output is noise); its quality is mst eval's business.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync, readdirSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { tidy, rand, cat, manualSeed, noGrad, configure } from '../engine/index.js';
import { writeWav } from '../audio/wav.js';
import { readAudio } from '../audio/decode.js';
import { AudioError } from '../audio/errors.js';
import { OutputPathError } from '../audio/paths.js';
import { ModelLoadError } from '../model/load.js';
import { DEFAULT_ANALYSIS } from '../audio/config.js';
import { loadModel, tileNoise, transfer, transferOnThisThread, workerLiveTensors, transferStream, streamLatencySamples, modelTransform, resolveStyle, StyleError } from './index.js';
import { packModel } from './pack.js';
import type { TransferOptions } from './transfer.js';
import { untrainedModelFolder, FIXTURE_AUDIO } from '../testing/model-folder.js';
import { assertAllClose, temporaryDirectory } from '../testing/helpers.js';
import { timerLatenessDuring } from '../testing/lateness.js';

// a fixed thread count: the same settings give the same bytes only with the same threads ('auto' may change them between tiles)
configure({ threads: 2 });
const dir = temporaryDirectory('mst-transfer-');
const folder = untrainedModelFolder(dir);
const model = loadModel(folder);
const piano = join(FIXTURE_AUDIO, 'phrase-piano.flac'); // 4.5 s: 3 tiles

test('a model folder loads with its analysis and presets, and a bad one is refused with what to do', () => {
  assert.deepEqual(model.analysis, { ...DEFAULT_ANALYSIS });
  assert.deepEqual(model.presets.map((p) => p.name), ['violin', 'piano']);
  assert.equal(model.model.unet.parameters()[0]!.dtype, 'float32'); // stored as fp16, run in fp32
  assert.throws(() => loadModel(join(dir, 'nowhere')), (e: Error) => e instanceof ModelLoadError && /no such model/.test(e.message));
  const broken = join(dir, 'broken');
  mkdirSync(broken);
  assert.throws(() => loadModel(broken), /a folder without model.safetensors/);
  copyFileSync(join(folder, 'model.safetensors'), join(broken, 'model.safetensors'));
  writeFileSync(join(broken, 'analysis.json'), '{ "sampleRate": 16000,');
  assert.throws(() => loadModel(broken), (e: Error) => e instanceof ModelLoadError && /analysis.json: not readable JSON/.test(e.message));
  writeFileSync(join(broken, 'analysis.json'), JSON.stringify({ ...DEFAULT_ANALYSIS, hop: 2048 }));
  assert.throws(() => loadModel(broken), /analysis.json: .*hop/);
});

test('overlapping tiles draw the same noise where they overlap, whatever batch they run in', () => {
  tidy(() => {
    const like = rand([3, 4, 16, 16]);
    const together = tileNoise(7, 5, DEFAULT_ANALYSIS)(0, like); // tiles 5, 6, 7
    const alone = tileNoise(7, 6, DEFAULT_ANALYSIS)(0, like.slice(0, 0, 1)); // tile 6 by itself
    assertAllClose(alone.toFloat32Array(), together.slice(0, 1, 2).toFloat32Array(), { atol: 0, rtol: 0, what: 'tile 6' });
    // tile step 96 frames = 12 latent columns: tile 5's columns 12–15 are tile 6's 0–3
    const tail = together.select(0, 0).slice(2, 12, 16);
    const head = together.select(0, 1).slice(2, 0, 4);
    assertAllClose(head.toFloat32Array(), tail.toFloat32Array(), { atol: 0, rtol: 0, what: 'overlap' });
    assert.ok(together.select(0, 0).slice(2, 0, 12).sub(together.select(0, 1).slice(2, 0, 12)).abs().amax().item() > 0.1, 'distinct columns differ');
    const stats = tileNoise(1, 0, DEFAULT_ANALYSIS)(0, rand([64, 4, 16, 16]));
    assert.ok(Math.abs(stats.mean().item()) < 0.02 && Math.abs(stats.std().item() - 1) < 0.02, 'standard normal');
    assert.ok(tileNoise(1, 0, DEFAULT_ANALYSIS)(1, like).sub(tileNoise(1, 0, DEFAULT_ANALYSIS)(0, like)).abs().amax().item() > 0.1, 'each draw differs');
  });
});

test('a batch of tiles comes out as each tile would alone, and seeds decide the output', async () => {
  const style = await resolveStyle('violin', model.presets, model.analysis);
  tidy(() => {
    const tiles = rand([3, 1, 128, 128]).mul(2).sub(1);
    const run = modelTransform(model, style.tile, { seed: 3 });
    const batched = run(tiles, 10);
    const single = cat([0, 1, 2].map((i) => run(tiles.slice(0, i, i + 1), 10 + i)), 0);
    assertAllClose(single.toFloat32Array(), batched.toFloat32Array(), { atol: 1e-4, rtol: 1e-3, what: 'batched vs single' });
    const otherSeed = modelTransform(model, style.tile, { seed: 4 })(tiles, 10);
    assert.ok(otherSeed.sub(batched).abs().amax().item() > 1e-3, 'another seed, another output');
  });
  style.tile.dispose();
});

test('style guidance 0 conditions on the content itself, 1 is plain conditioning', async () => {
  // untrained attention barely moves the output: scale its values up so that the style shows
  const loud = loadModel(folder).model;
  noGrad(() => {
    for (const [name, p] of loud.unet.namedParameters()) if (/attn\.(v|out)\.weight$/.test(name)) p.mul_(30);
  });
  tidy(() => {
    manualSeed(0);
    const content = rand([2, 1, 128, 128]).mul(2).sub(1);
    const style = rand([1, 1, 128, 128]).mul(2).sub(1);
    const noise = tileNoise(0, 0, DEFAULT_ANALYSIS);
    const sampling = { steps: 4, eta: 0, strength: 0.6, noise };
    const own = loud.transfer(content, content, sampling);
    const zero = loud.transfer(content, style, { ...sampling, guidance: 0 });
    assertAllClose(zero.toFloat32Array(), own.toFloat32Array(), { atol: 1e-4, rtol: 1e-3, what: 'guidance 0' });
    const plain = loud.transfer(content, style, sampling);
    assert.ok(plain.sub(own).abs().amax().item() > 1e-2, 'the style matters');
    const one = loud.transfer(content, style, { ...sampling, guidance: 1 });
    assertAllClose(one.toFloat32Array(), plain.toFloat32Array(), { atol: 0, rtol: 0, what: 'guidance 1' });
    const two = loud.transfer(content, style, { ...sampling, guidance: 2 });
    assert.ok(two.sub(plain).abs().amax().item() > 1e-2, 'guidance 2 changes the output');
  });
  loud.dispose();
});

test('a file transfers to a WAV of its own length, reproducibly, with a picture, and leaks nothing', async () => {
  const out = join(dir, 'piano-as-violin.wav');
  const png = join(dir, 'piano-as-violin.png');
  const first = await transfer(model, piano, out, { style: 'violin', spectrogram: png, steps: 4 });
  assert.equal(first.tiles, 3);
  assert.equal(first.style, 'violin');
  const input = await readAudio(piano, { sampleRate: 16000 });
  const output = await readAudio(out, { sampleRate: 16000 });
  assert.equal(output.length, input.length);
  assert.deepEqual([...readFileSync(png).subarray(1, 4)], [0x50, 0x4e, 0x47]);
  const bytes = readFileSync(out);
  const live = await workerLiveTensors(model);
  assert.ok(live > 0, "the worker holds the model's weights");
  for (let i = 0; i < 3; i++) await transfer(model, piano, out, { style: 'violin', steps: 4 });
  assert.equal(await workerLiveTensors(model), live, 'tensors alive in the worker after three more transfers');
  assert.ok(readFileSync(out).equals(bytes), 'the same settings give the same bytes');
  const here = join(dir, 'piano-as-violin-here.wav');
  await transferOnThisThread(model, piano, here, { style: 'violin', steps: 4 });
  assert.ok(readFileSync(here).equals(bytes), 'the worker and the calling thread give the same bytes');
  await transfer(model, piano, out, { style: 'violin', steps: 4, seed: 1 });
  assert.ok(!readFileSync(out).equals(bytes), 'another seed gives another output');
  // the vocoder starts from the input's own phase unless told otherwise
  await transfer(model, piano, out, { style: 'violin', steps: 4, phase: 'input' });
  assert.ok(readFileSync(out).equals(bytes), "phase 'input' is the default");
  await transfer(model, piano, out, { style: 'violin', steps: 4, phase: 'random' });
  assert.ok(!readFileSync(out).equals(bytes), "phase 'random' vocodes otherwise");
});

test("transfer() leaves the caller's event loop free, and an AbortSignal stops it with no output and no tensor left", async () => {
  const phrase = await readAudio(piano, { sampleRate: 16000 });
  const long = join(dir, 'long.wav'); // 18 s: 12 tiles
  writeWav(long, Float32Array.from({ length: 4 * phrase.length }, (_, i) => phrase[i % phrase.length]!), 16000);
  const out = join(dir, 'long-as-violin.wav');
  await transfer(model, piano, out, { style: 'violin', steps: 4 }); // the worker is up
  const live = await workerLiveTensors(model);
  let progress = 0;
  const { lateness, wallMs } = await timerLatenessDuring(20, () => transfer(model, long, out, { style: 'violin', steps: 4, onProgress: (seconds) => (progress = seconds) }));
  assert.ok(lateness.length >= (wallMs / 20) * 0.3, `the timer fired ${lateness.length} times in ${wallMs.toFixed(0)} ms`);
  assert.ok(lateness[lateness.length >> 1]! <= 100, `median lateness ${lateness[lateness.length >> 1]!.toFixed(1)} ms`);
  assert.ok(progress > 17, `progress reached ${progress} s`);

  const aborted = join(dir, 'aborted.wav');
  const controller = new AbortController();
  const reason = new Error('enough');
  const running = transfer(model, long, aborted, { style: 'violin', steps: 4, signal: controller.signal, onProgress: () => controller.abort(reason) });
  await assert.rejects(running, (e) => e === reason);
  assert.equal(existsSync(aborted), false, 'no output');
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.aborted.wav')), [], 'no temporary file');
  assert.equal(await workerLiveTensors(model), live, 'no tensor left in the worker');
  await assert.rejects(transfer(model, long, aborted, { style: 'violin', signal: AbortSignal.abort() }), (e: Error) => e.name === 'AbortError');
  await assert.rejects(transfer(model, long, aborted, { style: 'violin', signal: 'stop' as never }), /Expected an AbortSignal for options\.signal/);
  // the worker goes on after an abort
  assert.equal((await transfer(model, piano, aborted, { style: 'violin', steps: 4 })).tiles, 3);
});

test('bad styles, outputs and settings are refused before anything is written', async () => {
  const out = join(dir, 'refused.wav');
  await assert.rejects(transfer(model, piano, out, { style: 'kazoo' }), (e: Error) => e instanceof StyleError && /no style preset or file named "kazoo"; presets: violin, piano/.test(e.message));
  const silent = join(dir, 'silent.wav');
  writeWav(silent, new Float32Array(48000), 16000);
  await assert.rejects(transfer(model, piano, out, { style: silent }), (e: Error) => e instanceof AudioError && e.code === 'SILENT');
  const blip = join(dir, 'blip.wav');
  writeWav(blip, Float32Array.from({ length: 1600 }, (_, i) => 0.3 * Math.sin(i / 3)), 16000); // 0.1 s of sound
  await assert.rejects(transfer(model, piano, out, { style: blip }), (e: Error) => e instanceof AudioError && e.code === 'TOO_SHORT' && /the style reference is 0\.10 s long; give at least 0\.5 s/.test(e.message));
  await assert.rejects(transfer(model, piano, dir, { style: 'violin' }), (e: Error) => e instanceof OutputPathError && /is a directory/.test(e.message));
  await assert.rejects(transfer(model, piano, piano, { style: 'violin' }), (e: Error) => e instanceof OutputPathError && /is also an input/.test(e.message));
  await assert.rejects(transfer(model, piano, out, { style: 'violin', steps: 900 }), /Expected steps in \[1, 700\] \(strength 0.7 leaves 700/);
  await assert.rejects(transfer(model, piano, out, { style: 'violin', eta: 2 }), /Expected eta in \[0, 1\]/);
  await assert.rejects(transfer(model, join(dir, 'missing.wav'), out, { style: 'violin' }), (e: Error) => e instanceof AudioError && e.code === 'NOT_FOUND');
  // what a JavaScript caller can pass: each option named, with the type it needs
  const call = (options: unknown) => transfer(model, piano, out, options as TransferOptions);
  await assert.rejects(call(undefined), (e: Error) => e instanceof TypeError && /^transfer: Expected an object with at least a style \(\{ style: "violin" \}\) for options but received undefined/.test(e.message));
  await assert.rejects(call({}), (e: Error) => e instanceof TypeError && /Expected a preset's name, a reference clip's path or a style from resolveStyle for options\.style but received undefined/.test(e.message));
  await assert.rejects(call({ style: 42 }), (e: Error) => e instanceof TypeError && /options\.style but received 42/.test(e.message));
  await assert.rejects(call({ style: 'violin', steps: '10' }), (e: Error) => e instanceof TypeError && /Expected a number for options\.steps but received 10 of type string/.test(e.message));
  await assert.rejects(call({ style: 'violin', format: 'mp3' }), (e: Error) => e instanceof RangeError && /Expected one of pcm16, float32 \(mst writes WAV\) for options\.format/.test(e.message));
  await assert.rejects(call({ style: 'violin', batchSize: 0 }), (e: Error) => e instanceof RangeError && /an integer in \[1, 256\] for options\.batchSize but received 0/.test(e.message));
  await assert.rejects(call({ style: 'violin', phase: 'zero' }), (e: Error) => e instanceof RangeError && /Expected one of input, random for options\.phase but received zero/.test(e.message));
  await assert.rejects(call({ style: 'violin', guidanceFrom: 'silence' }), (e: Error) => e instanceof RangeError && /Expected one of nothing, content for options\.guidanceFrom but received silence/.test(e.message));
  assert.throws(() => transferStream(model, 'violin' as never), (e: Error) => e instanceof TypeError && /^transferStream: Expected a style from resolveStyle \(await resolveStyle\(name, model\.presets, model\.analysis\)\) for style but received violin of type string/.test(e.message));
  assert.equal(existsSync(out), false);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test('a live stream trails its input by at most one tile plus the vocoder look-ahead, and ends at its length', async () => {
  const style = await resolveStyle('piano', model.presets, model.analysis);
  const stream = transferStream(model, style, { steps: 2 });
  const bound = streamLatencySamples(model);
  assert.ok(bound <= (DEFAULT_ANALYSIS.tileFrames + DEFAULT_ANALYSIS.tileOverlap) * DEFAULT_ANALYSIS.hop, `bound ${bound} samples is within one tile plus overlap`);
  const input = await readAudio(piano, { sampleRate: 16000 });
  let worst = 0;
  for (let at = 0; at < input.length; at += 700) {
    stream.push(input.subarray(at, at + 700));
    worst = Math.max(worst, stream.inputSamples - stream.outputSamples);
  }
  assert.ok(worst <= bound, `the output trailed by ${worst} samples, bound ${bound}`);
  assert.ok(worst > bound - 3 * 700 - DEFAULT_ANALYSIS.hop * 16, `the bound is tight (trailed ${worst})`);
  stream.finish();
  assert.equal(stream.outputSamples, input.length);
  style.tile.dispose();
});

test('a packed model can carry sampling defaults chosen after training; out-of-range ones are refused', () => {
  const weights = join(dir, 'untrained.safetensors'); // what untrainedModelFolder packed
  const out = join(dir, 'strength-0.4');
  packModel({ weights, out, sampling: { strength: 0.4 } });
  const packed = loadModel(out);
  assert.deepEqual(packed.model.config.sampling, { ...model.model.config.sampling, strength: 0.4 });
  packed.model.dispose();
  assert.throws(() => packModel({ weights, out: join(dir, 'strength-2'), sampling: { strength: 2 } }), (e: Error) => e instanceof RangeError && /strength in \(0, 1\] but received 2/.test(e.message));
});
