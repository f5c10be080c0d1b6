/**
 * Helpers for the tests: fixture loading, closeness checks in PyTorch's allclose sense, and
 * temporary folders that clean up after themselves.
 */
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tensor } from '../engine/tensor.js';
import { packageRoot } from '../package-root.js';

/** The repository root: the nearest folder above this file with a package.json. */
export const repoRoot = packageRoot();

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', name), 'utf8')) as T;
}

/** Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise, naming the worst element. */
export function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, { atol = 1e-5, rtol = 1e-4, what = 'values' } = {}): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values, expected ${expected.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (Number.isNaN(a) !== Number.isNaN(e) || excess > worstExcess) {
      worst = i;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    assert.fail(`${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`);
  }
}

/** Asserts a tensor's shape, then its values. */
export function assertTensor(t: Tensor, shape: readonly number[], values: ArrayLike<number>, options: { atol?: number; rtol?: number; what?: string } = {}): void {
  assert.deepEqual([...t.shape], [...shape], `${options.what ?? 'tensor'}: shape`);
  assertAllClose(t.toFloat32Array(), values, options);
}

/** A Python with PyTorch: Debian's python3-torch, or `MST_PYTHON` (as on GPU machines). */
export const pythonWithTorch = process.env.MST_PYTHON ?? '/usr/bin/python3';

/**
 * A fresh folder in the system's temporary folder, removed with everything in it after the test
 * that made it, or, made at a file's top level, after that file's last test. Not inside a
 * before() hook: the folder would be gone when the hook ends.
 */
export function temporaryDirectory(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
