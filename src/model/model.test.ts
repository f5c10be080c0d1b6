/**
 * The seed's model: shapes of every module, the same outputs as the PyTorch twin given the same
 * weights, the noise schedule's known values, DDIM's exact recovery with a perfect noise
 * predictor, and configs checked by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tensor, arange, rand, randn, tidy, manualSeed, saveSafetensors, saveCheckpoint, noGrad, zeros, cat, nn, F, type Tensor } from '../engine/index.js';
import { pythonWithTorch, repoRoot, assertAllClose, temporaryDirectory } from '../testing/helpers.js';
import { spreadSubset } from './vggish.js';
import { PairedUNet } from './paired-unet.js';
import { LatentDiffusion, ContentRefiner, pooledStyle, joinReferenceTiles, VGGishFeatureNet, VGGISH_WIDTHS, NoiseSchedule, loadLatentDiffusion, ModelLoadError, ddimSample, ddimTimesteps, featureLoss, freeze, latentPenalty, modelConfig, checkModelConfig, MODEL_CONFIGS, timestepEmbedding } from './index.js';
import type { GuidanceFrom } from './guidance-from.js';

const INSTRUMENTS = ['piano', 'guitar', 'violin'];

test('every module has the shapes the seed gives', () => {
  manualSeed(0);
  tidy(() => {
    const model = new LatentDiffusion(modelConfig('seed'));
    const x = rand([2, 1, 128, 128]).mul(2).sub(1);
    const z = model.encoder.forward(x);
    assert.deepEqual(z.shape, [2, 4, 16, 16]);
    const decoded = model.decoder.forward(z);
    assert.deepEqual(decoded.shape, [2, 1, 128, 128]);
    assert.ok(decoded.abs().amax([0, 1, 2, 3]).item() < 1, 'tanh keeps the output inside (-1, 1)');
    const maps = model.styleEncoder.forward(x);
    assert.deepEqual(maps.map((m) => m.shape), [[2, 64, 64, 64], [2, 128, 32, 32], [2, 256, 16, 16], [2, 256, 8, 8], [2, 256, 4, 4], [2, 512, 2, 2]]);
    assert.deepEqual(model.seedUnet.forward(z, tensor(new BigInt64Array([0n, 999n])), maps).shape, [2, 4, 16, 16]);
    assert.deepEqual(timestepEmbedding(tensor(new BigInt64Array([3n])), 128).shape, [1, 128]);
    const net = new VGGishFeatureNet({ instruments: INSTRUMENTS, widths: VGGISH_WIDTHS, hidden: 64, embedding: 32 });
    const out = net.forward(x);
    assert.deepEqual(out.features.map((f) => f.shape), [[2, 64, 64, 64], [2, 128, 32, 32], [2, 256, 16, 16], [2, 512, 8, 8]]);
    assert.deepEqual([out.instrument.shape, out.lowest.shape, out.highest.shape], [[2, 3], [2, 129], [2, 129]]);
    model.dispose();
    net.dispose();
  });
});

test('the same weights give the same outputs as the PyTorch twin, the feature loss and its gradient included', () => {
  manualSeed(1);
  const dir = temporaryDirectory('mst-model-');
  const file = join(dir, 'weights.safetensors');
  tidy(() => {
    const model = new LatentDiffusion(modelConfig('seed'));
    const net = freeze(new VGGishFeatureNet({ instruments: INSTRUMENTS, widths: VGGISH_WIDTHS, hidden: 64, embedding: 32 }));
    // give BatchNorm non-trivial running statistics, so that eval mode is tested too
    model.train();
    noGrad(() => model.decoder.forward(model.encoder.forward(rand([4, 1, 128, 128]).mul(2).sub(1))));
    model.eval();
    const inputs: Record<string, Tensor> = {
      x: rand([2, 1, 128, 128]).mul(2).sub(1),
      style: rand([2, 1, 128, 128]).mul(2).sub(1),
      z: randn([2, 4, 16, 16]),
      t: tensor(new BigInt64Array([17n, 803n])),
      target: rand([2, 1, 128, 128]).mul(2).sub(1),
    };
    const weights = new Map<string, Tensor>([...model.stateDict(), ...[...net.stateDict()].map(([k, v]): [string, Tensor] => [`feature_net.${k}`, v]), ...Object.entries(inputs)]);
    saveSafetensors(file, weights);
    const expected = JSON.parse(execFileSync(pythonWithTorch, [join(repoRoot, 'test', 'model_twin.py'), file], { encoding: 'utf8', maxBuffer: 1 << 28 })) as Record<string, number[]>;

    const ours: Record<string, Tensor> = noGrad(() => {
      const latent = model.encoder.forward(inputs.x!);
      const maps = model.styleEncoder.forward(inputs.style!);
      const out = net.forward(inputs.x!);
      return { latent, decoded: model.decoder.forward(latent), style4: maps[4]!, style5: maps[5]!, noise: model.seedUnet.forward(inputs.z!, inputs.t!, maps), instrument: out.instrument, lowest: out.lowest, feature3: out.features[3]! };
    });
    const x = inputs.x!.clone().requiresGrad_(true);
    const loss = featureLoss(net, x, inputs.target!);
    loss.backward();
    ours.feature_loss = loss.detach();
    ours.feature_grad = x.grad!;
    for (const [name, value] of Object.entries(ours)) {
      assertAllClose(value.toFloat32Array(), expected[name]!, { atol: 1e-5, rtol: 1e-3, what: name });
    }
    assert.ok(ours.feature_loss.item() > 0);
    // Gradient checkpointing (the blocks recomputed in the backward pass) changes neither.
    const x2 = inputs.x!.clone().requiresGrad_(true);
    const recomputed = featureLoss(net, x2, inputs.target!, { recompute: true });
    recomputed.backward();
    assertAllClose(recomputed.detach().toFloat32Array(), expected.feature_loss!, { atol: 1e-5, rtol: 1e-3, what: 'recomputed feature_loss' });
    assertAllClose(x2.grad!.toFloat32Array(), expected.feature_grad!, { atol: 1e-5, rtol: 1e-3, what: 'recomputed feature_grad' });
    model.dispose();
    net.dispose();
  });
});

test("the linear schedule's ᾱ has DDPM's known values, and noising mixes as √ᾱ·z0 + √(1−ᾱ)·ε", () => {
  const schedule = new NoiseSchedule(modelConfig('seed').schedule);
  assert.equal(schedule.betas[0], 1e-4);
  assert.ok(Math.abs(schedule.betas[999]! - 0.02) < 1e-15);
  assert.ok(Math.abs(schedule.alphasCumprod[0]! - 0.9999) < 1e-12);
  assert.ok(Math.abs(schedule.alphasCumprod[999]! - 4.0358e-5) < 1e-8, `ᾱ_999 = ${schedule.alphasCumprod[999]}`);
  tidy(() => {
    const z0 = tensor([[[[1]]], [[[2]]]]);
    const noise = tensor([[[[3]]], [[[-1]]]]);
    const t = tensor(new BigInt64Array([0n, 999n]));
    const a = schedule.alphasCumprod;
    assertAllClose(schedule.addNoise(z0, noise, t).toFloat32Array(), [Math.sqrt(a[0]!) + 3 * Math.sqrt(1 - a[0]!), 2 * Math.sqrt(a[999]!) - Math.sqrt(1 - a[999]!)], { atol: 1e-6 });
    assertAllClose(schedule.predictClean(schedule.addNoise(z0, noise, t), noise, t).toFloat32Array(), [1, 2], { atol: 1e-3 });
    assert.throws(() => schedule.alphaBar(tensor(new BigInt64Array([1000n]))), /Expected time steps in \[0, 999\] but received 1000/);
  });
});

test('DDIM time steps are evenly spaced from the strength, and out-of-range options are refused', () => {
  assert.deepEqual(ddimTimesteps(1000, { steps: 10, strength: 1 }), [999, 899, 799, 699, 599, 499, 399, 299, 199, 99]);
  assert.deepEqual(ddimTimesteps(1000, { steps: 4, strength: 0.5 }), [499, 374, 249, 124]);
  assert.deepEqual(ddimTimesteps(10, { steps: 10, strength: 1 }), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  assert.throws(() => ddimTimesteps(1000, { steps: 0, strength: 1 }), /Expected steps in \[1, 1000\]/);
  assert.throws(() => ddimTimesteps(1000, { steps: 20, strength: 0.01 }), /strength 0.01 leaves 10 of 1000 time steps/);
  assert.throws(() => ddimTimesteps(1000, { steps: 10, strength: 1.5 }), /Expected strength in \(0, 1\] but received 1.5/);
});

test('DDIM with a perfect noise predictor returns the clean latent, deterministically at eta 0 and 1', () => {
  const schedule = new NoiseSchedule(modelConfig('seed').schedule);
  tidy(() => {
    manualSeed(3);
    const clean = randn([2, 4, 16, 16]);
    // the noise that z_t holds relative to `clean`: what a perfect model predicts
    const perfect = (z: Tensor, t: number) => z.sub(clean.mul(Math.sqrt(schedule.alphasCumprod[t]!))).div(Math.sqrt(1 - schedule.alphasCumprod[t]!));
    for (const eta of [0, 1]) {
      for (const [steps, strength] of [[10, 1], [3, 0.4]] as const) {
        const out = ddimSample(schedule, perfect, zeros([2, 4, 16, 16]), { steps, eta, strength });
        assertAllClose(out.toFloat32Array(), clean.toFloat32Array(), { atol: 2e-3, what: `eta ${eta}, ${steps} steps, strength ${strength}` });
      }
    }
    assert.throws(() => ddimSample(schedule, perfect, clean, { steps: 10, eta: 2, strength: 1 }), /Expected eta in \[0, 1\] but received 2/);
  });
});

test('transfer runs end to end: same seed, same output; a style for all or one per tile; no refiner to guide', () => {
  const model = new LatentDiffusion(modelConfig('seed'));
  tidy(() => {
    const content = rand([2, 1, 128, 128]).mul(2).sub(1);
    const style = rand([1, 1, 128, 128]).mul(2).sub(1);
    const run = (s: Tensor) => {
      manualSeed(7);
      return model.transfer(content, s, { steps: 3, eta: 0, strength: 0.6 });
    };
    const a = run(style);
    assert.deepEqual(a.shape, [2, 1, 128, 128]);
    assertAllClose(run(style).toFloat32Array(), a.toFloat32Array(), { atol: 0, rtol: 0, what: 'same seed' });
    assertAllClose(run(style.expand([2, 1, 128, 128])).toFloat32Array(), a.toFloat32Array(), { atol: 1e-6, what: 'one style for all = the same style per tile' });
    assert.throws(() => model.transfer(content, rand([3, 1, 128, 128]), { steps: 3, eta: 0, strength: 0.6 }), /Expected 1 or 2 style tiles \(1 per reference\) but received 3/);
    assert.throws(() => model.transfer(content, style, { steps: 3, eta: 0, strength: 0.6, refinerGuidance: 2 }), (e: Error) => e instanceof RangeError && /refinerGuidance needs a refiner that reads the reference, and the seed model has none/.test(e.message));
  });
  model.dispose();
});

test('a reference of several tiles is read as one clip: its maps side by side, a tile repeated reads as itself, the refiner pools every tile', () => {
  manualSeed(8);
  const model = new LatentDiffusion(modelConfig('refined-styled-long'));
  nn.init.uniform_(model.refiner!.output.weight, 0.05);
  nn.init.uniform_(model.refiner!.style!.output.weight, 0.05); // the refiner's reading of the reference shows
  noGrad(() => {
    for (const [name, p] of model.unet.namedParameters()) if (/attn\.(v|out)\.weight$|style_mlp\.2\.weight$/.test(name)) p.mul_(30); // and the denoiser's: untrained, it barely hears the style
  });
  tidy(() => {
    const maps = [arange(2 * 3 * 2 * 2).reshape(4, 3, 1, 2)]; // 2 references of 2 tiles, [4, 3, 1, 2]
    const joined = joinReferenceTiles(maps, 2)[0]!;
    assert.deepEqual(joined.shape, [2, 3, 1, 4]);
    assert.deepEqual(joined.select(0, 1).select(0, 2).flatten().toArray(), [...maps[0]!.select(0, 2).select(0, 2).flatten().toArray(), ...maps[0]!.select(0, 3).select(0, 2).flatten().toArray()], "the second reference's tiles, one after the other in time");

    const content = rand([2, 1, 128, 128]).mul(2).sub(1);
    const [a, b] = [rand([1, 1, 128, 128]).mul(2).sub(1), rand([1, 1, 128, 128]).mul(2).sub(1)];
    const run = (style: Tensor, referenceTiles?: number) => {
      manualSeed(7);
      return model.transfer(content, style, { ...model.config.sampling, ...(referenceTiles ? { referenceTiles } : {}) }); // guided from the content: its own maps are repeated too
    };
    assertAllClose(run(cat([a, a], 0), 2).toFloat32Array(), run(a).toFloat32Array(), { atol: 1e-5, what: 'a tile twice = the tile once' });
    const two = run(cat([a, b], 0), 2);
    assert.ok(two.sub(run(a)).abs().amax().item() > 5e-4 && two.sub(run(b)).abs().amax().item() > 5e-4, 'two tiles are neither one'); // 50 times the tolerance above
    const pooled = pooledStyle(joinReferenceTiles(model.styleEncoder.forward(cat([a, b], 0)), 2));
    assertAllClose(pooled.toFloat32Array(), pooledStyle(model.styleEncoder.forward(cat([a, b], 0))).mean([0], true).toFloat32Array(), { atol: 1e-6, what: "the refiner's pooled style: the mean over both tiles" });
    assert.throws(() => run(cat([a, b, a], 0), 2), (e: Error) => e instanceof RangeError && /Expected 2 or 4 style tiles \(2 per reference\) but received 3/.test(e.message));
    assert.throws(() => run(a, 0.5), (e: Error) => e instanceof RangeError && /Expected referenceTiles, a whole number ≥ 1, but received 0.5/.test(e.message));
  });
  model.dispose();
});

test('the paired model: v converts to the noise it stands for; latents are scaled to unit spread and back; a dropped style is all zeros; transfer from noise follows the seed, the content and the guidance, guidance from the content itself has nothing to push when the reference is the content, and the lowest strength keeps the content', () => {
  manualSeed(3);
  const model = new LatentDiffusion(modelConfig('paired'));
  const unet = model.unet as PairedUNet;
  tidy(() => {
    // v = √ᾱ·ε − √(1−ᾱ)·z0 and z_t = √ᾱ·z0 + √(1−ᾱ)·ε: noiseFrom(v) must give ε back
    const [z0, eps] = [randn([2, 8, 16, 16]), randn([2, 8, 16, 16])];
    const t = tensor(new BigInt64Array([10n, 900n]));
    const abar = model.schedule.alphaBar(t);
    const v = eps.mul(abar.sqrt()).sub(z0.mul(abar.neg().add(1).sqrt()));
    assertAllClose(model.noiseFrom(v, model.schedule.addNoise(z0, eps, t), t).toFloat32Array(), eps.toFloat32Array(), { atol: 1e-5, what: 'ε from v' });

    // diffusion's latents are the encoder's brought to unit spread, and decode back through the same factor
    const tiles = rand([2, 1, 128, 128]).mul(2).sub(1);
    const scale = model.config.latentScale!;
    assertAllClose(model.encodeLatent(tiles).toFloat32Array(), model.encoder.forward(tiles).mul(scale).toFloat32Array(), { atol: 1e-6, what: 'scaled latent' });
    assertAllClose(model.decodeLatent(model.encodeLatent(tiles)).toFloat32Array(), model.decoder.forward(model.encoder.forward(tiles)).toFloat32Array(), { atol: 1e-5, what: 'decoded through the scale' });

    const style = rand([1, 1, 128, 128]).mul(2).sub(1);
    const dropped = unet.encodeStyle(model.styleEncoder.forward(style), zeros([1]));
    assert.deepEqual([dropped.tokens.shape, dropped.vector.shape], [[1, 20, 256], [1, 256]]);
    assert.equal(dropped.tokens.abs().sum().item() + dropped.vector.abs().sum().item(), 0);

    const content = rand([2, 1, 128, 128]).mul(2).sub(1);
    const run = (c: Tensor, guidance = 1, seed = 7, reference = style, guidanceFrom: GuidanceFrom = 'nothing') => {
      manualSeed(seed);
      return model.transfer(c, reference, { ...model.config.sampling, guidance, guidanceFrom });
    };
    const a = run(content);
    assert.deepEqual(a.shape, [2, 1, 128, 128]);
    assertAllClose(run(content).toFloat32Array(), a.toFloat32Array(), { atol: 0, rtol: 0, what: 'same seed' });
    const differs = (x: Tensor, why: string) => assert.ok(x.sub(a).abs().amax().item() > 1e-4, why);
    differs(run(content, 1, 8), 'another seed');
    differs(run(content.flip([3])), 'other content from the same noise');
    differs(run(content, 3), 'guidance 3');
    // a reference unlike the content (a near-silent tile against noise): guidance from the content pushes towards it
    const quiet = rand([1, 1, 128, 128]).mul(0.1).sub(0.9);
    assert.ok(run(content, 3, 7, quiet, 'content').sub(run(content, 1, 7, quiet)).abs().amax().item() > 1e-4, 'guidance 3 from the content');

    // ε(from) = ε(style) when the content is its own reference: any guidance from the content is then none
    const own = content.slice(0, 0, 1);
    const unguided = run(own, 1, 7, own);
    assertAllClose(run(own, 3, 7, own, 'content').toFloat32Array(), unguided.toFloat32Array(), { atol: 1e-4, what: 'guidance 3 from the content, the content as reference' });
    assert.ok(run(own, 3, 7, own, 'nothing').sub(unguided).abs().amax().item() > 1e-4, 'classifier-free guidance still pushes');
    assert.throws(() => model.transfer(own, own, { ...model.config.sampling, guidance: 2, guidanceFrom: 'silence' as GuidanceFrom }), /sampling: Expected guidanceFrom nothing or content but received silence/);

    // at the lowest strength (one step at t = 0) sampling starts from the content's own latent and returns its reconstruction
    manualSeed(7);
    const kept = model.transfer(content, style, { steps: 1, eta: 0, strength: 0.001 });
    assertAllClose(kept.toFloat32Array(), model.decodeLatent(model.encodeLatent(content)).toFloat32Array(), { atol: 0.02, what: 'strength 0.001 keeps the content' });
  });
  model.dispose();
});

/** The refiner's output from the same weights and inputs in its PyTorch twin (test/refiner_twin.py, bench/twin.py's Refiner). */
function refinedByTwin(refiner: ContentRefiner, decoded: Tensor, content: Tensor, style?: Tensor): number[] {
  const file = join(temporaryDirectory('mst-refiner-'), 'refiner.safetensors');
  saveSafetensors(file, new Map<string, Tensor>([...refiner.namedParameters('refiner.'), ['decoded', decoded], ['content', content], ...(style ? [['style', style] as [string, Tensor]] : [])]));
  return (JSON.parse(execFileSync(pythonWithTorch, [join(repoRoot, 'test', 'refiner_twin.py'), file, JSON.stringify(refiner.config)], { encoding: 'utf8', maxBuffer: 1 << 26 })) as { refined: number[] }).refined;
}

