/**
 * Zero-shot references on the small dataset with an oboe and a horn rendered for it: returning
 * the content is never nearer the reference, returning the reference always is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manualSeed } from '../engine/index.js';
import { buildDataset } from '../data/build.js';
import { DATASET_CONFIGS } from '../data/config.js';
import { readManifest } from '../data/loader.js';
import { BASELINES, type TransferSystem } from './baselines.js';
import { InstrumentJudge, DEFAULT_JUDGE } from './judge.js';
import { unseenReferences } from './unseen.js';
import { temporaryDirectory } from '../testing/helpers.js';

test('unseen references: the content is never nearer the reference, the reference always is; too few renders are refused', async () => {
  const root = temporaryDirectory('mst-unseen-');
  const [data, unseen] = [join(root, 'small'), join(root, 'unseen')];
  await buildDataset(data, DATASET_CONFIGS.small);
  await buildDataset(unseen, { ...DATASET_CONFIGS.small, instruments: ['oboe', 'horn'] });
  manualSeed(0);
  const judge = new InstrumentJudge({ ...DEFAULT_JUDGE, channels: 32, dilations: [1, 2], embedding: 16, instruments: ['piano', 'guitar', 'violin', 'flute'] }).eval();
  const progress: string[] = [];
  assert.ok(readManifest(unseen).shards.length > 0, 'the unseen instruments were rendered');
  const echo: TransferSystem = { name: 'echo', modelBytes: 0, transfer: (b) => b.style.clone() };
  const report = await unseenReferences([BASELINES.identity!, echo], { datasetDir: data, unseenDir: unseen, judge, groups: 6, batchSize: 4, onProgress: (m) => progress.push(m) });
  assert.deepEqual(report.instruments, ['oboe', 'horn']);
  assert.equal(report.groups, 6);
  const [identity, reference] = report.systems;
  assert.equal(identity!.nearerReference, 0);
  assert.equal(reference!.nearerReference, 1);
  assert.deepEqual(reference!.byInstrument, { oboe: 1, horn: 1 });
  for (const heard of [...Object.values(identity!.heardAs), ...Object.values(report.referencesHeardAs)]) {
    assert.ok(Math.abs(Object.values(heard).reduce((a, b) => a + b, 0) - 1) < 1e-9, 'shares of what the judge hears sum to 1');
    for (const name of Object.keys(heard)) assert.ok(judge.config.instruments.includes(name));
  }
  assert.match(progress[0]!, /6 test tiles of .* with references of oboe, horn \(fluidr3\) from other pieces/);
  // a dataset without test renders of two pieces is refused with the command that builds them
  const bare = join(root, 'bare');
  mkdirSync(bare);
  writeFileSync(join(bare, 'manifest.json'), JSON.stringify({ config: { ...DATASET_CONFIGS.small, instruments: ['oboe', 'horn'] }, shards: [] }));
  await assert.rejects(unseenReferences([echo], { datasetDir: data, unseenDir: bare, judge }), /Expected test renders of at least 2 pieces in fluidr3 but found 0; build them with mst dataset build --config unseen --splits test/);
  judge.dispose();
});
