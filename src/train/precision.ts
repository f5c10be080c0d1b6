/**
 * The precision a training run uses: bf16 autocast where the device runs bf16 natively, float32
 * elsewhere (`bf16: 'auto'`, the default), or what `--bf16=true|false` forces. The choice and its
 * reason are printed at the start of a run and stored with it (metrics.jsonl, the exported
 * checkpoint), with the processor it ran on.
 */
import { bf16Support, describeProcessor, type Bf16Support } from '../engine/index.js';

export interface Precision {
  bf16: boolean;
  /** Why this precision, in words. */
  reason: string;
  /** The processor the run trains on (describeProcessor), or the CUDA device. */
  processor: string;
}

/** The precision for a requested setting, given what the device supports (no machine is read). */
export function choosePrecision(requested: boolean | 'auto', support: Bf16Support): { bf16: boolean; reason: string } {
  if (requested === 'auto') return { bf16: support.native, reason: support.reason };
  if (!requested) return { bf16: false, reason: '--bf16=false asks for float32' };
  return support.native
    ? { bf16: true, reason: `--bf16=true asks for it; ${support.reason}` }
    : { bf16: true, reason: `--bf16=true asks for it, though ${support.reason}: expect steps many times slower than float32` };
}

/** The precision a run with these settings uses on this machine. */
export function trainingPrecision(config: { bf16: boolean | 'auto'; device: string }): Precision {
  const device = config.device === 'cuda' ? 'cuda' : 'cpu';
  const chosen = choosePrecision(config.bf16, bf16Support(device));
  return { ...chosen, processor: device === 'cuda' ? 'CUDA device' : describeProcessor() };
}

/** "bf16 autocast" or "float32", for messages. */
export const precisionName = (p: { bf16: boolean }) => (p.bf16 ? 'bf16 autocast' : 'float32');
