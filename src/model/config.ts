/**
 * Model configurations, by name. `seed` is the seed document's model as it gives it (§2.1, §3.2);
 * later configurations (an improved model, fewer sampling steps) are added here under their own
 * names, so that a checkpoint says which one it is and a mismatch is caught on load.
 */

import type { RefinerConfig } from './refiner.js';
import type { GuidanceFrom } from './guidance-from.js';

/** The forward-diffusion noise schedule (DDPM): β_t from betaStart to betaEnd over `steps`. */
export interface ScheduleConfig {
  steps: number;
  betaStart: number;
  betaEnd: number;
  /** 'linear' in β (DDPM's), or 'scaled-linear' (linear in √β, as latent diffusion uses). */
  kind: 'linear' | 'scaled-linear';
}

export interface ModelConfig {
  name: string;
  /** Channels of the 16×16 latent the spectrogram encoder makes of a 1×128×128 tile. */
  latentChannels: number;
  /** Channels of the encoder's two hidden stride-2 convolutions (the decoder mirrors them). */
  autoencoderWidths: [number, number];
  /** The style encoder's base width f: six stride-2 convolutions 1→f→2f→4f→4f→4f→8f. */
  styleFilters: number;
  /** The UNet's base width f: encoder f, 2f, 4f, 8f. */
  unetFilters: number;
  /** Width of the sinusoidal time embedding and its MLP (added where the UNet has this many channels). */
  timeDim: number;
  /** Heads of each cross-attention from the UNet's feature maps to the style embeddings. */
  attentionHeads: number;
  schedule: ScheduleConfig;
  /**
   * Default sampler settings for transfer (a user may change them per call): DDIM's, and the
   * style guidance (absent: 1, none; the paired model's is chosen on the validation split) and
   * what it steers away from (absent: nothing; see SamplingSettings).
   */
  sampling: { steps: number; eta: number; strength: number; guidance?: number; guidanceFrom?: GuidanceFrom };
  /**
   * What the denoiser reads besides the noisy latent and the style. Absent or 'style': the seed's
   * UNet, and transfer is img2img from the content's noised latent. 'content': the paired model
   * (PairedUNet) reads the content tile's latent too, and samples the target from noise.
   */
  conditioning?: 'style' | 'content';
  /** What the denoiser predicts: the noise ε (absent: the seed's), or v = √ᾱ·ε − √(1−ᾱ)·z₀. */
  prediction?: 'epsilon' | 'v';
  /**
   * The factor that brings the encoder's latents to unit spread before diffusion (absent: 1, the
   * seed's): the noise schedule assumes latents of about the noise's size.
   */
  latentScale?: number;
  /**
   * The content refiner after the decoder (refiner.ts; content-conditioned models only): a small
   * full-resolution network that corrects the decoded transfer with the content tile beside it,
   * trained by the refine phase around the frozen rest. Absent: the decoded transfer is the output.
   */
  refiner?: RefinerConfig;
}

/**
 * 1 / the spread of the shipped `wide` autoencoder's latents: 2.19 (their standard deviation over
 * 65,536 values of data/full's validation targets), which the paired model's denoiser works beside.
 */
const PAIRED_LATENT_SCALE = 0.456;

/** The seed document's model as it gives it. */
const SEED: ModelConfig = {
  name: 'seed',
  latentChannels: 4,
  autoencoderWidths: [64, 128],
  styleFilters: 64,
  unetFilters: 64,
  timeDim: 128,
  attentionHeads: 4,
  schedule: { steps: 1000, betaStart: 1e-4, betaEnd: 0.02, kind: 'linear' },
  sampling: { steps: 10, eta: 0, strength: 0.7 },
};

/**
 * The content-conditioned model (issue 18): `wide`'s autoencoder (trained once, frozen), and a
 * denoiser that learns from exact pairs to draw the target instrument's latent from noise given
 * the content's latent and a reference of the target instrument (PairedUNet). Predicts v;
 * samples from pure noise (strength 1) in 10 DDIM steps.
 */
const PAIRED: ModelConfig = { ...SEED, name: 'paired', latentChannels: 8, autoencoderWidths: [128, 256], conditioning: 'content', prediction: 'v', latentScale: PAIRED_LATENT_SCALE, sampling: { steps: 10, eta: 0, strength: 1 } };

/**
 * The paired model with a content refiner (issue 18): `paired`'s autoencoder, style encoder and
 * denoiser (taken frozen from a trained paired model), then a refiner of 128 channels per frame
 * over six blocks dilated 1, 2, 4, 8, 1, 2 frames (±20 frames, about 0.3 s, to each side). It is
 * trained on the denoiser's own transfers at these sampling settings: 3 DDIM steps, guidance 2,
 * the choice on the validation split (models/default/README.md).
 */
const REFINED: ModelConfig = { ...PAIRED, name: 'refined', sampling: { steps: 3, eta: 0, strength: 1, guidance: 2 }, refiner: { bands: 128, channels: 128, dilations: [1, 2, 4, 8, 1, 2] } };

