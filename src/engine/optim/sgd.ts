/**
 * Stochastic gradient descent with optional momentum and Nesterov, libtorch's implementation.
 */
import { native } from '../native.js';
import type { Tensor } from '../tensor.js';
import { Optimizer } from './optimizer.js';
import { rangeError } from '../errors.js';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export class SGD extends Optimizer {
  readonly options: Required<SGDOptions>;
  constructor(params: Iterable<Tensor>, options: SGDOptions) {
    const o: Required<SGDOptions> = {
      lr: options.lr,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
    };
    if (!(o.momentum >= 0)) throw rangeError('SGD', 'momentum', 'a number ≥ 0', o.momentum);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw rangeError('SGD', 'nesterov', 'momentum > 0 and dampening 0 with nesterov', `momentum ${o.momentum}, dampening ${o.dampening}`);
    }
    super(params, o.lr, (handles) => native.sgd(handles, o.lr, o.momentum, o.dampening, o.weightDecay, o.nesterov));
    this.options = o;
  }
}
