/**
 * BAD CALLS: every validation branch raises its error class with a message that names the op,
 * the argument and what was expected; libtorch's own errors arrive as Error with the op name.
 * None of them may crash the process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, randn, zeros, arange, cat, F, nn, optim, tidy, stft, manualSeed, autocast, Tensor, StateDictError } from './index.js';
import { native } from './native.js';
import { spawnSync } from 'node:child_process';

const fails = (fn: () => unknown, kind: new (...a: never[]) => Error, message: RegExp) =>
  assert.throws(() => tidy(fn), (e: unknown) => e instanceof kind && e.constructor === kind && message.test((e as Error).message), String(message));

test('wrong argument types raise TypeError with the standard message', () => {
  fails(() => F.linear('x' as unknown as Tensor, randn([2, 2])), TypeError, /^linear: Expected a Tensor for input but received x of type string$/);
  fails(() => randn([2]).add({} as Tensor), TypeError, /^add: Expected a Tensor for other but received Object of type object$/);
  fails(() => zeros([2, -1]), TypeError, /^zeros: Expected a list of non-negative integers for shape but received \[2, -1\] of type array$/);
  fails(() => zeros([2], { dtype: 'float8' as never }), TypeError, /^zeros: Expected one of .* for dtype but received float8 of type string$/);
  fails(() => randn([2]).reshape(['a'] as never), TypeError, /^reshape: Expected a list of integers for shape/);
  fails(() => cat([]), TypeError, /^cat: Expected a non-empty array of Tensors/);
  fails(() => F.mseLoss(randn([2]), randn([2]), 'avg' as never), TypeError, /^mseLoss: Expected 'mean', 'sum' or 'none' for reduction/);
  fails(() => F.crossEntropy(randn([2, 3]), tensor([0, 1])), TypeError, /^crossEntropy: Expected an int64 tensor of class indices for target but received float32/);
  fails(() => F.interpolate(randn([1, 1, 2, 2]), 4, 'cubic' as never), TypeError, /^interpolate: Expected 'nearest' or 'bilinear' for mode/);
  fails(() => autocast({ dtype: 'float32' as never }, () => 1), TypeError, /^autocast: Expected 'bfloat16' or 'float16' for dtype/);
});

test('wrong shapes and out-of-range values raise RangeError naming both sides', () => {
  fails(() => F.conv2d(randn([1, 3, 8]), randn([4, 3, 3, 3])), RangeError, /^conv2d: Expected a rank-4 tensor for input but received shape \[1, 3, 8\]$/);
  fails(() => F.conv2d(randn([1, 2, 8, 8]), randn([4, 3, 3, 3])), RangeError, /^conv2d: Expected 3 channels \(weight is \[4, 3, 3, 3\], groups 1\) for input but received shape \[1, 2, 8, 8\]$/);
  fails(() => F.convTranspose2d(randn([1, 2, 4, 4]), randn([4, 3, 3, 3])), RangeError, /^convTranspose2d: Expected 4 channels/);
  fails(() => F.linear(randn([2, 5]), randn([3, 4])), RangeError, /^linear: Expected last dim 4 \(weight is \[3, 4\]\) for input but received shape \[2, 5\]$/);
  fails(() => F.mseLoss(randn([2, 3]), randn([3, 2])), RangeError, /^mseLoss: Expected shape \[2, 3\] like the input for target but received shape \[3, 2\]$/);
  fails(() => F.attention(randn([1, 2, 4]), randn([1, 3, 5]), randn([1, 3, 4])), RangeError, /^attention: Expected last dim 4 like q for k/);
  fails(() => F.dropout(randn([2]), 1.5), RangeError, /^dropout: Expected a probability in \[0, 1\] for p but received 1.5/);
  fails(() => F.groupNorm(randn([1, 6, 2, 2]), 4), RangeError, /^groupNorm: Expected a divisor of 6 channels for groups but received 4/);
  fails(() => randn([2, 3]).sum(2), RangeError, /^sum: Expected an integer in \[-2, 1\] for dim but received 2 of type number$/);
  fails(() => randn([2, 3]).permute(1, 0, 2), RangeError, /^permute: Expected 2 dims for dims/);
  fails(() => randn([2, 3]).slice(0, 0, 1, 0), RangeError, /^slice: Expected a positive integer for step/);
  fails(() => tensor([[1, 2], [3]]), RangeError, /^tensor: Expected 4 values for shape \[2, 2\] \(a rectangular array\) for data but received 3 values/);
  fails(() => tensor(new Float32Array(5), [2, 2]), RangeError, /^tensor: Expected a shape with 5 elements for shape but received \[2, 2\]/);
  fails(() => arange(0, 5, 0), RangeError, /^arange: Expected a non-zero number for step/);
  fails(() => manualSeed(-1), RangeError, /^manualSeed: Expected a non-negative integer for seed/);
  fails(() => stft(randn([100]), { nFft: 64, hop: 0 }), RangeError, /^stft: Expected a positive integer for hop/);
  fails(() => stft(randn([100]), { nFft: 64, winLength: 65 }), RangeError, /^stft: Expected an integer in \[1, 64\] for winLength/);
  fails(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), RangeError, /^Conv2d: Expected a divisor of 3 and 4 for groups/);
  fails(() => new nn.Linear(0, 4), RangeError, /^Linear: Expected a positive integer for inFeatures/);
  fails(() => new nn.MultiheadAttention(10, 3), RangeError, /^MultiheadAttention: Expected a divisor of embedDim 10 for numHeads/);
  fails(() => randn([2]).to('gpu'), RangeError, /^to: Expected cpu or cuda \(cuda:N for the N-th GPU\) for device but received gpu of type string$/);
});

test("libtorch's own errors arrive as Error with the op name and libtorch's message", () => {
  fails(() => randn([2, 3]).reshape(4, 2), Error, /^reshape: shape '\[4, 2\]' is invalid for input of size 6$/);
  fails(() => randn([2, 3]).matmul(randn([2, 3])), Error, /^matmul: mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)$/);
  fails(() => randn([2]).add(randn([3])), Error, /^add: The size of tensor a \(2\) must match the size of tensor b \(3\)/);
  fails(() => randn([2]).item(), Error, /^item: item needs a tensor of one element, got 2$/);
  fails(() => randn([2]).backward(), Error, /^backward: element 0 of tensors does not require grad/);
  fails(() => randn([2]).to('cuda:99'), Error, /^to: /); // no CUDA here, or no 100th device
  fails(() => arange(3).to('float32').indexSelect(0, tensor([5], { dtype: 'int64' })), Error, /^indexSelect: .*out of range/i);
});

test('optimizers and state dicts refuse bad input', () => {
  fails(() => new optim.AdamW([]), TypeError, /^AdamW: Expected at least one parameter/);
  fails(() => new optim.AdamW([randn([2])]), RangeError, /^AdamW: Expected a tensor with requiresGrad for params\[0\]/);
  fails(() => new optim.AdamW([randn([2]).requiresGrad_()], { lr: -1 }), RangeError, /^AdamW: Expected a finite number ≥ 0 for lr but received -1/);
  fails(() => new optim.AdamW([randn([2]).requiresGrad_()], { betas: [0.9, 1] }), RangeError, /^AdamW: Expected a number in \[0, 1\) for betas\[1\]/);
  fails(() => new optim.SGD([randn([2]).requiresGrad_()], { lr: 0.1, nesterov: true }), RangeError, /^SGD: Expected momentum > 0 and dampening 0 with nesterov/);
  fails(() => optim.clipGradNorm([], 0), RangeError, /^clipGradNorm: Expected a positive number for maxNorm/);
  const layer = new nn.Linear(3, 2);
  fails(() => layer.loadStateDict({ weight: randn([2, 3]) }), StateDictError, /missing: bias/);
  fails(() => layer.loadStateDict({ weight: randn([2, 3]), bias: randn([2]), extra: randn([1]) }), StateDictError, /unexpected: extra/);
  layer.loadStateDict({ weight: randn([2, 3]) }, { strict: false });
  layer.dispose();
});

test('the addon itself refuses foreign handles instead of crashing', () => {
  assert.throws(() => native.sum({} as never, null, false), /^Error: sum: expected a tensor handle$/);
  assert.throws(() => native.shape(42 as never), /shape: expected a tensor handle/);
  assert.throws(() => native.optimStep(tidy(() => randn([1])).handle() as never), /optimStep: expected an optimizer handle/);
  assert.throws(() => native.reshape(tidy(() => randn([4])).handle(), ['x'] as never), /reshape: expected an integer/);
  // a handle of another type, where a tensor or a list of tensors is expected
  const optimizer = native.sgd([], 0.1, 0, 0, 0, false);
  assert.throws(() => native.dispose(optimizer as never), /^Error: dispose: expected a tensor handle, got a foreign external$/);
  assert.throws(() => native.disposeAll([optimizer] as never), /disposeAll: expected a tensor handle, got a foreign external/);
  assert.throws(() => native.disposeAll('x' as never), /disposeAll: expected an array of tensor handles/);
  // numbers are checked, not truncated or wrapped
  assert.throws(() => native.zeros([2, 1.5], 6, 'cpu'), /^Error: zeros: expected an integer$/);
  assert.throws(() => native.zeros([2], 1e6, 'cpu'), /^Error: zeros: expected an integer in \[0, \d+\], got 1000000$/);
  assert.throws(() => native.setNumThreads(2 ** 40), /setNumThreads: expected an integer in \[1, 65536\]/);
});

test('a worker thread stopped in the middle of engine calls ends without aborting the process', () => {
  // Terminating a thread makes every Node-API call on it fail; an error the addon then raises
  // cannot be thrown into JavaScript, and must be dropped rather than end the process (SIGABRT).
  // This is what happens when a program exits while the library's transfer worker is busy.
  const busy = `
    import { parentPort } from 'node:worker_threads';
    const { randn } = await import(${JSON.stringify(new URL('./index.js', import.meta.url).href)});
    parentPort.postMessage('busy');
    for (;;) { const t = randn([4, 4]); t.add(t).dispose(); t.dispose(); }`;
  const script = `
    import { Worker } from 'node:worker_threads';
    for (let i = 0; i < 40; i++) {
      const worker = new Worker(${JSON.stringify(busy)}, { eval: true });
      await new Promise((resolve) => worker.once('message', resolve));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
      await worker.terminate();
    }
    console.log('ended');`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(run.signal, null, run.stderr);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), 'ended');
});
