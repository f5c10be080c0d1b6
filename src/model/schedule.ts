/**
 * The forward diffusion process (DDPM, seed §2.1 "Forward Diffusion"): a noise schedule β_1…β_T
 * and the closed form of its marginals, z_t = √ᾱ_t · z_0 + √(1 − ᾱ_t) · ε with ᾱ_t = ∏_{s≤t}(1 − β_s).
 * It knows nothing of the model, so samplers and training share it and a new sampler needs no
 * model change. Steps are 0-based: t = 0 is the first noising step, t = T − 1 the last.
 */
import { Tensor, tensor } from '../engine/index.js';
import type { ScheduleConfig } from './config.js';

export class NoiseSchedule {
  /** β_t, t = 0…T − 1 (float64). */
  readonly betas: Float64Array;
  /** ᾱ_t = ∏_{s≤t}(1 − β_s) (float64). */
  readonly alphasCumprod: Float64Array;

  constructor(readonly config: ScheduleConfig) {
    const { steps, betaStart, betaEnd, kind } = config;
    this.betas = new Float64Array(steps);
    this.alphasCumprod = new Float64Array(steps);
    let product = 1;
    for (let t = 0; t < steps; t++) {
      const at = t / (steps - 1);
      this.betas[t] = kind === 'linear' ? betaStart + (betaEnd - betaStart) * at : (Math.sqrt(betaStart) + (Math.sqrt(betaEnd) - Math.sqrt(betaStart)) * at) ** 2;
      product *= 1 - this.betas[t]!;
      this.alphasCumprod[t] = product;
    }
  }

  get steps(): number {
    return this.config.steps;
  }

  /** ᾱ at the steps t [B] (int64), shaped [B, 1, 1, 1] to scale latents, on t's device. */
  alphaBar(t: Tensor): Tensor {
    const values = Array.from(t.toArray(), (step) => {
      if (!(Number.isInteger(step) && step >= 0 && step < this.steps)) throw new RangeError(`NoiseSchedule: Expected time steps in [0, ${this.steps - 1}] but received ${step}`);
      return this.alphasCumprod[step]!;
    });
    return tensor(new Float32Array(values), [values.length, 1, 1, 1], { device: t.device });
  }

  /** z_t = √ᾱ_t · z0 + √(1 − ᾱ_t) · noise, for z0 and noise [B, …] and t [B]. */
  addNoise(z0: Tensor, noise: Tensor, t: Tensor): Tensor {
    const alphaBar = this.alphaBar(t);
    return z0.mul(alphaBar.sqrt()).add(noise.mul(alphaBar.neg().add(1).sqrt()));
  }

  /** The clean latent the noise prediction implies: (z_t − √(1 − ᾱ_t) · ε̂) / √ᾱ_t. */
  predictClean(zt: Tensor, predictedNoise: Tensor, t: Tensor): Tensor {
    const alphaBar = this.alphaBar(t);
    return zt.sub(predictedNoise.mul(alphaBar.neg().add(1).sqrt())).div(alphaBar.sqrt());
  }
}
