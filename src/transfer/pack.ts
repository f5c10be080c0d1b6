/**
 * Packing a trained model into a model folder (see bundle.ts): the weights (as fp16 by default,
 * half the size, which changes outputs by far less than the sampling noise does), the analysis
 * configuration and the style presets' clips. Every file is written atomically and the weights
 * are checked to load as a model first.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { loadSafetensors, saveSafetensors } from '../engine/safetensors.js';
import { writeFileAtomic } from '../engine/files.js';
import { DEFAULT_ANALYSIS, checkAnalysisConfig, type AnalysisConfig } from '../audio/config.js';
import { probeAudio } from '../audio/decode.js';
import { loadLatentDiffusion } from '../model/load.js';
import { checkSampling } from '../model/sampling.js';
import type { ModelConfig } from '../model/config.js';
import { CONFIG_KEY } from '../engine/checkpoint.js';

export interface PackOptions {
  /** The trained model.safetensors (mst train diffusion writes it). */
  weights: string;
  /** The model folder to write (made if missing). */
  out: string;
  analysis?: AnalysisConfig;
  /** The presets: each clip is copied to styles/<name><ext>. */
  styles?: { name: string; file: string; description: string }[];
  /** Store floating-point weights as fp16 (default true). */
  half?: boolean;
  /** The model card (Markdown), written as README.md. */
  card?: string;
  /**
   * Sampling defaults to store in the packed model's config instead of the trained one's
   * (e.g. a strength chosen on the validation split after training); `mst transfer` starts
   * from them.
   */
  sampling?: Partial<ModelConfig['sampling']>;
}

const json = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

export function packModel(options: PackOptions): void {
  loadLatentDiffusion(options.weights).dispose(); // refuses anything that is not a model
  const analysis = checkAnalysisConfig({ ...(options.analysis ?? DEFAULT_ANALYSIS) });
  mkdirSync(join(options.out, 'styles'), { recursive: true });
  const { tensors, metadata } = loadSafetensors(options.weights);
  try {
    const stored = new Map([...tensors].map(([name, t]) => [name, options.half !== false && t.dtype === 'float32' ? t.to('float16') : t]));
    const config = { ...(JSON.parse(metadata[CONFIG_KEY]!) as ModelConfig) };
    config.sampling = { ...config.sampling, ...options.sampling };
    checkSampling(config.sampling, config.schedule.steps); // refuses settings out of range
    saveSafetensors(join(options.out, 'model.safetensors'), stored, { ...metadata, [CONFIG_KEY]: JSON.stringify(config) }); // atomic
    for (const [name, t] of stored) if (t !== tensors.get(name)) t.dispose();
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  writeFileAtomic(join(options.out, 'analysis.json'), [json(analysis)]);
  const presets = (options.styles ?? []).map((style) => {
    if (!/^[a-z0-9-]+$/.test(style.name)) throw new RangeError(`pack: a preset name is lower-case letters, digits and dashes, not ${JSON.stringify(style.name)}`);
    probeAudio(style.file);
    const file = join('styles', `${style.name}${extname(style.file).toLowerCase()}`);
    copyFileSync(style.file, join(options.out, file));
    return { name: style.name, file, description: style.description };
  });
  writeFileAtomic(join(options.out, 'styles.json'), [json(presets)]);
  if (options.card !== undefined) writeFileAtomic(join(options.out, 'README.md'), [new TextEncoder().encode(options.card)]);
}