/** Where moving one bin of the content (band 60, frame 64) to 1 changes `correct`'s output: [first band, last band, first frame, last frame]. */
function reachOfOneBin(correct: (content: Tensor) => Tensor, content: Tensor): number[] {
  const single = content.slice(0, 0, 1);
  const moved = single.clone();
  moved.slice(2, 60, 61).slice(3, 64, 65).fill_(1);
  const change = correct(moved).sub(correct(single)).abs().squeeze(0).squeeze(0); // [M, T]
  const reached = (axis: number) => change.amax([1 - axis]).gt(0).toArray().flatMap((hit, i) => (hit ? [i] : []));
  const [bands, frames] = [reached(0), reached(1)];
  return [bands[0]!, bands.at(-1)!, frames[0]!, frames.at(-1)!];
}

test('the refined model: its refiner starts as the identity, corrects the decoded transfer with the content beside it, and hears every band within 20 frames to each side', () => {
  manualSeed(4);
  const model = new LatentDiffusion(modelConfig('refined'));
  const refiner = model.refiner!;
  tidy(() => {
    const [content, style] = [rand([2, 1, 128, 128]).mul(2).sub(1), rand([1, 1, 128, 128]).mul(2).sub(1)];
    const run = (refine?: boolean) => {
      manualSeed(7);
      return model.transfer(content, style, { ...model.config.sampling, ...(refine === undefined ? {} : { refine }) });
    };
    const unrefined = run(false);
    assertAllClose(run().toFloat32Array(), unrefined.toFloat32Array(), { atol: 0, rtol: 0, what: 'an untrained refiner changes nothing' });

    nn.init.uniform_(refiner.output.weight, 0.05);
    nn.init.uniform_(refiner.output.bias!, 0.05);
    const refined = run();
    assert.ok(refined.sub(unrefined).abs().amax().item() > 1e-3, 'a trained refiner changes the transfer');
    assertAllClose(refined.toFloat32Array(), refiner.forward(unrefined, content).clamp(-1, 1).toFloat32Array(), { atol: 1e-5, what: 'transfer = refiner(decoded transfer, content)' });

    // the PyTorch twin (bench/twin.py's Refiner) gives the same output from the same weights
    const decodedTiles = rand([2, 1, 128, 128]).mul(2).sub(1);
    assertAllClose(noGrad(() => refiner.forward(decodedTiles, content)).toFloat32Array(), refinedByTwin(refiner, decodedTiles, content), { atol: 1e-5, rtol: 1e-4, what: 'refiner vs PyTorch' });

    // one content bin moved: the change reaches every band, and only the frames within ±(1 + 1+2+4+8+1+2 + 1)
    const decoded = rand([1, 1, 128, 128]).mul(2).sub(1);
    assert.deepEqual(reachOfOneBin((c) => refiner.forward(decoded, c), content), [0, 127, 64 - 20, 64 + 20]);
  });
  model.dispose();
});

