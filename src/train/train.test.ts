/**
 * Training: a run killed after a saved state and started again gives the same loss curve and the
 * same weights as one never interrupted (the diffusion phase draws time steps and noise, and
 * validates in between, so the generator and the data order are both tested); the learning rate
 * schedule; settings refused by name; a missing earlier phase named with its command.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { saveCheckpoint, loadSafetensors, manualSeed, rand, tidy, noGrad, nn, F } from '../engine/index.js';
import { assertAllClose, temporaryDirectory } from '../testing/helpers.js';
import { Ema } from './ema.js';
import { buildDataset } from '../data/build.js';
import { DATASET_CONFIGS } from '../data/config.js';
import { LatentDiffusion } from '../model/ldm.js';
import { loadLatentDiffusion } from '../model/load.js';
import { modelConfig } from '../model/config.js';
import { VGGishFeatureNet, featureLoss, freeze } from '../model/vggish.js';
import { diffusionTask } from './diffusion.js';
import { refineTask } from './refine.js';
import { transferTask } from './transfer.js';
import type { InstrumentCritic } from './critic.js';
import { featureNetConfig } from './features.js';
import { PHASE_DEFAULTS, type TrainConfig } from './config.js';
import { runPhase, PRECISION_KEY } from './run.js';
import { trainingPrecision } from './precision.js';
import { summarizeRun } from './summary.js';
import { learningRateAt } from './schedule.js';
import { resolveTrainConfig } from '../cli/train.js';
import { writeWav } from '../audio/wav.js';
import { openTrainingData } from './data.js';

const root = temporaryDirectory('mst-train-');
const data = join(root, 'data');

/** A run folder holding an untrained feature network and autoencoder, as the earlier phases leave them. */
function runWithEarlierPhases(name: string, instruments: string[]): string {
  const run = join(root, name);
  mkdirSync(run, { recursive: true });
  manualSeed(5);
  const net = new VGGishFeatureNet(featureNetConfig(instruments));
  saveCheckpoint(join(run, 'features.safetensors'), net, net.config);
  const model = new LatentDiffusion(modelConfig('seed'));
  saveCheckpoint(join(run, 'autoencoder.safetensors'), model, model.config);
  net.dispose();
  model.dispose();
  return run;
}

const stepLines = (run: string) =>
  readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).map(({ seconds: _, ...rest }) => rest);

test('a killed diffusion run resumes onto the uninterrupted loss curve and weights', async () => {
  const manifest = await buildDataset(data, DATASET_CONFIGS.small);
  const instruments = manifest.config.instruments;
  const settings = (run: string): TrainConfig => ({ ...PHASE_DEFAULTS.diffusion, data, run, steps: 5, batchSize: 2, warmupSteps: 2, checkpointEvery: 2, validateEvery: 2, validationBatches: 1, emaDecay: 0.9 });

  const whole = runWithEarlierPhases('whole', instruments);
  await runPhase(settings(whole));

  const killed = runWithEarlierPhases('killed', instruments);
  await assert.rejects(
    runPhase(settings(killed), { onStep: (position) => { if (position.step === 3) throw new Error('killed'); } }),
    /killed/,
  );
  const resumedFrom: string[] = [];
  await runPhase(settings(killed), { log: (m) => resumedFrom.push(m) });
  assert.match(resumedFrom.join('\n'), /resuming diffusion at step 2 \(epoch \d+, batch \d+\)/);

  const starts = (lines: Record<string, unknown>[]) => lines.filter((l) => 'precision' in l);
  const [a, b] = [stepLines(whole), stepLines(killed)].map((lines) => lines.filter((l) => !('precision' in l))) as [Record<string, unknown>[], Record<string, unknown>[]];
  assert.equal(a.filter((l) => 'loss' in l).length, 5);
  assert.equal(a.filter((l) => 'validation' in l).length, 3, 'validations at steps 2, 4 and 5');
  assert.deepEqual(b, a, 'the same metrics, line for line');
  // each start records the precision it chose, why, and the processor
  const chosen = trainingPrecision(settings(whole));
  assert.deepEqual(starts(stepLines(whole)), [{ phase: 'diffusion', step: 0, precision: chosen }]);
  assert.deepEqual(starts(stepLines(killed)).map((l) => l.step), [0, 2], 'the first start and the resumption');
  assert.deepEqual(JSON.parse(loadSafetensors(join(whole, 'model.safetensors')).metadata[PRECISION_KEY]!), chosen, 'the checkpoint says so too');
  const [wa, wb] = [loadSafetensors(join(whole, 'model.safetensors')).tensors, loadSafetensors(join(killed, 'model.safetensors')).tensors];
  for (const [name, t] of wa) assert.deepEqual(wb.get(name)!.toFloat32Array(), t.toFloat32Array(), `${name} differs`);

  // the decoder learns in phase 2, but on phase 1's BatchNorm statistics
  const phase1 = loadSafetensors(join(whole, 'autoencoder.safetensors')).tensors;
  const statistics = [...wa.keys()].filter((name) => name.startsWith('decoder.') && /running_(mean|var)$/.test(name));
  assert.ok(statistics.length > 0);
  for (const name of statistics) {
    const [before, after] = [phase1.get(name)!.toFloat32Array(), wa.get(name)!.toFloat32Array()];
    assert.ok(after.every((v, i) => Math.abs(v - before[i]!) <= 1e-6 * Math.max(1, Math.abs(before[i]!))), `${name} moved in phase 2`);
  }
  assert.notDeepEqual(wa.get('decoder.net.0.weight')!.toFloat32Array(), phase1.get('decoder.net.0.weight')!.toFloat32Array(), 'the decoder learns');

  // mst train summary reads the resumed run's curve as one: five steps, three validations
  const [summary] = summarizeRun(killed);
  assert.deepEqual([summary!.phase, summary!.steps, summary!.validations.map((v) => v.step)], ['diffusion', 5, [2, 4, 5]]);
  assert.deepEqual(summary!.precisions, [chosen, chosen]);
  assert.ok(summary!.stepSeconds > 0 && summary!.medianStepSeconds > 0);
  assert.equal(summary!.validations[2]!.figures.transferMse, (b.at(-1)!.validation as Record<string, number>).transferMse);
});

