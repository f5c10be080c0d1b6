/**
 * An exponential moving average of a module's weights (θ̄ ← d·θ̄ + (1 − d)·θ after each step):
 * the weights a diffusion model samples best with. Early in a run the decay is lowered to
 * (1 + n)/(10 + n) after n steps, so that the average forgets the initial weights within the run's
 * first few hundred steps rather than carrying them for thousands (at d = 0.999, 5% of the
 * random initialisation would remain after 3,000 steps). Float buffers (BatchNorm statistics) are
 * averaged like the weights; integer ones (batch counters) are copied. The averages live outside
 * the module and are swapped in for validation and export.
 */
import { nn, noGrad, tidy, keep, type Tensor } from '../engine/index.js';

export class Ema {
  readonly averages: Map<string, Tensor>;

  constructor(readonly module: nn.Module, readonly decay: number) {
    if (!(decay > 0 && decay < 1)) throw new RangeError(`Ema: Expected a decay in (0, 1) but received ${decay}`);
    this.averages = new Map(noGrad(() => [...module.stateDict()].map(([name, t]): [string, Tensor] => [name, keep(t.detach().clone())])));
  }

  /** The decay after `step` updates: `decay`, or less early on (absent step: `decay`). */
  decayAt(step?: number): number {
    return step === undefined ? this.decay : Math.min(this.decay, (1 + step) / (10 + step));
  }

  /** Moves every average toward the module's current weights; `step`, the updates made before this one, sets the warm-up's decay. */
  update(step?: number): void {
    const rate = 1 - this.decayAt(step);
    noGrad(() => tidy(() => {
      for (const [name, t] of this.module.stateDict()) {
        const average = this.averages.get(name)!;
        // θ̄ + (1 − d)·(θ − θ̄): the same average, and a weight that does not move (a frozen one) stays bit for bit itself
        if (t.dtype === 'float32') average.add_(t.detach().sub(average).mul(rate));
        else average.copy_(t);
      }
    }));
  }

  /** Exchanges the module's weights and the averages (twice restores both): validation and export use the averages. */
  swap(): void {
    noGrad(() => tidy(() => {
      for (const [name, t] of this.module.stateDict()) {
        const average = this.averages.get(name)!;
        const own = t.detach().clone();
        t.copy_(average);
        average.copy_(own);
      }
    }));
  }

  /** Restores averages saved from `averages`. */
  load(state: Map<string, Tensor>): void {
    noGrad(() => {
      for (const [name, average] of this.averages) {
        const saved = state.get(name);
        if (saved === undefined) throw new Error(`Ema: the saved averages lack ${name}`);
        average.copy_(saved);
      }
    });
  }

  dispose(): void {
    for (const t of this.averages.values()) t.dispose();
  }
}
