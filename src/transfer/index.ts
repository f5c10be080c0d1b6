/** Style transfer for users: model folders, styles, whole files and live streams. */
export { loadModel, stylePresets, DEFAULT_MODEL, type StyleTransferModel, type StylePreset } from './bundle.js';
export { packModel, type PackOptions } from './pack.js';
export { resolveStyle, findStyle, styleTile, StyleError, type Style } from './style.js';
export { tileNoise } from './noise.js';
export { transfer, transferOnThisThread, workerLiveTensors, transferStream, modelTransform, samplingOptions, streamLatencySamples, STREAM_SYNTHESIS, type TransferOptions, type TransferResult } from './transfer.js';