test("refined-spectral: the spectral stage starts as the identity, equals PyTorch's, and works locally in pitch", () => {
  manualSeed(5);
  const refiner = new LatentDiffusion(modelConfig('refined-spectral')).refiner!;
  const spectral = refiner.spectral!;
  tidy(() => {
    const [decoded, content] = [rand([2, 1, 128, 128]).mul(2).sub(1), rand([2, 1, 128, 128]).mul(2).sub(1)];
    const temporalOnly = () => {
      let x = refiner.input.forward(cat([decoded, content], 2).squeeze(1));
      for (const block of refiner.blocks) x = block.forward(x);
      return decoded.add(refiner.output.forward(F.gelu(x)).unsqueeze(1));
    };
    nn.init.uniform_(refiner.output.weight, 0.05);
    assertAllClose(refiner.forward(decoded, content).toFloat32Array(), temporalOnly().toFloat32Array(), { atol: 0, rtol: 0, what: 'an untrained spectral stage changes nothing' });
    nn.init.uniform_(spectral.output.weight, 0.05);
    nn.init.uniform_(spectral.output.bias!, 0.05);
    assert.ok(refiner.forward(decoded, content).sub(temporalOnly()).abs().amax().item() > 1e-3, 'a trained spectral stage changes the output');

    assertAllClose(noGrad(() => refiner.forward(decoded, content)).toFloat32Array(), refinedByTwin(refiner, decoded, content), { atol: 1e-5, rtol: 1e-4, what: 'refiner with its spectral stage vs PyTorch' });

    // the spectral stage alone: one bin moved reaches ±5 bands (five 3×3 convolutions) and ±(1 + 1+2+4 + 1) frames
    const y = decoded.slice(0, 0, 1);
    assert.deepEqual(reachOfOneBin((c) => spectral.forward(y, c), content), [60 - 5, 60 + 5, 64 - 9, 64 + 9]);
  });
  refiner.dispose();
});

