/**
 * Neural-network functions (torch.nn.functional): layers as tensor functions, activations,
 * normalisation, pooling, resampling, attention and losses. Modules in nn/ call these.
 * Shapes follow PyTorch: images are [N, C, H, W], sequences [.., L, E].
 *
 * The hot layers (linear, convolutions, attention) check shapes only when libtorch refuses a
 * call, to explain the refusal in our terms: the happy path costs no extra native calls.
 */
import { native } from './native.js';
import { rangeError, typeError, isInteger, shapeOf } from './errors.js';
import { Tensor, wrap, asHandle, asOptionalHandle } from './tensor.js';

export type Pair = number | [number, number];
export type Reduction = 'mean' | 'sum' | 'none';

function pair(op: string, name: string, value: Pair): [number, number] {
  const p: [number, number] = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => isInteger(v) && v >= 0)) {
    throw typeError(op, name, 'a non-negative integer or a pair of them', value);
  }
  return p;
}

function checkRank(op: string, name: string, t: Tensor, rank: number): void {
  if (t.ndim !== rank) throw rangeError(op, name, `a rank-${rank} tensor`, shapeOf(t));
}

function checkReduction(op: string, reduction: Reduction): void {
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw typeError(op, 'reduction', "'mean', 'sum' or 'none'", reduction);
  }
}

// ---- activations ----
export const relu = (x: Tensor): Tensor => x.relu();
export const gelu = (x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor => x.gelu(approximate);
export const silu = (x: Tensor): Tensor => x.silu();
export const tanh = (x: Tensor): Tensor => x.tanh();
export const sigmoid = (x: Tensor): Tensor => x.sigmoid();
export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  return wrap(native.leakyRelu(asHandle('leakyRelu', 'input', x), slope));
}
export const softmax = (x: Tensor, dim: number): Tensor => x.softmax(dim);
export const logSoftmax = (x: Tensor, dim: number): Tensor => x.logSoftmax(dim);

// ---- linear layers ----
/** y = x Wᵀ + b. x [.., in], weight [out, in], bias [out] → [.., out]. */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const xh = asHandle('linear', 'input', x);
  const wh = asHandle('linear', 'weight', weight);
  try {
    return wrap(native.linear(xh, wh, asOptionalHandle('linear', 'bias', bias)));
  } catch (error) {
    if (weight.ndim !== 2) throw rangeError('linear', 'weight', 'a rank-2 tensor [out, in]', shapeOf(weight));
    if (x.shape[x.ndim - 1] !== weight.shape[1]) {
      throw rangeError('linear', 'input', `last dim ${weight.shape[1]} (weight is [${weight.shape.join(', ')}])`, shapeOf(x));
    }
    throw error;
  }
}

export interface ConvOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
}

/** 2-D convolution. x [N, Cin, H, W], weight [Cout, Cin/groups, kh, kw], bias [Cout] → [N, Cout, H', W']. */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvOptions = {}): Tensor {
  const xh = asHandle('conv2d', 'input', x);
  const wh = asHandle('conv2d', 'weight', weight);
  const groups = options.groups ?? 1;
  try {
    return wrap(native.conv2d(xh, wh, asOptionalHandle('conv2d', 'bias', bias), pair('conv2d', 'stride', options.stride ?? 1),
      pair('conv2d', 'padding', options.padding ?? 0), pair('conv2d', 'dilation', options.dilation ?? 1), groups));
  } catch (error) {
    checkRank('conv2d', 'input', x, 4);
    checkRank('conv2d', 'weight', weight, 4);
    if (x.shape[1] !== weight.shape[1]! * groups) {
      throw rangeError('conv2d', 'input', `${weight.shape[1]! * groups} channels (weight is [${weight.shape.join(', ')}], groups ${groups})`, shapeOf(x));
    }
    throw error;
  }
}

/** 1-D convolution. x [N, Cin, L], weight [Cout, Cin/groups, k] → [N, Cout, L']. */
export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: { stride?: number; padding?: number; dilation?: number; groups?: number } = {}): Tensor {
  checkRank('conv1d', 'input', x, 3);
  return wrap(native.conv1d(asHandle('conv1d', 'input', x), asHandle('conv1d', 'weight', weight), asOptionalHandle('conv1d', 'bias', bias),
    [options.stride ?? 1], [options.padding ?? 0], [options.dilation ?? 1], options.groups ?? 1));
}

