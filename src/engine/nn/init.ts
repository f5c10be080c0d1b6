/**
 * Weight initialisation, matching PyTorch's defaults so that a layer made here starts from the
 * same distribution as its torch.nn twin.
 */
import type { Tensor } from '../tensor.js';
import { noGrad } from '../autograd.js';

/**
 * fan_in of a weight: size(1) × receptive field, as torch.nn.init computes it (for a transposed
 * convolution's [in, out/groups, kh, kw] weight this is out/groups × kh × kw, as in PyTorch).
 */
export function fanIn(weight: Tensor): number {
  const [, inputs = 1, ...kernel] = weight.shape;
  return inputs * kernel.reduce((a, b) => a * b, 1);
}

/** U(−bound, bound) in place. */
export function uniform_(t: Tensor, bound: number): Tensor {
  return noGrad(() => t.uniform_(-bound, bound));
}

/**
 * PyTorch's default for Linear and Conv weights: kaiming_uniform_(a=√5), i.e.
 * U(−1/√fan_in, 1/√fan_in).
 */
export function defaultWeight_(weight: Tensor): Tensor {
  return uniform_(weight, 1 / Math.sqrt(fanIn(weight)));
}

/** PyTorch's default bias: U(−1/√fan_in, 1/√fan_in) with the weight's fan_in. */
export function defaultBias_(bias: Tensor, weight: Tensor): Tensor {
  const fan = fanIn(weight);
  return uniform_(bias, fan > 0 ? 1 / Math.sqrt(fan) : 0);
}

/** Xavier/Glorot uniform: U(±gain·√(6/(fan_in+fan_out))). */
export function xavierUniform_(weight: Tensor, gain = 1): Tensor {
  const [outputs = 1, , ...kernel] = weight.shape;
  const receptive = kernel.reduce((a, b) => a * b, 1);
  return uniform_(weight, gain * Math.sqrt(6 / (fanIn(weight) + outputs * receptive)));
}

export function zeros_(t: Tensor): Tensor {
  return noGrad(() => t.zero_());
}

export function ones_(t: Tensor): Tensor {
  return noGrad(() => t.fill_(1));
}
