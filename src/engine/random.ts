/**
 * The global random generator: seeding and its state (for exact resume of training).
 */
import { native } from './native.js';
import { rangeError, typeError, isInteger } from './errors.js';
import { Tensor, wrap, asHandle } from './tensor.js';

/** Seeds libtorch's generators (CPU and, when present, CUDA). */
export function manualSeed(seed: number): void {
  if (!isInteger(seed) || seed < 0) throw rangeError('manualSeed', 'seed', 'a non-negative integer', seed);
  native.manualSeed(seed);
}

/** The default generator of 'cpu' (default) or 'cuda' (the current CUDA device), as a uint8 tensor. */
export function getRngState(device: 'cpu' | 'cuda' = 'cpu'): Tensor {
  return wrap(native.getRngState(checkDevice('getRngState', device)));
}

/** Restores a state from getRngState(device). */
export function setRngState(state: Tensor, device: 'cpu' | 'cuda' = 'cpu'): void {
  native.setRngState(asHandle('setRngState', 'state', state), checkDevice('setRngState', device));
}

function checkDevice(op: string, device: string): string {
  if (device !== 'cpu' && device !== 'cuda') throw typeError(op, 'device', "'cpu' or 'cuda'", device);
  return device;
}
