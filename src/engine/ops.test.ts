/**
 * Every op's forward value and gradient against PyTorch (test/fixtures/ops.json, made by
 * test/fixtures/make_op_fixtures.py with Debian's python3-torch).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFixture, assertTensor } from '../testing/helpers.js';
import { Tensor, tensor, cat, stack, where, bmm, atan2, eigh, F, stft, istft, rfft, irfft, hannWindow, tidy, type DType } from './index.js';

interface Values {
  shape: number[];
  dtype: string;
  values: number[];
}
interface Case {
  name: string;
  inputs: Values[];
  output: Values;
  cotangent?: number[];
  grads?: (number[] | null)[];
  atol: number;
  rtol: number;
}

type Op = (...xs: Tensor[]) => Tensor;
const stftOptions = (window: Tensor) => ({ nFft: 64, hop: 16, window, center: true });

/** The engine's version of each fixture case, by name. */
const OPS: Record<string, Op> = {
  neg: (x) => x.neg(), abs: (x) => x.abs(), exp: (x) => x.exp(), log: (x) => x.log(), log1p: (x) => x.log1p(),
  expm1: (x) => x.expm1(), sqrt: (x) => x.sqrt(), rsqrt: (x) => x.rsqrt(), square: (x) => x.square(),
  sin: (x) => x.sin(), cos: (x) => x.cos(), tanh: (x) => x.tanh(), sigmoid: (x) => x.sigmoid(),
  relu: (x) => x.relu(), silu: (x) => x.silu(), gelu: (x) => x.gelu(), gelu_tanh: (x) => x.gelu('tanh'),
  leaky_relu: (x) => F.leakyRelu(x, 0.1), reciprocal: (x) => x.reciprocal(), clamp: (x) => x.clamp(-0.5, 0.5),
  sign: (x) => x.sign(), floor: (x) => x.mul(3).floor(),
  add: (a, b) => a.add(b!), add_broadcast: (a, b) => a.add(b!), sub: (a, b) => a.sub(b!), mul: (a, b) => a.mul(b!),
  mul_scalar: (x) => x.mul(2.5), div: (a, b) => a.div(b!), rdiv_scalar: (x) => x.reciprocal().mul(1.5),
  pow: (a, b) => a.pow(b!), pow_scalar: (x) => x.pow(3), maximum: (a, b) => a.maximum(b!), minimum: (a, b) => a.minimum(b!),
  atan2: (a, b) => atan2(a, b!), where: (a, b) => where(a.gt(0), a, b!), gt: (a, b) => a.gt(b!),
  sum_all: (x) => x.sum(), sum_dim_keep: (x) => x.sum(1, true), mean_dims: (x) => x.mean([0, 2]), amax_dim: (x) => x.amax(-1),
  max_dim: (x) => x.max(1)[0], argmax_dim: (x) => x.argmax(1), var_dim: (x) => x.var(1),
  var_biased: (x) => x.var(1, { unbiased: false, keepdim: true }), std_all: (x) => x.std(), norm_all: (x) => x.norm(),
  norm_dim: (x) => x.norm(1, 2), logsumexp: (x) => x.logsumexp(1), cumsum: (x) => x.cumsum(2), softmax: (x) => x.softmax(-1),
  log_softmax: (x) => x.logSoftmax(1),
  reshape: (x) => x.reshape(4, -1), permute: (x) => x.permute(2, 0, 1), transpose: (x) => x.transpose(0, 2),
  unsqueeze_squeeze: (x) => x.unsqueeze(1).squeeze(1), flatten: (x) => x.flatten(1), expand: (x) => x.expand(2, 3, 4),
  repeat: (x) => x.repeat(2, 1, 3), flip: (x) => x.flip([1, 2]), cat: (a, b) => cat([a, b!], 1), stack: (a, b) => stack([a, b!], 2),
  split: (x) => x.split([1, 3], 2)[1]!, slice_step: (x) => x.slice(1, 1).slice(2, 0, undefined, 2), select: (x) => x.select(1, 2),
  index_select: (x, i) => x.indexSelect(1, i!), gather: (x, i) => x.gather(2, i!),
  pad_constant: (x) => F.pad(x, [1, 2, 0, 1], 'constant', 0.5), pad_reflect: (x) => F.pad(x, [2, 2], 'reflect'), tril: (x) => x.tril(),
  matmul: (a, b) => a.matmul(b!), matmul_batched: (a, b) => a.matmul(b!), bmm: (a, b) => bmm(a, b!),
  linear: (x, w, b) => F.linear(x, w!, b!),
  conv2d: (x, w, b) => F.conv2d(x, w!, b!, { stride: 2, padding: 1 }),
  conv2d_groups: (x, w) => F.conv2d(x, w!, null, { padding: 2, dilation: 2, groups: 2 }),
  conv1d: (x, w, b) => F.conv1d(x, w!, b!, { stride: 2, padding: 1 }),
  conv_transpose2d: (x, w, b) => F.convTranspose2d(x, w!, b!, { stride: 2, padding: 1, outputPadding: 1 }),
  conv_transpose2d_k4: (x, w) => F.convTranspose2d(x, w!, null, { stride: 2, padding: 1 }),
  batch_norm_train: (x, w, b) => F.batchNorm(x, { weight: w!, bias: b!, runningMean: tensor([0, 0, 0]), runningVar: tensor([1, 1, 1]), training: true }),
  batch_norm_eval: (x, m, v, w, b) => F.batchNorm(x, { weight: w!, bias: b!, runningMean: m!.detach(), runningVar: v!.detach(), training: false }),
  group_norm: (x, w, b) => F.groupNorm(x, 2, w!, b!), layer_norm: (x, w, b) => F.layerNorm(x, [5], w!, b!),
  max_pool2d: (x) => F.maxPool2d(x, 2), avg_pool2d: (x) => F.avgPool2d(x, 3, 2, 1), adaptive_avg_pool2d: (x) => F.adaptiveAvgPool2d(x, [2, 3]),
  interpolate_nearest: (x) => F.interpolate(x, [6, 8], 'nearest'), interpolate_bilinear: (x) => F.interpolate(x, [6, 8], 'bilinear'),
  attention: (q, k, v) => F.attention(q, k!, v!),
  mse_loss: (a, b) => F.mseLoss(a, b!), mse_loss_sum: (a, b) => F.mseLoss(a, b!, 'sum'), l1_loss: (a, b) => F.l1Loss(a, b!),
  cross_entropy: (x, t) => F.crossEntropy(x, t!), bce_with_logits: (x, t) => F.bceWithLogits(x, t!),
  stft_magnitude: (x) => stft(x, stftOptions(hannWindow(64))).abs(),
  rfft_abs: (x) => rfft(x).abs(),
  irfft_rfft: (x) => irfft(rfft(x).mul(0.5), { n: 16 }),
  eigh_values: (x) => eigh(x.matmul(x.transpose(-1, -2))).values,
  stft_istft: (x) => {
    const w = hannWindow(64);
    return istft(stft(x, stftOptions(w)), { ...stftOptions(w), length: x.shape[1]! });
  },
};

