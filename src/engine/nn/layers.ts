/**
 * Layers: each holds its weights and calls one function of functional.ts.
 * Parameter names and initialisation match torch.nn.
 */
import { Module } from './module.js';
import { Tensor } from '../tensor.js';
import { empty, zeros, ones } from '../creation.js';
import { through } from '../scope.js';
import * as F from '../functional.js';
import { defaultWeight_, defaultBias_ } from './init.js';
import { rangeError, isInteger } from '../errors.js';

function positive(op: string, name: string, value: number): number {
  if (!isInteger(value) || value < 1) throw rangeError(op, name, 'a positive integer', value);
  return value;
}

/** A layer with a weight and an optional bias, both initialised as torch.nn does. */
abstract class Weighted extends Module {
  weight!: Tensor;
  bias!: Tensor | null;
  /** Registers `weight` of `shape` and, when `withBias`, `bias` of `biasSize`. */
  protected weightAndBias(shape: number[], biasSize: number, withBias: boolean): void {
    this.weight = this.param('weight', empty(shape));
    defaultWeight_(this.weight);
    this.bias = withBias ? this.param('bias', empty([biasSize])) : null;
    if (this.bias) defaultBias_(this.bias, this.weight);
  }
}

function kernelPair(kernelSize: F.Pair): [number, number] {
  return typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
}

function checkGroups(op: string, inChannels: number, outChannels: number, groups: number): number {
  if (!isInteger(groups) || groups < 1 || inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw rangeError(op, 'groups', `a divisor of ${inChannels} and ${outChannels}`, groups);
  }
  return groups;
}

/** y = x Wᵀ + b: [.., inFeatures] → [.., outFeatures]. */
export class Linear extends Weighted {
  constructor(readonly inFeatures: number, readonly outFeatures: number, { bias = true } = {}) {
    super();
    this.weightAndBias([positive('Linear', 'outFeatures', outFeatures), positive('Linear', 'inFeatures', inFeatures)], outFeatures, bias);
  }
  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }
}

export interface Conv2dOptions {
  stride?: F.Pair;
  padding?: F.Pair;
  dilation?: F.Pair;
  groups?: number;
  bias?: boolean;
}

/** 2-D convolution: [N, inChannels, H, W] → [N, outChannels, H', W']. */
export class Conv2d extends Weighted {
  readonly options: F.ConvOptions;
  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: F.Pair, options: Conv2dOptions = {}) {
    super();
    const groups = checkGroups('Conv2d', positive('Conv2d', 'inChannels', inChannels), positive('Conv2d', 'outChannels', outChannels), options.groups ?? 1);
    this.weightAndBias([outChannels, inChannels / groups, ...kernelPair(kernelSize)], outChannels, options.bias !== false);
    this.options = { stride: options.stride ?? 1, padding: options.padding ?? 0, dilation: options.dilation ?? 1, groups };
  }
  forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, this.options);
  }
}

export interface Conv1dOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
}

/** 1-D convolution: [N, inChannels, L] → [N, outChannels, L']. */
export class Conv1d extends Weighted {
  readonly options: Required<Omit<Conv1dOptions, 'bias'>>;
  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: number, options: Conv1dOptions = {}) {
    super();
    const groups = checkGroups('Conv1d', positive('Conv1d', 'inChannels', inChannels), positive('Conv1d', 'outChannels', outChannels), options.groups ?? 1);
    this.weightAndBias([outChannels, inChannels / groups, positive('Conv1d', 'kernelSize', kernelSize)], outChannels, options.bias !== false);
    this.options = { stride: options.stride ?? 1, padding: options.padding ?? 0, dilation: options.dilation ?? 1, groups };
  }
  forward(x: Tensor): Tensor {
    return F.conv1d(x, this.weight, this.bias, this.options);
  }
}

export interface ConvTranspose2dOptions extends Conv2dOptions {
  outputPadding?: F.Pair;
}

