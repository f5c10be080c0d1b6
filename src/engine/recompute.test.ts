/**
 * Gradient checkpointing (recomputedLoss): the same loss and the same gradients as the chain run
 * with autograd throughout, for the chain's input, for what lies upstream of it and for the
 * segments' own parameters; no tensor left behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAllClose } from '../testing/helpers.js';
import { randn, tidy, liveTensors, manualSeed, recomputedLoss, noGrad, type Segment, type Tensor } from './index.js';

/** Three float64 links: tanh(h·W₁) with a loss, h·W₂ with none, softplus-like with a loss. */
function chain(weights: Tensor[], target: Tensor): Segment[] {
  return [
    (h) => {
      const output = h.matmul(weights[0]!).tanh();
      return { output, loss: output.sub(target).square().mean() };
    },
    (h) => ({ output: h.matmul(weights[1]!) }),
    (h) => {
      const output = h.matmul(weights[2]!).exp().add(1).log();
      return { output, loss: output.mean().mul(0.5) };
    },
  ];
}

/** The loss and the gradients of the upstream tensor and of the weights, with or without recomputation. */
function lossAndGradients(recompute: boolean): { loss: Float64Array; upstream: Float64Array; weights: Float64Array[] } {
  manualSeed(11);
  return tidy(() => {
    const upstream = randn([4, 6], { dtype: 'float64' }).requiresGrad_();
    const weights = [randn([6, 5], { dtype: 'float64' }), randn([5, 5], { dtype: 'float64' }), randn([5, 3], { dtype: 'float64' })].map((w) => w.requiresGrad_());
    const target = randn([4, 5], { dtype: 'float64' });
    const input = upstream.mul(2).sin(); // a graph the chain's gradient must flow back into
    const segments = chain(weights, target);
    let loss: Tensor;
    if (recompute) loss = recomputedLoss(input, segments);
    else {
      let h = input;
      const parts: Tensor[] = [];
      for (const segment of segments) {
        const out = segment(h);
        if (out.loss) parts.push(out.loss);
        h = out.output;
      }
      loss = parts.reduce((a, b) => a.add(b));
    }
    loss.backward();
    return { loss: loss.detach().toTypedArray() as Float64Array, upstream: upstream.grad!.toTypedArray() as Float64Array, weights: weights.map((w) => w.grad!.toTypedArray() as Float64Array) };
  });
}

test('a recomputed chain gives the same loss and gradients as the chain with autograd throughout', () => {
  const before = liveTensors();
  const direct = lossAndGradients(false);
  const recomputed = lossAndGradients(true);
  assertAllClose(recomputed.loss, direct.loss, { atol: 1e-12, rtol: 1e-12, what: 'loss' });
  assertAllClose(recomputed.upstream, direct.upstream, { atol: 1e-12, rtol: 1e-10, what: 'upstream gradient' });
  recomputed.weights.forEach((g, i) => assertAllClose(g, direct.weights[i]!, { atol: 1e-12, rtol: 1e-10, what: `W${i + 1} gradient` }));
  assert.equal(liveTensors(), before, 'no tensor left behind');
});

test('a one-segment chain: Σx² recomputed has gradient 2x; an empty chain is refused', () => {
  manualSeed(3);
  tidy(() => {
    const input = randn([2, 3]).requiresGrad_();
    const loss = recomputedLoss(input, [(h) => ({ output: h.square(), loss: h.square().sum() })]);
    noGrad(() => assert.ok(Math.abs(loss.item() - input.square().sum().item()) < 1e-5));
    loss.backward();
    assertAllClose(input.grad!.toFloat32Array(), input.mul(2).detach().toFloat32Array(), { atol: 1e-6, rtol: 1e-6, what: 'd Σx² / dx' });
    assert.throws(() => recomputedLoss(input, []), (e: unknown) => e instanceof RangeError && /at least one segment/.test(e.message));
  });
});
