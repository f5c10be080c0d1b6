/**
 * Reading audio: every format decodes to the same samples within its codec's tolerance, channels
 * mix down, resampling is band-limited and aligned, and every bad input raises its AudioError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, temporaryDirectory } from '../testing/helpers.js';
import { readAudio, streamAudio, probeAudio } from './decode.js';
import { AudioError } from './errors.js';
import { resample, StreamResampler } from './resample.js';
import { writeWav, WavStreamWriter } from './wav.js';

const fixtures = join(repoRoot, 'test', 'fixtures', 'audio');
const dir = temporaryDirectory('mst-audio-');
const rate = 16000;

/** Best alignment of `b` to `a` within ±maxLag samples; returns SNR in dB of a against the aligned b. */
function alignedSnr(a: Float32Array, b: Float32Array, maxLag = 1500): number {
  let best = -Infinity;
  for (let lag = -maxLag; lag <= maxLag; lag += 1) {
    let signal = 0;
    let noise = 0;
    for (let i = 2000; i < a.length - 2000; i++) {
      const j = i + lag;
      if (j < 0 || j >= b.length) continue;
      signal += a[i]! ** 2;
      noise += (a[i]! - b[j]!) ** 2;
    }
    best = Math.max(best, 10 * Math.log10(signal / noise));
  }
  return best;
}

test('every format decodes to the reference samples within codec tolerance', async () => {
  const reference = await readAudio(join(fixtures, 'tone-f32.wav'), { sampleRate: rate });
  assert.equal(reference.length, 8000);
  const minimumSnr: Record<string, number> = {
    'tone-s32.wav': 90, 'tone-s24.wav': 90, 'tone-s16.wav': 70, 'tone-u8.wav': 30, 'tone-stereo.wav': 70, 'tone.flac': 70,
    'tone.mp3': 20, 'tone.ogg': 20, 'tone.opus': 15, 'tone.m4a': 20,
  };
  for (const [name, snr] of Object.entries(minimumSnr)) {
    const samples = await readAudio(join(fixtures, name), { sampleRate: rate });
    assert.ok(Math.abs(samples.length - reference.length) < 1200, `${name}: ${samples.length} samples`);
    const measured = name.endsWith('.wav') || name.endsWith('.flac') ? alignedSnr(reference, samples, 0) : alignedSnr(reference, samples);
    assert.ok(measured >= snr, `${name}: SNR ${measured.toFixed(1)} dB, expected ≥ ${snr}`);
  }
});

test('streaming yields the same samples as a whole read', async () => {
  const whole = await readAudio(join(fixtures, 'tone.flac'), { sampleRate: rate });
  const parts: number[] = [];
  for await (const chunk of streamAudio(join(fixtures, 'tone.flac'), { sampleRate: rate, chunkBytes: 4096 })) parts.push(...chunk);
  assert.equal(parts.length, whole.length);
  assert.ok(parts.every((v, i) => Math.abs(v - whole[i]!) < 1e-6));
});

test('resampling is band-limited: nothing above the new Nyquist survives, in-band is exact', async () => {
  const sine = (hz: number, sr: number, n: number) => Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / sr));
  const rms = (x: Float32Array) => Math.sqrt(x.slice(1000, -1000).reduce((s, v) => s + v * v, 0) / (x.length - 2000));
  // the engine's polyphase filter (44.1 k → 16 k) and libsamplerate's (an awkward ratio)
  const odd = await resample(sine(12000, 44123, 44123), 44123, 16000, 'fastest');
  assert.equal(odd.length, 16000);
  assert.ok(rms(odd) < 0.5 * 10 ** (-60 / 20), `libsamplerate left rms ${rms(odd)} of a 12 kHz sine`);
  const aliased = await resample(sine(12000, 44100, 44100), 44100, 16000, 'fastest');
  assert.equal(aliased.length, 16000);
  assert.ok(rms(aliased) < 0.5 * 10 ** (-80 / 20), `a 12 kHz sine left rms ${rms(aliased)} at 16 kHz`);
  const kept = await resample(sine(440, 44100, 44100), 44100, 16000, 'fastest');
  const expected = sine(440, 16000, 16000);
  const error = rms(kept.map((v, i) => v - expected[i]!));
  assert.ok(error < 1e-5, `440 Hz error rms ${error}`);
  // a 7 kHz sine (inside the pass band) keeps its level within 0.1 dB
  const high = await resample(sine(7000, 44100, 44100), 44100, 16000);
  assert.ok(Math.abs(20 * Math.log10(rms(high) / (0.5 / Math.SQRT2))) < 0.1, `7 kHz level ${rms(high)}`);
  // a stream of odd-sized chunks gives the same result as one call
  const streamer = await StreamResampler.create(44100, 16000, 'fastest');
  const input = sine(440, 44100, 44100);
  const pieces: number[] = [];
  for (let at = 0; at < input.length; at += 777) pieces.push(...streamer.push(input.subarray(at, at + 777)));
  pieces.push(...streamer.finish());
  assert.equal(pieces.length, kept.length);
  assert.ok(pieces.every((v, i) => Math.abs(v - kept[i]!) < 1e-5));
});

