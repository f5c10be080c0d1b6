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
import { fileURLToPath } from 'node:url';
import { checkAnalysisConfig, DEFAULT_ANALYSIS, type AnalysisConfig } from '../audio/config.js';
import { loadLatentDiffusion, ModelLoadError } from '../model/load.js';
import type { LatentDiffusion } from '../model/ldm.js';

/** A built-in style: a reference clip shipped with the model. */
export interface StylePreset {
  name: string;
  /** Absolute path of the reference clip. */
  file: string;
  description: string;
}

export interface StyleTransferModel {
  /** The folder (or file) it was loaded from. */
  path: string;
  model: LatentDiffusion;
  analysis: AnalysisConfig;
  presets: StylePreset[];
  device: 'cpu' | 'cuda';
  /** Frees the weights. */
  dispose(): void;
}

/** The folder of package.json above this file. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** The model used when none is named: $MST_MODEL if set, else the one shipped with mst. */
export const DEFAULT_MODEL = process.env.MST_MODEL || join(packageRoot(), 'models', 'default');

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ModelLoadError(`${path}: not readable JSON (${(error as Error).message}); restore it from the model's folder as shipped`);
  }
}

/** The presets listed in a model folder's styles.json (none if it has none). */
export function stylePresets(folder: string): StylePreset[] {
  const path = join(folder, 'styles.json');
  if (!existsSync(path)) return [];
  const list = readJson(path);
  if (!Array.isArray(list)) throw new ModelLoadError(`${path}: expected a list of { name, file, description }`);
  return list.map((entry: { name?: unknown; file?: unknown; description?: unknown }, i) => {
    if (typeof entry?.name !== 'string' || typeof entry.file !== 'string') throw new ModelLoadError(`${path}: entry ${i} needs a name and a file`);
    const file = resolve(folder, entry.file);
    if (!existsSync(file)) throw new ModelLoadError(`${path}: the ${entry.name} preset's clip ${file} is missing; restore the model's folder as shipped`);
    return { name: entry.name, file, description: typeof entry.description === 'string' ? entry.description : '' };
  });
}

/**
 * Loads a model folder (default: the shipped model) or a bare model.safetensors onto `device`.
 * Throws ModelLoadError naming what is missing or wrong.
 */
export function loadModel(path: string = DEFAULT_MODEL, options: { device?: 'cpu' | 'cuda' } = {}): StyleTransferModel {
  const device = options.device ?? 'cpu';
  if (!existsSync(path)) {
    const hint = path === DEFAULT_MODEL && !process.env.MST_MODEL ? 'the shipped model is missing from this checkout; restore models/default (git checkout models/default)' : 'give a model folder (like models/default) or a model.safetensors file';
    throw new ModelLoadError(`${path}: no such model; ${hint}`);
  }
  const isFolder = statSync(path).isDirectory();
  const weights = isFolder ? join(path, 'model.safetensors') : path;
  if (isFolder && !existsSync(weights)) throw new ModelLoadError(`${path}: a folder without model.safetensors; give a model folder (like models/default) or a model.safetensors file`);
  let analysis: AnalysisConfig = { ...DEFAULT_ANALYSIS };
  const analysisPath = join(isFolder ? path : dirname(path), 'analysis.json');
  if (existsSync(analysisPath)) {
    analysis = readJson(analysisPath) as AnalysisConfig;
    try {
      checkAnalysisConfig(analysis);
    } catch (error) {
      throw new ModelLoadError(`${analysisPath}: ${(error as Error).message}`);
    }
  }
  const presets = isFolder ? stylePresets(path) : [];
  const model = loadLatentDiffusion(weights, device);
  return { path, model, analysis, presets, device, dispose: () => model.dispose() };
}
