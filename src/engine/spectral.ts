/**
 * Short-time Fourier transforms and complex helpers on libtorch's FFT.
 */
import { native } from './native.js';
import { dtypeCode } from './dtype.js';
import { rangeError, isInteger, shapeOf } from './errors.js';
import { Tensor, wrap, asHandle, asOptionalHandle, type Device } from './tensor.js';

export interface StftOptions {
  /** FFT size in samples. */
  nFft: number;
  /** Hop between frames in samples; default nFft / 4. */
  hop?: number;
  /** Window length in samples (≤ nFft); default nFft. */
  winLength?: number;
  /** Window [winLength]; default a rectangular window, as in torch.stft. */
  window?: Tensor | null;
  /** Pad the signal by nFft/2 on both sides so frame t is centred at t·hop; default true. */
  center?: boolean;
  padMode?: 'reflect' | 'constant';
  normalized?: boolean;
  onesided?: boolean;
}

function check(op: string, o: StftOptions): { hop: number; winLength: number } {
  if (!isInteger(o.nFft) || o.nFft < 2) throw rangeError(op, 'nFft', 'an integer ≥ 2', o.nFft);
  const hop = o.hop ?? Math.floor(o.nFft / 4);
  const winLength = o.winLength ?? o.nFft;
  if (!isInteger(hop) || hop < 1) throw rangeError(op, 'hop', 'a positive integer', hop);
  if (!isInteger(winLength) || winLength < 1 || winLength > o.nFft) throw rangeError(op, 'winLength', `an integer in [1, ${o.nFft}]`, winLength);
  return { hop, winLength };
}

/** Complex STFT. signal [T] or [B, T] → complex64 [B?, nFft/2+1, frames]. */
export function stft(signal: Tensor, o: StftOptions): Tensor {
  const h = asHandle('stft', 'signal', signal);
  const { hop, winLength } = check('stft', o);
  if (signal.ndim !== 1 && signal.ndim !== 2) throw rangeError('stft', 'signal', 'a rank-1 [T] or rank-2 [B, T] tensor', shapeOf(signal));
  return wrap(native.stft(h, o.nFft, hop, winLength, asOptionalHandle('stft', 'window', o.window), o.center ?? true,
    o.padMode ?? 'reflect', o.normalized ?? false, o.onesided ?? true));
}

/** Inverse STFT (overlap-add with window-square normalisation). spec complex [B?, F, frames] → [B?, T]. */
export function istft(spec: Tensor, o: StftOptions & { length?: number }): Tensor {
  const h = asHandle('istft', 'spec', spec);
  const { hop, winLength } = check('istft', o);
  return wrap(native.istft(h, o.nFft, hop, winLength, asOptionalHandle('istft', 'window', o.window), o.center ?? true,
    o.normalized ?? false, o.onesided ?? true, o.length ?? null));
}

/** Hann window of `length` samples (periodic by default, as used for STFT). */
export function hannWindow(length: number, { periodic = true, device = 'cpu' as Device } = {}): Tensor {
  if (!isInteger(length) || length < 1) throw rangeError('hannWindow', 'length', 'a positive integer', length);
  return wrap(native.hannWindow(length, periodic, dtypeCode('float32'), device));
}

/** FFT of a real signal along `dim` (default last): n real samples → n/2+1 complex bins. */
export function rfft(x: Tensor, { n, dim = -1 }: { n?: number; dim?: number } = {}): Tensor {
  return wrap(native.rfft(asHandle('rfft', 'input', x), n ?? null, dim));
}
/** Inverse of rfft along `dim`: n/2+1 complex bins → n real samples (n defaults to 2·(bins − 1)). */
export function irfft(x: Tensor, { n, dim = -1 }: { n?: number; dim?: number } = {}): Tensor {
  return wrap(native.irfft(asHandle('irfft', 'input', x), n ?? null, dim));
}

/** complex [..] → real [.., 2] (a view). */
export function viewAsReal(z: Tensor): Tensor { return wrap(native.viewAsReal(asHandle('viewAsReal', 'input', z))); }
/** real [.., 2] → complex [..]. */
export function viewAsComplex(x: Tensor): Tensor { return wrap(native.viewAsComplex(asHandle('viewAsComplex', 'input', x))); }
export function real(z: Tensor): Tensor { return wrap(native.real(asHandle('real', 'input', z))); }
export function imag(z: Tensor): Tensor { return wrap(native.imag(asHandle('imag', 'input', z))); }
/** Phase in radians, (−π, π]. */
export function angle(z: Tensor): Tensor { return wrap(native.angle(asHandle('angle', 'input', z))); }
/** magnitude · e^{i·phase}. */
export function polar(magnitude: Tensor, phase: Tensor): Tensor {
  return wrap(native.polar(asHandle('polar', 'magnitude', magnitude), asHandle('polar', 'phase', phase)));
}
export function complex(re: Tensor, im: Tensor): Tensor {
  return wrap(native.complex(asHandle('complex', 're', re), asHandle('complex', 'im', im)));
}
