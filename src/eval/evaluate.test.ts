/**
 * The evaluation on inputs whose answers are known: tile distances of identical and shifted
 * tiles, the baselines' defining properties, a judge that must learn two synthetic instruments,
 * and a whole `evaluate` run on the small dataset, where identity and oracle have known figures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tensor, zeros, full, rand, randn, tidy, cat, optim, F, manualSeed, type Tensor } from '../engine/index.js';
import { DEFAULT_ANALYSIS } from '../audio/config.js';
import { buildDataset } from '../data/build.js';
import { DATASET_CONFIGS } from '../data/config.js';
import { BASELINES, averageEnvelope } from './baselines.js';
import { tileDistances, evaluate } from './evaluate.js';
import { InstrumentJudge, DEFAULT_JUDGE } from './judge.js';
import { trainJudge, saveJudge, loadJudge } from './train-judge.js';
import { recolour } from './augment.js';
import { transferExamples, writeReport } from './report.js';
import { WrittenNotes } from './written.js';
import { readManifest } from '../data/loader.js';
import { LatentDiffusion, VGGishFeatureNet, freeze, modelConfig } from '../model/index.js';
import { featureNetConfig } from '../train/features.js';
import { seedFigures } from './seed-figures.js';
import { temporaryDirectory } from '../testing/helpers.js';

test('tile distances: 0 for identical tiles; a uniform offset of d gives MSE d² and LSD 50·d dB', () => {
  tidy(() => {
    const a = rand([2, 1, 128, 128]).mul(2).sub(1);
    assert.deepEqual(tileDistances(a, a, DEFAULT_ANALYSIS), { mse: [0, 0], lsdDb: [0, 0] });
    const { mse, lsdDb } = tileDistances(a.add(0.1), a, DEFAULT_ANALYSIS);
    for (const m of mse) assert.ok(Math.abs(m - 0.01) < 1e-6, `mse ${m}`);
    for (const l of lsdDb) assert.ok(Math.abs(l - 5) < 1e-4, `lsd ${l} dB for a 5 dB offset (100 dB over [-1, 1])`);
  });
});

test('baselines: identity is the content, the oracle the target; the envelope transfer keeps silence and is the identity when the style is the content', () => {
  tidy(() => {
    const content = rand([2, 1, 128, 128]).mul(2).sub(1);
    const target = rand([2, 1, 128, 128]).mul(2).sub(1);
    const style = rand([2, 1, 128, 128]).mul(2).sub(1);
    const batch = { content, style, target, targetInstrument: ['violin', 'cello'] };
    assert.deepEqual(BASELINES.identity!.transfer(batch).toFloat32Array(), content.toFloat32Array());
    assert.deepEqual(BASELINES.oracle!.transfer(batch).toFloat32Array(), target.toFloat32Array());
    const same = BASELINES.envelope!.transfer({ ...batch, style: content });
    assert.ok(same.sub(content).abs().amax().item() < 1e-6);
    const silent = full([1, 1, 128, 128], -1);
    const out = BASELINES.envelope!.transfer({ content: silent, style: style.slice(0, 0, 1), target: silent, targetInstrument: ['violin'] });
    assert.equal(out.amax().item(), -1, 'silence stays silent');
    // a style 0.2 louder in every band raises every sounding bin by 0.2
    const quiet = full([1, 1, 128, 128], -0.5);
    const louder = BASELINES.envelope!.transfer({ content: quiet, style: quiet.add(0.2), target: quiet, targetInstrument: ['violin'] });
    const middle = louder.select(2, 64).mean().item();
    assert.ok(Math.abs(middle - -0.3) < 1e-5, `middle band at ${middle}`);
    assert.deepEqual(averageEnvelope(quiet).shape, [1, 1, 128, 1]);
  });
});

test('judge augmentation: recolouring changes sounding bins smoothly, keeps silence and shape, and repeats under a seed', () => {
  tidy(() => {
    const tiles = cat([full([1, 1, 128, 128], -1), full([1, 1, 128, 128], -0.5)], 0);
    manualSeed(4);
    const once = recolour(tiles);
    manualSeed(4);
    assert.deepEqual(recolour(tiles).toFloat32Array(), once.toFloat32Array());
    assert.deepEqual(once.shape, tiles.shape);
    assert.equal(once.select(0, 0).amax().item(), -1, 'silence stays silent');
    const column = once.select(0, 1).select(0, 0).select(1, 64).toArray(); // one frame of the sounding tile, by band
    const sounding = column.filter((v) => v > -1);
    assert.ok(sounding.length >= 124, 'at most 2 bands shifted out at each end');
    for (const v of sounding) assert.ok(Math.abs(v - -0.5) <= 0.24 + 1e-6, `a change of at most 12 dB, got ${v}`);
    for (let k = 1; k < sounding.length; k++) assert.ok(Math.abs(sounding[k]! - sounding[k - 1]!) < 0.01, 'smooth across bands');
  });
});

test('a judge that removes the long-term spectrum hears a tile the same under any EQ that keeps it sounding', () => {
  tidy(() => {
    manualSeed(7);
    const judge = new InstrumentJudge({ ...DEFAULT_JUDGE, channels: 32, dilations: [1, 2], embedding: 16, instruments: ['a', 'b'], centre: true }).eval();
    const silentHalf = full([1, 1, 128, 64], -1);
    const tile = cat([rand([1, 1, 128, 64]).mul(0.6).sub(0.5), silentHalf], 3); // sounding frames, then silence
    const gains = rand([1, 1, 128, 1]).mul(0.2).sub(0.1); // up to ±5 dB per band
    const coloured = cat([tile.slice(3, 0, 64).add(gains), silentHalf], 3);
    const [plain, eq] = [judge.forward(tile).logits, judge.forward(coloured).logits];
    assert.ok(plain.sub(eq).abs().amax().item() < 1e-4, 'the same logits');
    assert.ok(judge.forward(tile.mul(0.5)).logits.sub(plain).abs().amax().item() > 1e-3, 'what is not an EQ still counts');
  });
});

/** Synthetic "instruments": energy in a low band or a high band, with noise. */
function syntheticTiles(n: number): { tiles: Tensor; labels: number[] } {
  return tidy(() => {
    const labels = Array.from({ length: n }, (_, i) => i % 2);
    const rows = labels.map((label) => {
      const base = zeros([1, 1, 128, 128]).sub(0.9).add(randn([1, 1, 128, 128]).mul(0.05));
      return label === 0 ? cat([base.slice(2, 0, 32).add(0.8), base.slice(2, 32, 128)], 2) : cat([base.slice(2, 0, 96), base.slice(2, 96, 128).add(0.8)], 2);
    });
    return { tiles: cat(rows, 0), labels };
  });
}