export interface ConvTransposeOptions extends ConvOptions {
  outputPadding?: Pair;
}

/** Transposed 2-D convolution. x [N, Cin, H, W], weight [Cin, Cout/groups, kh, kw] → [N, Cout, H', W']. */
export function convTranspose2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvTransposeOptions = {}): Tensor {
  const xh = asHandle('convTranspose2d', 'input', x);
  const wh = asHandle('convTranspose2d', 'weight', weight);
  try {
    return wrap(native.convTranspose2d(xh, wh, asOptionalHandle('convTranspose2d', 'bias', bias),
      pair('convTranspose2d', 'stride', options.stride ?? 1), pair('convTranspose2d', 'padding', options.padding ?? 0),
      pair('convTranspose2d', 'outputPadding', options.outputPadding ?? 0), options.groups ?? 1,
      pair('convTranspose2d', 'dilation', options.dilation ?? 1)));
  } catch (error) {
    checkRank('convTranspose2d', 'input', x, 4);
    checkRank('convTranspose2d', 'weight', weight, 4);
    if (x.shape[1] !== weight.shape[0]) {
      throw rangeError('convTranspose2d', 'input', `${weight.shape[0]} channels (weight is [${weight.shape.join(', ')}])`, shapeOf(x));
    }
    throw error;
  }
}

// ---- normalisation ----
export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  /** Batch statistics (and running-stat updates) when true; running statistics when false. */
  training: boolean;
  momentum?: number;
  eps?: number;
}
/** Batch normalisation over dim 1 of [N, C, ...]. */
export function batchNorm(x: Tensor, o: BatchNormOptions): Tensor {
  if (!o.training && (!o.runningMean || !o.runningVar)) {
    throw typeError('batchNorm', 'runningMean/runningVar', 'tensors in eval mode', null);
  }
  return wrap(native.batchNorm(asHandle('batchNorm', 'input', x), asOptionalHandle('batchNorm', 'weight', o.weight),
    asOptionalHandle('batchNorm', 'bias', o.bias), asOptionalHandle('batchNorm', 'runningMean', o.runningMean),
    asOptionalHandle('batchNorm', 'runningVar', o.runningVar), o.training, o.momentum ?? 0.1, o.eps ?? 1e-5));
}
/** Group normalisation of [N, C, ...] in `groups` groups of channels. */
export function groupNorm(x: Tensor, groups: number, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  if (!isInteger(groups) || groups < 1 || (x.shape[1] ?? 0) % groups !== 0) {
    throw rangeError('groupNorm', 'groups', `a divisor of ${x.shape[1]} channels`, groups);
  }
  // under bf16 autocast a convolution hands over bf16 while the affine stays float32, which this
  // libtorch's group_norm refuses on the CPU: normalise in the parameters' type, as autocast's policy
  // for group_norm (float32) would
  const cast = weight !== null && weight.dtype !== x.dtype ? x.to(weight.dtype) : null;
  try {
    return wrap(native.groupNorm(asHandle('groupNorm', 'input', cast ?? x), groups, asOptionalHandle('groupNorm', 'weight', weight),
      asOptionalHandle('groupNorm', 'bias', bias), eps));
  } finally {
    cast?.dispose();
  }
}
/** Layer normalisation over the trailing `normalizedShape` dims. */
export function layerNorm(x: Tensor, normalizedShape: number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  return wrap(native.layerNorm(asHandle('layerNorm', 'input', x), normalizedShape, asOptionalHandle('layerNorm', 'weight', weight),
    asOptionalHandle('layerNorm', 'bias', bias), eps));
}

/** Zeroes elements with probability p and scales the rest by 1/(1-p), when training. */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  if (!(p >= 0 && p <= 1)) throw rangeError('dropout', 'p', 'a probability in [0, 1]', p);
  return wrap(native.dropout(asHandle('dropout', 'input', x), p, training));
}