test('refined-styled: the refiner reads the reference, starts as the unstyled one, and equals PyTorch', () => {
  manualSeed(6);
  const model = new LatentDiffusion(modelConfig('refined-styled'));
  const refiner = model.refiner!;
  tidy(() => {
    const [decoded, content] = [rand([2, 1, 128, 128]).mul(2).sub(1), rand([2, 1, 128, 128]).mul(2).sub(1)];
    assert.deepEqual(pooledStyle(model.styleEncoder.forward(rand([2, 1, 128, 128]).mul(2).sub(1))).shape, [2, 8 * model.config.styleFilters]);
    const styles = randn([2, 8 * model.config.styleFilters]); // an untrained encoder pools any two noise tiles to nearly the same features
    assert.throws(() => refiner.forward(decoded, content), (e: Error) => e instanceof RangeError && /this refiner reads the reference .*give its pooled style features/.test(e.message));
    nn.init.uniform_(refiner.output.weight, 0.05);
    nn.init.uniform_(refiner.output.bias!, 0.05);
    const unstyled = new ContentRefiner({ ...refiner.config, styleFeatures: undefined });
    unstyled.loadStateDict(new Map([...refiner.stateDict()].filter(([name]) => !name.startsWith('style.'))));
    assertAllClose(refiner.forward(decoded, content, styles).toFloat32Array(), unstyled.forward(decoded, content).toFloat32Array(), { atol: 0, rtol: 0, what: 'an untrained style modulation changes nothing' });
    unstyled.dispose();

    nn.init.uniform_(refiner.style!.output.weight, 0.05);
    const swapped = cat([styles.slice(0, 1, 2), styles.slice(0, 0, 1)], 0);
    assert.ok(refiner.forward(decoded, content, styles).sub(refiner.forward(decoded, content, swapped)).abs().amax().item() > 1e-3, 'another reference, another output');
    assertAllClose(noGrad(() => refiner.forward(decoded, content, styles)).toFloat32Array(), refinedByTwin(refiner, decoded, content, styles), { atol: 1e-5, rtol: 1e-4, what: 'styled refiner vs PyTorch' });

    // transfer hands the refiner the reference's pooled features
    const reference = rand([1, 1, 128, 128]).mul(2).sub(1);
    const run = (refine: boolean) => {
      manualSeed(7);
      return model.transfer(content, reference, { ...model.config.sampling, refine });
    };
    const pooled = pooledStyle(model.styleEncoder.forward(reference)).expand([2, 8 * model.config.styleFilters]);
    assertAllClose(run(true).toFloat32Array(), refiner.forward(run(false), content, pooled).clamp(-1, 1).toFloat32Array(), { atol: 1e-5, what: 'transfer = refiner(decoded transfer, content, reference)' });

    // the refiner's guidance extrapolates from the content's own pooled style to the reference's (a quiet tile: an untrained encoder pools any two noise tiles alike)
    const quiet = reference.mul(0.1).sub(0.8);
    const transferOf = (options: { refine?: boolean; refinerGuidance?: number }) => {
      manualSeed(7);
      return model.transfer(content, quiet, { ...model.config.sampling, ...options });
    };
    const unguided = transferOf({});
    assertAllClose(transferOf({ refinerGuidance: 1 }).toFloat32Array(), unguided.toFloat32Array(), { atol: 0, rtol: 0, what: 'refiner guidance 1: none' });
    const decodedTransfer = transferOf({ refine: false });
    const styled = refiner.forward(decodedTransfer, content, pooledStyle(model.styleEncoder.forward(quiet)).expand([2, 8 * model.config.styleFilters]));
    const fromOwn = refiner.forward(decodedTransfer, content, pooledStyle(model.styleEncoder.forward(content)));
    const guided = transferOf({ refinerGuidance: 3 });
    assertAllClose(guided.toFloat32Array(), fromOwn.add(styled.sub(fromOwn).mul(3)).clamp(-1, 1).toFloat32Array(), { atol: 1e-5, what: 'refiner guidance 3: own + 3·(styled − own)' });
    assert.ok(guided.sub(unguided).abs().amax().item() > 1e-4, 'refiner guidance changes the output'); // ten times the tolerance above
    assert.throws(() => transferOf({ refinerGuidance: -1 }), (e: Error) => e instanceof RangeError && /Expected refinerGuidance ≥ 0 but received -1/.test(e.message));
  });
  model.dispose();
});