/** Asserts that `trained` differs from the model in `sourceFile` in every decoder weight and nowhere outside the decoder (`whose`: what the rest is, for the message). */
function assertOnlyDecoderLearned(trained: LatentDiffusion, sourceFile: string, whose: string): void {
  const source = loadLatentDiffusion(sourceFile);
  const weights = trained.stateDict();
  for (const [name, t] of source.stateDict()) {
    const changed = tidy(() => weights.get(name)!.sub(t).abs().amax().item() > 0);
    if (name.startsWith('decoder.') && name.endsWith('.weight')) assert.ok(changed, `${name} learned`);
    else if (!name.startsWith('decoder.')) assert.ok(!changed, `${name} is ${whose}`);
  }
  source.dispose();
}

test('the paired phase trains the denoiser and style encoder on pairs, around the frozen autoencoder of the model it names', async () => {
  await buildDataset(data, DATASET_CONFIGS.small); // built by the test above; resumes to nothing
  manualSeed(9);
  const source = new LatentDiffusion(modelConfig('wide'));
  const autoencoderFrom = join(root, 'wide.safetensors');
  saveCheckpoint(autoencoderFrom, source, source.config);
  const run = join(root, 'paired');
  const settings: TrainConfig = { ...PHASE_DEFAULTS.paired, data, run, autoencoderFrom, otherRenders: [], steps: 3, batchSize: 2, warmupSteps: 1, validateEvery: 3, validationBatches: 1 };
  const result = await runPhase(settings);
  assert.ok(Number.isFinite(result.validation!.diffusion!) && Number.isFinite(result.validation!.transferMse!), JSON.stringify(result.validation));
  const trained = loadLatentDiffusion(join(run, 'model.safetensors'));
  assert.equal(trained.config.name, 'paired');
  for (const [name, t] of [...source.encoder.namedParameters('encoder.'), ...source.decoder.namedParameters('decoder.')]) {
    assert.deepEqual(trained.stateDict().get(name)!.toFloat32Array(), t.toFloat32Array(), `${name} is the source's`);
  }
  tidy(() => {
    const tile = rand([1, 1, 128, 128]).mul(2).sub(1);
    assert.deepEqual(trained.transfer(tile, tile, trained.config.sampling).shape, [1, 1, 128, 128]);
  });
  trained.dispose();
  source.dispose();

  const seed = new LatentDiffusion(modelConfig('seed'));
  const seedFile = join(root, 'seed-model.safetensors');
  saveCheckpoint(seedFile, seed, seed.config);
  seed.dispose();
  await assert.rejects(runPhase({ ...settings, run: join(root, 'paired-bad'), autoencoderFrom: seedFile }), /its autoencoder \(4-channel latent, widths \[64,128\]\) does not fit the paired model's \(8 channels, \[128,256\]\); give a 8-channel model such as a 'wide' one/);
  await assert.rejects(runPhase({ ...settings, run: join(root, 'paired-bad'), otherRenders: [join(root, 'judge-nope')] }), /no built dataset at .*judge-nope \(otherRenders\): build it with mst dataset build --config <its config> --out .*judge-nope, or train without it \(--otherRenders=\[\]\)/);
  await assert.rejects(runPhase({ ...settings, run: join(root, 'paired-bad'), autoencoderFrom: join(root, 'nope.safetensors') }), /nope\.safetensors does not exist: the paired phase takes its autoencoder from a trained model/);

  // the refine phase: the refiner learns around that paired model, which it keeps as it is
  const denoiserFrom = join(run, 'model.safetensors');
  const paired = loadLatentDiffusion(denoiserFrom);
  const refineRun = join(root, 'refined');
  const refineSettings: TrainConfig = { ...PHASE_DEFAULTS.refine, data, run: refineRun, denoiserFrom, otherRenders: [], steps: 4, batchSize: 2, warmupSteps: 1, validateEvery: 4, validationBatches: 1 };
  const refined = await runPhase(refineSettings);
  const { unrefinedMse, transferMse } = refined.validation!;
  assert.ok(Number.isFinite(unrefinedMse!) && Number.isFinite(transferMse!) && transferMse !== unrefinedMse, JSON.stringify(refined.validation));
  const model = loadLatentDiffusion(join(refineRun, 'model.safetensors'));
  assert.equal(model.config.name, 'refined-styled-long');
  for (const [name, t] of paired.stateDict()) assert.deepEqual(model.stateDict().get(name)!.toFloat32Array(), t.toFloat32Array(), `${name} is the paired model's`);
  assert.ok(model.refiner!.output.weight.abs().sum().item() > 0, 'the refiner learned (its output layer starts at zero)');
  assert.ok(model.refiner!.spectral!.output.weight.abs().sum().item() > 0, 'and so did its spectral stage');
  assert.ok(model.refiner!.style!.output.weight.abs().sum().item() > 0, 'and its reading of the reference (it starts at zero too)');
  model.dispose();
  paired.dispose();
  // with a critic, a run stopped at step 2 and resumed ends where a straight run does, the critic's state included; --refinerFrom starts from a trained refiner
  const adversarial: TrainConfig = { ...refineSettings, adversarialWeight: 0.1, featureMatchingWeight: 1, refinerFrom: join(refineRun, 'model.safetensors'), checkpointEvery: 2, validateEvery: 2 };
  const straight = await runPhase({ ...adversarial, run: join(root, 'adversarial-straight') });
  await runPhase({ ...adversarial, run: join(root, 'adversarial-resumed'), steps: 2 });
  const resumed = await runPhase({ ...adversarial, run: join(root, 'adversarial-resumed') });
  assert.deepEqual(resumed.validation, straight.validation);
  const [a, b] = [straight, resumed].map((r) => loadLatentDiffusion(r.output));
  for (const [name, t] of a!.refiner!.stateDict()) assert.deepEqual(b!.refiner!.stateDict().get(name)!.toFloat32Array(), t.toFloat32Array(), `${name} is the same after resuming`);
  const lines = (run: string) => readFileSync(join(root, run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>).filter((l) => l['critic.loss'] !== undefined);
  assert.deepEqual(lines('adversarial-resumed').map((l) => l['critic.loss']), lines('adversarial-straight').map((l) => l['critic.loss']), "the critic's losses are the same too");
  assert.equal(lines('adversarial-straight').length, 4);
  a!.dispose();
  b!.dispose();
  // with refineDecoder the decoder learns beside the refiner; the encoder, style encoder and denoiser stay the paired model's
  const withDecoder = loadLatentDiffusion((await runPhase({ ...refineSettings, run: join(root, 'refined-decoder'), steps: 2, validateEvery: 2, refineDecoder: true })).output);
  assertOnlyDecoderLearned(withDecoder, denoiserFrom, "the paired model's");
  withDecoder.dispose();
  // the decoder phase: the decoder learns on the encoder's latents of the targets; everything else stays the source's
  const decoderRun = await runPhase({ ...PHASE_DEFAULTS.decoder, data, run: join(root, 'decoder'), denoiserFrom, steps: 2, batchSize: 2, warmupSteps: 1, validateEvery: 2, validationBatches: 1 });
  assert.ok(decoderRun.validation!.mse! > 0 && decoderRun.validation!.flux! > 0, JSON.stringify(decoderRun.validation));
  const tuned = loadLatentDiffusion(decoderRun.output);
  assert.equal(tuned.config.name, 'paired', "the source's config");
  assertOnlyDecoderLearned(tuned, denoiserFrom, "the source's");
  tuned.dispose();
  await assert.rejects(runPhase({ ...PHASE_DEFAULTS.decoder, data, run: join(root, 'decoder-bad'), denoiserFrom: join(root, 'nope.safetensors') }), /nope\.safetensors does not exist: the decoder phase fine-tunes the decoder of a trained model/);
  // the transfer phase: the denoiser and style encoder learn on the decoded transfers; the autoencoder stays the source's
  const transferRun = await runPhase({ ...PHASE_DEFAULTS.transfer, data, run: join(root, 'transfer'), denoiserFrom, steps: 2, batchSize: 2, warmupSteps: 1, validateEvery: 2, validationBatches: 1 });
  assert.ok(transferRun.validation!.unrefinedMse! > 0, JSON.stringify(transferRun.validation));
  const sharpened = loadLatentDiffusion(transferRun.output);
  assert.equal(sharpened.config.name, 'paired', "the source's config");
  const before = loadLatentDiffusion(denoiserFrom);
  const learned = (prefix: string) => tidy(() => [...before.stateDict()].filter(([name]) => name.startsWith(prefix)).some(([name, t]) => sharpened.stateDict().get(name)!.sub(t).abs().amax().item() > 0));
  assert.deepEqual(['encoder.', 'decoder.', 'style_encoder.', 'unet.'].map(learned), [false, false, true, true], 'only the style encoder and the denoiser learned');
  before.dispose();
  sharpened.dispose();
  await assert.rejects(runPhase({ ...PHASE_DEFAULTS.transfer, data, run: join(root, 'transfer-bad'), denoiserFrom: seedFile }), /the seed model is not content-conditioned; the transfer phase trains a paired model/);
  // the instrument term: a probe fitted on the style encoder's features at the start, kept in the run folder, read again on resuming
  const probeRun = join(root, 'refined-instrument');
  await runPhase({ ...refineSettings, run: probeRun, steps: 2, validateEvery: 2, checkpointEvery: 1, instrumentWeight: 0.05 });
  const probeFile = join(probeRun, 'instrument-probe.safetensors');
  const probeBytes = readFileSync(probeFile);
  const saved = loadSafetensors(probeFile);
  assert.ok(Number(saved.metadata.accuracy) >= 0 && saved.tensors.has('weight'), 'the probe records its validation accuracy');
  for (const t of saved.tensors.values()) t.dispose();
  await runPhase({ ...refineSettings, run: probeRun, steps: 3, validateEvery: 3, instrumentWeight: 0.05 });
  assert.deepEqual(readFileSync(probeFile), probeBytes, 'the resumed run reads the same probe');
  const parts = readFileSync(join(probeRun, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>).filter((l) => l.instrument !== undefined);
  assert.equal(parts.length, 3, 'every step has its instrument term');
  assert.ok(parts.every((l) => Number.isFinite(l.instrument) && l.instrument! > 0));
  await assert.rejects(runPhase({ ...adversarial, run: join(root, 'adversarial-resumed'), steps: 6, adversarialWeight: 0, featureMatchingWeight: 0 }), /a state saved with a critic \(adversarial training\), and this run trains none/);
  await assert.rejects(runPhase({ ...refineSettings, run: join(root, 'refined-bad'), model: 'refined-styled', refinerFrom: join(refineRun, 'model.safetensors') }), /a refined-styled-long model, whose refiner .* is not the refined-styled model's .*; give a model of config refined-styled$/);
  await assert.rejects(runPhase({ ...refineSettings, run: join(root, 'refined-bad'), denoiserFrom: seedFile }), /seed-model\.safetensors: a seed model, whose denoiser is not the refined-styled-long model's; give a model trained by mst train paired/);
  await assert.rejects(runPhase({ ...refineSettings, run: join(root, 'refined-bad'), model: 'paired' }), /the paired model has no refiner; the refine phase trains a model with one, --model=refined, refined-spectral, refined-one-step, refined-styled, refined-styled-long, refined-styled-wide, refined-styled-spectral, refined-styled-two-step, refined-fully-styled$/);
});

test("the transfer phase's loss is the error of the model's own transfer, sampled with autograd: MSE (or the absolute error) plus fluxWeight × the frame-to-frame change's, plus diffusionWeight × the paired objective; with throughRefiner, the refined transfer's", () => {
  tidy(() => {
    const model = new LatentDiffusion(modelConfig('paired'));
    model.eval(); // as transfer runs it: the style encoder's BatchNorm on its running statistics
    const tile = () => rand([2, 1, 128, 128]).mul(2).sub(1);
    const batch = { content: tile(), style: tile(), target: tile(), contentInstrument: ['piano', 'piano'], targetInstrument: ['violin', 'violin'], pitchRanges: [], source: [], styleSource: [] };
    const settings = { ...PHASE_DEFAULTS.transfer, bf16: false, diffusionWeight: 0 };
    manualSeed(3);
    const decoded = noGrad(() => model.transfer(batch.content, batch.style, { ...model.config.sampling, refine: false }));
    const change = (x: typeof decoded) => x.slice(3, 1, 128).sub(x.slice(3, 0, 127));
    const mse = F.mseLoss(decoded, batch.target).item();
    const flux = F.mseLoss(change(decoded), change(batch.target)).item();
    manualSeed(3);
    const plain = transferTask(model, settings).loss(batch);
    assert.deepEqual(Object.keys(plain.parts), ['mse', 'flux']);
    assertAllClose([plain.parts.mse!.item(), plain.parts.flux!.item()], [mse, flux], { rtol: 1e-4 });
    assertAllClose([plain.loss.item()], [mse + 16 * flux], { rtol: 1e-4 });
    plain.loss.backward();
    assert.ok(model.unet.parameters().every((p) => p.grad !== null), 'the loss reaches every weight of the denoiser through the sampler');
    assert.ok(model.styleEncoder.parameters().some((p) => p.grad !== null && p.grad.abs().sum().item() > 0), 'and the style encoder');
    assert.ok([...model.encoder.parameters(), ...model.decoder.parameters()].every((p) => p.grad === null), 'never the frozen autoencoder');
    manualSeed(3);
    const withDiffusion = transferTask(model, { ...settings, diffusionWeight: 0.5 }).loss(batch);
    assert.deepEqual(Object.keys(withDiffusion.parts), ['mse', 'flux', 'diffusion']);
    assertAllClose([withDiffusion.loss.item()], [mse + 16 * flux + 0.5 * withDiffusion.parts.diffusion!.item()], { rtol: 1e-4 });
    manualSeed(3);
    const absolute = transferTask(model, { ...settings, regressionLoss: 'l1' }).loss(batch);
    assert.deepEqual(Object.keys(absolute.parts), ['l1', 'flux']);
    const [l1, fluxL1] = [F.l1Loss(decoded, batch.target).item(), F.l1Loss(change(decoded), change(batch.target)).item()];
    assertAllClose([absolute.parts.l1!.item(), absolute.parts.flux!.item(), absolute.loss.item()], [l1, fluxL1, l1 + 16 * fluxL1], { rtol: 1e-4 });
    model.dispose();
  });
  tidy(() => {
    // throughRefiner: the loss is the refined transfer's, as transfer returns it
    const model = new LatentDiffusion(modelConfig('refined-styled-long'));
    noGrad(() => nn.init.uniform_(model.refiner!.output.weight, 0.05)); // an untrained refiner adds nothing: make it add something
    const tile = () => rand([2, 1, 128, 128]).mul(2).sub(1);
    const batch = { content: tile(), style: tile(), target: tile(), contentInstrument: ['piano', 'piano'], targetInstrument: ['violin', 'violin'], pitchRanges: [], source: [], styleSource: [] };
    const errors = (refine: boolean) => {
      manualSeed(3);
      return F.mseLoss(noGrad(() => model.transfer(batch.content, batch.style, { ...model.config.sampling, refine })), batch.target).item();
    };
    const [refined, decoded] = [errors(true), errors(false)];
    assert.ok(Math.abs(refined - decoded) > 1e-4, 'the refiner changes the transfer');
    model.eval();
    manualSeed(3);
    const through = transferTask(model, { ...PHASE_DEFAULTS.transfer, bf16: false, diffusionWeight: 0, throughRefiner: true }).loss(batch);
    assertAllClose([through.parts.mse!.item()], [refined], { rtol: 1e-4 });
    model.dispose();
  });
  const unrefined = new LatentDiffusion(modelConfig('paired'));
  assert.throws(() => transferTask(unrefined, { ...PHASE_DEFAULTS.transfer, throughRefiner: true }), /train: the paired model has no refiner for throughRefiner/);
  unrefined.dispose();
  assert.throws(() => resolveTrainConfig('transfer', undefined, ['--denoiserFrom=']), /train: the transfer phase needs denoiserFrom/);
});

test("the refine phase's loss is MSE (or, with regressionLoss l1, the mean absolute error) plus fluxWeight × the same error of the frame-to-frame change plus timbreWeight × the style encoder's relative error", () => {
  tidy(() => {
    const model = new LatentDiffusion(modelConfig('refined')); // untrained: its refiner returns the decoded transfer
    const tile = () => rand([2, 1, 128, 128]).mul(2).sub(1);
    const batch = { content: tile(), style: tile(), target: tile(), contentInstrument: ['piano', 'piano'], targetInstrument: ['violin', 'violin'], pitchRanges: [], source: [], styleSource: [] };
    const lossWith = (fluxWeight: number, timbreWeight = 0, regressionLoss: 'mse' | 'l1' = 'mse') => {
      manualSeed(3); // the same transfers each time
      return refineTask(model, { ...PHASE_DEFAULTS.refine, bf16: false, fluxWeight, timbreWeight, regressionLoss }, ['piano', 'violin']).loss(batch);
    };
    manualSeed(3);
    const decoded = noGrad(() => model.transfer(batch.content, batch.style, { ...model.config.sampling, refine: false }));
    const change = (x: typeof decoded) => x.slice(3, 1, 128).sub(x.slice(3, 0, 127));
    const mse = F.mseLoss(decoded, batch.target).item();
    const flux = F.mseLoss(change(decoded), change(batch.target)).item();
    const plain = lossWith(0);
    assert.deepEqual(Object.keys(plain.parts), ['refine']);
    assertAllClose([plain.loss.item()], [mse]);
    const weighted = lossWith(2);
    assertAllClose([weighted.parts.flux!.item()], [flux]);
    assertAllClose([weighted.loss.item()], [mse + 2 * flux]);
    // the absolute error, by hand from the values
    const meanAbsolute = (a: typeof decoded, b: typeof decoded) => {
      const [x, y] = [a.toFloat32Array(), b.toFloat32Array()];
      return x.reduce((sum, v, i) => sum + Math.abs(v - y[i]!), 0) / x.length;
    };
    const absolute = lossWith(2, 0, 'l1');
    assertAllClose([absolute.parts.refine!.item(), absolute.parts.flux!.item()], [meanAbsolute(decoded, batch.target), meanAbsolute(change(decoded), change(batch.target))], { rtol: 1e-4 });
    assertAllClose([absolute.loss.item()], [meanAbsolute(decoded, batch.target) + 2 * meanAbsolute(change(decoded), change(batch.target))], { rtol: 1e-4 });

    const decodedMaps = model.styleEncoder.forward(decoded);
    const targetMaps = model.styleEncoder.forward(batch.target);
    const timbre = decodedMaps.map((map, l) => map.sub(targetMaps[l]!).square().mean().item() / targetMaps[l]!.square().mean().item()).reduce((a, b) => a + b) / 6;
    const withTimbre = lossWith(0, 3);
    assert.deepEqual(Object.keys(withTimbre.parts), ['refine', 'timbre']);
    assertAllClose([withTimbre.parts.timbre!.item()], [timbre], { rtol: 1e-4 });
    assertAllClose([withTimbre.loss.item()], [mse + 3 * timbre], { rtol: 1e-4 });
    withTimbre.loss.backward();
    assert.ok(model.refiner!.output.weight.grad!.abs().sum().item() > 0, 'the timbre term reaches the refiner');
    assert.ok(model.styleEncoder.parameters().every((p) => p.grad === null), 'and never the frozen style encoder');
    model.dispose();
  });
  assert.throws(() => resolveTrainConfig('refine', undefined, ['--fluxWeight=-1']), /train: Expected fluxWeight ≥ 0 but received -1/);
  assert.throws(() => resolveTrainConfig('refine', undefined, ['--timbreWeight=-0.5']), /train: Expected timbreWeight ≥ 0 but received -0.5/);
  assert.throws(() => resolveTrainConfig('refine', undefined, ['--regressionLoss=l3']), /train: Expected regressionLoss mse or l1 but received "l3"/);
  assert.equal(resolveTrainConfig('transfer', undefined, ['--regressionLoss=l1']).regressionLoss, 'l1');
});

test("with a critic, the refine phase's loss adds −adversarialWeight × its mean score and featureMatchingWeight × the distance of its maps, and the critic's own loss trains only the critic", () => {
  tidy(() => {
    const model = new LatentDiffusion(modelConfig('refined')); // untrained: its refiner returns the decoded transfer
    const tile = () => rand([2, 1, 128, 128]).mul(2).sub(1);
    const batch = { content: tile(), style: tile(), target: tile(), contentInstrument: ['piano', 'piano'], targetInstrument: ['violin', 'piano'], pitchRanges: [], source: [], styleSource: [] };
    manualSeed(4);
    const task = refineTask(model, { ...PHASE_DEFAULTS.refine, bf16: false, fluxWeight: 0, adversarialWeight: 0.5, featureMatchingWeight: 2 }, ['piano', 'violin']);
    const critic = task.critic!.module as InstrumentCritic;
    manualSeed(3);
    const { loss, parts, criticLoss } = task.loss(batch);
    assert.deepEqual(Object.keys(parts), ['refine', 'adversarial', 'featureMatching']);

    manualSeed(3); // the same transfer, scored directly
    const decoded = noGrad(() => model.transfer(batch.content, batch.style, { ...model.config.sampling, refine: false }));
    const labels = critic.oneHot(batch.targetInstrument);
    assert.deepEqual([...labels.toFloat32Array()], [0, 1, 1, 0]);
    const fake = noGrad(() => critic.forward(decoded, labels));
    const real = noGrad(() => critic.forward(batch.target, labels));
    assert.deepEqual(fake.scores.shape, [2, 64]);
    assert.deepEqual(fake.features.map((f) => f.shape), [[2, 32, 64, 64], [2, 64, 32, 32], [2, 128, 16, 16], [2, 128, 8, 8], [2, 128, 8, 8]]);
    const adversarial = -fake.scores.mean().item();
    const matching = fake.features.map((f, l) => f.sub(real.features[l]!).abs().mean().item()).reduce((a, b) => a + b) / 5;
    assertAllClose([parts.adversarial!.item(), parts.featureMatching!.item()], [adversarial, matching], { rtol: 1e-4 });
    assertAllClose([loss.item()], [F.mseLoss(decoded, batch.target).item() + 0.5 * adversarial + 2 * matching], { rtol: 1e-4 });
    const hinge = (scores: number[], sign: number) => scores.reduce((sum, x) => sum + Math.max(0, 1 - sign * x), 0) / scores.length;
    const expectedCriticLoss = hinge([...real.scores.toFloat32Array()], 1) + hinge([...fake.scores.toFloat32Array()], -1);

    loss.backward();
    assert.ok(model.refiner!.output.weight.grad!.abs().sum().item() > 0, 'the adversarial terms reach the refiner');
    for (const p of task.critic!.parameters) p.grad?.zero_();
    for (const p of model.refiner!.parameters()) p.grad?.zero_();
    const own = criticLoss!();
    assertAllClose([own.loss.item()], [expectedCriticLoss], { rtol: 1e-4 });
    own.loss.backward();
    assert.ok(critic.score.weight.grad!.abs().sum().item() > 0 && critic.embedding.weight.grad!.abs().sum().item() > 0, "the critic's loss trains the critic");
    assert.ok(model.refiner!.parameters().every((p) => p.grad === null || p.grad.abs().sum().item() === 0), 'and not the refiner: it reads the refined tiles detached');
    assert.throws(() => critic.oneHot(['oboe']), /InstrumentCritic: Expected one of piano, violin but received oboe/);

    // contentAsFake: half the critic's negative term is the content tiles' scores under the target's name
    const withContent = refineTask(model, { ...PHASE_DEFAULTS.refine, bf16: false, fluxWeight: 0, adversarialWeight: 0.5, contentAsFake: true }, ['piano', 'violin']);
    (withContent.critic!.module as InstrumentCritic).loadStateDict(critic.stateDict());
    const contentScores = noGrad(() => critic.forward(batch.content, labels)).scores;
    manualSeed(3); // the same transfers as above
    const ownWithContent = noGrad(() => withContent.loss(batch).criticLoss!());
    const expectedWithContent = hinge([...real.scores.toFloat32Array()], 1) + (hinge([...fake.scores.toFloat32Array()], -1) + hinge([...contentScores.toFloat32Array()], -1)) / 2;
    assertAllClose([ownWithContent.loss.item(), ownWithContent.parts.content!.item()], [expectedWithContent, contentScores.mean().item()], { rtol: 1e-4 });
    withContent.critic!.module.dispose();
    model.dispose();
    critic.dispose();
  });
  assert.throws(() => resolveTrainConfig('refine', undefined, ['--adversarialWeight=-1']), /train: Expected adversarialWeight ≥ 0 but received -1/);
});

test("phase 2's L_rec is eq. 2 on the target's own latent, or the ᾱ-weighted error of the decoded prediction", () => {
  manualSeed(8);
  tidy(() => {
    const model = new LatentDiffusion(modelConfig('seed'));
    model.eval(); // BatchNorm on running statistics, so that the same input decodes the same twice
    const net = freeze(new VGGishFeatureNet(featureNetConfig(['piano', 'violin'])));
    const tile = () => rand([2, 1, 128, 128]).mul(2).sub(1);
    const target = tile();
    const batch = { content: tile(), style: tile(), target, contentInstrument: ['piano', 'piano'], targetInstrument: ['violin', 'violin'], pitchRanges: [], source: [], styleSource: [] };
    const settings = { ...PHASE_DEFAULTS.diffusion, bf16: false, featureLossItems: 0 };
    const reconstruction = (config: TrainConfig) => diffusionTask(model, net, config).loss(batch).parts.reconstruction!;
    const decoded = noGrad(() => model.decoder.forward(model.encoder.forward(target)));
    const expected = F.mseLoss(decoded, target).item() + 0.1 * featureLoss(net, decoded, target).item();
    const fromEncoding = reconstruction({ ...settings, reconstructionFrom: 'encoding', perceptualWeight: 0.1 });
    assert.ok(Math.abs(fromEncoding.item() - expected) < 1e-5, `${fromEncoding.item()} against ${expected}`);
    fromEncoding.backward();
    assert.ok(model.decoder.parameters().every((p) => p.grad !== null), 'the decoder learns from it');
    const fromPrediction = reconstruction({ ...settings, reconstructionFrom: 'prediction' }).item();
    assert.ok(Number.isFinite(fromPrediction) && Math.abs(fromPrediction - expected) > 1e-4, 'the prediction is another latent');
    model.dispose();
    net.dispose();
  });
});

test('the weights\' moving average moves by (1 − d) toward each step\'s weights, and leaves a weight that does not move bit for bit', () => {
  const layer = new nn.Linear(3, 2);
  const ema = new Ema(layer, 0.9);
  const [w0, b0] = [layer.weight.toFloat32Array(), layer.bias!.toFloat32Array()];
  noGrad(() => layer.weight.add_(1));
  ema.update();
  assertAllClose(ema.averages.get('weight')!.toFloat32Array(), w0.map((w) => w + 0.1), { atol: 1e-6, what: 'average of a moved weight' });
  assert.deepEqual(ema.averages.get('bias')!.toFloat32Array(), b0, 'an unmoved bias');
  // warm-up: the first update (step 0) keeps 1/10 of the average, the 100th 101/110, later d itself
  noGrad(() => layer.weight.add_(1));
  ema.update(0);
  assertAllClose(ema.averages.get('weight')!.toFloat32Array(), w0.map((w) => w + 0.1 + 0.9 * 1.9), { atol: 1e-5, what: 'the first step\'s average' });
  assert.equal(ema.decayAt(99), 0.9);
  assert.equal(new Ema(layer, 0.999).decayAt(99), 100 / 109);
  ema.dispose();
  layer.dispose();
});

test('the learning rate warms up linearly and follows a cosine to its floor', () => {
  const s = { learningRate: 1, warmupSteps: 4, steps: 104, minLearningRate: 0.1 };
  assert.deepEqual([0, 1, 2, 3].map((i) => learningRateAt(i, s)), [0.25, 0.5, 0.75, 1]);
  assert.ok(Math.abs(learningRateAt(54, s) - 0.55) < 1e-12, 'half way down the cosine: the mean of peak and floor');
  assert.ok(Math.abs(learningRateAt(104, s) - 0.1) < 1e-12);
});

test('settings are refused by name: unknown keys, wrong types, out of range; a missing phase names its command', async () => {
  assert.equal(resolveTrainConfig('autoencoder', undefined, ['--steps=7', '--bf16=true']).steps, 7);
  assert.throws(() => resolveTrainConfig('autoencoder', undefined, ['--stepz=7']), /unknown training setting stepz; settings: .*steps/);
  assert.throws(() => resolveTrainConfig('autoencoder', undefined, ['--steps=many']), /--steps: Expected a value of type number but received many of type string/);
  assert.throws(() => resolveTrainConfig('diffusion', undefined, ['--emaDecay=1']), /Expected emaDecay in \[0, 1\) but received 1/);
  assert.throws(() => resolveTrainConfig('diffusion', undefined, ['--reconstructionFrom=noise']), /Expected reconstructionFrom encoding or prediction but received noise/);
  assert.throws(() => resolveTrainConfig('features', undefined, ['--device=tpu']), /Expected device cpu or cuda but received tpu/);
  const run = join(root, 'empty');
  await assert.rejects(runPhase({ ...PHASE_DEFAULTS.autoencoder, data, run }), /features.safetensors does not exist: the autoencoder phase needs the features phase's output; run mst train features --run=/);
  await assert.rejects(runPhase({ ...PHASE_DEFAULTS.autoencoder, data: join(root, 'nothing'), run }), /neither a dataset \(no manifest.json; build one with mst dataset build\) nor a folder of audio with one subfolder per instrument/);
});

test("a user's folder of audio trains too: a tile is its own target, the style another clip of its instrument", async () => {
  const dir = join(root, 'my-audio');
  const tone = (hz: number, seconds: number, level = 0.3) => Float32Array.from({ length: seconds * 16000 }, (_, i) => level * Math.sin((2 * Math.PI * hz * i) / 16000) * (1 - ((i / 1600) % 1) * 0.5));
  for (const [label, hz] of [['low', 220], ['high', 880]] as const) {
    mkdirSync(join(dir, label, 'takes'), { recursive: true });
    writeWav(join(dir, label, 'a.wav'), tone(hz, 5), 16000);
    writeWav(join(dir, label, 'takes', 'b.wav'), tone(hz * 1.5, 5), 16000);
  }
  writeWav(join(dir, 'low', 'silence.wav'), new Float32Array(32000), 16000);
  writeFileSync(join(dir, 'low', 'broken.wav'), 'RIFF not really');
  writeFileSync(join(dir, 'low', 'notes.txt'), 'not audio, not read');
  const log: string[] = [];
  const data = await openTrainingData(dir, { batchSize: 4, seed: 0, log: (m) => log.push(m) });
  try {
    assert.equal(data.kind, 'audio folder');
    assert.deepEqual(data.instruments, ['high', 'low']);
    assert.match(log.join('\n'), /skipping .*silence.wav: silent throughout/);
    assert.match(log.join('\n'), /skipping .*broken.wav: /);
    let batches = 0;
    for await (const batch of data.train.epoch(0)) {
      assert.deepEqual(batch.content.shape, [4, 1, 128, 128]);
      assert.deepEqual(batch.content.toFloat32Array(), batch.target.toFloat32Array(), 'its own target');
      assert.deepEqual(batch.targetInstrument, batch.contentInstrument);
      batch.source.forEach((s, i) => {
        const style = batch.styleSource[i]!;
        assert.equal(style.file.split('/')[0], s.file.split('/')[0], 'a style of the same instrument');
        assert.notDeepEqual(style, s, 'never the tile itself');
      });
      assert.equal(batch.pitchKnown, false);
      for (const t of [batch.content, batch.target, batch.style]) t.dispose();
      batches++;
    }
    assert.ok(batches >= 2);
  } finally {
    data.dispose();
  }
  const run = join(root, 'my-run');
  const result = await runPhase({ ...PHASE_DEFAULTS.features, data: dir, run, steps: 2, batchSize: 4, warmupSteps: 1, validationBatches: 1 });
  assert.deepEqual(Object.keys(result.validation ?? {}), ['instrumentAccuracy'], 'no pitch figures without written notes');
  await assert.rejects(openTrainingData(join(dir, 'low'), { batchSize: 4, seed: 0 }), /Expected subfolders of audio for at least 2 instruments \(e.g. .*\/cello\/\*.wav.*\) but found takes/);
});
