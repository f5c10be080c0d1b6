/**
 * Loading a trained model: a safetensors checkpoint whose metadata holds its ModelConfig
 * (mst train writes them). A file of another kind, or weights that do not fit the config, are
 * refused with what to do instead.
 */
import { existsSync, statSync } from 'node:fs';
import { loadCheckpoint } from '../engine/index.js';
import { checkModelConfig, MODEL_CONFIGS, type ModelConfig } from './config.js';
import { LatentDiffusion } from './ldm.js';
import { ModelLoadError } from './load-error.js';

export { ModelLoadError };

/** The model in `path`, on `device`, in eval mode. */
export function loadLatentDiffusion(path: string, device: 'cpu' | 'cuda' = 'cpu'): LatentDiffusion {
  if (!existsSync(path)) throw new ModelLoadError(`${path}: no such model file; train one (mst train all) or give the path of a model.safetensors`);
  if (statSync(path).isDirectory()) throw new ModelLoadError(`${path} is a folder; give the model.safetensors file inside it (or load the folder with mst's loadModel)`);
  let checkpoint;
  try {
    checkpoint = loadCheckpoint<ModelConfig>(path);
  } catch (error) {
    throw new ModelLoadError(`${path}: not a model checkpoint (${(error as Error).message})`);
  }
  try {
    const config = checkpoint.config;
    if (typeof config !== 'object' || config === null || typeof config.name !== 'string' || !('unetFilters' in config)) {
      throw new ModelLoadError(`${path}: its config is not a model config (a feature network or judge checkpoint?); give a model from mst train autoencoder or diffusion`);
    }
    checkModelConfig(config);
    const model = new LatentDiffusion(config);
    try {
      model.loadStateDict(checkpoint.tensors);
    } catch (error) {
      model.dispose();
      const known = MODEL_CONFIGS[config.name] ? ` (config ${config.name})` : '';
      throw new ModelLoadError(`${path}: its weights do not fit its config${known}: ${(error as Error).message}`);
    }
    return model.to(device).eval();
  } finally {
    for (const t of checkpoint.tensors.values()) t.dispose();
  }
}
