/**
 * Training settings: one flat, typed object per run, with defaults for each phase, changed by
 * `--key=value` on the command line (an unknown key or a wrong type is refused) and stored in
 * every checkpoint. Phases (seed §2.3, §3.3):
 *   features     the VGGish-architecture feature network behind the perceptual and style losses;
 *   autoencoder  phase 1: encoder and decoder, MSE + λ_perceptual·perceptual + λ_kl·latent penalty;
 *   diffusion    phase 2: encoder frozen; style encoder, UNet and decoder trained with
 *                L = L_rec + L_style + L_diffusion;
 *   paired       the content-conditioned model (issue 18): another model's autoencoder, frozen;
 *                style encoder and denoiser trained on exact pairs (src/train/paired.ts);
 *   decoder      a trained model's decoder fine-tuned on its own encoder's latents of the targets,
 *                everything else frozen (src/train/decoder.ts);
 *   transfer     a trained paired model's denoiser and style encoder fine-tuned on its decoded
 *                transfers at its default sampling, autoencoder frozen (src/train/transfer.ts);
 *   refine       the content refiner (config 'refined-styled-long', which reads the reference and reaches ±65 frames; 'refined-styled' ±20 frames;
 *                'refined-spectral' without the reference, 'refined' without its spectral stage too) around a trained paired model, frozen,
 *                on that model's own transfers (src/train/refine.ts).
 */

export const PHASES = ['features', 'autoencoder', 'diffusion', 'paired', 'decoder', 'transfer', 'refine'] as const;
export type Phase = (typeof PHASES)[number];
/** The seed's phases, in order (`mst train all`); 'paired' and then 'refine' train the content-conditioned model. */
export const SEED_PHASES = ['features', 'autoencoder', 'diffusion'] as const satisfies readonly Phase[];

/** The errors the regression terms can take (TrainConfig.regressionLoss). */
export const REGRESSION_LOSSES = ['mse', 'l1'] as const;
export type RegressionLoss = (typeof REGRESSION_LOSSES)[number];