/**
 * `refined` with the refiner's spectral stage (refiner.ts): 16 maps at every band and frame,
 * three 3×3 blocks dilated 1, 2, 4 frames, after the temporal stage. models/default's config
 * until 2026-12-02: on the test split it raised chroma similarity from 0.702 to 0.810 and cost
 * style 0.391 → 0.352.
 */
const REFINED_SPECTRAL: ModelConfig = { ...REFINED, name: 'refined-spectral', refiner: { ...REFINED.refiner!, spectral: { channels: 16, dilations: [1, 2, 4] } } };

/**
 * `refined-spectral` whose refiner learns from the transfers models/default makes since
 * 2026-12-02: one DDIM step from noise, guidance 1.5 away from the content's own timbre. The
 * refiner of `refined-spectral` was trained on 3-step transfers at guidance 2 from nothing.
 */
const REFINED_ONE_STEP: ModelConfig = { ...REFINED_SPECTRAL, name: 'refined-one-step', sampling: { steps: 1, eta: 0, strength: 1, guidance: 1.5, guidanceFrom: 'content' } };

/** `refined-one-step` whose refiner also reads the style reference (refiner.ts: its blocks modulated by the reference's pooled style features). */
const REFINED_STYLED: ModelConfig = { ...REFINED_ONE_STEP, name: 'refined-styled', refiner: { ...REFINED_ONE_STEP.refiner!, styleFeatures: 8 * REFINED_ONE_STEP.styleFilters } };

export const MODEL_CONFIGS: Record<string, ModelConfig> = {
  seed: SEED,
  /**
   * The seed's layers with a roomier autoencoder: an 8-channel latent (8:1, 2,048 values per
   * tile) and twice the hidden widths. The seed's 16:1 latent behind a three-layer decoder
   * levels off at a validation MSE of about 0.009 (runs/seed, `mst train summary`); this one is
   * for reconstruction below 0.005. Everything after the latent is the seed's.
   */
  wide: { ...SEED, name: 'wide', latentChannels: 8, autoencoderWidths: [128, 256], sampling: { ...SEED.sampling, strength: 0.2 } },
  paired: PAIRED,
  refined: REFINED,
  'refined-spectral': REFINED_SPECTRAL,
  'refined-one-step': REFINED_ONE_STEP,
  'refined-styled': REFINED_STYLED,
  /**
   * `refined-styled` whose temporal blocks reach ±65 frames (about 1 s) instead of ±20: dilations
   * 1, 2, 4, 8, 16, 32. The same weights and work; the reach a piano's decay needs to be placed
   * from its onset. models/default's config since 2026-12-02: on the test split, style accuracy
   * 0.387 → 0.504 against the refined-spectral refiner at one step (models/default/README.md).
   */
  'refined-styled-long': { ...REFINED_STYLED, name: 'refined-styled-long', refiner: { ...REFINED_STYLED.refiner!, dilations: [1, 2, 4, 8, 16, 32] } },
  /**
   * `refined-styled-long` with a temporal stage of twice the width and twice the depth: 256
   * channels per frame, twelve blocks dilated 1, 2, … 32 frames twice (±126 frames, the whole
   * tile). About 8× the temporal stage's work (0.30 G multiply-adds a tile against 0.04 G; the
   * spectral stage's 0.12 G unchanged), to test whether the refiner's size is what limits the
   * piano's attack and decay. It did not: validation MSE as the shipped refiner's at step 500
   * (models/default/README.md, Ablations, 2026-12-03).
   */
  'refined-styled-wide': { ...REFINED_STYLED, name: 'refined-styled-wide', refiner: { ...REFINED_STYLED.refiner!, channels: 256, dilations: [1, 2, 4, 8, 16, 32, 1, 2, 4, 8, 16, 32] } },
  /**
   * `refined-styled-long` with a spectral stage of twice the maps and more reach: 32 maps, five
   * 3×3 blocks dilated 1, 2, 4, 8, 16 frames (±32 frames in time, ±6 bands). The spectral stage
   * works locally in pitch, where a partial's level and decay are, and bought most of the
   * refiner's gain for 7.4 k parameters. Within the noise of `refined-styled-long` at 3.8× the
   * step (models/default/README.md, Ablations, 2026-12-03).
   */
  'refined-styled-spectral': { ...REFINED_STYLED, name: 'refined-styled-spectral', refiner: { ...REFINED_STYLED.refiner!, dilations: [1, 2, 4, 8, 16, 32], spectral: { channels: 32, dilations: [1, 2, 4, 8, 16] } } },
  /**
   * `refined-styled-long` trained on, and sampling with, two DDIM steps at guidance 2 from the
   * content (4 denoiser passes a tile against 2): the sampling that bought the most style for its
   * cost before the refiner read the reference. At 1,500 steps it lost style to one step, 0.414
   * against 0.480 (models/default/README.md, Ablations, 2026-12-03).
   */
  'refined-styled-two-step': { ...REFINED_STYLED, name: 'refined-styled-two-step', sampling: { ...REFINED_STYLED.sampling, steps: 2, guidance: 2 }, refiner: { ...REFINED_STYLED.refiner!, dilations: [1, 2, 4, 8, 16, 32] } },
  /**
   * `refined-styled-long` whose spectral stage reads the reference too: its three blocks' maps
   * scaled and shifted from the reference's pooled style features, as the temporal blocks are
   * (an MLP of their own, 512 → 128 → 2 × 16 per block; 0.08 M parameters more). The temporal
   * stage sees each frame's spectrum as one vector; the spectral stage shapes each partial, where
   * one instrument's harmonics and decay differ from another's, but did not know the instrument.
   * It bought no style at 500 steps (models/default/README.md, Ablations, 2026-12-03).
   */
  'refined-fully-styled': { ...REFINED_STYLED, name: 'refined-fully-styled', refiner: { ...REFINED_STYLED.refiner!, dilations: [1, 2, 4, 8, 16, 32], spectral: { ...REFINED_STYLED.refiner!.spectral!, styled: true } } },
};

