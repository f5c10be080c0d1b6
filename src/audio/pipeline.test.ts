/**
 * The way through tiles and back: streaming equals whole-clip processing, tiles rejoin without
 * seams, a real instrument phrase survives the round trip within documented distances, and bad
 * inputs and outputs are refused without leaving files behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, temporaryDirectory } from '../testing/helpers.js';
import { tensor, tidy, randn, cat } from '../engine/index.js';
import { DEFAULT_ANALYSIS as config } from './config.js';
import { MelFrontEnd } from './mel.js';
import { MelStream } from './analysis.js';
import { toTiles, joinTiles, TileStream, TileJoiner, tileCount } from './tiles.js';
import { synthesise, SynthesisStream } from './synthesis.js';
import { processFile } from './pipeline.js';
import { TileProcessor, TileTransformError } from './processor.js';
import { compareAudio } from './compare.js';
import { readAudio } from './decode.js';
import { writeWav } from './wav.js';
import { AudioError } from './errors.js';
import { OutputPathError } from './paths.js';

const fixtures = join(repoRoot, 'test', 'fixtures', 'audio');
const dir = temporaryDirectory('mst-pipeline-');
const frontEnd = new MelFrontEnd(config);

/** A 12-second test melody: decaying harmonic notes. */
function melody(seconds: number, sr = config.sampleRate): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * sr) }, (_, n) => {
    const t = n / sr;
    const f = [262, 330, 392, 523][Math.floor(t * 2) % 4]!;
    const env = Math.exp(-3 * (t % 0.5));
    return 0.3 * env * (Math.sin(2 * Math.PI * f * t) + 0.5 * Math.sin(4 * Math.PI * f * t));
  });
}

test('streaming analysis gives the frames of whole-clip analysis, for any chunking', () => {
  for (const n of [513, 4000, 16001]) {
    tidy(() => {
      const x = randn([n]).mul(0.2);
      const whole = frontEnd.logMel(x);
      const samples = x.toFloat32Array();
      const stream = new MelStream(frontEnd);
      const parts = [];
      for (let at = 0; at < n; at += 1023) parts.push(stream.push(samples.subarray(at, at + 1023)).mel);
      parts.push(stream.finish().mel);
      const streamed = cat(parts, 1);
      assert.deepEqual(streamed.shape, whole.shape);
      assert.ok(streamed.sub(whole).abs().amax().item() < 1e-5);
    });
  }
  assert.throws(() => new MelStream(frontEnd, { source: 'short.wav' }).finish(), (e: unknown) => e instanceof AudioError && e.code === 'TOO_SHORT' && /short\.wav: the audio is 0 samples long; at least 513 \(32 ms\)/.test(e.message));
});

test('tiles rejoin into the untiled spectrogram, in batch and streaming alike', () => {
  tidy(() => {
    const mel = frontEnd.logMel(tensor(melody(12))); // 751 frames
    const frames = mel.shape[1]!;
    const tiles = toTiles(mel, config);
    assert.deepEqual(tiles.shape, [tileCount(frames, config), 1, 128, 128]);
    assert.ok(joinTiles(tiles, frames, config).sub(mel).abs().amax().item() < 1e-6);
    const tiler = new TileStream(config);
    const streamed = [];
    for (let at = 0; at < frames; at += 50) streamed.push(...tiler.push(mel.slice(1, at, at + 50)));
    streamed.push(...tiler.finish());
    assert.equal(streamed.length, tiles.shape[0]);
    const joiner = new TileJoiner(config);
    const joined = cat([...streamed.map((t) => joiner.push(t)), joiner.finish()], 1).slice(1, 0, frames);
    assert.ok(joined.sub(mel).abs().amax().item() < 1e-6);
    for (const t of streamed) t.dispose();
  });
});