export interface TrainConfig {
  phase: Phase;
  /** Model config by name (src/model/config.ts). */
  model: string;
  /** A built dataset (mst dataset build). */
  data: string;
  /** The run's folder: state, metrics.jsonl, samples, exported weights. */
  run: string;
  /** Optimizer steps of this phase. */
  steps: number;
  /** Tile groups per step. */
  batchSize: number;
  /** AdamW's peak rate, after `warmupSteps` of linear warm-up, then a cosine to minLearningRate × peak. */
  learningRate: number;
  warmupSteps: number;
  minLearningRate: number;
  weightDecay: number;
  /** Global gradient-norm clip. */
  clipNorm: number;
  /** Decay of the weights' moving average (0: none). */
  emaDecay: number;
  /**
   * bf16 autocast for the forward pass. 'auto': where the device runs bf16 natively (CPUs with
   * AVX512-bf16 or AMX-bf16, CUDA devices of compute capability ≥ 8.0), else float32
   * (src/train/precision.ts). Elsewhere bf16 is emulated and a step is many times slower.
   */
  bf16: boolean | 'auto';
  /** Steps between saved states, and between validations (0: once per epoch). */
  checkpointEvery: number;
  validateEvery: number;
  /** Validation batches per validation (the same ones each time). */
  validationBatches: number;
  seed: number;
  /**
   * Batch items the feature loss (phase 1's perceptual term, phase 2's L_style) reads, evenly
   * spaced through the batch; 0: all of them. The frozen feature network is most of a step's
   * cost (npm run bench:engine, phase1_step vs phase1_step_all_items: 0.78 s vs 1.39 s at 16
   * tiles in float32; a bf16 training step at 32 tiles on a CPU with native bf16: 0.56 s vs 1.55 s), and a spread
   * subset estimates the same term.
   */
  featureLossItems: number;
  /**
   * Gradient checkpointing of the frozen feature network inside the feature loss: its blocks'
   * activations are computed again in the backward pass, one block at a time, instead of kept
   * (src/engine/recompute.ts). Same gradients, one more forward pass of the network. It pays
   * little on the seed's network, whose first block (64 channels at 128×128), recomputed whole,
   * holds most of the activations: `npm run bench:memory`, case
   * phase1_gradient_checkpointing, measured a peak of 1840 MiB against 1805 MiB without it,
   * at 1.34× the step time (16 tiles, float32, while a training run shared the CPU).
   */
  gradientCheckpointing: boolean;
  /** λ_perceptual and λ_kl of the phase-1 loss (the seed gives no values). */
  perceptualWeight: number;
  klWeight: number;
  /** Weights of L_rec, L_style and L_diffusion in phase 2 (the seed sums them: 1, 1, 1). */
  reconstructionWeight: number;
  /**
   * What phase 2's L_rec decodes. 'encoding': the target's own latent z_0, so L_rec is eq. 2's
   * reconstruction MSE + λ_perceptual·perceptual (the encoder is frozen, so its latent penalty is
   * a constant and left out) and the trainable decoder keeps reconstructing. 'prediction': the
   * UNet's predicted clean latent ẑ_0, weighted by ᾱ_t; the decoder then learns to decode
   * predictions, and plain reconstruction suffers: runs/seed, trained so, went from a test MSE
   * of 0.0098 after phase 1 to 0.0182 after phase 2.
   */
  reconstructionFrom: 'encoding' | 'prediction';
  styleWeight: number;
  /** Weight of the diffusion objective: phase 2's L_diffusion; in the transfer phase, the paired objective beside the decoded transfer's error. */
  diffusionWeight: number;
  /**
   * The refine phase: weight of a flux term beside its MSE, ‖Δr − Δtarget‖² with Δ the change
   * from each frame to the next, which weighs onsets and note ends above steady haze (0: MSE alone).
   * The refine phase's default is 16, where the term is about twice the MSE; on the validation
   * split, weights 0, 8 and 16 gave the one-stage refiner's transfers Fréchet judge distances of
   * 54.7, 31.7 and 27.6 (models/default's card).
   */
  fluxWeight: number;
  /**
   * The refine and transfer phases: the error of their regression terms (the tile's and
   * the flux's), 'mse' (squared: their minimiser is each pixel's mean over what the model cannot
   * tell apart, a haze where a piano's possible attacks and decays average out) or 'l1'
   * (absolute: each pixel's median, which keeps the likelier of a bright or a dark value rather
   * than the grey between them). 'mse' by default: in a refine run on the shipped model, 'l1'
   * scored 4 pairs of validation style fewer than its 'mse' twin and lost notes too (models/default's
   * card: The refiner trained again on the fine-tuned denoiser's transfers).
   */
  regressionLoss: RegressionLoss;
  /**
   * The refine phase: weight of a timbre term beside its MSE, the frozen style encoder's six maps
   * of the refined tile against the target's, each map's error relative to the target's energy
   * there (0: none), so that the refiner is judged by what the model hears an instrument by.
   * 0 by default: at 1, the shipped refiner's run lost 0.125 of validation style accuracy and its
   * MSE rose 9% (models/default's card: A timbre term from the style encoder, and more flux).
   */
  timbreWeight: number;
  /**
   * The refine phase: weight of an instrument term beside its MSE, the cross-entropy of the target
   * instrument as a linear probe on the frozen style encoder's pooled features hears the refined
   * tile (instrument-probe.ts; fitted at the run's start, never the evaluation's judge); 0: none.
   * 0 by default: at 0.05 the shipped refiner's run reached a refine-phase validation MSE of
   * 0.0314 at step 500 against 0.0262 without it, and the term itself did not fall (medians of
   * 100 steps 0.73 at the start, 0.72 at step 674; models/default's card: What the autoencoder allows).
   */
  instrumentWeight: number;
  /**
   * The refine phase: weight of the adversarial term, the refiner's tiles scored by a critic that
   * learns beside it to tell them from true targets of the instrument (src/train/critic.ts; hinge
   * loss). 0: no critic, unless featureMatchingWeight asks for one. 0 by default: at 0.05, with
   * featureMatchingWeight 1, going on from the shipped refiner cost validation style accuracy
   * 0.551 → 0.348 against the same run without a critic (models/default's card: A critic beside the refiner).
   */
  adversarialWeight: number;
  /** The refine phase: weight of feature matching, the critic's maps of the refined tile against its maps of the true target (mean absolute difference). */
  featureMatchingWeight: number;
  /**
   * The refine phase's critic also learns that the content tile, a true tile of another
   * instrument, is not the target instrument (scored under the target's name as a refined tile
   * is), so that it must hear the instrument and not only a true tile's sharpness.
   */
  contentAsFake: boolean;
  /** 'cpu' or 'cuda'. */
  device: string;
  /** The paired phase: the model checkpoint whose encoder and decoder it takes, frozen (same latent and widths). */
  autoencoderFrom: string;
  /**
   * The refine phase: the trained paired model (mst train paired, or decoder) whose autoencoder, style encoder and
   * denoiser the refiner learns around, frozen. The decoder phase: the trained model whose decoder it fine-tunes;
   * the transfer phase: the trained paired model whose denoiser and style encoder it fine-tunes.
   */
  denoiserFrom: string;
  /**
   * The refine phase: a model with a refiner of the same config whose refiner weights the run
   * starts from (to go on training one), instead of a fresh refiner; '' for a fresh one.
   */
  refinerFrom: string;
  /**
   * The refine phase also trains the model's decoder (frozen otherwise), on the latents the
   * denoiser samples, so that it learns to decode the transfers rather than the encoder's own
   * latents. The decoder's weights then change, so the refined model is a model of its own.
   */
  refineDecoder: boolean;
  /**
   * The transfer phase judges the refined transfer, through the model's refiner (frozen), where
   * it judges the decoded one by default: the denoiser then learns to give that refiner what it
   * corrects into the target.
   */
  throughRefiner: boolean;
  /** The paired phase: the share of items whose style is dropped, so the model also learns without one (classifier-free guidance). */
  styleDropout: number;
  /**
   * Datasets of the training pieces in other sound sets (e.g. data/judge/freepats): training
   * items take their content and reference from them with probability `otherRenderShare` where
   * they hold the item (src/data/loader.ts); targets stay in the dataset's own font unless
   * `otherTargetShare` moves them.
   */
  otherRenders: string[];
  otherRenderShare: number;
  /**
   * The share of items whose target and reference are both read from one of `otherRenders` where
   * it holds them (PairLoaderOptions.otherTargetShare): the model learns to play the reference's
   * sound rather than only FluidR3's. 0 (the default): every target in the dataset's font.
   */
  otherTargetShare: number;
}

