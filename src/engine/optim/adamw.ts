/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, libtorch's implementation
 * (the same update as torch.optim.AdamW).
 */
import { native } from '../native.js';
import type { Tensor } from '../tensor.js';
import { Optimizer } from './optimizer.js';
import { rangeError } from '../errors.js';

export interface AdamWOptions {
  /** Default 1e-3. */
  lr?: number;
  /** Default [0.9, 0.999]. */
  betas?: [number, number];
  /** Default 1e-8. */
  eps?: number;
  /** Decoupled weight decay; default 1e-2. */
  weightDecay?: number;
  amsgrad?: boolean;
}

export class AdamW extends Optimizer {
  readonly options: Required<AdamWOptions>;
  constructor(params: Iterable<Tensor>, options: AdamWOptions = {}) {
    const o: Required<AdamWOptions> = {
      lr: options.lr ?? 1e-3,
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 1e-2,
      amsgrad: options.amsgrad ?? false,
    };
    for (const [i, beta] of o.betas.entries()) {
      if (!(beta >= 0 && beta < 1)) throw rangeError('AdamW', `betas[${i}]`, 'a number in [0, 1)', beta);
    }
    if (!(o.eps > 0)) throw rangeError('AdamW', 'eps', 'a positive number', o.eps);
    if (!(o.weightDecay >= 0)) throw rangeError('AdamW', 'weightDecay', 'a number ≥ 0', o.weightDecay);
    super(params, o.lr, (handles) => native.adamw(handles, o.lr, o.betas[0], o.betas[1], o.eps, o.weightDecay, o.amsgrad));
    this.options = o;
  }
}