// ---- pooling and resampling ----
export function maxPool2d(x: Tensor, kernel: Pair, stride: Pair = kernel, padding: Pair = 0): Tensor {
  checkRank('maxPool2d', 'input', x, 4);
  return wrap(native.maxPool2d(x.handle('maxPool2d'), pair('maxPool2d', 'kernel', kernel), pair('maxPool2d', 'stride', stride), pair('maxPool2d', 'padding', padding)));
}
export function avgPool2d(x: Tensor, kernel: Pair, stride: Pair = kernel, padding: Pair = 0): Tensor {
  checkRank('avgPool2d', 'input', x, 4);
  return wrap(native.avgPool2d(x.handle('avgPool2d'), pair('avgPool2d', 'kernel', kernel), pair('avgPool2d', 'stride', stride), pair('avgPool2d', 'padding', padding)));
}
export function adaptiveAvgPool2d(x: Tensor, size: Pair): Tensor {
  checkRank('adaptiveAvgPool2d', 'input', x, 4);
  return wrap(native.adaptiveAvgPool2d(x.handle('adaptiveAvgPool2d'), pair('adaptiveAvgPool2d', 'size', size)));
}
/** Resizes [N, C, H, W] to `size` (nearest or bilinear). */
export function interpolate(x: Tensor, size: Pair, mode: 'nearest' | 'bilinear' = 'nearest', alignCorners = false): Tensor {
  checkRank('interpolate', 'input', x, 4);
  if (mode !== 'nearest' && mode !== 'bilinear') throw typeError('interpolate', 'mode', "'nearest' or 'bilinear'", mode);
  return wrap(native.interpolate(x.handle('interpolate'), pair('interpolate', 'size', size), mode, alignCorners));
}
/** Pads the last dims: pads = [left, right, top, bottom, …] as in torch.nn.functional.pad. */
export function pad(x: Tensor, pads: number[], mode: 'constant' | 'reflect' | 'replicate' | 'circular' = 'constant', value = 0): Tensor {
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim) throw rangeError('pad', 'pads', `an even-length list of at most ${2 * x.ndim} integers`, pads);
  return wrap(native.pad(x.handle('pad'), pads, mode, mode === 'constant' ? value : null));
}

// ---- attention ----
/**
 * Scaled dot-product attention: softmax(q kᵀ / √E + mask) v.
 * q [.., Lq, E], k [.., Lk, E], v [.., Lk, Ev] → [.., Lq, Ev]. `mask` is additive (float) or
 * boolean (true = attend), broadcastable to [.., Lq, Lk]. Fused on libtorch 2.x.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null = null): Tensor {
  const qh = asHandle('attention', 'q', q);
  try {
    return wrap(native.attention(qh, asHandle('attention', 'k', k), asHandle('attention', 'v', v), asOptionalHandle('attention', 'mask', mask)));
  } catch (error) {
    if (q.shape[q.ndim - 1] !== k.shape[k.ndim - 1]) {
      throw rangeError('attention', 'k', `last dim ${q.shape[q.ndim - 1]} like q`, shapeOf(k));
    }
    throw error;
  }
}

// ---- losses ----
function checkSameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw rangeError(op, 'target', `shape [${a.shape.join(', ')}] like the input`, shapeOf(b));
  }
}
/** Mean squared error. */
export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  const h = asHandle('mseLoss', 'input', input);
  checkSameShape('mseLoss', input, target);
  checkReduction('mseLoss', reduction);
  return wrap(native.mseLoss(h, asHandle('mseLoss', 'target', target), reduction));
}
/** Mean absolute error. */
export function l1Loss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  const h = asHandle('l1Loss', 'input', input);
  checkSameShape('l1Loss', input, target);
  checkReduction('l1Loss', reduction);
  return wrap(native.l1Loss(h, asHandle('l1Loss', 'target', target), reduction));
}
/** Cross entropy of logits [N, C] against int64 class indices [N]. */
export function crossEntropy(logits: Tensor, target: Tensor, { reduction = 'mean' as Reduction, labelSmoothing = 0 } = {}): Tensor {
  checkReduction('crossEntropy', reduction);
  if (target.dtype !== 'int64') throw typeError('crossEntropy', 'target', 'an int64 tensor of class indices', target.dtype);
  return wrap(native.crossEntropy(asHandle('crossEntropy', 'logits', logits), target.handle('crossEntropy'), reduction, labelSmoothing));
}
/** Binary cross entropy on logits. */
export function bceWithLogits(logits: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  checkReduction('bceWithLogits', reduction);
  return wrap(native.bceWithLogits(asHandle('bceWithLogits', 'logits', logits), asHandle('bceWithLogits', 'target', target), reduction));
}

