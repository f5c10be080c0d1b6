/**
 * Grad-mode scopes. libtorch keeps grad mode per thread; all engine calls run on the JS main
 * thread, so these scopes apply to everything `fn` does. Each restores the previous mode.
 */
import { native } from './native.js';

/** Runs `fn` with autograd recording on or off, then restores what was before. */
function withGrad<R>(enabled: boolean, fn: () => R): R {
  const previous = native.setGradEnabled(enabled);
  try {
    return fn();
  } finally {
    native.setGradEnabled(previous);
  }
}

/** Runs `fn` without recording operations for autograd. */
export function noGrad<R>(fn: () => R): R {
  return withGrad(false, fn);
}

/** Runs `fn` with autograd recording, even inside noGrad. */
export function enableGrad<R>(fn: () => R): R {
  return withGrad(true, fn);
}

/**
 * Runs `fn` in libtorch's inference mode: faster than noGrad, but tensors made inside can never
 * be used by autograd later.
 */
export function inferenceMode<R>(fn: () => R): R {
  native.enterInferenceMode();
  try {
    return fn();
  } finally {
    native.exitInferenceMode();
  }
}

export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}
