/**
 * Mixing feature statistics (the judge's MixStyle): every tile keeps the shape of its features
 * over time and takes a convex mix of its own and one other tile's mean and spread, with the same
 * weight for both; a judge mixes only while it trains.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, randn, tidy, manualSeed, type Tensor } from '../engine/index.js';
import { InstrumentJudge, mixStatistics, DEFAULT_JUDGE } from './judge.js';
import { assertAllClose } from '../testing/helpers.js';

/** [B, C] statistics over time of [B, C, T]. */
const meanOf = (x: Tensor) => x.mean([2]).toArray();
const stdOf = (x: Tensor) => x.std([2], { unbiased: false }).toArray();
const standardised = (x: Tensor) => x.sub(x.mean([2], true)).div(x.std([2], { unbiased: false, keepdim: true })).toFloat32Array();

test("each tile keeps its features' shape and takes λ·own + (1 − λ)·other of their mean and spread, one λ for both", () => {
  tidy(() => {
    manualSeed(3);
    const [b, c] = [6, 4];
    const x = randn([b, c, 80]).mul(tensor([1, 2, 3, 4, 5, 6]).reshape([b, 1, 1])).add(tensor([0, 10, 20, 30, 40, 50]).reshape([b, 1, 1]));
    const y = mixStatistics(x);
    assertAllClose(standardised(y), standardised(x), { atol: 1e-3, what: 'the standardised features' });
    const [mx, sx, my, sy] = [meanOf(x), stdOf(x), meanOf(y), stdOf(y)];
    for (let i = 0; i < b; i++) {
      const explained = Array.from({ length: b }, (_, j) => j).some((j) => {
        if (j === i) return Math.abs(my[i * c]! - mx[i * c]!) < 1e-3 && Math.abs(sy[i * c]! - sx[i * c]!) < 1e-3;
        const own = (my[i * c]! - mx[j * c]!) / (mx[i * c]! - mx[j * c]!);
        if (!(own >= -1e-4 && own <= 1 + 1e-4)) return false;
        return Array.from({ length: c }, (_, k) => k).every((k) =>
          Math.abs(my[i * c + k]! - (own * mx[i * c + k]! + (1 - own) * mx[j * c + k]!)) < 1e-2 &&
          Math.abs(sy[i * c + k]! - (own * sx[i * c + k]! + (1 - own) * sx[j * c + k]!)) < 1e-2);
      });
      assert.ok(explained, `tile ${i}: mean ${my.slice(i * c, i * c + c).map((v) => v.toFixed(2))} is no mix of its own and another tile's`);
    }
  });
});

test('a judge mixes statistics only while training: in eval mode it answers as one without mixing', () => {
  tidy(() => {
    manualSeed(0);
    const config = { ...DEFAULT_JUDGE, channels: 16, embedding: 8, instruments: ['piano', 'violin'] };
    const mixing = new InstrumentJudge({ ...config, mixStatistics: 1 });
    const plain = new InstrumentJudge(config);
    plain.loadStateDict(mixing.stateDict());
    const tiles = randn([4, 1, 128, 32]).clamp(-1, 1);
    mixing.eval();
    plain.eval();
    assertAllClose(mixing.forward(tiles).logits.toFloat32Array(), plain.forward(tiles).logits.toFloat32Array(), { atol: 1e-6, what: 'eval-mode logits' });
    mixing.train();
    plain.train();
    const difference = mixing.forward(tiles).logits.sub(plain.forward(tiles).logits).abs().amax().item();
    assert.ok(difference > 1e-3, `training-mode logits differ by ${difference}`);
  });
});
