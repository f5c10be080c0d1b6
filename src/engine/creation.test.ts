/**
 * Creating tensors: data and dtypes round-trip, seeded random numbers and default layer
 * initialisation equal PyTorch's (same libtorch, same generator).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFixture, assertAllClose, assertTensor } from '../testing/helpers.js';
import { tensor, scalar, zeros, ones, full, arange, linspace, randn, rand, randint, randperm, manualSeed, getRngState, setRngState, nn, tidy, DTYPES } from './index.js';

const random = readFixture<{ random: Record<string, unknown> }>('ops.json').random as {
  randn_42: number[];
  rand_42_next: number[];
  linear_init_7: { weight: number[]; bias: number[] };
  conv2d_init_7: { weight: number[]; bias: number[] };
  conv_transpose2d_init_7: { weight: number[]; bias: number[] };
  conv1d_init_7: { weight: number[]; bias: number[] };
};

test('nested arrays infer their shape; typed arrays keep their dtype', () => {
  tidy(() => {
    const a = tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(a.shape, [2, 3]);
    assert.equal(a.dtype, 'float32');
    assert.deepEqual(a.toArray(), [1, 2, 3, 4, 5, 6]);
    const b = tensor(new BigInt64Array([1n, -2n, 3n]));
    assert.equal(b.dtype, 'int64');
    assert.deepEqual([...(b.toTypedArray() as BigInt64Array)], [1n, -2n, 3n]);
    const c = tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]);
    assert.deepEqual(c.shape, [3, 2]);
    assert.equal(scalar(2.5).item(), 2.5);
    assert.deepEqual(scalar(2.5).shape, []);
  });
});

test('every dtype converts to and from float32 exactly for small integers', () => {
  tidy(() => {
    for (const dtype of DTYPES) {
      if (dtype === 'complex64') continue;
      const t = tensor([0, 1, 1, 0], [2, 2], { dtype });
      assert.equal(t.dtype, dtype);
      assert.deepEqual(t.toArray(), [0, 1, 1, 0], dtype);
      assert.equal(t.to('float32').dtype, 'float32');
    }
    // bfloat16 keeps 8 bits of mantissa: 1 + 2^-7 survives, 1 + 2^-9 rounds to 1
    assert.deepEqual(tensor([1 + 2 ** -7, 1 + 2 ** -9], { dtype: 'bfloat16' }).toArray(), [1 + 2 ** -7, 1]);
  });
});

test('constant and range factories', () => {
  tidy(() => {
    assertTensor(zeros([2, 3]), [2, 3], new Array(6).fill(0));
    assertTensor(ones([3]), [3], [1, 1, 1]);
    assertTensor(full([2], 7.5), [2], [7.5, 7.5]);
    const r = arange(5);
    assert.equal(r.dtype, 'int64');
    assert.deepEqual(r.toArray(), [0, 1, 2, 3, 4]);
    assertTensor(arange(0, 1, 0.25), [4], [0, 0.25, 0.5, 0.75]);
    assertTensor(linspace(-1, 1, 5), [5], [-1, -0.5, 0, 0.5, 1]);
    const p = randperm(10).toArray().sort((a, b) => a - b);
    assert.deepEqual(p, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const ints = randint(3, 6, [1000]).toArray();
    assert.ok(ints.every((v) => v >= 3 && v < 6) && new Set(ints).size === 3);
  });
});

test('manualSeed gives the same numbers as torch.manual_seed', () => {
  tidy(() => {
    manualSeed(42);
    assertAllClose(randn([6]).toFloat32Array(), random.randn_42, { what: 'randn after seed 42' });
    assertAllClose(rand([4]).toFloat32Array(), random.rand_42_next, { what: 'rand after it' });
  });
});

test('the generator state restores a random sequence', () => {
  tidy(() => {
    manualSeed(1);
    const state = getRngState();
    const first = randn([5]).toArray();
    randn([3]);
    setRngState(state);
    assert.deepEqual(randn([5]).toArray(), first);
  });
  assert.throws(() => getRngState('tpu' as 'cpu'), (e: Error) => e instanceof TypeError && /device/.test(e.message));
});

test('default initialisation of Linear, Conv1d, Conv2d and ConvTranspose2d equals torch.nn', () => {
  manualSeed(7);
  const linear = new nn.Linear(4, 3);
  assertAllClose(linear.weight.toFloat32Array(), random.linear_init_7.weight, { what: 'Linear weight' });
  assertAllClose(linear.bias!.toFloat32Array(), random.linear_init_7.bias, { what: 'Linear bias' });
  manualSeed(7);
  const conv = new nn.Conv2d(3, 2, 3);
  assertAllClose(conv.weight.toFloat32Array(), random.conv2d_init_7.weight, { what: 'Conv2d weight' });
  assertAllClose(conv.bias!.toFloat32Array(), random.conv2d_init_7.bias, { what: 'Conv2d bias' });
  manualSeed(7);
  const convT = new nn.ConvTranspose2d(4, 2, 3);
  assertAllClose(convT.weight.toFloat32Array(), random.conv_transpose2d_init_7.weight, { what: 'ConvTranspose2d weight' });
  assertAllClose(convT.bias!.toFloat32Array(), random.conv_transpose2d_init_7.bias, { what: 'ConvTranspose2d bias' });
  manualSeed(7);
  const conv1 = new nn.Conv1d(3, 2, 5);
  assertAllClose(conv1.weight.toFloat32Array(), random.conv1d_init_7.weight, { what: 'Conv1d weight' });
  assertAllClose(conv1.bias!.toFloat32Array(), random.conv1d_init_7.bias, { what: 'Conv1d bias' });
  assert.deepEqual(conv1.weight.shape, [2, 3, 5]);
  for (const m of [linear, conv, convT, conv1]) m.dispose();
});
