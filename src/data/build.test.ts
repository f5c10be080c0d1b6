/**
 * The small dataset end to end: a deterministic build, splits by piece, licences recorded,
 * resuming after an interruption, the loader's pairs being what they claim, and bad input
 * handled (a corrupt MIDI file is skipped with a message; a missing SoundFont stops the build).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadSafetensors, tidy, keep } from '../engine/index.js';
import { buildDataset, splitOf, programOf, piecesOf, type Manifest } from './build.js';
import { writeSubset } from './subset.js';
import { writeJoin } from './join.js';
import { DATASET_CONFIGS, checkDatasetConfig, judgeCorpusConfig, type DatasetConfig } from './config.js';
import { PairLoader, disposeBatch, readManifest, type PairLoaderOptions } from './loader.js';
import { datasetStats } from './stats.js';
import { discoverPieces } from './sources.js';
import { temporaryDirectory } from '../testing/helpers.js';

const root = temporaryDirectory('mst-dataset-');
const config: DatasetConfig = DATASET_CONFIGS.small;
let manifest: Manifest;

const listFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)).map((f) => join(e.name, f)) : [e.name])).sort();

test('a small build is deterministic: the same bytes twice', async () => {
  manifest = await buildDataset(join(root, 'a'), config);
  await buildDataset(join(root, 'b'), config);
  const files = listFiles(join(root, 'a'));
  assert.deepEqual(files, listFiles(join(root, 'b')));
  for (const file of files) assert.ok(readFileSync(join(root, 'a', file)).equals(readFileSync(join(root, 'b', file))), file);
  assert.ok(files.includes('manifest.json') && files.includes('config.json'));
});

test('shards hold aligned float16 groups, every piece sits in one split, licences are recorded', () => {
  const stats = datasetStats(manifest);
  assert.ok(stats.groups.train > 0 && stats.groups.validation > 0 && stats.groups.test > 0, JSON.stringify(stats.groups));
  const splitOfPiece = new Map<string, string>();
  for (const shard of manifest.shards) {
    const base = shard.piece.replace(/#.*$/, '');
    assert.equal(splitOfPiece.get(base) ?? shard.split, shard.split, `${base} in two splits`);
    splitOfPiece.set(base, shard.split);
    assert.equal(shard.split, splitOf(shard.piece, config));
    assert.ok(shard.licence.length > 0 && shard.source.length > 0);
    assert.equal(shard.offsets.length, shard.groups);
    assert.equal(shard.pitchRanges.length, shard.groups);
    const { tensors } = loadSafetensors(join(root, 'a', shard.file));
    for (const font of ['fluidr3', 'timgm6mb']) {
      const tiles = tensors.get(font)!;
      assert.equal(tiles.dtype, 'float16');
      assert.deepEqual(tiles.shape, [shard.groups, config.instruments.length, 128, 128]);
      // every kept group has something audible in some instrument
      assert.ok(tidy(() => tiles.float().amax([1, 2, 3]).amin().item()) > config.silenceLevel);
    }
    for (const t of tensors.values()) t.dispose();
  }
  assert.equal(stats.bySource.openmsx?.licence, 'GPL-2.0');
  assert.ok(stats.byTexture.monophonic! > 0 && stats.byTexture.polyphonic! > 0);
});

test('an interrupted build resumes: only the missing shard is made again', async () => {
  const dir = join(root, 'a');
  const victim = manifest.shards[0]!.file;
  const before = new Map(manifest.shards.map((s) => [s.file, statSync(join(dir, s.file)).mtimeMs]));
  rmSync(join(dir, victim));
  await buildDataset(dir, config);
  for (const shard of manifest.shards) {
    if (shard.file === victim) continue;
    assert.equal(statSync(join(dir, shard.file)).mtimeMs, before.get(shard.file), `${shard.file} was rebuilt`);
  }
  assert.ok(readFileSync(join(dir, victim)).equals(readFileSync(join(root, 'b', victim))));
});

test('the evaluation splits can be built first; the same build without --splits adds the rest, the same bytes as at once', async () => {
  const dir = join(root, 'split-first');
  const first = await buildDataset(dir, config, { splits: ['validation', 'test'] });
  assert.deepEqual([...new Set(first.shards.map((s) => s.split))].sort(), ['test', 'validation']);
  assert.equal(first.complete, true);
  // along the way the manifest lists the shards built so far, marked incomplete, and training can open it
  const listed: number[] = [];
  const onDisk = () => ['train', 'validation', 'test'].flatMap((split) => (existsSync(join(dir, 'shards', split)) ? readdirSync(join(dir, 'shards', split)) : [])).length;
  await buildDataset(dir, config, {
    manifestEverySeconds: 0,
    onPiece: (done, total) => {
      if (done === 0 || done === total) return;
      const partial = readManifest(dir);
      assert.equal(partial.complete, false);
      assert.equal(partial.shards.length, onDisk());
      listed.push(partial.shards.filter((s) => s.split === 'train').length);
    },
  });
  assert.ok(listed.length > 1 && listed.every((n, i) => n > 0 && n >= (listed[i - 1] ?? 0)), `training shards listed along the way: ${listed}`);
  assert.equal(readManifest(dir).complete, true);
  const files = listFiles(dir);
  assert.deepEqual(files, listFiles(join(root, 'b')));
  for (const file of files) assert.ok(readFileSync(join(dir, file)).equals(readFileSync(join(root, 'b', file))), file);
});

test("a subset keeps the first training pieces the build wrote and every evaluation shard, read from the source's files", async () => {
  const order = new Map(piecesOf(config).map((piece, i) => [piece.id, i]));
  const training = [...new Set(manifest.shards.filter((s) => s.split === 'train').map((s) => s.piece))].sort((a, b) => order.get(a)! - order.get(b)!);
  assert.ok(training.length >= 3, `the small build has ${training.length} training pieces`);
  const dir = join(root, 'first-two');
  const subset = writeSubset(join(root, 'a'), dir, { trainingPieces: 2 });
  assert.deepEqual(readManifest(dir), subset);
  assert.deepEqual([...new Set(subset.shards.filter((s) => s.split === 'train').map((s) => s.piece))].sort(), training.slice(0, 2).sort());
  const evaluation = (m: Manifest) => m.shards.filter((s) => s.split !== 'train').map((s) => s.piece);
  assert.deepEqual(evaluation(subset), evaluation(manifest));
  assert.deepEqual(subset.subsetOf, { dataset: join(root, 'a'), trainingPieces: 2, sourceComplete: true });
  for (const shard of subset.shards) assert.ok(existsSync(join(dir, shard.file)), `${shard.file} is the source's file`);
  const keptFiles = new Set(subset.shards.filter((s) => s.split === 'train').map((s) => s.file));
  const loader = new PairLoader(dir, { split: 'train', batchSize: 4, seed: 3, keepLast: true });
  let items = 0;
  for await (const batch of loader.epoch(0)) {
    for (const { file } of batch.source) assert.ok(keptFiles.has(file), `${file} is a kept training shard`);
    items += batch.source.length;
    disposeBatch(batch);
  }
  assert.ok(items > 0);

  assert.throws(() => writeSubset(join(root, 'a'), join(root, 'too-many'), { trainingPieces: training.length + 1 }), new RegExp(`has ${training.length} training pieces built, fewer than the ${training.length + 1} asked for; build more`));
  assert.throws(() => writeSubset(join(root, 'nothing'), join(root, 'none'), { trainingPieces: 1 }), /no built dataset at .*nothing; build it first \(mst dataset build/);
  assert.throws(() => writeSubset(join(root, 'a'), join(root, 'b'), { trainingPieces: 1 }), /b holds a built dataset \(its shards folder\); give a new folder/);
  assert.throws(() => writeSubset(join(root, 'a'), join(root, 'zero'), { trainingPieces: 0 }), /Expected --training-pieces to be a positive integer but received 0/);
});

test("a join adds another build's training pieces and keeps the base's evaluation; it refuses pieces twice, leaks and other analyses", async () => {
  const phrases = join(root, 'phrases');
  const added = await buildDataset(phrases, { ...config, sources: [], seed: 2 }, { splits: ['train'] }); // generated phrases only, others than a's
  const addedTraining = added.shards.filter((s) => s.split === 'train');
  assert.ok(addedTraining.length > 0);
  const dir = join(root, 'joined');
  const joined = writeJoin(join(root, 'a'), [phrases], dir);
  assert.deepEqual(readManifest(dir), joined);
  assert.deepEqual(joined.joinOf, { dataset: join(root, 'a'), added: [phrases] });
  const groups = (m: Manifest, split: string) => m.shards.filter((s) => s.split === split).reduce((n, s) => n + s.groups, 0);
  assert.equal(groups(joined, 'train'), groups(manifest, 'train') + groups(added, 'train'));
  for (const split of ['validation', 'test']) assert.deepEqual(joined.shards.filter((s) => s.split === split).map((s) => s.piece), manifest.shards.filter((s) => s.split === split).map((s) => s.piece));
  const loader = new PairLoader(dir, { split: 'train', batchSize: 4, seed: 3, keepLast: true });
  const read = new Set<string>();
  for await (const batch of loader.epoch(0)) {
    for (const { file } of batch.source) read.add(file);
    disposeBatch(batch);
  }
  for (const shard of addedTraining) assert.ok(read.has(join('..', 'phrases', shard.file)), `${shard.file} is read through the join`);

  assert.throws(() => writeJoin(join(root, 'a'), [join(root, 'b')], join(root, 'twice')), /dataset join: .* is a training piece of .*a and of .*b; its tiles would be read twice/);
  const leaking = join(root, 'leaking');
  mkdirSync(leaking);
  writeFileSync(join(leaking, 'manifest.json'), JSON.stringify({ ...manifest, shards: manifest.shards.filter((s) => s.split === 'test').map((s) => ({ ...s, split: 'train' })) }));
  assert.throws(() => writeJoin(join(root, 'a'), [leaking], join(root, 'leaked')), /dataset join: .* is a test piece of .*a; training on it would leak it into the evaluation/);
  const other = join(root, 'other-analysis');
  mkdirSync(other);
  writeFileSync(join(other, 'manifest.json'), JSON.stringify({ ...added, config: { ...added.config, analysis: { ...added.config.analysis, nMels: 64 } } }));
  assert.throws(() => writeJoin(join(root, 'a'), [other], join(root, 'mixed')), /dataset join: .*other-analysis's analysis .* differ from .*a's .*; build it with the same analysis/);
  assert.throws(() => writeJoin(join(root, 'a'), [phrases], dir), /joined holds a dataset already; give a new folder/);
  assert.throws(() => writeJoin(join(root, 'a'), [join(root, 'nothing')], join(root, 'none')), /no built dataset at .*nothing; build it first/);
  assert.throws(() => writeJoin(join(root, 'a'), [], join(root, 'none')), /Expected at least one dataset to add/);
});

test("the loader's pairs are what they claim, within one SoundFont and across two", async () => {
  const cache = new Map<string, ReturnType<typeof loadSafetensors>['tensors']>();
  const tilesOf = (file: string, font: string) => {
    if (!cache.has(file)) {
      const { tensors } = loadSafetensors(join(root, 'a', file));
      for (const t of tensors.values()) keep(t); // loaded inside a tidy() scope below
      cache.set(file, tensors);
    }
    return cache.get(file)!.get(font)!;
  };
  const crossFont = new PairLoader(join(root, 'a'), { split: 'validation', batchSize: 4, seed: 3, keepLast: true, targetFont: 'timgm6mb' });
  const loader = new PairLoader(join(root, 'a'), { split: 'train', batchSize: 4, seed: 3, keepLast: true });
  let seen = new Set<string>();
  for (const [pairs, targetFont] of [[crossFont, 'timgm6mb'], [loader, 'fluidr3']] as const) {
    seen = new Set<string>();
    for await (const batch of pairs.epoch(0)) {
      tidy(() => {
        assert.deepEqual(batch.content.shape, [batch.source.length, 1, 128, 128]);
        assert.equal(batch.content.dtype, 'float32');
        batch.source.forEach((src, i) => {
          const content = config.instruments.indexOf(batch.contentInstrument[i]!);
          const target = config.instruments.indexOf(batch.targetInstrument[i]!);
          assert.notEqual(content, target, 'content and target instruments differ');
          const group = tilesOf(src.file, 'fluidr3').select(0, src.group).float();
          const targetGroup = tilesOf(src.file, targetFont).select(0, src.group).float();
          assert.equal(batch.content.select(0, i).squeeze(0).sub(group.select(0, content)).abs().amax().item(), 0);
          assert.equal(batch.target.select(0, i).squeeze(0).sub(targetGroup.select(0, target)).abs().amax().item(), 0, `the target in ${targetFont}`);
          const style = batch.styleSource[i]!;
          assert.ok(style.file !== src.file || style.group !== src.group, 'the style reference is a different clip');
          const styleTile = tilesOf(style.file, targetFont).select(0, style.group).float().select(0, target);
          assert.equal(batch.style.select(0, i).squeeze(0).sub(styleTile).abs().amax().item(), 0, 'the style reference is played by the target instrument');
          seen.add(`${src.file}:${src.group}`);
        });
      });
      batch.content.dispose();
      batch.target.dispose();
      batch.style.dispose();
    }
  }
  assert.equal(seen.size, loader.groups, 'every training group once per epoch');
  // references of 3 tiles: the same pairs, each reference the drawn tile and the two after it in its piece
  const long = new PairLoader(join(root, 'a'), { split: 'train', batchSize: 4, seed: 3, keepLast: true, referenceTiles: 3 });
  const plainBatches = loader.epoch(0);
  for await (const batch of long.epoch(0)) {
    const plain = (await plainBatches.next()).value!;
    assert.deepEqual([batch.source, batch.styleSource, batch.targetInstrument], [plain.source, plain.styleSource, plain.targetInstrument]);
    assert.deepEqual(batch.style.shape, [3 * batch.source.length, 1, 128, 128]);
    tidy(() => {
      batch.styleSource.forEach((style, i) => {
        const tiles = tilesOf(style.file, 'fluidr3');
        const target = config.instruments.indexOf(batch.targetInstrument[i]!);
        for (let j = 0; j < 3; j++) {
          const expected = tiles.select(0, (style.group + j) % tiles.shape[0]!).float().select(0, target);
          assert.equal(batch.style.select(0, 3 * i + j).squeeze(0).sub(expected).abs().amax().item(), 0, `reference ${i}, tile ${j}`);
        }
      });
    });
    disposeBatch(batch);
    disposeBatch(plain);
  }
  assert.equal((await plainBatches.next()).done, true, 'as many batches');
  assert.throws(() => new PairLoader(join(root, 'a'), { split: 'train', batchSize: 4, referenceTiles: 0 }), /Expected referenceTiles, a whole number ≥ 1, but received 0/);
  const orders = async (seed: number) => {
    const out: string[] = [];
    for await (const b of new PairLoader(join(root, 'a'), { split: 'train', batchSize: 4, seed }).epoch(1)) {
      out.push(...b.source.map((s) => `${s.file}:${s.group}`));
      b.content.dispose();
      b.target.dispose();
      b.style.dispose();
    }
    return out;
  };
  assert.deepEqual(await orders(5), await orders(5));
  assert.notDeepEqual(await orders(5), await orders(6));
  for (const tensors of cache.values()) for (const t of tensors.values()) t.dispose();
  assert.throws(() => new PairLoader(join(root, 'a'), { split: 'train', batchSize: 4, targetInstruments: ['banjo'] }), /Expected one of piano, guitar, violin, flute for an instrument but received banjo/);
  assert.throws(() => new PairLoader(join(root, 'a'), { split: 'train', batchSize: 4, targetFont: 'freepats' }), /Expected one of fluidr3, timgm6mb for targetFont but received freepats/);
});

test("other renders of the same pieces take the content and the reference where they hold the group and instrument; targets stay", async () => {
  // the same pieces in another sound set, with two of the four instruments and a shorter length (fewer groups)
  const otherConfig: DatasetConfig = { ...config, trainFont: config.heldOutFont, heldOutFont: config.trainFont, instruments: ['piano', 'violin'], maxPieceSeconds: 6 };
  const other = await buildDataset(join(root, 'other'), otherConfig);
  const own = (file: string) => loadSafetensors(join(root, 'a', file)).tensors;
  const options = { split: 'train', batchSize: 4, seed: 3, keepLast: true } as const;
  let [fromOther, couldHave] = [0, 0];
  for await (const batch of new PairLoader(join(root, 'a'), { ...options, otherRenders: [join(root, 'other')], otherRenderShare: 1 }).epoch(0)) {
    batch.source.forEach((src, i) => {
      const shard = manifest.shards.find((s) => s.file === src.file)!;
      const otherShard = other.shards.find((s) => s.file === src.file);
      const otherGroup = otherShard?.offsets.indexOf(shard.offsets[src.group]!) ?? -1;
      const otherInstrument = otherConfig.instruments.indexOf(batch.contentInstrument[i]!);
      const held = otherGroup >= 0 && otherInstrument >= 0;
      couldHave += held ? 1 : 0;
      assert.equal(batch.contentSet![i], held ? 'timgm6mb' : 'fluidr3', 'share 1: the other render wherever it holds the tile');
      const tensors = held ? loadSafetensors(join(root, 'other', otherShard!.file)).tensors : own(src.file);
      const expected = held ? tensors.get('timgm6mb')!.select(0, otherGroup).select(0, otherInstrument) : tensors.get('fluidr3')!.select(0, src.group).select(0, config.instruments.indexOf(batch.contentInstrument[i]!));
      assert.equal(batch.content.select(0, i).squeeze(0).sub(expected.float()).abs().amax().item(), 0, 'the content tile is the one it names');
      for (const t of tensors.values()) t.dispose();
      const targetTensors = own(src.file);
      const target = targetTensors.get('fluidr3')!.select(0, src.group).select(0, config.instruments.indexOf(batch.targetInstrument[i]!));
      assert.equal(batch.target.select(0, i).squeeze(0).sub(target.float()).abs().amax().item(), 0, 'the target stays in the dataset\'s font');
      for (const t of targetTensors.values()) t.dispose();
      fromOther += batch.contentSet![i] === 'timgm6mb' ? 1 : 0;
    });
    disposeBatch(batch);
  }
  assert.ok(fromOther > 0 && fromOther === couldHave, `${fromOther} of ${couldHave} contents from the other render`);
  const order = async (extra: object) => {
    const out: string[] = [];
    for await (const b of new PairLoader(join(root, 'a'), { ...options, ...extra }).epoch(0)) {
      out.push(...b.source.map((s, i) => `${s.file}:${s.group}:${b.contentInstrument[i]}:${b.contentSet![i]}`));
      disposeBatch(b);
    }
    return out;
  };
  assert.deepEqual(await order({ otherRenders: [join(root, 'other')], otherRenderShare: 0 }), await order({}), 'share 0 is the plain loader');
  assert.throws(() => new PairLoader(join(root, 'a'), { ...options, otherRenders: [join(root, 'nowhere')] }), /no built dataset at .*nowhere \(otherRenders\): build it with mst dataset build --config <its config> --out .*nowhere, or train without it/);
  assert.throws(() => new PairLoader(join(root, 'a'), { ...options, otherRenderShare: 2 }), /Expected otherRenderShare in \[0, 1\] but received 2/);
});

test('with otherTargetShare, the target and its reference are read from one other sound set where it holds them', async () => {
  const other = readManifest(join(root, 'other')); // built by the test before this one
  const otherInstruments = other.config.instruments;
  const options: PairLoaderOptions = { split: 'train', batchSize: 4, seed: 3, keepLast: true, otherRenders: [join(root, 'other')], otherRenderShare: 0 };
  const tileAt = (dir: string, file: string, font: string, group: number, instrument: number) => {
    const { tensors } = loadSafetensors(join(dir, file));
    const tile = keep(tensors.get(font)!.select(0, group).select(0, instrument).float());
    for (const t of tensors.values()) t.dispose();
    return tile;
  };
  let [elsewhere, couldHave] = [0, 0];
  for await (const batch of new PairLoader(join(root, 'a'), { ...options, otherTargetShare: 1 }).epoch(0)) {
    batch.source.forEach((src, i) => {
      const shard = manifest.shards.find((s) => s.file === src.file)!;
      const otherGroupOf = (file: string, group: number) => other.shards.find((s) => s.file === file)?.offsets.indexOf(manifest.shards.find((s) => s.file === file)!.offsets[group]!) ?? -1;
      const instrument = otherInstruments.indexOf(batch.targetInstrument[i]!);
      couldHave += instrument >= 0 && otherGroupOf(src.file, src.group) >= 0 ? 1 : 0;
      assert.equal(batch.contentSet![i], 'fluidr3', 'otherRenderShare 0: the content stays');
      if (batch.targetSet![i] === 'fluidr3') {
        assert.equal(batch.styleSet![i], 'fluidr3', 'a target in the font keeps a reference in the font');
        return;
      }
      elsewhere += 1;
      assert.equal(batch.targetSet![i], 'timgm6mb');
      assert.equal(batch.styleSet![i], 'timgm6mb', 'the reference in the same set as the target');
      const reference = batch.styleSource[i]!;
      assert.notEqual(manifest.shards.find((s) => s.file === reference.file)!.piece, shard.piece, 'the reference from another piece');
      const target = tileAt(join(root, 'other'), src.file, 'timgm6mb', otherGroupOf(src.file, src.group), instrument);
      const style = tileAt(join(root, 'other'), reference.file, 'timgm6mb', otherGroupOf(reference.file, reference.group), instrument);
      assert.equal(batch.target.select(0, i).squeeze(0).sub(target).abs().amax().item(), 0, 'the target is the other render of its group');
      assert.equal(batch.style.select(0, i).squeeze(0).sub(style).abs().amax().item(), 0, 'the reference is the other render of the group it names');
      target.dispose();
      style.dispose();
    });
    disposeBatch(batch);
  }
  assert.ok(elsewhere > 0 && elsewhere >= couldHave / 2, `${elsewhere} of ${couldHave} targets that the other set holds taken from it`);
  const order = async (extra: object) => {
    const out: string[] = [];
    for await (const b of new PairLoader(join(root, 'a'), { ...options, ...extra }).epoch(0)) {
      out.push(...b.source.map((s, i) => `${s.file}:${s.group}:${b.targetInstrument[i]}:${b.targetSet![i]}:${b.styleSource[i]!.file}:${b.styleSource[i]!.group}`));
      disposeBatch(b);
    }
    return out;
  };
  assert.deepEqual(await order({ otherTargetShare: 0 }), await order({}), 'share 0 draws as before');
  assert.throws(() => new PairLoader(join(root, 'a'), { ...options, otherTargetShare: 2 }), /Expected otherTargetShare in \[0, 1\] but received 2/);
  assert.throws(() => new PairLoader(join(root, 'a'), { split: 'train', batchSize: 4, otherTargetShare: 0.5 }), /otherTargetShare needs otherRenders/);
});

test('a corrupt MIDI file is skipped with a message; a missing SoundFont stops the build', async () => {
  const folder = join(root, 'midi');
  mkdirSync(folder);
  writeFileSync(join(folder, 'broken.mid'), 'MThd not really');
  writeFileSync(join(folder, 'empty.mid'), '');
  const messages: string[] = [];
  const pieces = discoverPieces([{ name: 'local', package: 'none', directories: [folder], licence: 'CC0-1.0' }], (m) => messages.push(m));
  assert.deepEqual(pieces, []);
  assert.equal(messages.length, 2);
  assert.match(messages.join('\n'), /skipping .*broken\.mid: .*not a readable MIDI file/);
  assert.match(messages.join('\n'), /skipping .*empty\.mid: .*the file is empty/);
  const missing = discoverPieces([{ name: 'gone', package: 'some-package', directories: [join(root, 'nowhere')], licence: 'x' }], (m) => messages.push(m));
  assert.deepEqual(missing, []);
  assert.match(messages.at(-1)!, /skipping gone: none of .*nowhere exists \(run scripts\/setup\.sh, or apt-get install some-package\)/);
  const bad = { ...config, heldOutFont: { name: 'gone', path: join(root, 'gone.sf2') } };
  await assert.rejects(buildDataset(join(root, 'c'), bad), /SoundFont .*gone\.sf2 not found; install it/);
});

test('with inRange, pairs are drawn among instruments whose range holds the tile; strictly, other tiles are left out', async () => {
  const loader = new PairLoader(join(root, 'a'), { split: 'train', batchSize: 4, seed: 9, keepLast: true, inRange: true });
  const shards = new Map(manifest.shards.map((s) => [s.file, s]));
  let checked = 0;
  for await (const batch of loader.epoch(0)) {
    batch.source.forEach((src, i) => {
      const [lo, hi] = shards.get(src.file)!.pitchRanges[src.group]!;
      const holds = (name: string) => {
        const [a, b] = loader.ranges[loader.instruments.indexOf(name)]!;
        return lo < 0 || (a <= lo && hi <= b);
      };
      const fitting = loader.instruments.filter(holds);
      if (fitting.length >= 2) {
        assert.ok(holds(batch.contentInstrument[i]!) && holds(batch.targetInstrument[i]!), `${batch.contentInstrument[i]} → ${batch.targetInstrument[i]} for notes ${lo}–${hi}`);
        checked++;
      }
      assert.notEqual(batch.contentInstrument[i], batch.targetInstrument[i]);
    });
    batch.content.dispose();
    batch.target.dispose();
    batch.style.dispose();
  }
  assert.ok(checked > 0, 'some tiles fit at least two instruments');

  // 'strict' leaves out the tiles that fewer than two instruments can play, and serves the rest
  const strict = new PairLoader(join(root, 'a'), { split: 'train', batchSize: 4, seed: 9, keepLast: true, inRange: 'strict' });
  let served = 0;
  for await (const batch of strict.epoch(0)) {
    batch.source.forEach((src, i) => {
      const [lo, hi] = shards.get(src.file)!.pitchRanges[src.group]!;
      for (const name of [batch.contentInstrument[i]!, batch.targetInstrument[i]!]) {
        const [a, b] = strict.ranges[strict.instruments.indexOf(name)]!;
        assert.ok(lo < 0 || (a <= lo && hi <= b), `${name} for notes ${lo}–${hi}`);
      }
    });
    served += batch.source.length;
    for (const t of [batch.content, batch.target, batch.style]) t.dispose();
  }
  assert.equal(served, checked, 'exactly the tiles two instruments can play');
});

/** A 640 KiB tmpfs: room for the config, not for a shard. Needs root (CI and this machine run tests as root). */
function smallDisk(): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'mst-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=640k', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    return null;
  }
}
const disk = smallDisk();

