/**
 * A model folder with untrained weights, for tests of everything around the model: loading,
 * presets, tiling, streaming, errors. (Its output is noise; what the trained model sounds like
 * is measured by mst eval, not here.)
 */
import { join } from 'node:path';
import { manualSeed, saveCheckpoint } from '../engine/index.js';
import { LatentDiffusion } from '../model/ldm.js';
import { modelConfig } from '../model/config.js';
import { packModel } from '../transfer/pack.js';
import { repoRoot } from './helpers.js';

export const FIXTURE_AUDIO = join(repoRoot, 'test', 'fixtures', 'audio');

/** Writes an untrained seed model with violin and piano presets (the fixture phrases) into `dir`/model. */
export function untrainedModelFolder(dir: string, seed = 0): string {
  manualSeed(seed);
  const model = new LatentDiffusion(modelConfig('seed'));
  const weights = join(dir, 'untrained.safetensors');
  saveCheckpoint(weights, model, model.config);
  model.dispose();
  const out = join(dir, 'model');
  packModel({
    weights,
    out,
    styles: [
      { name: 'violin', file: join(FIXTURE_AUDIO, 'phrase-violin.flac'), description: 'violin phrase (test fixture)' },
      { name: 'piano', file: join(FIXTURE_AUDIO, 'phrase-piano.flac'), description: 'piano phrase (test fixture)' },
    ],
    card: '# Untrained model for tests\n',
  });
  return out;
}
