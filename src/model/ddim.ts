/**
 * DDIM sampling (Song et al. 2021), the reverse process the seed uses for fast generation: from
 * z_t, with the model's noise prediction ε̂, the clean estimate x̂_0 = (z_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t and
 *   z_prev = √ᾱ_prev · x̂_0 + √(1 − ᾱ_prev − σ²) · ε̂ + σ · ε,
 *   σ = η · √((1 − ᾱ_prev)/(1 − ᾱ_t)) · √(1 − ᾱ_t/ᾱ_prev),
 * so η = 0 is deterministic and η = 1 is DDPM's variance. Content enters as in img2img: the
 * content latent, noised to `strength`, is where sampling starts.
 */
import { Tensor, tensor, tidy, randnLike, throwIfStopped } from '../engine/index.js';
import type { NoiseSchedule } from './schedule.js';

export interface DdimOptions {
  /** Denoising steps actually run (1 … the steps `strength` leaves). */
  steps: number;
  /** 0: deterministic DDIM; 1: DDPM's noise. */
  eta: number;
  /** How far the content is noised before sampling, in (0, 1]: 1 starts from (almost) pure noise. */
  strength: number;
}

/** The model's noise prediction for latents z [B, C, H, W] at step t (the same for every item). */
export type NoisePredictor = (z: Tensor, t: number) => Tensor;

/**
 * Standard normal noise shaped like the latents, for draw 0 (the start's noise) and draw i + 1
 * (step i's, used only when η > 0). The default draws from the global generator; a caller
 * can share noise between overlapping tiles instead (see transfer/noise.ts).
 */
export type NoiseSource = (draw: number, like: Tensor) => Tensor;

/**
 * The descending time steps of a run: `steps` of them, evenly spaced, the first at
 * t_start = round(strength · T) − 1 and the last ⌊(t_start + 1)/steps⌋ − 1 … ≥ 0 (trailing spacing).
 */
export function ddimTimesteps(trainSteps: number, options: Pick<DdimOptions, 'steps' | 'strength'>): number[] {
  const { steps, strength } = options;
  if (!(strength > 0 && strength <= 1)) throw new RangeError(`ddim: Expected strength in (0, 1] but received ${strength}`);
  const start = Math.max(0, Math.round(strength * trainSteps) - 1);
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= start + 1)) {
    throw new RangeError(`ddim: Expected steps in [1, ${start + 1}] (strength ${strength} leaves ${start + 1} of ${trainSteps} time steps) but received ${steps}; lower the steps or raise the strength`);
  }
  const stride = (start + 1) / steps;
  return Array.from({ length: steps }, (_, i) => Math.round(start + 1 - i * stride) - 1);
}

/** Throws RangeError for DDIM settings out of range: steps and strength (ddimTimesteps), eta in [0, 1]. */
export function checkDdim(options: DdimOptions, trainSteps: number): void {
  ddimTimesteps(trainSteps, options);
  if (!(options.eta >= 0 && options.eta <= 1)) throw new RangeError(`sampling: Expected eta in [0, 1] but received ${options.eta}`);
}

/** Runs DDIM from the clean latent `start` [B, C, H, W], noised to `strength`; returns the sampled clean latent. */
export function ddimSample(schedule: NoiseSchedule, predictNoise: NoisePredictor, start: Tensor, options: DdimOptions, noise: NoiseSource = (_, like) => randnLike(like)): Tensor {
  checkDdim(options, schedule.steps);
  const timesteps = ddimTimesteps(schedule.steps, options);
  const abar = schedule.alphasCumprod;
  let z = tidy(() => {
    const t = tensor(new BigInt64Array(start.shape[0]!).fill(BigInt(timesteps[0]!)), { device: start.device });
    return schedule.addNoise(start, noise(0, start), t);
  });
  timesteps.forEach((t, i) => {
    throwIfStopped(); // a step is the longest wait a Ctrl-C or SIGTERM has
    const previous = z;
    z = tidy(() => {
      const a = abar[t]!;
      const aPrev = i + 1 < timesteps.length ? abar[timesteps[i + 1]!]! : 1;
      const eps = predictNoise(previous, t);
      const clean = previous.sub(eps.mul(Math.sqrt(1 - a))).div(Math.sqrt(a));
      const sigma = options.eta * Math.sqrt((1 - aPrev) / (1 - a)) * Math.sqrt(1 - a / aPrev);
      let next = clean.mul(Math.sqrt(aPrev)).add(eps.mul(Math.sqrt(Math.max(0, 1 - aPrev - sigma * sigma))));
      if (sigma > 0) next = next.add(noise(i + 1, previous).mul(sigma));
      return next;
    });
    previous.dispose();
  });
  return z;
}
