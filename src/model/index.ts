/** The seed's latent diffusion model: configs, modules, the noise schedule and DDIM sampling. */
export { MODEL_CONFIGS, modelConfig, checkModelConfig, type ModelConfig, type ScheduleConfig } from './config.js';
export { SpectrogramEncoder, SpectrogramDecoder, latentPenalty } from './autoencoder.js';
export { StyleEncoder } from './style-encoder.js';
export { CrossAttention } from './attention.js';
export { UNet, timestepEmbedding } from './unet.js';
export { NoiseSchedule } from './schedule.js';
export { ddimSample, ddimTimesteps, type DdimOptions, type NoisePredictor } from './ddim.js';
export { LatentDiffusion, pooledStyle, joinReferenceTiles, type TileSamplingOptions } from './ldm.js';
export { ContentRefiner, type RefinerConfig } from './refiner.js';
export { samplingSettings, checkSampling, SAMPLING_DEFAULTS, type SamplingSettings } from './sampling.js';
export { VGGishFeatureNet, VGGISH_WIDTHS, PITCH_CLASSES, freeze, featureLoss, relativeError, loadFeatureNet, type FeatureNetConfig, type FeatureNetOutput } from './vggish.js';
export { loadLatentDiffusion, ModelLoadError } from './load.js';
