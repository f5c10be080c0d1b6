/**
 * Memory: tidy() frees what a scope made except its result; keep() exempts a tensor; through()
 * frees each intermediate once read, and gradients still reach the input; disposed tensors
 * refuse use; a long training loop keeps resident memory flat.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { randn, tensor, tidy, keep, through, scopeDepth, DisposedError, nn, optim, F, Tensor } from './index.js';

test('tidy disposes intermediates and keeps the returned tensors', () => {
  let inner: Tensor | undefined;
  const [a, b] = tidy(() => {
    inner = randn([4]);
    const x = inner.mul(2);
    return [x.add(1), { nested: x.sub(1) }] as const;
  });
  assert.equal(inner!.isDisposed, true);
  assert.equal(a.isDisposed, false);
  assert.equal(b.nested.isDisposed, false);
  assert.equal(scopeDepth(), 0);
  a.dispose();
  b.nested.dispose();
});

test('nested scopes hand results to the enclosing scope', () => {
  let survivor: Tensor | undefined;
  tidy(() => {
    survivor = tidy(() => randn([2]).add(1));
    assert.equal(survivor.isDisposed, false);
  });
  assert.equal(survivor!.isDisposed, true);
});

test('keep exempts a tensor from its scope', () => {
  const kept = tidy(() => {
    keep(randn([3]));
    return keep(randn([3]));
  });
  assert.equal(kept.isDisposed, false);
  kept.dispose();
});

test('a throwing scope still frees its tensors and unwinds', () => {
  let made: Tensor | undefined;
  assert.throws(() =>
    tidy(() => {
      made = randn([2]);
      throw new Error('boom');
    }), /boom/);
  assert.equal(made!.isDisposed, true);
  assert.equal(scopeDepth(), 0);
});

test('tidy refuses async callbacks', () => {
  assert.throws(() => tidy(() => Promise.resolve(1)), TypeError);
});

test('through frees each intermediate once the next step has read it, keeps the input and the result, passes an unchanged input on, and gradients still reach the input', () => {
  const x = tensor([1, -2, 3], { requiresGrad: true });
  const seen: Tensor[] = [];
  const record = (f: (t: Tensor) => Tensor) => (t: Tensor) => {
    seen.push(t);
    return f(t);
  };
  const y = through(x, record((t) => t.mul(2)), record((t) => t), record(F.relu), record((t) => t.square()));
  assert.deepEqual(seen.map((t) => t.isDisposed), [false, true, true, true], 'the input kept, the three intermediates freed');
  assert.equal(seen[1], seen[2], 'a step that returns its input passes it on undisposed until read');
  assert.deepEqual(y.toArray(), [4, 0, 36]);
  y.sum().backward();
  assert.deepEqual(x.grad!.toArray(), [8, 0, 24], 'd(relu(2x)²)/dx = 8x where x > 0');
  for (const t of [x, y]) t.dispose();
});

test('a disposed tensor raises DisposedError on use; disposing twice is fine', () => {
  const t = tensor([1, 2]);
  t.dispose();
  t.dispose();
  assert.throws(() => t.sum(), (e: unknown) => e instanceof DisposedError && /^sum: the tensor has been disposed/.test(e.message));
  assert.throws(() => t.shape, DisposedError);
  assert.throws(() => randn([2]).add(t), DisposedError);
  assert.equal(String(t), 'Tensor(disposed)');
});

test('10,000 training steps of a small model keep resident memory flat', async () => {
  const model = new nn.Sequential(new nn.Linear(32, 64), nn.GELU(), new nn.Linear(64, 32));
  const optimizer = new optim.AdamW(model.parameters(), { lr: 1e-3 });
  const x = randn([16, 32]);
  const step = () =>
    tidy(() => {
      optimizer.zeroGrad();
      const loss = F.mseLoss(model.forward(x), x);
      loss.backward();
      optimizer.step();
      return loss.item();
    });
  const rssMiB = () => process.memoryUsage().rss / 2 ** 20;
  for (let i = 0; i < 1000; i++) {
    step();
    if (i % 100 === 0) await yieldToEventLoop();
  }
  const before = rssMiB();
  let last = 0;
  for (let i = 0; i < 10000; i++) {
    last = step();
    if (i % 100 === 0) await yieldToEventLoop();
  }
  const growth = rssMiB() - before;
  assert.ok(Number.isFinite(last));
  assert.ok(growth < 16, `resident memory grew by ${growth.toFixed(1)} MiB over 10,000 steps`);
  model.dispose();
  x.dispose();
});
