/**
 * Module: the base of every layer and model. It owns named parameters (trainable tensors),
 * buffers (state such as running statistics) and child modules, with PyTorch's naming
 * ("enc1.weight", "bn.running_mean"), so state dicts line up with a PyTorch twin's.
 *
 * Parameters and buffers are kept out of tidy() scopes; `dispose()` frees them.
 */
import { Tensor } from '../tensor.js';
import { keep } from '../scope.js';
import { noGrad } from '../autograd.js';
import { StateDictError, typeError } from '../errors.js';
import { type DType, isDType, isFloating } from '../dtype.js';

export type StateDict = Map<string, Tensor>;

export abstract class Module {
  #parameters = new Map<string, Tensor>();
  #buffers = new Map<string, Tensor>();
  #children = new Map<string, Module>();
  #training = true;

  get training(): boolean {
    return this.#training;
  }

  /** Registers a trainable parameter (requiresGrad set, kept out of scopes) and returns it. */
  protected param(name: string, value: Tensor): Tensor {
    this.#checkName(name);
    keep(value);
    if (!value.requiresGrad) value.requiresGrad = true;
    this.#parameters.set(name, value);
    return value;
  }

  /** Registers a buffer: saved in the state dict, not trained. */
  protected buffer(name: string, value: Tensor): Tensor {
    this.#checkName(name);
    keep(value);
    this.#buffers.set(name, value);
    return value;
  }

  /** Registers a child module under `name` and returns it. */
  protected child<M extends Module>(name: string, module: M): M {
    this.#checkName(name);
    if (!(module instanceof Module)) throw typeError(this.constructor.name, name, 'a Module', module);
    this.#children.set(name, module);
    return module;
  }

  #checkName(name: string): void {
    if (name === '' || name.includes('.')) throw typeError(this.constructor.name, 'name', 'a non-empty name without dots', name);
    if (this.#parameters.has(name) || this.#buffers.has(name) || this.#children.has(name)) {
      throw new RangeError(`${this.constructor.name}: '${name}' is already registered`);
    }
  }

  /** Child modules in registration order. */
  children(): [string, Module][] {
    return [...this.#children];
  }

  /** Every parameter of this module and its descendants, with dotted names. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, p] of this.#parameters) out.push([prefix + name, p]);
    for (const [name, m] of this.#children) out.push(...m.namedParameters(`${prefix}${name}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, b] of this.#buffers) out.push([prefix + name, b]);
    for (const [name, m] of this.#children) out.push(...m.namedBuffers(`${prefix}${name}.`));
    return out;
  }

  /** Number of trainable scalars. */
  parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.numel, 0);
  }

  /** Training mode (dropout active, batch statistics) for this module and its descendants. */
  train(on = true): this {
    this.#training = on;
    for (const m of this.#children.values()) m.train(on);
    return this;
  }

  /** Evaluation mode (the same as train(false)). */
  eval(): this {
    return this.train(false);
  }

  /** Parameters and buffers by dotted name. The tensors are the module's own (not copies). */
  stateDict(): StateDict {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values from `state` into this module's parameters and buffers (cast to their dtype
   * and device). With `strict` (default) every name must match exactly, and any missing,
   * unexpected or mis-shaped tensor raises StateDictError naming each; nothing is copied then.
   */
  loadStateDict(state: StateDict | Record<string, Tensor>, { strict = true } = {}): void {
    const incoming = state instanceof Map ? state : new Map(Object.entries(state));
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !incoming.has(k));
    const unexpected = [...incoming.keys()].filter((k) => !own.has(k));
    const mismatched: string[] = [];
    for (const [name, target] of own) {
      const source = incoming.get(name);
      if (source === undefined) continue;
      if (!(source instanceof Tensor)) throw typeError('loadStateDict', name, 'a Tensor', source);
      if (source.shape.length !== target.shape.length || source.shape.some((d, i) => d !== target.shape[i])) {
        mismatched.push(`${name} (expected [${target.shape.join(', ')}], got [${source.shape.join(', ')}])`);
      }
    }
    if (mismatched.length > 0 || (strict && (missing.length > 0 || unexpected.length > 0))) {
      const parts = [
        missing.length ? `missing: ${missing.join(', ')}` : '',
        unexpected.length ? `unexpected: ${unexpected.join(', ')}` : '',
        mismatched.length ? `wrong shape: ${mismatched.join(', ')}` : '',
      ].filter(Boolean);
      throw new StateDictError(
        `loadStateDict: the tensors do not fit ${this.constructor.name} (${parts.join('; ')}); ` +
          'was the checkpoint made with another model config?',
        missing,
        unexpected,
        mismatched,
      );
    }
    noGrad(() => {
      for (const [name, target] of own) {
        const source = incoming.get(name);
        if (source !== undefined) target.copy_(source);
      }
    });
  }

  /**
   * Moves or casts every parameter and buffer in place (parameter identity is preserved, so
   * optimizers made before keep working). Integer and bool buffers keep their dtype.
   */
  to(target: DType | string | { dtype?: DType; device?: string }): this {
    const spec = typeof target === 'string' ? (isDType(target) ? { dtype: target } : { device: target }) : target;
    noGrad(() => {
      for (const t of [...this.parameters(), ...this.namedBuffers().map(([, b]) => b)]) {
        const dtype = isFloating(t.dtype) ? spec.dtype : undefined;
        if (dtype === undefined && spec.device === undefined) continue;
        const moved = t.to({ ...(dtype ? { dtype } : {}), ...(spec.device ? { device: spec.device } : {}) });
        t.setData_(moved);
        moved.dispose();
      }
    });
    return this;
  }

  /** Frees every parameter and buffer. */
  dispose(): void {
    for (const t of this.stateDict().values()) t.dispose();
  }
}
