/**
 * What a run trains on: a paired dataset (mst dataset build: a folder with manifest.json) or a
 * user's own folder of audio, one subfolder per instrument (src/data/folder.ts). Both give the
 * same batches, so the phases do not know which.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PairLoader, readManifest, type PairBatch } from '../data/loader.js';
import { AudioFolder, isAudioFolder } from '../data/folder.js';

export interface BatchSource {
  /** Items per epoch. */
  readonly groups: number;
  epoch(epoch: number, options?: { skip?: number }): AsyncGenerator<PairBatch>;
}

export interface TrainingData {
  kind: 'paired dataset' | 'audio folder';
  instruments: string[];
  train: BatchSource;
  validation: BatchSource;
  dispose(): void;
}

/**
 * The batches of `dir`. `otherRenders` (datasets of the same pieces in other sound sets) vary the
 * training items' content and reference (PairLoaderOptions.otherRenders); validation keeps its own.
 */
export async function openTrainingData(
  dir: string,
  options: { batchSize: number; seed: number; otherRenders?: string[]; otherRenderShare?: number; otherTargetShare?: number; log?: (message: string) => void },
): Promise<TrainingData> {
  const { batchSize, seed, otherRenders = [], otherRenderShare, otherTargetShare } = options;
  if (existsSync(join(dir, 'manifest.json'))) {
    const manifest = readManifest(dir);
    if (manifest.complete === false) {
      const trainShards = manifest.shards.filter((s) => s.split === 'train').length;
      options.log?.(`${dir} is still being built (or its build was stopped): this run reads the ${trainShards} training shards built so far; mst dataset build resumes it`);
    }
    return {
      kind: 'paired dataset',
      instruments: manifest.config.instruments,
      train: new PairLoader(dir, { split: 'train', batchSize, seed, otherRenders, ...(otherRenderShare !== undefined ? { otherRenderShare } : {}), ...(otherTargetShare !== undefined ? { otherTargetShare } : {}) }),
      validation: new PairLoader(dir, { split: 'validation', batchSize, seed, keepLast: true }), // a small split still validates
      dispose() {},
    };
  }
  if (otherRenders.length > 0) throw new RangeError(`otherRenders: ${dir} is not a paired dataset; other renders of its pieces need one (mst dataset build)`);
  if (isAudioFolder(dir)) {
    const folder = await AudioFolder.open(dir, { seed, ...(options.log ? { log: options.log } : {}) });
    return {
      kind: 'audio folder',
      instruments: folder.instruments,
      train: folder.split('train', { batchSize, seed }),
      validation: folder.split('validation', { batchSize, seed, keepLast: true }),
      dispose: () => folder.dispose(),
    };
  }
  throw new Error(`${dir}: neither a dataset (no manifest.json; build one with mst dataset build) nor a folder of audio with one subfolder per instrument (e.g. ${dir}/cello/*.wav); give --data=<folder>`);
}
