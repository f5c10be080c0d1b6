/**
 * Log-mel analysis against known signals: a sine lands in its mel band at its level, silence
 * sits at the floor, and the mapping to [-1, 1] inverts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, zeros, tidy, randn } from '../engine/index.js';
import { assertAllClose } from '../testing/helpers.js';
import { MelFrontEnd, hzToMel, melToHz, melBandCentres, melFilterbank } from './mel.js';
import { DEFAULT_ANALYSIS, checkAnalysisConfig, tileSeconds } from './config.js';

const config = DEFAULT_ANALYSIS;

function sine(hz: number, amplitude: number, seconds: number, sampleRate = config.sampleRate) {
  return Float32Array.from({ length: Math.round(seconds * sampleRate) }, (_, n) => amplitude * Math.sin((2 * Math.PI * hz * n) / sampleRate));
}

test('mel scales: known points and round trips', () => {
  assert.ok(Math.abs(hzToMel(1000) - 15) < 1e-12);
  assert.ok(Math.abs(hzToMel(1000, 'htk') - 999.99) < 0.01);
  for (const hz of [0, 55, 440, 999, 1000, 4000, 8000]) {
    assert.ok(Math.abs(melToHz(hzToMel(hz)) - hz) < 1e-6, `slaney ${hz}`);
    assert.ok(Math.abs(melToHz(hzToMel(hz, 'htk'), 'htk') - hz) < 1e-6, `htk ${hz}`);
  }
});

test('the default tile covers at least 1.5 s and the config is checked', () => {
  assert.ok(tileSeconds(config) >= 1.5);
  assert.throws(() => checkAnalysisConfig({ ...config, fmax: 9000 }), /Nyquist frequency 8000 Hz for fmax but received 9000/);
  assert.throws(() => checkAnalysisConfig({ ...config, winLength: 2048 }), /at most nFft \(1024\) for winLength but received 2048/);
  assert.throws(() => checkAnalysisConfig({ ...config, minDb: 20 }), /below maxDb \(10\) for minDb but received 20/);
});

test('every mel filter is non-empty and non-negative', () => {
  const weights = melFilterbank(config);
  const nFreqs = config.nFft / 2 + 1;
  for (let m = 0; m < config.nMels; m++) {
    const row = weights.subarray(m * nFreqs, (m + 1) * nFreqs);
    assert.ok(row.some((w) => w > 0), `band ${m} is empty`);
    assert.ok(row.every((w) => w >= 0));
  }
});

test('a sine lands in its mel band at its level', () => {
  const frontEnd = new MelFrontEnd(config);
  const centres = melBandCentres(config);
  for (const [band, amplitude] of [[10, 0.5], [40, 1], [64, 0.1], [100, 0.25]] as const) {
    tidy(() => {
      const signal = tensor(sine(centres[band]!, amplitude, 1));
      const mel = frontEnd.melFromMagnitude(frontEnd.magnitude(signal)); // [nMels, frames]
      const frame = mel.select(1, 30).toArray();
      const loudest = frame.indexOf(Math.max(...frame));
      assert.equal(loudest, band, `sine at ${centres[band]!.toFixed(1)} Hz`);
      const db = 20 * Math.log10(frame[band]!);
      assert.ok(Math.abs(db - 20 * Math.log10(amplitude)) < 0.1, `band ${band}: ${db.toFixed(2)} dB for amplitude ${amplitude}`);
      const normalised = frontEnd.logMel(signal).select(1, 30).toArray()[band]!;
      const expected = (2 * (20 * Math.log10(amplitude) - config.minDb)) / (config.maxDb - config.minDb) - 1;
      assert.ok(Math.abs(normalised - expected) < 0.005, `normalised ${normalised} vs ${expected}`);
    });
  }
  frontEnd.dispose();
});

test('silence sits at the floor (-1) and the frame count follows the hop', () => {
  const frontEnd = new MelFrontEnd(config);
  tidy(() => {
    const out = frontEnd.logMel(zeros([16000]));
    assert.deepEqual(out.shape, [128, Math.floor(16000 / config.hop) + 1]);
    assert.equal(out.amax().item(), -1);
  });
  frontEnd.dispose();
});

test('normalise and denormalise invert each other inside the dB range', () => {
  const frontEnd = new MelFrontEnd(config);
  tidy(() => {
    const x = randn([128, 20]).clamp(-0.99, 0.99);
    assertAllClose(frontEnd.normalise(frontEnd.denormalise(x)).toFloat32Array(), x.toFloat32Array(), { atol: 1e-5 });
  });
  frontEnd.dispose();
});