test('segment-wise synthesis matches whole-clip synthesis with no clicks at the joins', () => {
  tidy(() => {
    const signal = melody(12);
    const magnitude = frontEnd.magnitude(tensor(signal));
    const mel = frontEnd.logMel(tensor(signal));
    const whole = synthesise(frontEnd, mel, { length: signal.length });
    const stream = new SynthesisStream(frontEnd, { segmentFrames: 200 });
    const parts: Float32Array[] = [];
    let produced = 0;
    for (let at = 0; at < mel.shape[1]!; at += 64) {
      const out = stream.push(mel.slice(1, at, at + 64));
      parts.push(out);
      produced += out.length;
    }
    parts.push(stream.finish(signal.length, produced));
    const streamed = Float32Array.from(parts.flatMap((p) => Array.from(p)));
    assert.equal(streamed.length, signal.length);
    const convergence = (y: Float32Array) => frontEnd.magnitude(tensor(y)).sub(magnitude).norm().item() / magnitude.norm().item();
    const [a, b] = [convergence(whole), convergence(streamed)];
    assert.ok(a < 0.2 && b < a + 0.05, `spectral convergence whole ${a.toFixed(3)}, segments ${b.toFixed(3)}`);
    // a click would show as a jump between neighbouring samples far above the signal's own
    const jumps = streamed.slice(1).map((v, i) => Math.abs(v - streamed[i]!));
    const boundaries = [1, 2, 3].map((k) => k * 200 * config.hop);
    const typical = [...jumps].sort((x, y) => x - y)[Math.floor(jumps.length * 0.999)]!;
    for (const at of boundaries) {
      const local = Math.max(...jumps.slice(at - 2048, at + 2048));
      assert.ok(local <= typical * 1.5, `largest step near sample ${at} is ${local.toFixed(4)}; 99.9th percentile elsewhere ${typical.toFixed(4)}`);
    }
  });
});

test('a rendered instrument phrase survives audio → tiles → audio (SC < 0.3, LSD < 7 dB)', async () => {
  for (const name of ['phrase-piano.flac', 'phrase-violin.flac']) {
    const output = join(dir, `${name}.wav`);
    const result = await processFile(join(fixtures, name), output, {});
    assert.equal(result.tiles, 3);
    const distance = await compareAudio(join(fixtures, name), output);
    assert.ok(distance.spectralConvergence < 0.3, `${name}: spectral convergence ${distance.spectralConvergence}`);
    assert.ok(distance.logSpectralDistanceDb < 7, `${name}: log-spectral distance ${distance.logSpectralDistanceDb} dB`);
    const written = await readAudio(output, { sampleRate: config.sampleRate });
    assert.equal(written.length, Math.round(4.5 * config.sampleRate));
  }
  // starting from the input's own phase does better than a random start
  const random = await compareAudio(join(fixtures, 'phrase-piano.flac'), join(dir, 'phrase-piano.flac.wav'));
  await processFile(join(fixtures, 'phrase-piano.flac'), join(dir, 'phase.wav'), { phase: 'input' });
  const own = await compareAudio(join(fixtures, 'phrase-piano.flac'), join(dir, 'phase.wav'));
  assert.ok(own.spectralConvergence < random.spectralConvergence, `input phase ${own.spectralConvergence} vs random ${random.spectralConvergence}`);
});

test('silence goes through and stays silent', async () => {
  writeWav(join(dir, 'silence.wav'), new Float32Array(16000 * 3), 16000);
  await processFile(join(dir, 'silence.wav'), join(dir, 'silence-out.wav'));
  const out = await readAudio(join(dir, 'silence-out.wav'), { sampleRate: 16000 });
  assert.equal(out.length, 48000);
  assert.ok(out.every((v) => Number.isFinite(v) && Math.abs(v) < 1e-3));
});