const COMMON: Omit<TrainConfig, 'phase' | 'steps' | 'learningRate'> = {
  model: 'seed',
  data: 'data/full',
  run: 'runs/seed',
  batchSize: 16,
  warmupSteps: 200,
  minLearningRate: 0.05,
  weightDecay: 0.01,
  clipNorm: 1,
  emaDecay: 0,
  bf16: 'auto',
  checkpointEvery: 200,
  validateEvery: 0,
  validationBatches: 16,
  seed: 0,
  featureLossItems: 8,
  gradientCheckpointing: false,
  perceptualWeight: 0.1,
  klWeight: 1e-4,
  reconstructionWeight: 1,
  reconstructionFrom: 'encoding',
  styleWeight: 1,
  diffusionWeight: 1,
  fluxWeight: 0,
  regressionLoss: 'mse',
  timbreWeight: 0,
  instrumentWeight: 0,
  adversarialWeight: 0,
  featureMatchingWeight: 0,
  contentAsFake: false,
  device: 'cpu',
  autoencoderFrom: 'models/seed/model.safetensors',
  denoiserFrom: 'runs/paired/model.safetensors',
  refinerFrom: '',
  refineDecoder: false,
  throughRefiner: false,
  styleDropout: 0.15,
  otherRenders: [],
  otherRenderShare: 0.5,
  otherTargetShare: 0,
};