test('the judge learns two synthetic instruments, and its checkpoint reloads with the same predictions', () => {
  manualSeed(0);
  const judge = new InstrumentJudge({ ...DEFAULT_JUDGE, channels: 32, dilations: [1, 2], embedding: 16, instruments: ['low', 'high'], centre: false });
  const optimizer = new optim.AdamW(judge.parameters(), { lr: 3e-3 });
  for (let step = 0; step < 30; step++) {
    tidy(() => {
      const { tiles, labels } = syntheticTiles(8);
      optimizer.zeroGrad();
      F.crossEntropy(judge.forward(tiles).logits, tensor(labels, { dtype: 'int64' })).backward();
      optimizer.step();
    });
  }
  judge.eval();
  const { tiles, labels } = syntheticTiles(16);
  const predicted = judge.predict(tiles);
  assert.deepEqual(predicted, labels.map((l) => (l === 0 ? 'low' : 'high')));
  const path = join(temporaryDirectory('mst-judge-'), 'judge.safetensors');
  saveJudge(path, judge, { instruments: ['low', 'high'], trainedOn: { fonts: ['synthetic'], split: 'train', steps: 30, batchTiles: 8, seconds: 0 }, scores: [] });
  const reloaded = loadJudge(path);
  assert.deepEqual(reloaded.judge.predict(tiles), predicted);
  assert.deepEqual(reloaded.report!.trainedOn.fonts, ['synthetic']);
  assert.deepEqual(judge.forward(tiles).embedding.shape, [16, 16]);
  tiles.dispose();
});

