/**
 * A safetensors file's header (each tensor's dtype and shape, and the metadata), read without the
 * native engine, so that what a checkpoint says about itself (a model's config, its sampling
 * defaults) is known before libtorch loads. The format is described in safetensors.ts.
 */
import { openSync, readSync, closeSync, statSync } from 'node:fs';

/** Raised for a file that is not valid safetensors, with the path and what is wrong. */
export class SafetensorsError extends Error {
  constructor(path: string, problem: string) {
    super(`${path}: not a valid safetensors file (${problem})`);
    this.name = 'SafetensorsError';
  }
}

/** Reads only the header of a safetensors file: each tensor's dtype and shape, and the metadata. */
export function readSafetensorsHeader(path: string): { tensors: Record<string, { dtype: string; shape: number[] }>; metadata: Record<string, string> } {
  const fd = openSync(path, 'r');
  try {
    const size = Buffer.alloc(8);
    if (readSync(fd, size, 0, 8, 0) < 8) throw new SafetensorsError(path, 'shorter than its 8-byte header size');
    const length = Number(size.readBigUInt64LE(0));
    if (length > statSync(path).size - 8) throw new SafetensorsError(path, `header of ${length} bytes does not fit in the file`);
    const json = Buffer.alloc(length);
    readSync(fd, json, 0, length, 8);
    const header = JSON.parse(json.toString('utf8')) as Record<string, { dtype: string; shape: number[] }> & { __metadata__?: Record<string, string> };
    const { __metadata__: metadata = {}, ...tensors } = header;
    return { tensors, metadata };
  } finally {
    closeSync(fd);
  }
}

/** The metadata key under which a checkpoint carries its module's JSON config (checkpoint.ts). */
export const CONFIG_KEY = 'mst.config';

/** The config a checkpoint carries in its header, or null where the file has none or cannot be read. */
export function readCheckpointConfig(path: string): unknown {
  try {
    const raw = readSafetensorsHeader(path).metadata[CONFIG_KEY];
    return raw === undefined ? null : JSON.parse(raw);
  } catch {
    return null;
  }
}