/**
 * The paired model's content and references also come from the judge's corpora of the training
 * pieces (mst dataset build --config judge-<set> --out data/judge/<set>): five sound sets other
 * than the model's FluidR3, so it learns to read notes and hear instruments in any sound. TimGM6mb
 * is not among them: it is the held-out font the model's evaluation transfers from.
 */
const PAIRED_OTHER_RENDERS = ['csound', 'freepats', 'opl3', 'stk', 'musescore'].map((set) => `data/judge/${set}`);

export const PHASE_DEFAULTS: Record<Phase, TrainConfig> = {
  features: { ...COMMON, phase: 'features', steps: 3000, learningRate: 3e-4 },
  autoencoder: { ...COMMON, phase: 'autoencoder', steps: 20000, learningRate: 1e-3 },
  diffusion: { ...COMMON, phase: 'diffusion', steps: 50000, learningRate: 2e-4, emaDecay: 0.999 },
  paired: { ...COMMON, phase: 'paired', model: 'paired', run: 'runs/paired', steps: 40000, learningRate: 2e-4, emaDecay: 0.999, otherRenders: PAIRED_OTHER_RENDERS },
  decoder: { ...COMMON, phase: 'decoder', model: 'paired', run: 'runs/decoder', steps: 800, learningRate: 3e-4, warmupSteps: 100, fluxWeight: 16 },
  // the refiner reads FluidR3 only: with the paired model's other renders it lost 14 of 256
  // validation pairs of style in FluidR3 and gained 4, within the noise, in the held-out font
  // (the model card's ablation of 2026-12-03)
  // the paired objective at a tenth keeps the denoiser a denoiser at the steps one-step sampling skips
  transfer: { ...COMMON, phase: 'transfer', model: 'paired', run: 'runs/transfer', steps: 1500, learningRate: 1e-4, warmupSteps: 100, emaDecay: 0.995, fluxWeight: 16, diffusionWeight: 0.1 },
  refine: { ...COMMON, phase: 'refine', model: 'refined-styled-long', run: 'runs/refined', steps: 2000, learningRate: 1e-3, emaDecay: 0.995, fluxWeight: 16 },
};