test('a full disk stops the build with a message that says how to go on, leaving no partial file', { skip: disk ? false : 'mounting a tmpfs needs root' }, async (t) => {
  t.after(() => execFileSync('umount', [disk!]));
  const out = join(disk!, 'data');
  await assert.rejects(buildDataset(out, config), (error: Error) => {
    assert.match(error.message, /: the disk is full \(writing .*\.safetensors\); free some space or give another --out, then run the same command again: the build resumes where it stopped$/);
    return true;
  });
  const left = listFiles(out);
  assert.ok(left.every((f) => !f.includes('.tmp')), `no temporary file left: ${left.join(', ')}`);
  for (const file of left.filter((f) => f.endsWith('.safetensors'))) loadSafetensors(join(out, file)).tensors.forEach((tensor) => tensor.dispose()); // whatever is there is whole
});

test("with programVariants each instrument plays one of its kin that the set defines, fixed by the piece's name", () => {
  const variants = { ...config, programVariants: true };
  const available = new Set([0, 1, 2, 24, 40, 41, 73]); // no 3 (honky-tonk), no guitar kin but nylon
  const pieces = Array.from({ length: 40 }, (_, i) => `piece-${i}`);
  const drawn = pieces.map((id) => programOf('piano', id, variants, available));
  assert.deepEqual([...new Set(drawn)].sort(), [0, 1, 2], 'every available kin of piano, and only those');
  assert.deepEqual(pieces.map((id) => programOf('piano', id, variants, available)), drawn, 'the same piece draws the same program');
  assert.deepEqual(new Set(pieces.map((id) => programOf('guitar', id, variants, available))), new Set([24]));
  assert.deepEqual(new Set(pieces.map((id) => programOf('piano', id, config, available))), new Set([0]), 'without variants, its own program');
});

test("a set whose kin programs may play another set's recordings refuses programVariants by name", () => {
  assert.throws(() => checkDatasetConfig({ ...judgeCorpusConfig('musescore'), programVariants: true }), /dataset: musescore cannot play its instruments' kin programs \(programVariants\): .*FluidR3's; build it without --programVariants/);
  assert.equal(checkDatasetConfig({ ...judgeCorpusConfig('opl3'), programVariants: true }).programVariants, true);
});
