/**
 * Autograd: gradients against central finite differences (float64), grad modes, detach,
 * accumulation, retained graphs, and mixed precision under autocast.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAllClose } from '../testing/helpers.js';
import { randn, tensor, tidy, noGrad, enableGrad, inferenceMode, isGradEnabled, autocast, F, Tensor, manualSeed } from './index.js';
import { native } from './native.js';

/** Checks d(sum(f(x)·c))/dx against central differences in float64. */
function gradcheck(name: string, f: (x: Tensor) => Tensor, shape: number[]): void {
  tidy(() => {
    const x0 = randn(shape, { dtype: 'float64' });
    const cot = randn(f(x0).shape as number[], { dtype: 'float64' });
    const objective = (x: Tensor) => f(x).mul(cot).sum();
    const x = x0.clone().requiresGrad_();
    objective(x).backward();
    const analytic = x.grad!.toTypedArray() as Float64Array;
    const base = x0.toTypedArray() as Float64Array;
    const numeric = new Float64Array(base.length);
    const h = 1e-6;
    for (let i = 0; i < base.length; i++) {
      const plus = Float64Array.from(base);
      plus[i]! += h;
      const minus = Float64Array.from(base);
      minus[i]! -= h;
      numeric[i] = (objective(tensor(plus, shape)).item() - objective(tensor(minus, shape)).item()) / (2 * h);
    }
    assertAllClose(analytic, numeric, { atol: 1e-6, rtol: 1e-5, what: `${name} gradient` });
  });
}

test('gradients agree with finite differences', () => {
  manualSeed(5);
  gradcheck('gelu·tanh', (x) => x.gelu().mul(x.tanh()), [3, 4]);
  gradcheck('softmax', (x) => x.softmax(1), [2, 5]);
  gradcheck('conv2d', (x) => F.conv2d(x, tensor(new Float64Array(2 * 3 * 3 * 3).map((_, i) => Math.sin(i)), [2, 3, 3, 3]), null, { padding: 1 }), [1, 3, 4, 4]);
  gradcheck('convTranspose2d', (x) => F.convTranspose2d(x, tensor(new Float64Array(3 * 2 * 3 * 3).map((_, i) => Math.cos(i)), [3, 2, 3, 3]), null, { stride: 2, padding: 1, outputPadding: 1 }), [1, 3, 3, 3]);
  gradcheck('groupNorm', (x) => F.groupNorm(x, 2), [2, 4, 3, 3]);
  gradcheck('attention', (x) => F.attention(x, x.mul(0.5), x.sin()), [2, 3, 4]);
  gradcheck('layerNorm', (x) => F.layerNorm(x, [4]), [3, 4]);
});

test('noGrad records nothing and restores the previous mode, even after a throw', () => {
  tidy(() => {
    const w = randn([3]).requiresGrad_();
    const y = noGrad(() => w.mul(2));
    assert.equal(y.requiresGrad, false);
    assert.equal(isGradEnabled(), true);
    assert.throws(() => noGrad(() => { throw new Error('inside'); }), /inside/);
    assert.equal(isGradEnabled(), true);
    const z = noGrad(() => enableGrad(() => w.mul(2)));
    assert.equal(z.requiresGrad, true);
  });
});

test('inferenceMode makes tensors without autograd and exits cleanly', () => {
  tidy(() => {
    const w = randn([3]).requiresGrad_();
    const y = inferenceMode(() => {
      assert.equal(native.isInferenceMode(), true);
      return w.mul(2);
    });
    assert.equal(native.isInferenceMode(), false);
    assert.equal(y.requiresGrad, false);
    assert.throws(() => inferenceMode(() => { throw new Error('x'); }), /x/);
    assert.equal(native.isInferenceMode(), false);
  });
});

test('detach cuts the graph; gradients accumulate; retainGraph allows a second backward', () => {
  tidy(() => {
    const w = tensor([1, 2, 3]).requiresGrad_();
    const y = w.mul(w.detach()).sum(); // d/dw = w (the detached factor is a constant)
    y.backward(undefined, { retainGraph: true });
    assert.deepEqual(w.grad!.toArray(), [1, 2, 3]);
    y.backward();
    assert.deepEqual(w.grad!.toArray(), [2, 4, 6]);
    w.grad = null;
    assert.equal(w.grad, null);
    assert.equal(w.isLeaf, true);
    assert.equal(w.mul(2).isLeaf, false);
  });
});

test('intermediates disposed before backward do not break the graph', () => {
  const w = tensor([1, 2, 3]).requiresGrad_();
  const loss = tidy(() => w.mul(3).square().sum());
  loss.backward();
  assert.deepEqual(w.grad!.toArray(), [18, 36, 54]); // d/dw (3w)² = 18w
  loss.dispose();
  w.dispose();
});

test('autocast runs convolutions and matmuls in bfloat16 and keeps losses in float32', () => {
  tidy(() => {
    manualSeed(3);
    const x = randn([2, 3, 16, 16]);
    const w = randn([8, 3, 3, 3]).mul(0.2);
    const reference = F.conv2d(x, w, null, { padding: 1 });
    const [y, loss] = autocast({ dtype: 'bfloat16' }, () => {
      const out = F.conv2d(x, w, null, { padding: 1 });
      return [out, F.mseLoss(out, reference)] as const;
    });
    assert.equal(y.dtype, 'bfloat16');
    assert.equal(loss.dtype, 'float32');
    assert.equal(x.matmul(randn([16, 4])).dtype, 'float32', 'autocast ends with its scope');
    // bf16 keeps ~3 significant digits: the relative error is small but not zero
    const relative = y.float().sub(reference).norm().item() / reference.norm().item();
    assert.ok(relative > 0 && relative < 0.02, `relative error ${relative}`);
    assert.equal(autocast({ enabled: false }, () => F.conv2d(x, w)).dtype, 'float32');
    // a group norm after a bf16 convolution normalises in its float32 parameters' type, with their gradients
    const [gamma, beta] = [randn([8]).requiresGrad_(), randn([8]).requiresGrad_()];
    const normed = autocast({ dtype: 'bfloat16' }, () => F.groupNorm(F.conv2d(x, w, null, { padding: 1 }), 4, gamma, beta));
    assert.equal(normed.dtype, 'float32');
    const exact = F.groupNorm(y.float(), 4, gamma.detach(), beta.detach());
    assertAllClose(normed.detach().toFloat32Array(), exact.toFloat32Array(), { atol: 1e-5, what: 'group norm of the bf16 convolution' });
    normed.sum().backward();
    assert.ok(gamma.grad !== null && beta.grad !== null);
  });
});
