/**
 * Optimizer base: wraps one of libtorch's optimizers over a list of parameters. The learning
 * rate is set from TypeScript (a schedule is a pure function of the step); the state (moments,
 * step counts) can be exported for checkpoints and restored for an exact resume.
 */
import { native, type NativeOptimizer } from '../native.js';
import { Tensor, wrap, asHandle } from '../tensor.js';
import { keep } from '../scope.js';
import { rangeError, typeError } from '../errors.js';

/** Per parameter (in order): null before its first step, else its step count and state tensors. */
export type OptimizerState = ({ step: number; tensors: Record<string, Tensor> } | null)[];

export abstract class Optimizer {
  readonly params: readonly Tensor[];
  #native: NativeOptimizer;
  #lr: number;

  protected constructor(params: Iterable<Tensor>, lr: number, make: (handles: ReturnType<typeof asHandle>[]) => NativeOptimizer) {
    this.params = [...params];
    if (this.params.length === 0) throw typeError(this.constructor.name, 'params', 'at least one parameter', this.params);
    this.params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw typeError(this.constructor.name, `params[${i}]`, 'a Tensor', p);
      if (!p.requiresGrad) throw rangeError(this.constructor.name, `params[${i}]`, 'a tensor with requiresGrad', p.toString());
    });
    checkLr(this.constructor.name, lr);
    this.#lr = lr;
    this.#native = make(this.params.map((p, i) => asHandle(this.constructor.name, `params[${i}]`, p)));
  }

  get lr(): number {
    return this.#lr;
  }

  /** Sets the learning rate for the next steps. */
  set lr(value: number) {
    checkLr(this.constructor.name, value);
    native.optimSetLr(this.#native, value);
    this.#lr = value;
  }

  /** Updates every parameter from its .grad (parameters without a gradient are skipped). */
  step(): void {
    native.optimStep(this.#native);
  }

  /** Drops every parameter's gradient (set to none). */
  zeroGrad(): void {
    native.zeroGrad(this.params.map((p) => p.handle('zeroGrad')));
  }

  /** The optimizer's state; the tensors are copies owned by the caller (kept out of scopes). */
  state(): OptimizerState {
    return native.optimGetState(this.#native).map((entry) => {
      if (entry === null) return null;
      const tensors: Record<string, Tensor> = {};
      for (const [name, handle] of Object.entries(entry.tensors)) {
        const alias = wrap(handle);
        tensors[name] = keep(alias.clone());
        alias.dispose();
      }
      return { step: entry.step, tensors };
    });
  }

  /** Restores a state from state() (copied; one entry per parameter, in order). */
  loadState(state: OptimizerState): void {
    if (!Array.isArray(state) || state.length !== this.params.length) {
      throw rangeError(this.constructor.name, 'state', `${this.params.length} entries (one per parameter)`, Array.isArray(state) ? `${state.length} entries` : state);
    }
    native.optimSetState(
      this.#native,
      state.map((entry) =>
        entry === null
          ? null
          : { step: entry.step, tensors: Object.fromEntries(Object.entries(entry.tensors).map(([k, t]) => [k, asHandle('loadState', k, t)])) },
      ),
    );
  }
}

function checkLr(op: string, lr: number): void {
  if (!(typeof lr === 'number' && Number.isFinite(lr) && lr >= 0)) throw rangeError(op, 'lr', 'a finite number ≥ 0', lr);
}

/**
 * Scales gradients in place so that their global L2 norm is at most `maxNorm`.
 * @returns the global norm before clipping.
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number, normType = 2): number {
  if (!(maxNorm > 0)) throw rangeError('clipGradNorm', 'maxNorm', 'a positive number', maxNorm);
  return native.clipGradNorm(params.map((p, i) => asHandle('clipGradNorm', `params[${i}]`, p)), maxNorm, normType);
}
