/**
 * The sampler's settings, in one place: what they are, their defaults and their checks. A model's
 * config carries its own defaults for steps, strength, eta and perhaps guidance (ModelConfig.sampling,
 * which `mst pack` can change after training); else guidance defaults to 1 (none), the seed to 0.
 * Everything that samples — the library, the CLI, evaluation, training's previews — takes its
 * settings through here, and a value out of range is refused by name before any work.
 */
import { checkDdim, type DdimOptions } from './ddim.js';
import { GUIDANCE_FROM, type GuidanceFrom } from './guidance-from.js';

export interface SamplingSettings extends DdimOptions {
  /**
   * Style guidance g ≥ 0 (1: none): ε = ε(own style) + g·(ε(style) − ε(own style)), where "own
   * style" conditions on the content tile itself. g > 1 pushes further from the source timbre
   * towards the reference's; it costs a second UNet pass per step.
   */
  guidance: number;
  /**
   * What the paired model's guidance steers away from (guidance-from.ts): 'nothing' (the default)
   * or 'content'. The seed's model always steers from the content's own style.
   */
  guidanceFrom: GuidanceFrom;
  /** Seed of the sampling noise, an integer ≥ 0: the same seed gives the same output. */
  seed: number;
}

/** The defaults where neither the call nor the model says otherwise. */
export const SAMPLING_DEFAULTS = { guidance: 1, guidanceFrom: 'nothing', seed: 0 } as const;

/**
 * Throws RangeError naming the first setting out of range: DDIM's (checkDdim: steps, strength,
 * eta, for a schedule of `trainSteps`), guidance ≥ 0 (a refiner's too), guidanceFrom one of GUIDANCE_FROM, seed an integer ≥ 0.
 */
export function checkSampling(settings: DdimOptions & Partial<SamplingSettings> & { refinerGuidance?: number }, trainSteps: number): void {
  checkDdim(settings, trainSteps);
  const { guidance, guidanceFrom, seed, refinerGuidance } = settings;
  if (guidance !== undefined && !(Number.isFinite(guidance) && guidance >= 0)) throw new RangeError(`sampling: Expected guidance ≥ 0 but received ${guidance}`);
  if (refinerGuidance !== undefined && !(Number.isFinite(refinerGuidance) && refinerGuidance >= 0)) throw new RangeError(`sampling: Expected refinerGuidance ≥ 0 but received ${refinerGuidance}`);
  if (guidanceFrom !== undefined && !GUIDANCE_FROM.includes(guidanceFrom)) throw new RangeError(`sampling: Expected guidanceFrom ${GUIDANCE_FROM.join(' or ')} but received ${String(guidanceFrom)}`);
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0)) throw new RangeError(`sampling: Expected a non-negative integer seed but received ${seed}`);
}

/** `options` over the model's `defaults` and SAMPLING_DEFAULTS, checked. */
export function samplingSettings(defaults: DdimOptions & { guidance?: number; guidanceFrom?: GuidanceFrom }, options: Partial<SamplingSettings>, trainSteps: number): SamplingSettings {
  const settings: SamplingSettings = {
    steps: options.steps ?? defaults.steps,
    strength: options.strength ?? defaults.strength,
    eta: options.eta ?? defaults.eta,
    guidance: options.guidance ?? defaults.guidance ?? SAMPLING_DEFAULTS.guidance,
    guidanceFrom: options.guidanceFrom ?? defaults.guidanceFrom ?? SAMPLING_DEFAULTS.guidanceFrom,
    seed: options.seed ?? SAMPLING_DEFAULTS.seed,
  };
  checkSampling(settings, trainSteps);
  return settings;
}
