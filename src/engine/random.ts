/**
 * The global random generator: seeding and its state (for exact resume of training).
 */
import { native } from './native.js';
import { rangeError, isInteger } from './errors.js';
import { Tensor, wrap, asHandle } from './tensor.js';

/** Seeds libtorch's generators (CPU and, when present, CUDA). */
export function manualSeed(seed: number): void {
  if (!isInteger(seed) || seed < 0) throw rangeError('manualSeed', 'seed', 'a non-negative integer', seed);
  native.manualSeed(seed);
}

/** The CPU generator's state as a uint8 tensor. */
export function getRngState(): Tensor {
  return wrap(native.getRngState());
}

/** Restores a state from getRngState. */
export function setRngState(state: Tensor): void {
  native.setRngState(asHandle('setRngState', 'state', state));
}
