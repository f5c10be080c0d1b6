/**
 * Checkpoints: a module's state dict plus its JSON config in one safetensors file (the config
 * rides in the header's metadata under "mst.config"), so a checkpoint is one atomic file that
 * Python's safetensors reads too.
 */
import { saveSafetensors, loadSafetensors } from './safetensors.js';
import type { Tensor } from './tensor.js';
import type { Module } from './nn/module.js';

import { CONFIG_KEY } from './safetensors-header.js';

export { CONFIG_KEY };

export interface Checkpoint<C> {
  config: C;
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** Saves `module`'s parameters and buffers with `config` (any JSON value) and extra metadata. */
export function saveCheckpoint(path: string, module: Module, config: unknown, metadata: Record<string, string> = {}): void {
  saveSafetensors(path, module.stateDict(), { ...metadata, [CONFIG_KEY]: JSON.stringify(config) });
}

/**
 * The module saved in `path`, on the CPU: `build(config, metadata)` makes it from the checkpoint's
 * config (and throws to refuse a config), then the weights load into it. The checkpoint's tensors
 * are freed whatever happens, and so is the module when its weights do not fit; the StateDictError
 * then goes through `onMismatch` (to say which file and what to do), if given.
 */
export function loadModule<C, M extends Module>(
  path: string,
  build: (config: C, metadata: Record<string, string>) => M,
  onMismatch: (error: Error, config: C) => Error = (error) => error,
): { module: M; config: C; metadata: Record<string, string> } {
  const { config, tensors, metadata } = loadCheckpoint<C>(path);
  try {
    const module = build(config, metadata);
    try {
      module.loadStateDict(tensors);
    } catch (error) {
      module.dispose();
      throw onMismatch(error as Error, config);
    }
    return { module, config, metadata };
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

/** Reads a checkpoint; the caller builds the module from `config` and loads `tensors` into it (loadModule does both). */
export function loadCheckpoint<C>(path: string, device = 'cpu'): Checkpoint<C> {
  const { tensors, metadata } = loadSafetensors(path, device);
  const raw = metadata[CONFIG_KEY];
  if (raw === undefined) {
    for (const t of tensors.values()) t.dispose();
    throw new Error(`${path}: a safetensors file without an mst config (metadata key ${CONFIG_KEY}); was it written by mst?`);
  }
  return { config: JSON.parse(raw) as C, tensors, metadata };
}
