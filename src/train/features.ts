/**
 * Training the feature network behind the perceptual and style losses (src/model/vggish.ts) on
 * the training split's tiles: which instrument plays, and the lowest and highest note sounding —
 * so that its features carry both timbre and pitch. Each step reads a batch's content and target
 * tiles (two instruments playing the same notes). Exported frozen to <run>/features.safetensors.
 */
import { tensor, cat, F, type Tensor } from '../engine/index.js';
import type { PairBatch } from '../data/loader.js';
import { VGGishFeatureNet, VGGISH_WIDTHS, PITCH_CLASSES, type FeatureNetConfig } from '../model/vggish.js';
import type { TrainingTask } from './loop.js';

/** The narrowed fully connected widths (see vggish.ts). */
export const FEATURE_NET_HIDDEN = 512;
export const FEATURE_NET_EMBEDDING = 128;

export function featureNetConfig(instruments: string[]): FeatureNetConfig {
  return { instruments, widths: VGGISH_WIDTHS, hidden: FEATURE_NET_HIDDEN, embedding: FEATURE_NET_EMBEDDING };
}

/** Tiles [2B, 1, M, T] (content then target) and their labels: instrument, lowest and highest note (128: none). */
function labelled(batch: PairBatch, instruments: string[], device: string): { tiles: Tensor; instrument: Tensor; lowest: Tensor; highest: Tensor } {
  const names = [...batch.contentInstrument, ...batch.targetInstrument];
  const ranges = [...batch.pitchRanges, ...batch.pitchRanges];
  const labels = (values: number[]) => tensor(new BigInt64Array(values.map(BigInt)), { device });
  return {
    tiles: cat([batch.content, batch.target], 0).to(device),
    instrument: labels(names.map((n) => instruments.indexOf(n))),
    lowest: labels(ranges.map(([lo]) => (lo < 0 ? PITCH_CLASSES - 1 : lo))),
    highest: labels(ranges.map(([, hi]) => (hi < 0 ? PITCH_CLASSES - 1 : hi))),
  };
}

const accuracy = (logits: Tensor, labels: Tensor) => logits.argmax(1).eq(labels).float().mean().item();

export function featureTask(net: VGGishFeatureNet, device: string): TrainingTask {
  const instruments = net.config.instruments;
  return {
    module: net,
    parameters: net.parameters(),
    trainModules: [net],
    loss(batch) {
      const { tiles, instrument, lowest, highest } = labelled(batch, instruments, device);
      const out = net.forward(tiles);
      const instrumentLoss = F.crossEntropy(out.instrument.float(), instrument);
      // a user's own audio has no written notes: then the net learns instruments only
      const pitchLoss = F.crossEntropy(out.lowest.float(), lowest).add(F.crossEntropy(out.highest.float(), highest)).mul(batch.pitchKnown === false ? 0 : 0.5);
      return { loss: instrumentLoss.add(pitchLoss), parts: { instrumentLoss, pitchLoss } };
    },
    validate(batch): Record<string, number> {
      const { tiles, instrument, lowest, highest } = labelled(batch, instruments, device);
      const out = net.forward(tiles);
      const instrumentAccuracy = accuracy(out.instrument, instrument);
      if (batch.pitchKnown === false) return { instrumentAccuracy };
      return { instrumentAccuracy, lowestAccuracy: accuracy(out.lowest, lowest), highestAccuracy: accuracy(out.highest, highest) };
    },
  };
}
