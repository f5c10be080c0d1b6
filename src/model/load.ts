/**
 * Loading a trained model: a safetensors checkpoint whose metadata holds its ModelConfig
 * (mst train writes them). A file of another kind, or weights that do not fit the config, are
 * refused with what to do instead.
 */
import { existsSync, statSync } from 'node:fs';
import { loadModule } from '../engine/index.js';
import { checkModelConfig, MODEL_CONFIGS, type ModelConfig } from './config.js';
import { LatentDiffusion } from './ldm.js';
import { ModelLoadError } from './load-error.js';

export { ModelLoadError };

/** The model in `path`, on `device`, in eval mode. */
export function loadLatentDiffusion(path: string, device: 'cpu' | 'cuda' = 'cpu'): LatentDiffusion {
  if (!existsSync(path)) throw new ModelLoadError(`${path}: no such model file; train one (mst train all) or give the path of a model.safetensors`);
  if (statSync(path).isDirectory()) throw new ModelLoadError(`${path} is a folder; give the model.safetensors file inside it (or load the folder with mst's loadModel)`);
  try {
    const { module } = loadModule<ModelConfig, LatentDiffusion>(
      path,
      (config) => {
        if (typeof config !== 'object' || config === null || typeof config.name !== 'string' || !('unetFilters' in config)) {
          throw new ModelLoadError(`${path}: its config is not a model config (a feature network or judge checkpoint?); give a model from mst train autoencoder or diffusion`);
        }
        try {
          checkModelConfig(config);
        } catch (error) {
          throw new ModelLoadError(`${path}: its config is out of range: ${(error as Error).message}`);
        }
        return new LatentDiffusion(config);
      },
      (error, config) => new ModelLoadError(`${path}: its weights do not fit its config${MODEL_CONFIGS[config.name] ? ` (config ${config.name})` : ''}: ${error.message}`),
    );
    return module.to(device).eval();
  } catch (error) {
    if (error instanceof ModelLoadError) throw error;
    throw new ModelLoadError(`${path}: not a model checkpoint (${(error as Error).message})`);
  }
}