/** The named configuration, or a RangeError listing the names there are. */
export function modelConfig(name: string): ModelConfig {
  const config = MODEL_CONFIGS[name];
  if (config === undefined) throw new RangeError(`model: Expected one of ${Object.keys(MODEL_CONFIGS).join(', ')} for a model config but received ${name}`);
  return structuredClone(config);
}

/** Checks the widths fit together (time embedding at 2f, style widths at the attention levels); each message names the values. */
export function checkModelConfig(config: ModelConfig): ModelConfig {
  const { unetFilters: f, styleFilters: s, timeDim, attentionHeads, latentChannels } = config;
  const positive = { latentChannels, unetFilters: f, styleFilters: s, timeDim, attentionHeads, ...Object.fromEntries(config.autoencoderWidths.map((w, i) => [`autoencoderWidths[${i}]`, w])) };
  for (const [key, value] of Object.entries(positive)) {
    if (!(Number.isInteger(value) && value > 0)) throw new RangeError(`model: Expected ${key} to be a positive integer but received ${value}`);
  }
  if (config.conditioning !== undefined && config.conditioning !== 'style' && config.conditioning !== 'content') throw new RangeError(`model: Expected conditioning style or content but received ${config.conditioning}`);
  if (config.prediction !== undefined && config.prediction !== 'epsilon' && config.prediction !== 'v') throw new RangeError(`model: Expected prediction epsilon or v but received ${config.prediction}`);
  if (config.latentScale !== undefined && !(config.latentScale > 0)) throw new RangeError(`model: Expected latentScale > 0 but received ${config.latentScale}`);
  if (config.refiner !== undefined) {
    const { bands, spectral } = config.refiner;
    if (config.conditioning !== 'content') throw new RangeError(`model: a refiner reads the content beside the transfer; it needs conditioning 'content', not ${config.conditioning ?? 'style'}`);
    if (bands !== 128) throw new RangeError(`model: the refiner corrects the model's 128-band tiles; Expected refiner.bands 128 but received ${bands}`);
    /** A stage's width and dilations (the temporal stage's, or the spectral stage's). */
    const checkStage = (name: string, { channels, dilations }: { channels: number; dilations: number[] }) => {
      if (!(Number.isInteger(channels) && channels > 0)) throw new RangeError(`model: Expected ${name}.channels to be a positive integer but received ${channels}`);
      if (!(Array.isArray(dilations) && dilations.every((d) => Number.isInteger(d) && d > 0))) throw new RangeError(`model: Expected ${name}.dilations to be positive integers but received ${JSON.stringify(dilations)}`);
    };
    checkStage('refiner', config.refiner);
    if (spectral !== undefined) checkStage('refiner.spectral', spectral);
    const { styleFeatures } = config.refiner;
    if (spectral?.styled && styleFeatures === undefined) throw new RangeError('model: a styled spectral stage (refiner.spectral.styled) reads the reference; give refiner.styleFeatures too');
    if (styleFeatures !== undefined && styleFeatures !== 8 * s) throw new RangeError(`model: a styled refiner reads the style encoder's last map, 8 × styleFilters = ${8 * s} features; Expected refiner.styleFeatures ${8 * s} but received ${styleFeatures}`);
  }
  if (timeDim !== 2 * f) throw new RangeError(`model: the time embedding is added to the UNet's 2f = ${2 * f} channels, so timeDim must be ${2 * f}, not ${timeDim}`);
  if (s !== f) throw new RangeError(`model: cross-attention pairs the UNet's 4f/8f maps with the style's 4f/8f maps, so styleFilters (${s}) must equal unetFilters (${f})`);
  if ((4 * f) % attentionHeads !== 0) throw new RangeError(`model: Expected attentionHeads to divide ${4 * f} but received ${attentionHeads}`);
  const { steps, betaStart, betaEnd } = config.schedule;
  if (!(Number.isInteger(steps) && steps >= 2)) throw new RangeError(`model: Expected schedule.steps ≥ 2 but received ${steps}`);
  if (!(betaStart > 0 && betaEnd < 1 && betaStart < betaEnd)) throw new RangeError(`model: Expected 0 < schedule.betaStart < schedule.betaEnd < 1 but received ${betaStart}, ${betaEnd}`);
  return config;
}
