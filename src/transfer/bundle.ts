/**
 * A model as users get it: a folder holding the trained weights, the analysis configuration they
 * were trained with, and the built-in styles.
 *
 *   models/default/
 *     model.safetensors   the LatentDiffusion weights (fp16 or fp32), its ModelConfig in the metadata
 *     analysis.json       the AnalysisConfig (how audio becomes tiles and back)
 *     styles.json         the presets: [{ name, file, description }], files relative to the folder
 *     styles/*.wav        the presets' reference clips
 *     README.md           the model card
 *
 * A bare model.safetensors loads too, with the default analysis and no presets.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { checkAnalysisConfig, DEFAULT_ANALYSIS, type AnalysisConfig } from '../audio/config.js';
import { loadLatentDiffusion, ModelLoadError } from '../model/load.js';
import { configureIfUnset } from '../engine/configure.js';
import type { LatentDiffusion } from '../model/ldm.js';
import { DEFAULT_MODEL, stylePresets, readModelJson, resolveModelPath, type StylePreset } from './model-folder.js';

export { DEFAULT_MODEL, stylePresets, type StylePreset };

export interface StyleTransferModel {
  /** The folder (or file) it was loaded from. */
  path: string;
  model: LatentDiffusion;
  analysis: AnalysisConfig;
  presets: StylePreset[];
  device: 'cpu' | 'cuda';
  /** Frees the weights, and ends the worker thread its transfers ran on (transfer/worker.ts). */
  dispose(): void;
  /** Runs `release` when the model is disposed (for what holds the model's resources elsewhere). */
  onDispose(release: () => void): void;
}

/**
 * Loads a model folder (default: the shipped model), a shipped model by name ('seed') or a bare
 * model.safetensors onto `device`. Throws ModelLoadError naming what is missing or wrong.
 */
export function loadModel(name: string = DEFAULT_MODEL, options: { device?: 'cpu' | 'cuda' } = {}): StyleTransferModel {
  const path = resolveModelPath(name);
  const device = options.device ?? 'cpu';
  if (!existsSync(path)) {
    const hint = path === DEFAULT_MODEL && !process.env.MST_MODEL ? 'the shipped model is missing from this checkout; restore models/default (git checkout models/default)' : 'give a model folder (like models/default), a shipped model by name (default, seed) or a model.safetensors file';
    throw new ModelLoadError(`${path}: no such model; ${hint}`);
  }
  const isFolder = statSync(path).isDirectory();
  const weights = isFolder ? join(path, 'model.safetensors') : path;
  if (isFolder && !existsSync(weights)) throw new ModelLoadError(`${path}: a folder without model.safetensors; give a model folder (like models/default) or a model.safetensors file`);
  let analysis: AnalysisConfig = { ...DEFAULT_ANALYSIS };
  const analysisPath = join(isFolder ? path : dirname(path), 'analysis.json');
  if (existsSync(analysisPath)) {
    analysis = readModelJson(analysisPath) as AnalysisConfig;
    try {
      checkAnalysisConfig(analysis);
    } catch (error) {
      throw new ModelLoadError(`${analysisPath}: ${(error as Error).message}`);
    }
  }
  const presets = isFolder ? stylePresets(path) : [];
  configureIfUnset(); // the engine's threads and allocator, unless the program chose them
  const model = loadLatentDiffusion(weights, device);
  const releases: (() => void)[] = [];
  return {
    path, model, analysis, presets, device,
    dispose: () => {
      for (const release of releases.splice(0)) release();
      model.dispose();
    },
    onDispose: (release) => void releases.push(release),
  };
}