/** Transposed 2-D convolution (weight [in, out/groups, kh, kw], as in PyTorch). */
export class ConvTranspose2d extends Weighted {
  readonly options: F.ConvTransposeOptions;
  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: F.Pair, options: ConvTranspose2dOptions = {}) {
    super();
    const groups = checkGroups('ConvTranspose2d', positive('ConvTranspose2d', 'inChannels', inChannels), positive('ConvTranspose2d', 'outChannels', outChannels), options.groups ?? 1);
    this.weightAndBias([inChannels, outChannels / groups, ...kernelPair(kernelSize)], outChannels, options.bias !== false);
    this.options = {
      stride: options.stride ?? 1,
      padding: options.padding ?? 0,
      outputPadding: options.outputPadding ?? 0,
      dilation: options.dilation ?? 1,
      groups,
    };
  }
  forward(x: Tensor): Tensor {
    return F.convTranspose2d(x, this.weight, this.bias, this.options);
  }
}

/**
 * Batch normalisation over channels of [N, C, H, W]: batch statistics while training (and an
 * update of the running statistics with `momentum`), running statistics in eval mode.
 */
export class BatchNorm2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly numBatchesTracked: Tensor;
  constructor(readonly numFeatures: number, readonly eps = 1e-5, readonly momentum = 0.1) {
    super();
    positive('BatchNorm2d', 'numFeatures', numFeatures);
    this.weight = this.param('weight', ones([numFeatures]));
    this.bias = this.param('bias', zeros([numFeatures]));
    this.runningMean = this.buffer('running_mean', zeros([numFeatures]));
    this.runningVar = this.buffer('running_var', ones([numFeatures]));
    this.numBatchesTracked = this.buffer('num_batches_tracked', zeros([], { dtype: 'int64' }));
  }
  forward(x: Tensor): Tensor {
    if (this.training) this.numBatchesTracked.add_(1);
    return F.batchNorm(x, {
      weight: this.weight,
      bias: this.bias,
      runningMean: this.runningMean,
      runningVar: this.runningVar,
      training: this.training,
      momentum: this.momentum,
      eps: this.eps,
    });
  }
}

/** Group normalisation of [N, C, ...] with a learned per-channel affine. */
export class GroupNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(readonly numGroups: number, readonly numChannels: number, readonly eps = 1e-5) {
    super();
    if (!isInteger(numGroups) || numGroups < 1 || numChannels % numGroups !== 0) {
      throw rangeError('GroupNorm', 'numGroups', `a divisor of ${numChannels}`, numGroups);
    }
    this.weight = this.param('weight', ones([numChannels]));
    this.bias = this.param('bias', zeros([numChannels]));
  }
  forward(x: Tensor): Tensor {
    return F.groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }
}

/** Layer normalisation over the trailing dims `normalizedShape`. */
export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly normalizedShape: number[];
  constructor(normalizedShape: number | number[], readonly eps = 1e-5) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    this.weight = this.param('weight', ones(this.normalizedShape));
    this.bias = this.param('bias', zeros(this.normalizedShape));
  }
  forward(x: Tensor): Tensor {
    return F.layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
}

/** Dropout with probability p while training; identity in eval mode. */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw rangeError('Dropout', 'p', 'a probability in [0, 1]', p);
  }
  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training);
  }
}

/** A module made from a tensor function without weights (activations). */
export class Lambda extends Module {
  constructor(readonly fn: (x: Tensor) => Tensor, readonly label = 'Lambda') {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.fn(x);
  }
}

export const ReLU = (): Lambda => new Lambda(F.relu, 'ReLU');
export const GELU = (approximate: 'none' | 'tanh' = 'none'): Lambda => new Lambda((x) => F.gelu(x, approximate), 'GELU');
export const SiLU = (): Lambda => new Lambda(F.silu, 'SiLU');
export const Tanh = (): Lambda => new Lambda(F.tanh, 'Tanh');
export const Sigmoid = (): Lambda => new Lambda(F.sigmoid, 'Sigmoid');

/** A module with a single-tensor forward. */
export interface Layer extends Module {
  forward(x: Tensor): Tensor;
}

/**
 * Runs its layers in order; children are named "0", "1", … as in torch.nn.Sequential. Each
 * intermediate output is freed as soon as the next layer has read it (see `through`).
 */
export class Sequential extends Module {
  readonly layers: Layer[];
  constructor(...layers: Layer[]) {
    super();
    this.layers = layers.map((layer, i) => this.child(String(i), layer));
  }
  forward(x: Tensor): Tensor {
    return through(x, ...this.layers.map((layer) => (y: Tensor) => layer.forward(y)));
  }
}
