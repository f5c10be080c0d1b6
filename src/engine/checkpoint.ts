/**
 * Checkpoints: a module's state dict plus its JSON config in one safetensors file (the config
 * rides in the header's metadata under "mst.config"), so a checkpoint is one atomic file that
 * Python's safetensors reads too.
 */
import { saveSafetensors, loadSafetensors } from './safetensors.js';
import type { Tensor } from './tensor.js';
import type { Module } from './nn/module.js';

export const CONFIG_KEY = 'mst.config';

export interface Checkpoint<C> {
  config: C;
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** Saves `module`'s parameters and buffers with `config` (any JSON value) and extra metadata. */
export function saveCheckpoint(path: string, module: Module, config: unknown, metadata: Record<string, string> = {}): void {
  saveSafetensors(path, module.stateDict(), { ...metadata, [CONFIG_KEY]: JSON.stringify(config) });
}

/** Reads a checkpoint; the caller builds the module from `config` and loads `tensors` into it. */
export function loadCheckpoint<C>(path: string, device = 'cpu'): Checkpoint<C> {
  const { tensors, metadata } = loadSafetensors(path, device);
  const raw = metadata[CONFIG_KEY];
  if (raw === undefined) {
    for (const t of tensors.values()) t.dispose();
    throw new Error(`${path}: a safetensors file without an mst config (metadata key ${CONFIG_KEY}); was it written by mst?`);
  }
  return { config: JSON.parse(raw) as C, tensors, metadata };
}