const DTYPE_OF: Record<string, DType> = { float32: 'float32', int64: 'int64', bool: 'bool' };

const fixture = readFixture<{ torch: string; cases: Case[] }>('ops.json');

test('every fixture case has an engine op and every op a case', () => {
  assert.deepEqual(fixture.cases.map((c) => c.name).sort(), Object.keys(OPS).sort());
});

for (const c of fixture.cases) {
  test(`${c.name}: forward${c.grads ? ' and gradient' : ''} match PyTorch ${fixture.torch}`, () => {
    tidy(() => {
      const inputs = c.inputs.map((spec) => {
        const t = tensor(spec.values, spec.shape, { dtype: DTYPE_OF[spec.dtype] ?? 'float32' });
        return c.grads && spec.dtype === 'float32' ? t.requiresGrad_() : t;
      });
      const out = OPS[c.name]!(...inputs);
      assert.equal(out.dtype, DTYPE_OF[c.output.dtype] ?? c.output.dtype, 'dtype');
      assertTensor(out, c.output.shape, c.output.values, { atol: c.atol, rtol: c.rtol, what: `${c.name} output` });
      if (c.grads && c.cotangent) {
        out.mul(tensor(c.cotangent, c.output.shape)).sum().backward();
        c.grads.forEach((g, i) => {
          if (g === null) return;
          const grad = inputs[i]!.grad;
          assert.ok(grad, `${c.name}: input ${i} has no gradient`);
          assertTensor(grad, c.inputs[i]!.shape, g, { atol: c.atol * 10, rtol: c.rtol * 10, what: `${c.name} grad of input ${i}` });
        });
      }
    });
  });
}

test('eigh: each eigenvector v of a symmetric matrix A satisfies A·v = λ·v, and they are orthonormal', () => {
  tidy(() => {
    const a = tensor([[2, 1, 0], [1, 2, 0], [0, 0, 5]]);
    const { values, vectors } = eigh(a);
    assertTensor(values, [3], [1, 3, 5], { atol: 1e-5 });
    assertTensor(a.matmul(vectors), [3, 3], vectors.mul(values.unsqueeze(0)).toFloat32Array(), { atol: 1e-5 });
    assertTensor(vectors.transpose(0, 1).matmul(vectors), [3, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1], { atol: 1e-5 });
  });
});
