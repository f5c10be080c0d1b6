/**
 * The mst engine: a PyTorch-like tensor library for TypeScript on libtorch.
 *
 *   import { tensor, randn, nn, F, optim, tidy } from 'mst/engine';
 */
export { Tensor, liveTensors, type TensorLike, type Device } from './tensor.js';
export * from './creation.js';
export * from './ops.js';
export * as F from './functional.js';
export * from './spectral.js';
export { tidy, keep, through, scopeDepth } from './scope.js';
export { noGrad, enableGrad, inferenceMode, isGradEnabled } from './autograd.js';
export { recomputedLoss, type Segment } from './recompute.js';
export { autocast, type AutocastOptions } from './autocast.js';
export { manualSeed, getRngState, setRngState } from './random.js';
export { configure, engineSettings, settingsFromEnvironment, configureIfUnset, adaptThreads, type EngineSettings } from './configure.js';
export { engineInfo, setNumThreads, getNumThreads, synchronize, type EngineInfo } from './runtime.js';
export { processorInfo, describeProcessor, bf16Support, bf16Native, type ProcessorInfo, type Bf16Support, type Bf16Facts } from './processor.js';
export { type DType, DTYPES, isFloating } from './dtype.js';
export { DisposedError, StateDictError } from './errors.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export { saveSafetensors, loadSafetensors, loadSafetensorsAsync, readSafetensorsHeader, SafetensorsError } from './safetensors.js';
export { writeFileAtomic, AtomicFile, OutputPathError, replaceableTarget } from './files.js';
export { saveCheckpoint, loadCheckpoint, loadModule, type Checkpoint } from './checkpoint.js';
export { throwIfStopped, cancellable, InterruptedError, AbortError } from './stop.js';