test('a whole evaluation and its report on the small dataset: identity keeps the content, the oracle is the target', async () => {
  const dir = join(temporaryDirectory('mst-eval-'), 'small');
  await buildDataset(dir, DATASET_CONFIGS.small);
  const { judge, report: judgeReport } = await trainJudge({ datasets: [dir], steps: 4, batchSize: 4 });
  assert.deepEqual(judgeReport.scores.map((s) => s.font), ['timgm6mb', 'fluidr3'], 'scored on the held-out font, then across fonts');
  for (const s of judgeReport.scores) assert.equal(s.confusion.flat().reduce((a, b) => a + b, 0), s.tiles);
  const report = await evaluate(Object.values(BASELINES), { datasetDir: dir, judge, groups: 6, audioGroups: 2 });
  const [identity, oracle, envelope] = report.systems;
  assert.deepEqual(report.systems.map((s) => s.name), ['identity', 'oracle', 'envelope']);
  assert.equal(report.groups, 6);
  assert.deepEqual([report.iterations, report.phase], [32, 'input'], "outputs are vocoded as mst transfer vocodes: 32 iterations from the input's (here the content's) phase");
  assert.equal(identity!.overall.contentF1At50ms, 1, 'the same audio has the same notes');
  assert.equal(identity!.overall.chromaSimilarity, 1);
  assert.equal(identity!.overall.pitchClassDistance, 0);
  assert.ok(identity!.overall.mse > 0.01, 'another instrument is not the target');
  assert.equal(oracle!.overall.mse, 0);
  // the ceiling beside every style accuracy: the judge on the true targets, which the oracle returns
  assert.equal(report.judgeOnTargets.overall, oracle!.overall.styleAccuracy);
  for (const [pair, figures] of Object.entries(oracle!.pairs)) assert.equal(report.judgeOnTargets.pairs[pair], figures.styleAccuracy, pair);
  for (const [target, figures] of Object.entries(oracle!.targets)) assert.equal(report.judgeOnTargets.targets[target], figures.styleAccuracy, target);
  // by target: every output counted once under its target, the hits under the target's own name
  for (const s of report.systems) {
    assert.equal(Object.values(s.targets).reduce((n, f) => n + f.tiles, 0), 6, `${s.name}: every tile under one target`);
    for (const [target, labels] of Object.entries(s.heardAs)) {
      assert.equal(Object.values(labels).reduce((a, b) => a + b, 0), s.targets[target]!.tiles, `${s.name} → ${target}: one label per output`);
      assert.equal((labels[target] ?? 0) / s.targets[target]!.tiles, s.targets[target]!.styleAccuracy, `${s.name} → ${target}: the hits are the outputs labelled as the target`);
    }
  }
  assert.equal(oracle!.overall.melLsdDb, 0);
  for (const s of report.systems) {
    const heard = s.overall.resynthStyleAccuracy * 6; // every output judged again after the output path
    assert.ok(Math.abs(heard - Math.round(heard)) < 1e-9 && heard >= 0 && heard <= 6, `${s.name}: ${s.overall.resynthStyleAccuracy} is a share of the 6 outputs`);
  }
  assert.ok(oracle!.overall.resynthMelLsdDb > 0 && oracle!.overall.resynthMelLsdDb < identity!.overall.resynthMelLsdDb, 'the vocoder costs something, less than the wrong instrument');
  assert.ok(envelope!.overall.tiles === 6 && Number.isFinite(envelope!.overall.frechetJudgeDistance));
  const pairs = Object.values(identity!.pairs);
  assert.equal(pairs.reduce((n, p) => n + p.tiles, 0), 6, 'every pair counted once');
  assert.ok(report.peakRssBytes > 0);

  assert.ok(identity!.overall.scoreF1At100ms >= 0 && identity!.overall.scoreF1At100ms <= 1, 'the content against its written notes');
  assert.ok(Number.isFinite(oracle!.overall.scoreF1At100ms));

  // the written notes of every tile agree with the pitch ranges the build recorded
  const manifest = readManifest(dir);
  const written = new WrittenNotes(manifest);
  for (const shard of manifest.shards) {
    shard.pitchRanges.forEach(([low, high], group) => {
      const pitches = written.ofTile(shard.file, group)!.map((n) => n.pitch);
      assert.deepEqual(pitches.length ? [Math.min(...pitches), Math.max(...pitches)] : [-1, -1], [low, high], `${shard.file} group ${group}`);
    });
  }
  assert.equal(written.ofTile('no such shard', 0), null);

  // pairs come from every shard of the split, not from the few a training loader's window holds
  assert.equal(report.shards, 2, 'both test shards');
  const validation = readManifest(dir).shards.filter((s) => s.split === 'validation').length;
  assert.ok(validation > 4, 'more validation shards than the training window of 4');
  const spread = await evaluate([BASELINES.identity!], { datasetDir: dir, judge, split: 'validation', groups: 12, audioGroups: 1 });
  assert.equal(spread.shards, validation, 'the first 12 validation pairs span every shard');

  // the seed's figures: without sampling, the same reconstruction figures and no style loss
  manualSeed(2);
  const model = new LatentDiffusion(modelConfig('seed'));
  const net = freeze(new VGGishFeatureNet(featureNetConfig(judge.config.instruments)));
  const withTransfer = await seedFigures(model, net, dir, 'test', 8, 0, { ...model.config.sampling, steps: 2 });
  const alone = await seedFigures(model, net, dir, 'test', 8, 0, null);
  assert.equal(alone.styleLoss, null);
  assert.ok(withTransfer.styleLoss! > 0);
  assert.deepEqual({ ...alone, styleLoss: 0 }, { ...withTransfer, styleLoss: 0 });
  assert.ok(alone.reconstructionMse > 0.01, 'an untrained autoencoder reconstructs poorly');
  model.dispose();
  net.dispose();

  // transfer to a sound never heard: references and targets in the held-out font
  const unseen = await evaluate([BASELINES.oracle!], { datasetDir: dir, judge, groups: 4, audioGroups: 1, targetFont: 'timgm6mb' });
  assert.deepEqual([unseen.font, unseen.targetFont], ['fluidr3', 'timgm6mb']);
  assert.equal(unseen.systems[0]!.overall.mse, 0, 'the oracle is the held-out render');
  // content in the held-out font too: identity then returns the held-out render of the content instrument
  const heldOut = await evaluate([BASELINES.identity!, BASELINES.oracle!], { datasetDir: dir, judge, groups: 4, audioGroups: 1, font: 'timgm6mb', targetFont: 'timgm6mb' });
  assert.deepEqual([heldOut.font, heldOut.targetFont], ['timgm6mb', 'timgm6mb']);
  assert.equal(heldOut.systems[1]!.overall.mse, 0);
  assert.ok(heldOut.systems[0]!.overall.mse > 0.001, 'identity is the content instrument, not the target');

  const examples = await transferExamples(Object.values(BASELINES), dir, [['piano', 'guitar']]);
  assert.deepEqual(examples[0]!.tiles.map((t) => t.label), ['content (piano)', 'style reference (guitar, another piece)', 'identity output', 'oracle output', 'envelope output', 'true target (guitar)']);
  const out = temporaryDirectory('mst-report-');
  const markdown = writeReport(out, report, examples, DEFAULT_ANALYSIS, { command: 'test', judge: 'test judge' });
  for (const system of ['identity', 'oracle', 'envelope']) assert.match(markdown, new RegExp(`^\\| ${system} \\|`, 'm'));
  assert.ok(markdown.includes(`style accuracy (of ${report.judgeOnTargets.overall.toFixed(3)}: the judge on the true targets)`), 'the ceiling beside the style accuracies');
  for (const [target, ceiling] of Object.entries(report.judgeOnTargets.targets)) assert.match(markdown, new RegExp(`^\\| ${target} \\| \\d+ \\| ${ceiling.toFixed(2)} \\| `, 'm'), `the row of target ${target}, its ceiling beside it`);
  assert.ok(readdirSync(join(out, 'figures')).includes('style-accuracy-ceiling.png'));
  const png = readFileSync(join(out, 'figures', 'example-piano-to-guitar.png'));
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  assert.equal(readdirSync(join(out, 'audio')).length, 6);
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).systems.map((s: { name: string }) => s.name), ['identity', 'oracle', 'envelope']);
  assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /<audio controls src="audio\/piano-to-guitar-0-content.wav">/);
});
