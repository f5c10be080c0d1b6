/**
 * mst: musical style transfer with latent diffusion. The library entry point:
 *
 *   import { loadModel, transfer } from 'mst';
 *   const model = loadModel();                       // models/default, or a folder of your own
 *   await transfer(model, 'in.wav', 'out.wav', { style: 'violin' });
 *
 * The tensor engine is `mst/engine` (also re-exported here as `engine`).
 */
export * as engine from './engine/index.js';
export { configure, type EngineSettings } from './engine/configure.js';
export {
  loadModel,
  stylePresets,
  packModel,
  resolveStyle,
  findStyle,
  transfer,
  transferStream,
  streamLatencySamples,
  StyleError,
  DEFAULT_MODEL,
  type StyleTransferModel,
  type StylePreset,
  type Style,
  type TransferOptions,
  type TransferResult,
  type PackOptions,
} from './transfer/index.js';
export { ModelLoadError } from './model/load.js';
export { AudioError, type AudioErrorCode } from './audio/errors.js';
export { OutputPathError } from './audio/paths.js';
export { DEFAULT_ANALYSIS, type AnalysisConfig } from './audio/config.js';
