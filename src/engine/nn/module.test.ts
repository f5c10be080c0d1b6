/**
 * Modules: names, counts, train/eval behaviour, in-place casting and attention.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAllClose } from '../../testing/helpers.js';
import { randn, tidy, nn, F, manualSeed, zeros } from '../index.js';

test('parameters and buffers carry PyTorch-style dotted names', () => {
  const model = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2), nn.ReLU(), new nn.Linear(4, 5, { bias: false }));
  assert.deepEqual(model.namedParameters().map(([n]) => n), ['0.weight', '0.bias', '1.weight', '1.bias', '3.weight']);
  assert.deepEqual(model.namedBuffers().map(([n]) => n), ['1.running_mean', '1.running_var', '1.num_batches_tracked']);
  assert.equal(model.parameterCount(), 2 * 9 + 2 + 2 + 2 + 20);
  assert.ok(model.parameters().every((p) => p.requiresGrad));
  model.dispose();
});

test('BatchNorm2d updates running statistics only in training mode', () => {
  tidy(() => {
    manualSeed(0);
    const bn = new nn.BatchNorm2d(3);
    const x = randn([8, 3, 4, 4]).mul(2).add(1);
    bn.forward(x);
    const mean = x.mean([0, 2, 3]).toArray();
    assertAllClose(bn.runningMean.toFloat32Array(), mean.map((m) => 0.1 * m), { what: 'running mean after one step' });
    assert.equal(bn.numBatchesTracked.item(), 1);
    bn.eval();
    const before = bn.runningMean.toArray();
    const y = bn.forward(x);
    assert.deepEqual(bn.runningMean.toArray(), before);
    // eval normalises with the running statistics
    const expected = x.sub(bn.runningMean.reshape(1, 3, 1, 1)).div(bn.runningVar.add(1e-5).sqrt().reshape(1, 3, 1, 1));
    assertAllClose(y.toFloat32Array(), expected.toFloat32Array(), { what: 'eval output' });
    bn.dispose();
  });
});

test('Dropout is the identity in eval mode and scales kept values by 1/(1-p) in training', () => {
  tidy(() => {
    const drop = new nn.Dropout(0.5);
    const x = randn([1000]).abs().add(1);
    const y = drop.forward(x).toArray();
    const xs = x.toArray();
    assert.ok(y.every((v, i) => v === 0 || Math.abs(v - 2 * xs[i]!) < 1e-5));
    const zerosShare = y.filter((v) => v === 0).length / y.length;
    assert.ok(zerosShare > 0.4 && zerosShare < 0.6, `share dropped ${zerosShare}`);
    drop.eval();
    assert.deepEqual(drop.forward(x).toArray(), xs);
  });
});

test('module.to() casts in place, keeping parameter identity for optimizers', () => {
  tidy(() => {
    const layer = new nn.Linear(3, 2);
    const weight = layer.weight;
    layer.to('float64');
    assert.equal(layer.weight, weight);
    assert.equal(weight.dtype, 'float64');
    assert.equal(weight.requiresGrad, true);
    const y = layer.forward(randn([4, 3], { dtype: 'float64' }));
    assert.equal(y.dtype, 'float64');
    const bn = new nn.BatchNorm2d(2).to('float64');
    assert.equal(bn.numBatchesTracked.dtype, 'int64', 'integer buffers keep their dtype');
    layer.dispose();
    bn.dispose();
  });
});

test('MultiheadAttention equals its computation written out', () => {
  tidy(() => {
    manualSeed(2);
    const mha = new nn.MultiheadAttention(8, 2, { kdim: 6 });
    const query = randn([3, 4, 8]);
    const context = randn([3, 5, 6]);
    const y = mha.forward(query, context);
    assert.deepEqual(y.shape, [3, 4, 8]);
    const heads = (t: ReturnType<typeof randn>, len: number) => t.reshape(3, len, 2, 4).permute(0, 2, 1, 3);
    const q = heads(mha.q.forward(query), 4);
    const k = heads(mha.k.forward(context), 5);
    const v = heads(mha.v.forward(context), 5);
    const weights = q.matmul(k.transpose(-1, -2)).div(2).softmax(-1); // √4 = 2
    const manual = mha.out.forward(weights.matmul(v).permute(0, 2, 1, 3).reshape(3, 4, 8));
    assertAllClose(y.toFloat32Array(), manual.toFloat32Array(), { what: 'attention output' });
    mha.dispose();
  });
});

test('Sequential runs layers in order and functional layers match', () => {
  tidy(() => {
    const seq = new nn.Sequential(new nn.Linear(3, 3), nn.Tanh());
    const x = randn([2, 3]);
    const lin = seq.layers[0] as nn.Linear;
    assertAllClose(seq.forward(x).toFloat32Array(), F.linear(x, lin.weight, lin.bias).tanh().toFloat32Array());
    assert.deepEqual(new nn.GroupNorm(2, 4).forward(zeros([1, 4, 2, 2])).toArray(), new Array(16).fill(0));
    seq.dispose();
  });
});