test('bad outputs are refused and a failed run leaves no file', async () => {
  const input = join(fixtures, 'tone.flac');
  await assert.rejects(processFile(input, input), (e: unknown) => e instanceof OutputPathError && /is also an input/.test((e as Error).message));
  await assert.rejects(processFile(input, dir), (e: unknown) => e instanceof OutputPathError && /is a directory/.test((e as Error).message));
  await assert.rejects(processFile(input, join(dir, 'out.mp3')), (e: unknown) => e instanceof OutputPathError && /out\.mp3: mst writes WAV here, not mp3; name the output out\.wav/.test((e as Error).message));
  await assert.rejects(processFile(input, join(dir, 'no', 'such', 'out.wav')), (e: unknown) => e instanceof OutputPathError && /does not exist/.test((e as Error).message));
  writeWav(join(dir, 'tiny.wav'), new Float32Array(100), 16000);
  await assert.rejects(processFile(join(dir, 'tiny.wav'), join(dir, 'tiny-out.wav')), (e: unknown) => e instanceof AudioError && e.code === 'TOO_SHORT');
  const failing = () => {
    throw new Error('the model failed');
  };
  await assert.rejects(processFile(input, join(dir, 'failed.wav'), { transformTiles: failing }), /the model failed/);
  assert.equal(existsSync(join(dir, 'failed.wav')), false);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test('NaN or absurd samples pushed into a stream are refused by name, not turned into NaN output', () => {
  const block = (bad: number) => Float32Array.from({ length: 4000 }, (_, i) => (i === 1234 ? bad : 0.1 * Math.sin(i / 5)));
  for (const [bad, code, message] of [[NaN, 'NOT_FINITE', /live: sample 5234 \(0\.327 s\) is NaN/], [1e30, 'ABSURD_LEVEL', /live: sample 5234 \(0\.327 s\) is 1\.00e\+30, 600 dB over full scale/]] as const) {
    const processor = new TileProcessor({ source: 'live' });
    processor.push(block(0.1)); // 4000 good samples first
    assert.throws(() => processor.push(block(bad)), (e: unknown) => e instanceof AudioError && e.code === code && message.test(e.message));
    processor.dispose();
  }
});

test('a model that returns NaN, or silence for sound, is an error and no file is written', async () => {
  writeWav(join(dir, 'melody.wav'), melody(3), 16000);
  const nan = (tiles: ReturnType<typeof tensor>) => tiles.mul(NaN);
  await assert.rejects(processFile(join(dir, 'melody.wav'), join(dir, 'nan-out.wav'), { transformTiles: nan }), (e: unknown) => e instanceof TileTransformError && /melody\.wav: the model returned NaN or infinite values for tile 0; its weights may be damaged/.test((e as Error).message));
  const silence = (tiles: ReturnType<typeof tensor>) => tiles.mul(0).sub(1); // every bin at the analysis's floor
  await assert.rejects(processFile(join(dir, 'melody.wav'), join(dir, 'silent-out.wav'), { transformTiles: silence }), (e: unknown) => e instanceof TileTransformError && /melody\.wav: the output is silent \(its loudest bin at -90 dB\) where the input was not \(-?\d+ dB\)/.test((e as Error).message));
  assert.ok(!existsSync(join(dir, 'nan-out.wav')) && !existsSync(join(dir, 'silent-out.wav')));
});

test('an input cut short of its header, and output clipped at full scale, go through with a warning that says so', async () => {
  const whole = join(dir, 'whole.wav');
  writeWav(whole, melody(3), 16000);
  const cut = join(dir, 'cut.wav');
  writeFileSync(cut, readFileSync(whole).subarray(0, 44 + 2 * 24000)); // 1.5 s of the promised 3 s
  const warnings: string[] = [];
  const result = await processFile(cut, join(dir, 'cut-out.wav'), { onWarning: (m) => warnings.push(m) });
  assert.match(warnings.join('\n'), /cut\.wav: the file is cut short: its header promises 3\.00 s and it holds 1\.50 s; mst uses what is there/);
  assert.equal(result.outputSamples, 24000);
  const loud = join(dir, 'loud.wav');
  writeWav(loud, melody(3).map((x) => 8 * x), 16000, 'float32'); // peaks near +8 dB over full scale
  warnings.length = 0;
  await processFile(loud, join(dir, 'loud-out.wav'), { onWarning: (m) => warnings.push(m) });
  assert.match(warnings.join('\n'), /loud-out\.wav: \d+ samples \([0-9.]+%\) went past full scale \(peak \+[0-9.]+ dB\) and were clipped in the 16-bit file; write 32-bit float \(--float\)/);
  warnings.length = 0;
  await processFile(loud, join(dir, 'loud-out-float.wav'), { format: 'float32', onWarning: (m) => warnings.push(m) });
  assert.deepEqual(warnings, [], 'float output keeps every sample');
});
