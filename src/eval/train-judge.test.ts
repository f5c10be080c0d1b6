/**
 * Training the judge on several sound sets: it learns from every font of its datasets but the
 * model's own, an equal share of each a step, and is scored on each (FluidR3 included, never trained on);
 * datasets that hold nothing to learn from, or are missing, are refused with the command that
 * builds them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDataset } from '../data/build.js';
import { DATASET_CONFIGS, type DatasetConfig } from '../data/config.js';
import { SOUND_SETS } from '../data/fonts.js';
import { trainJudge, scoreJudge, scoreOnMore, saveJudge, joinJudges } from './train-judge.js';
import { JUDGE_VIEWS } from './judge.js';
import { JudgePanel } from './judge-panel.js';
import { writeJudgeCard } from './judge-card.js';
import { temporaryDirectory } from '../testing/helpers.js';

const root = temporaryDirectory('mst-train-judge-');
const small = join(root, 'small');
const freepats = join(root, 'freepats');
/** The small dataset's pieces played by FreePats alone (as dataset build --config judge-freepats does for full). */
const freepatsConfig: DatasetConfig = {
  ...DATASET_CONFIGS.small,
  trainFont: { name: SOUND_SETS.freepats.name, path: SOUND_SETS.freepats.path },
  heldOutFont: { name: SOUND_SETS.fluidr3.name, path: SOUND_SETS.fluidr3.path },
  heldOutTranspositions: [],
  heldOutTrainShare: 0,
};

test('the judge trains on every set but FluidR3 and is scored on each, FluidR3 last', async () => {
  await buildDataset(small, DATASET_CONFIGS.small);
  const manifest = await buildDataset(freepats, freepatsConfig);
  assert.ok(manifest.shards.every((s) => s.fonts.length === 1 && s.fonts[0] === 'freepats'), 'only FreePats is rendered');
  const seen: number[] = [];
  const { judge, report } = await trainJudge({ datasets: [small, freepats], steps: 4, batchSize: 4, onStep: (step) => seen.push(step) });
  assert.deepEqual(seen, [1, 2, 3, 4]);
  assert.deepEqual(report.trainedOn.fonts, ['timgm6mb', 'freepats']);
  assert.deepEqual(report.scores.map((s) => [s.dataset, s.font]), [[small, 'timgm6mb'], [freepats, 'freepats'], [small, 'fluidr3']]);
  assert.deepEqual(judge.config.instruments, DATASET_CONFIGS.small.instruments);
  assert.match(report.trainedOn.augmentation!, /a room for 50% of tiles .* background noise for 50%/);
  judge.dispose();
});

test("a set's kin corpus adds to its training, not to its scores; a corpus with no validation split is not scored; the card says how to build the kin corpus", async () => {
  const freepatsKin = join(root, 'freepats-kin');
  await buildDataset(freepatsKin, { ...freepatsConfig, programVariants: true }, { splits: ['train'] }); // as a quick corpus would be built
  const groups = (dir: string) => (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { shards: { split: string; groups: number }[] }).shards.filter((s) => s.split === 'train').reduce((sum, s) => sum + s.groups, 0);
  const { judge, report } = await trainJudge({ datasets: [small, freepats, freepatsKin], steps: 2, batchSize: 6 });
  judge.dispose();
  assert.deepEqual(report.trainedOn.fonts, ['timgm6mb', 'freepats']);
  assert.deepEqual(report.trainedOn.kin, ['freepats']);
  assert.equal(report.trainedOn.groups!.freepats, groups(freepats) + groups(freepatsKin));
  assert.equal(report.trainedOn.batchTiles, 3 * 2 * 3, 'two groups a step from each of the three corpora');
  assert.deepEqual(report.scores.map((s) => [s.dataset, s.font]), [[small, 'timgm6mb'], [freepats, 'freepats'], [small, 'fluidr3']], 'each font scored once, in its first corpus');
  const alone = await trainJudge({ datasets: [small, freepatsKin], steps: 1, batchSize: 4 });
  alone.judge.dispose();
  assert.deepEqual(alone.report.trainedOn.fonts, ['timgm6mb', 'freepats']);
  assert.deepEqual(alone.report.scores.map((s) => s.font), ['timgm6mb', 'fluidr3'], 'a font with no validation split is trained on, not scored');
  const cardDir = mkdtempSync(join(root, 'kin-card-'));
  writeFileSync(join(cardDir, 'judge.json'), JSON.stringify(report));
  const card = readFileSync(writeJudgeCard(join(cardDir, 'judge.safetensors')), 'utf8');
  assert.match(card, /A second corpus of freepats \(`--programVariants=true`\)/);
  assert.match(card, /dataset build --config judge-freepats --out data\/judge\/freepats-kin --programVariants=true/);
  assert.match(card, /train-judge --data data\/judge\/timgm6mb,data\/judge\/freepats,data\/judge\/freepats-kin,data\/full /);
});