test('refined-fully-styled: the reference modulates the spectral stage too, which starts as the unstyled one and equals PyTorch', () => {
  manualSeed(8);
  const model = new LatentDiffusion(modelConfig('refined-fully-styled'));
  const refiner = model.refiner!;
  const spectral = refiner.spectral!;
  tidy(() => {
    const [decoded, content] = [rand([3, 1, 128, 128]).mul(2).sub(1), rand([3, 1, 128, 128]).mul(2).sub(1)]; // 3 tiles: the stage works 2 at a time, so a group of one is sliced too
    const styles = randn([3, 8 * model.config.styleFilters]);
    const swapped = cat([styles.slice(0, 1, 3), styles.slice(0, 0, 1)], 0);
    nn.init.uniform_(spectral.output.weight, 0.05);
    nn.init.uniform_(spectral.output.bias!, 0.05);
    assert.ok(spectral.style !== null, 'the spectral stage has its own modulation');
    assertAllClose(refiner.forward(decoded, content, styles).toFloat32Array(), refiner.forward(decoded, content, swapped).toFloat32Array(), { atol: 0, rtol: 0, what: 'untrained modulations: the reference changes nothing' });

    nn.init.uniform_(spectral.style!.output.weight, 0.05);
    const y = decoded.slice(0, 0, 1);
    const byStyle = (style: Tensor) => spectral.forward(y, content.slice(0, 0, 1), style);
    assert.ok(byStyle(styles.slice(0, 0, 1)).sub(byStyle(styles.slice(0, 1, 2))).abs().amax().item() > 1e-3, "another reference, another spectral stage's output");
    assertAllClose(noGrad(() => refiner.forward(decoded, content, styles)).toFloat32Array(), refinedByTwin(refiner, decoded, content, styles), { atol: 1e-5, rtol: 1e-4, what: 'fully styled refiner vs PyTorch' });
    // each tile's own reference: the third tile's output is the same alone as in the batch
    assertAllClose(noGrad(() => refiner.forward(decoded.slice(0, 2, 3), content.slice(0, 2, 3), styles.slice(0, 2, 3))).toFloat32Array(), noGrad(() => refiner.forward(decoded, content, styles)).slice(0, 2, 3).toFloat32Array(), { atol: 1e-5, what: 'a tile refined alone vs in a batch' });
  });
  model.dispose();
});

