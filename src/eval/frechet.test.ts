/**
 * The Fréchet distance on Gaussians whose distance is known in closed form, and on samples.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randn, manualSeed, tidy } from '../engine/index.js';
import { frechetDistance, gaussianStats, type GaussianStats } from './frechet.js';

function isotropic(mean: number[], variance: number): GaussianStats {
  const d = mean.length;
  const covariance = new Float64Array(d * d);
  for (let i = 0; i < d; i++) covariance[i * d + i] = variance;
  return { mean: Float64Array.from(mean), covariance, dim: d, count: 1000 };
}

test('the Fréchet distance matches its closed form for isotropic Gaussians', () => {
  // N(μa, a·I) and N(μb, b·I) in d dimensions: |μa − μb|² + d·(√a − √b)²
  assert.equal(frechetDistance(isotropic([1, 2, 3], 2), isotropic([1, 2, 3], 2)), 0);
  const fd = frechetDistance(isotropic([0, 0, 0, 0], 1), isotropic([1, 0, 2, 0], 4));
  assert.ok(Math.abs(fd - (5 + 4 * 1)) < 1e-9, `got ${fd}`);
  assert.throws(() => frechetDistance(isotropic([0], 1), isotropic([0, 0], 1)), /embeddings of 1 and 2 dimensions/);
});

test('on samples, the same distribution is near 0 and a shifted one near its squared shift', () => {
  tidy(() => {
    manualSeed(0);
    const a = gaussianStats(randn([4000, 4]));
    const b = gaussianStats(randn([4000, 4]));
    const shifted = gaussianStats(randn([4000, 4]).add(1));
    assert.equal(a.count, 4000);
    assert.ok(frechetDistance(a, b) < 0.02, `same: ${frechetDistance(a, b)}`);
    assert.ok(Math.abs(frechetDistance(a, shifted) - 4) < 0.2, `shifted by 1 in 4 dimensions: ${frechetDistance(a, shifted)}`);
    assert.throws(() => gaussianStats(randn([1, 4])), /Expected embeddings \[n ≥ 2, d\] but received \[1, 4\]/);
  });
});