test('a judge trained without one font is still scored on it; a font no dataset holds is refused by name', async () => {
  const { judge, report } = await trainJudge({ datasets: [small, freepats], without: 'freepats', steps: 2, batchSize: 4 });
  assert.deepEqual(report.trainedOn.fonts, ['timgm6mb']);
  assert.equal(report.trainedOn.without, 'freepats');
  assert.deepEqual(report.scores.map((s) => s.font), ['timgm6mb', 'freepats', 'fluidr3']);
  judge.dispose();
  // the card of a judge that heard both sets gains the leave-one-out row
  const full = await trainJudge({ datasets: [small, freepats], steps: 2, batchSize: 4 });
  const cardDir = mkdtempSync(join(root, 'card-'));
  writeFileSync(join(cardDir, 'judge.json'), JSON.stringify(full.report));
  writeFileSync(join(cardDir, 'without-freepats.json'), JSON.stringify(report));
  const card = readFileSync(writeJudgeCard(join(cardDir, 'judge.safetensors')), 'utf8');
  assert.match(card, /\| freepats \| freepats \(played by timidity\) \| GPL-2.0-or-later with a composition exception \|/);
  assert.match(card, /\| timgm6mb \| timgm6mb-soundfont \| GPL-2 \|/);
  assert.match(card, /Not heard in training \(scored only\): fluidr3\./);
  const freepatsAccuracy = report.scores.find((s) => s.font === 'freepats')!.accuracy.toFixed(3);
  assert.match(card, new RegExp(`\\| freepats \\| 2 \\| ${freepatsAccuracy} \\| [0-9.]+ \\|`), 'the leave-one-out row: steps, accuracy on the set left out and on FluidR3');
  assert.match(card, /\| piano \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|/, 'recall per instrument and set');
  assert.match(card, /train-judge --data data\/judge\/timgm6mb,data\/judge\/freepats,data\/full --steps 2 --batch 4 --without freepats/);
  // sets built after it was trained are scored later, the model's font still last
  const onlyFreepats = await trainJudge({ datasets: [freepats], steps: 1, batchSize: 4 });
  onlyFreepats.judge.dispose();
  const later = await scoreOnMore(full.judge, onlyFreepats.report, [small]);
  assert.deepEqual(later.scores.map((s) => s.font), ['freepats', 'timgm6mb', 'fluidr3']);
  assert.deepEqual((await scoreOnMore(full.judge, later, [small, freepats])).scores, later.scores, 'nothing scored twice');
  const laterDir = mkdtempSync(join(root, 'later-card-'));
  writeFileSync(join(laterDir, 'judge.json'), JSON.stringify(later));
  const laterCard = readFileSync(writeJudgeCard(join(laterDir, 'judge.safetensors')), 'utf8');
  assert.match(laterCard, /Not heard in training \(scored only\): timgm6mb, fluidr3\./);
  assert.match(laterCard, /dataset build --config judge-timgm6mb --out data\/judge\/timgm6mb --splits validation {3}# scored only/);
  assert.match(laterCard, new RegExp(`eval score-judge --judge ${join(laterDir, 'judge.safetensors').replace(/[\\/.]/g, '\\$&')} --data data/judge/timgm6mb\n`));
  full.judge.dispose();
  await assert.rejects(trainJudge({ datasets: [small], without: 'opl3', steps: 1 }), /cannot leave out opl3: .* hold fluidr3, timgm6mb/);
  await assert.rejects(trainJudge({ datasets: [small], without: 'timgm6mb', steps: 1 }), /hold no training renders outside fluidr3 and timgm6mb/);
});

test('a centred and a raw network join into one judge, scored on every font; its card names both and how to make it', async () => {
  const dir = mkdtempSync(join(root, 'panel-'));
  const paths = [join(dir, 'centred.safetensors'), join(dir, 'raw.safetensors')];
  for (const [i, view] of (['centred', 'raw'] as const).entries()) {
    const { judge, report } = await trainJudge({ datasets: [small, freepats], steps: 2, batchSize: 4, architecture: JUDGE_VIEWS[view], seed: i });
    assert.equal(report.trainedOn.view, view);
    saveJudge(paths[i]!, judge, report);
    judge.dispose();
  }
  const { judge, report } = await joinJudges(paths, [small, freepats]);
  assert.ok(judge instanceof JudgePanel);
  assert.deepEqual(report.networks!.map((n) => n.trainedOn.view), ['centred', 'raw']);
  assert.deepEqual(report.trainedOn.fonts, ['timgm6mb', 'freepats']);
  assert.equal(report.trainedOn.steps, 4, "the networks' steps together");
  assert.deepEqual(report.scores.map((s) => [s.dataset, s.font]), [[small, 'timgm6mb'], [freepats, 'freepats'], [small, 'fluidr3']]);
  const fluidr3 = await scoreJudge(judge, small, 'fluidr3', 'validation');
  assert.deepEqual(report.scores.at(-1)!.confusion, fluidr3.confusion, "the panel's own verdicts");
  const panelPath = join(dir, 'judge.safetensors');
  saveJudge(panelPath, judge, report);
  judge.dispose();
  await assert.rejects(joinJudges([panelPath, paths[0]!], [small]), /is a panel already; join the networks it was made of/);
  writeFileSync(join(dir, 'judge.json'), JSON.stringify(report));
  const card = readFileSync(writeJudgeCard(panelPath), 'utf8');
  assert.match(card, /It is a panel of 2 networks trained apart/);
  assert.match(card, /\| `raw.safetensors` \| raw \| timgm6mb, freepats \| 2 \|/);
  const alone = report.networks![1]!.scores.find((s) => s.font === 'fluidr3')!.accuracy.toFixed(3);
  assert.match(card, new RegExp(`\\| fluidr3 \\| no \\| \\d+ \\| ${report.scores.at(-1)!.accuracy.toFixed(3)} \\| [0-9.]+ \\| ${alone} \\|`), 'the panel, then each network alone');
  assert.match(card, /train-judge --data data\/judge\/timgm6mb,data\/judge\/freepats,data\/full --view raw --steps 2 --batch 4 --out .*raw.safetensors/);
  assert.match(card, /eval join-judges .*centred.safetensors .*raw.safetensors --out .*judge.safetensors --data .*small,.*freepats\n/);
});

test('the judge learns instruments: well above chance on pieces it never heard, and at chance or below when its labels are shuffled', async () => {
  // the same tiles with every label moved to the next instrument (the manifest names the tiles' order)
  const shuffled = join(root, 'small-shuffled');
  mkdirSync(shuffled);
  symlinkSync(join(small, 'shards'), join(shuffled, 'shards'));
  const manifest = JSON.parse(readFileSync(join(small, 'manifest.json'), 'utf8')) as { config: DatasetConfig };
  const names = manifest.config.instruments;
  manifest.config.instruments = [...names.slice(1), names[0]!];
  writeFileSync(join(shuffled, 'manifest.json'), JSON.stringify(manifest));
  const noOutputPath = { capacity: 0, refill: 0, refillEvery: 1, draw: 0 };
  const accuracy = async (dataset: string) => {
    const { judge } = await trainJudge({ datasets: [dataset], steps: 300, batchSize: 8, outputPath: noOutputPath });
    const score = await scoreJudge(judge, small, 'timgm6mb', 'validation'); // validation pieces, true labels
    judge.dispose();
    return score.accuracy;
  };
  const chance = 1 / names.length;
  const learned = await accuracy(small);
  assert.ok(learned >= chance + 0.35, `accuracy ${learned.toFixed(3)} on unheard pieces, chance ${chance}`);
  const fooled = await accuracy(shuffled);
  assert.ok(fooled <= chance + 0.1, `accuracy ${fooled.toFixed(3)} with shuffled labels, chance ${chance}`);
});

test('a killed judge training resumes from its saved state: the steps go on where they stopped', async () => {
  const statePath = join(root, 'judge.state.safetensors');
  const settings = { datasets: [small], steps: 5, batchSize: 4, statePath, checkpointEvery: 2, outputPath: { capacity: 8, refill: 2, refillEvery: 2, draw: 2 } };
  await assert.rejects(trainJudge({ ...settings, onStep: (step) => { if (step === 3) throw new Error('killed'); } }), /killed/);
  const seen: number[] = [];
  const log: string[] = [];
  const { judge } = await trainJudge({ ...settings, onStep: (step) => seen.push(step), log: (m) => log.push(m) });
  assert.deepEqual(seen, [3, 4, 5], 'steps 1 and 2 were saved and not trained again');
  assert.match(log.join('\n'), /resuming the judge's training at step 2 from .*judge.state.safetensors/);
  judge.dispose();
  await assert.rejects(trainJudge({ ...settings, seed: 1 }), /a judge training state of other settings .*; use the same, or remove it to start afresh/);
});

test('datasets with nothing to learn from, or missing, are refused with the command that builds them', async () => {
  await assert.rejects(trainJudge({ datasets: [join(root, 'judge', 'opl3')], steps: 1 }), /judge[/\\]opl3: no dataset here \(no manifest.json\); build it with mst dataset build --config judge-opl3 --out /);
  await assert.rejects(trainJudge({ datasets: [], steps: 1 }), /Expected at least one dataset/);
  const onlyModelFont = join(root, 'fluidr3-only');
  await buildDataset(onlyModelFont, { ...DATASET_CONFIGS.small, heldOutTranspositions: [], heldOutTrainShare: 0 });
  await assert.rejects(trainJudge({ datasets: [onlyModelFont], steps: 1 }), /hold no training renders outside fluidr3 \(fluidr3 is the model's own font\); build the judge's corpora \(mst dataset build --config judge-<set>\)/);
});