test("the seed's latent penalty is ½·E[z² − 1 − log(z² + ε)], smallest at |z| = 1", () => {
  tidy(() => {
    assert.ok(Math.abs(latentPenalty(tensor([1, -1])).item()) < 1e-6);
    const value = latentPenalty(tensor([2, 0.5])).item();
    const expected = 0.5 * ((4 - 1 - Math.log(4)) + (0.25 - 1 - Math.log(0.25))) / 2;
    assert.ok(Math.abs(value - expected) < 1e-5, `${value} vs ${expected}`);
  });
});

test('the feature loss reads an evenly spread subset of the batch', () => {
  tidy(() => {
    const rows = arange(0, 32).reshape(32, 1);
    assert.deepEqual(spreadSubset(rows, 8).flatten().toArray(), [0, 4, 8, 12, 16, 20, 24, 28]);
    assert.deepEqual(spreadSubset(rows, 5).flatten().toArray(), [0, 6, 12, 18, 24]);
    assert.equal(spreadSubset(rows, 0).shape[0], 32);
    assert.equal(spreadSubset(rows, 40).shape[0], 32);
  });
});

test('configs are found by name and checked', () => {
  assert.equal(modelConfig('seed').unetFilters, 64);
  assert.throws(() => modelConfig('huge'), /Expected one of seed, wide, paired, refined, refined-spectral, refined-one-step, refined-styled, refined-styled-long, refined-styled-wide, refined-styled-spectral, refined-styled-two-step, refined-fully-styled for a model config but received huge/);
  assert.throws(() => checkModelConfig({ ...modelConfig('seed'), timeDim: 64 }), /timeDim must be 128, not 64/);
  assert.throws(() => checkModelConfig({ ...modelConfig('seed'), styleFilters: 32 }), /styleFilters \(32\) must equal unetFilters \(64\)/);
  assert.throws(() => checkModelConfig({ ...modelConfig('seed'), schedule: { steps: 1000, betaStart: 0.02, betaEnd: 1e-4, kind: 'linear' } }), /betaStart < schedule.betaEnd/);
  assert.throws(() => checkModelConfig({ ...modelConfig('paired'), conditioning: 'lyrics' as never }), /Expected conditioning style or content but received lyrics/);
  assert.throws(() => checkModelConfig({ ...modelConfig('paired'), prediction: 'x0' as never }), /Expected prediction epsilon or v but received x0/);
  assert.throws(() => checkModelConfig({ ...modelConfig('paired'), latentScale: 0 }), /Expected latentScale > 0 but received 0/);
  assert.throws(() => checkModelConfig({ ...modelConfig('seed'), refiner: modelConfig('refined').refiner! }), /a refiner reads the content beside the transfer; it needs conditioning 'content', not style/);
  assert.throws(() => checkModelConfig({ ...modelConfig('refined'), refiner: { bands: 64, channels: 8, dilations: [1] } }), /the refiner corrects the model's 128-band tiles; Expected refiner.bands 128 but received 64/);
  assert.throws(() => checkModelConfig({ ...modelConfig('refined'), refiner: { bands: 128, channels: 0, dilations: [1] } }), /Expected refiner.channels to be a positive integer but received 0/);
  assert.throws(() => checkModelConfig({ ...modelConfig('refined'), refiner: { bands: 128, channels: 8, dilations: [1, 0] } }), /Expected refiner.dilations to be positive integers but received \[1,0\]/);
  assert.throws(() => checkModelConfig({ ...modelConfig('refined'), refiner: { bands: 128, channels: 8, dilations: [1], spectral: { channels: 2.5, dilations: [1] } } }), /Expected refiner.spectral.channels to be a positive integer but received 2.5/);
  assert.throws(() => checkModelConfig({ ...modelConfig('refined'), refiner: { ...modelConfig('refined-spectral').refiner!, spectral: { channels: 16, dilations: [1], styled: true } } }), /a styled spectral stage \(refiner.spectral.styled\) reads the reference; give refiner.styleFeatures too/);
});

test('every named config passes its checks and builds a model whose latent has its channels', () => {
  for (const name of Object.keys(MODEL_CONFIGS)) {
    const config = checkModelConfig(modelConfig(name));
    tidy(() => {
      const model = new LatentDiffusion(config);
      const x = rand([1, 1, 128, 128]).mul(2).sub(1);
      const z = model.encoder.forward(x);
      assert.deepEqual(z.shape, [1, config.latentChannels, 16, 16], name);
      assert.deepEqual(model.decoder.forward(z).shape, [1, 1, 128, 128], name);
      const t = tensor(new BigInt64Array([500n]));
      const maps = model.styleEncoder.forward(x);
      const denoised = model.unet instanceof PairedUNet ? model.unet.forward(z, t, z, model.unet.encodeStyle(maps)) : model.unet.forward(z, t, maps);
      assert.deepEqual(denoised.shape, z.shape, name);
      model.dispose();
    });
  }
});

test('a saved model loads back with the same outputs; files of another kind are refused with what to give instead', () => {
  const dir = temporaryDirectory('mst-load-');
  manualSeed(11);
  const model = new LatentDiffusion(modelConfig('seed'));
  const path = join(dir, 'model.safetensors');
  saveCheckpoint(path, model, model.config);
  const loaded = loadLatentDiffusion(path);
  tidy(() => {
    const content = rand([1, 1, 128, 128]);
    const run = (m: LatentDiffusion) => (manualSeed(2), m.transfer(content, content, { steps: 2, eta: 0, strength: 0.5 }).toFloat32Array());
    assert.deepEqual(run(loaded), run(model));
  });
  const net = new VGGishFeatureNet({ instruments: INSTRUMENTS, widths: VGGISH_WIDTHS, hidden: 8, embedding: 8 });
  saveCheckpoint(join(dir, 'features.safetensors'), net, net.config);
  assert.throws(() => loadLatentDiffusion(join(dir, 'features.safetensors')), (e: Error) => e instanceof ModelLoadError && /its config is not a model config/.test(e.message));
  assert.throws(() => loadLatentDiffusion(join(dir, 'nothing.safetensors')), /no such model file; train one \(mst train all\)/);
  assert.throws(() => loadLatentDiffusion(dir), /is a folder; give the model.safetensors file inside it/);
  saveSafetensors(join(dir, 'bare.safetensors'), { x: tensor([1]) });
  assert.throws(() => loadLatentDiffusion(join(dir, 'bare.safetensors')), /not a model checkpoint \(.*without an mst config/);
  for (const m of [model, loaded, net]) m.dispose();
});
