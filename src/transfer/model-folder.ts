/**
 * What a model folder holds besides its weights, read without loading the engine (so that
 * `mst styles` and `mst --help` answer at once): the presets listed in styles.json, and where the
 * model used when none is named lives ($MST_MODEL if set, else models/default beside package.json),
 * and the shipped models' names (`--model seed` for models/seed).
 * The folder's layout is described in bundle.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../package-root.js';
import { ModelLoadError } from '../model/load-error.js';
import { readCheckpointConfig } from '../engine/safetensors-header.js';
import type { ModelConfig } from '../model/config.js';

/** The folders of models/ beside package.json: the models shipped with mst, by name. */
const SHIPPED_MODELS = join(packageRoot(), 'models');

/** The model used when none is named: $MST_MODEL if set, else the one shipped with mst. */
export const DEFAULT_MODEL = process.env.MST_MODEL || join(SHIPPED_MODELS, 'default');

/**
 * Where `--model <name>` points: the path itself where it exists, else the shipped model of that
 * name (a bare name such as 'seed' or 'default': models/<name>), else the path as given (so that
 * the error names what the user typed).
 */
export function resolveModelPath(name: string): string {
  if (existsSync(name) || !/^[\w.-]+$/.test(name)) return name;
  const shipped = join(SHIPPED_MODELS, name);
  return existsSync(join(shipped, 'model.safetensors')) ? shipped : name;
}

/** A built-in style: a reference clip shipped with the model. */
export interface StylePreset {
  name: string;
  /** Absolute path of the reference clip. */
  file: string;
  description: string;
}

/** A model folder's JSON file, or ModelLoadError naming it. */
export function readModelJson(path: string): unknown {
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
  const list = readModelJson(path);
  if (!Array.isArray(list)) throw new ModelLoadError(`${path}: expected a list of { name, file, description }`);
  return list.map((entry: { name?: unknown; file?: unknown; description?: unknown }, i) => {
    if (typeof entry?.name !== 'string' || typeof entry.file !== 'string') throw new ModelLoadError(`${path}: entry ${i} needs a name and a file`);
    const file = resolve(folder, entry.file);
    if (!existsSync(file)) throw new ModelLoadError(`${path}: the ${entry.name} preset's clip ${file} is missing; restore the model's folder as shipped`);
    return { name: entry.name, file, description: typeof entry.description === 'string' ? entry.description : '' };
  });
}

/**
 * The sampling defaults (steps, strength, eta, and guidance where given) a model's weights carry,
 * read from the header of its model.safetensors (a folder) or of the file itself; null where they
 * cannot be read.
 */
export function modelSamplingDefaults(path: string = DEFAULT_MODEL): ModelConfig['sampling'] | null {
  const weights = existsSync(join(path, 'model.safetensors')) ? join(path, 'model.safetensors') : path;
  const config = readCheckpointConfig(weights) as { sampling?: ModelConfig['sampling'] } | null;
  const sampling = config?.sampling;
  return sampling && [sampling.steps, sampling.strength, sampling.eta].every(Number.isFinite) ? sampling : null;
}