/** Checks ranges; each message names the setting and the value. */
export function checkTrainConfig(c: TrainConfig): TrainConfig {
  if (!PHASES.includes(c.phase)) throw new RangeError(`train: Expected phase ${PHASES.join(', ')} but received ${c.phase}`);
  const positiveIntegers = { steps: c.steps, batchSize: c.batchSize, validationBatches: c.validationBatches };
  for (const [key, value] of Object.entries(positiveIntegers)) {
    if (!(Number.isInteger(value) && value > 0)) throw new RangeError(`train: Expected ${key} to be a positive integer but received ${value}`);
  }
  const counts = { warmupSteps: c.warmupSteps, checkpointEvery: c.checkpointEvery, validateEvery: c.validateEvery, seed: c.seed, featureLossItems: c.featureLossItems };
  for (const [key, value] of Object.entries(counts)) {
    if (!(Number.isInteger(value) && value >= 0)) throw new RangeError(`train: Expected ${key} to be an integer ≥ 0 but received ${value}`);
  }
  if (!(c.learningRate > 0)) throw new RangeError(`train: Expected learningRate > 0 but received ${c.learningRate}`);
  if (!(c.minLearningRate >= 0 && c.minLearningRate <= 1)) throw new RangeError(`train: Expected minLearningRate in [0, 1] but received ${c.minLearningRate}`);
  if (!(c.emaDecay >= 0 && c.emaDecay < 1)) throw new RangeError(`train: Expected emaDecay in [0, 1) but received ${c.emaDecay}`);
  if (!(c.clipNorm > 0)) throw new RangeError(`train: Expected clipNorm > 0 but received ${c.clipNorm}`);
  const weights = { weightDecay: c.weightDecay, perceptualWeight: c.perceptualWeight, klWeight: c.klWeight, reconstructionWeight: c.reconstructionWeight, styleWeight: c.styleWeight, diffusionWeight: c.diffusionWeight, fluxWeight: c.fluxWeight, timbreWeight: c.timbreWeight, instrumentWeight: c.instrumentWeight, adversarialWeight: c.adversarialWeight, featureMatchingWeight: c.featureMatchingWeight };
  for (const [key, value] of Object.entries(weights)) if (!(value >= 0)) throw new RangeError(`train: Expected ${key} ≥ 0 but received ${value}`);
  if (!(c.styleDropout >= 0 && c.styleDropout < 1)) throw new RangeError(`train: Expected styleDropout in [0, 1) but received ${c.styleDropout}`);
  if (!(c.otherRenderShare >= 0 && c.otherRenderShare <= 1)) throw new RangeError(`train: Expected otherRenderShare in [0, 1] but received ${c.otherRenderShare}`);
  if (!(c.otherTargetShare >= 0 && c.otherTargetShare <= 1)) throw new RangeError(`train: Expected otherTargetShare in [0, 1] but received ${c.otherTargetShare}`);
  if (c.otherTargetShare > 0 && c.otherRenders.length === 0) throw new RangeError('train: otherTargetShare needs otherRenders, the datasets of other sound sets its targets come from (e.g. --otherRenders=["data/judge/csound"])');
  if (!(Array.isArray(c.otherRenders) && c.otherRenders.every((d) => typeof d === 'string'))) throw new RangeError(`train: Expected otherRenders to be a list of dataset folders but received ${JSON.stringify(c.otherRenders)}`);
  if (c.phase === 'paired' && !(c.autoencoderFrom.length > 0)) throw new RangeError('train: the paired phase needs autoencoderFrom, a model checkpoint whose autoencoder it takes (e.g. models/seed/model.safetensors)');
  if (c.phase === 'refine' && !(c.denoiserFrom.length > 0)) throw new RangeError('train: the refine phase needs denoiserFrom, the paired model it refines (e.g. runs/paired/model.safetensors)');
  if (c.phase === 'decoder' && !(c.denoiserFrom.length > 0)) throw new RangeError('train: the decoder phase needs denoiserFrom, the trained model whose decoder it fine-tunes (e.g. runs/paired/model.safetensors)');
  if (c.phase === 'transfer' && !(c.denoiserFrom.length > 0)) throw new RangeError('train: the transfer phase needs denoiserFrom, the trained paired model whose denoiser it fine-tunes (e.g. runs/paired/model.safetensors)');
  if (c.reconstructionFrom !== 'encoding' && c.reconstructionFrom !== 'prediction') throw new RangeError(`train: Expected reconstructionFrom encoding or prediction but received ${c.reconstructionFrom}`);
  if (!REGRESSION_LOSSES.includes(c.regressionLoss)) throw new RangeError(`train: Expected regressionLoss ${REGRESSION_LOSSES.join(' or ')} but received ${JSON.stringify(c.regressionLoss)}`);
  if (c.bf16 !== true && c.bf16 !== false && c.bf16 !== 'auto') throw new RangeError(`train: Expected bf16 true, false or auto but received ${JSON.stringify(c.bf16)}`);
  if (c.device !== 'cpu' && c.device !== 'cuda') throw new RangeError(`train: Expected device cpu or cuda but received ${c.device}`);
  return c;
}