test('WAV files round-trip: 16-bit within one step, float exactly', async () => {
  const x = Float32Array.from({ length: 4000 }, (_, i) => 0.7 * Math.sin(i / 10));
  writeWav(join(dir, 'pcm16.wav'), x, rate, 'pcm16');
  writeWav(join(dir, 'float.wav'), x, rate, 'float32');
  const a = await readAudio(join(dir, 'pcm16.wav'), { sampleRate: rate });
  const b = await readAudio(join(dir, 'float.wav'), { sampleRate: rate });
  assert.ok(a.every((v, i) => Math.abs(v - x[i]!) <= 0.5 / 32767 + 1e-9));
  assert.deepEqual(b, x);
  assert.throws(() => new WavStreamWriter(join(dir, 'bad.wav'), 0), RangeError);
  // a writer that is aborted leaves nothing behind; one that closes leaves a complete file
  const aborted = new WavStreamWriter(join(dir, 'aborted.wav'), rate);
  aborted.write(x);
  aborted.abort();
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('aborted')), []);
  const pieces = new WavStreamWriter(join(dir, 'pieces.wav'), rate, 'float32');
  for (let at = 0; at < x.length; at += 999) pieces.write(x.subarray(at, at + 999));
  pieces.close();
  assert.deepEqual(await readAudio(join(dir, 'pieces.wav'), { sampleRate: rate }), x);
});

test('every bad input raises its AudioError', async () => {
  const bad = async (path: string, code: string, message: RegExp) => {
    await assert.rejects(readAudio(path, { sampleRate: rate }), (e: unknown) => e instanceof AudioError && e.code === code && message.test(e.message) && e.message.startsWith(path), `${code} for ${path}`);
  };
  await bad(join(dir, 'missing.wav'), 'NOT_FOUND', /no such file/);
  mkdirSync(join(dir, 'folder.wav'));
  await bad(join(dir, 'folder.wav'), 'NOT_A_FILE', /is not a file/);
  writeFileSync(join(dir, 'empty.mp3'), '');
  await bad(join(dir, 'empty.mp3'), 'EMPTY', /empty \(0 bytes\)/);
  writeFileSync(join(dir, 'notes.txt'), 'these are not samples');
  await bad(join(dir, 'notes.txt'), 'UNSUPPORTED', /not supported; use WAV, FLAC, MP3, Ogg Vorbis, Opus or M4A/);
  writeFileSync(join(dir, 'cut.mp3'), readFileSync(join(fixtures, 'tone.mp3')).subarray(0, 300));
  await bad(join(dir, 'cut.mp3'), 'CORRUPT', /damaged or truncated/);
  const withNaN = Float32Array.from({ length: 100 }, (_, i) => (i === 42 ? NaN : 0.1));
  writeWav(join(dir, 'nan.wav'), withNaN, rate, 'float32');
  await bad(join(dir, 'nan.wav'), 'NOT_FINITE', /sample 42 \(0\.003 s\) is NaN/);
  // finite, but numbers rather than sound: 1e20 would leave nothing the analysis can keep
  writeWav(join(dir, 'huge.wav'), Float32Array.from({ length: 100 }, (_, i) => (i >= 10 ? 1e20 : 0.1)), rate, 'float32');
  await bad(join(dir, 'huge.wav'), 'ABSURD_LEVEL', /sample 10 \(0\.001 s\) is 1\.00e\+20, 400 dB over full scale: samples belong in \[-1, 1\]; scale the audio down/);
  // a header whose sample rate no audio has
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii'); header.writeUInt32LE(36 + 3200, 4); header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16); header.writeUInt16LE(1, 20); header.writeUInt16LE(1, 22); header.writeUInt32LE(0, 24);
  header.writeUInt32LE(0, 28); header.writeUInt16LE(2, 32); header.writeUInt16LE(16, 34); header.write('data', 36, 'ascii'); header.writeUInt32LE(3200, 40);
  writeFileSync(join(dir, 'rate0.wav'), Buffer.concat([header, Buffer.alloc(3200)]));
  await bad(join(dir, 'rate0.wav'), 'CORRUPT', /its header gives a sample rate of 0 Hz; mst reads 1000 Hz to 768 kHz/);
  assert.equal(probeAudio(join(fixtures, 'tone.opus')).format, 'opus');
});
