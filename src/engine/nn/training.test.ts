/**
 * A tiny conv autoencoder trained for three steps here and in PyTorch from the same weights:
 * losses, gradient norms (clipGradNorm), BatchNorm running statistics and the final weights
 * after AdamW and after SGD with Nesterov momentum must agree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFixture, assertAllClose } from '../../testing/helpers.js';
import { tensor, tidy, F, nn, optim } from '../index.js';

interface Record {
  input: number[];
  initial: { [name: string]: number[] };
  shapes: { [name: string]: number[] };
  losses: number[];
  norms: number[];
  final: { [name: string]: number[] };
}
const fixture = readFixture<{ training: { adamw: Record; sgd: Record } }>('ops.json');

function tinyModel(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { stride: 2, padding: 1, bias: false }),
    new nn.BatchNorm2d(4),
    nn.ReLU(),
    new nn.ConvTranspose2d(4, 1, 3, { stride: 2, padding: 1, outputPadding: 1 }),
    nn.Tanh(),
  );
}

for (const kind of ['adamw', 'sgd'] as const) {
  test(`three ${kind} steps match torch.optim`, () => {
    const record = fixture.training[kind];
    const model = tinyModel();
    assert.deepEqual([...model.stateDict().keys()].sort(), Object.keys(record.initial).sort(), 'state dict names match PyTorch');
    const initial = Object.fromEntries(
      Object.entries(record.initial).map(([name, values]) => [
        name,
        tensor(values, record.shapes[name]!, { dtype: name.endsWith('num_batches_tracked') ? 'int64' : 'float32' }),
      ]),
    );
    model.loadStateDict(initial);
    const x = tensor(record.input, [2, 1, 8, 8]);
    const optimizer =
      kind === 'adamw'
        ? new optim.AdamW(model.parameters(), { lr: 1e-2, betas: [0.9, 0.99], weightDecay: 0.05 })
        : new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
    const losses: number[] = [];
    const norms: number[] = [];
    for (let step = 0; step < 3; step++) {
      tidy(() => {
        optimizer.zeroGrad();
        const loss = F.mseLoss(model.forward(x), x);
        loss.backward();
        norms.push(optim.clipGradNorm(model.parameters(), 0.5));
        optimizer.lr = optimizer.lr * 0.5;
        optimizer.step();
        losses.push(loss.item());
      });
    }
    assertAllClose(losses, record.losses, { what: 'losses' });
    assertAllClose(norms, record.norms, { what: 'gradient norms' });
    for (const [name, t] of model.stateDict()) {
      assertAllClose(t.toFloat32Array(), record.final[name]!, { atol: 1e-5, rtol: 1e-4, what: `final ${name}` });
    }
    model.dispose();
  });
}

test('optimizer state round-trips: a restored optimizer continues exactly', () => {
  const run = (steps: number, restoreAt: number | null) => {
    const model = tinyModel();
    const record = fixture.training.adamw;
    model.loadStateDict(
      Object.fromEntries(Object.entries(record.initial).map(([n, v]) => [n, tensor(v, record.shapes[n]!, { dtype: n.endsWith('tracked') ? 'int64' : 'float32' })])),
    );
    const x = tensor(record.input, [2, 1, 8, 8]);
    let optimizer = new optim.AdamW(model.parameters(), { lr: 1e-2 });
    for (let step = 0; step < steps; step++) {
      if (step === restoreAt) {
        const saved = optimizer.state();
        optimizer = new optim.AdamW(model.parameters(), { lr: 1e-2 });
        optimizer.loadState(saved);
        assert.equal(saved.filter((s) => s !== null).length, model.parameters().length);
        assert.equal(saved[0]!.step, restoreAt);
      }
      tidy(() => {
        optimizer.zeroGrad();
        F.mseLoss(model.forward(x), x).backward();
        optimizer.step();
      });
    }
    return model.parameters().map((p) => Array.from(p.toFloat32Array()));
  };
  const straight = run(4, null);
  const restored = run(4, 2);
  straight.forEach((values, i) => assertAllClose(restored[i]!, values, { atol: 0, rtol: 0, what: `parameter ${i}` }));
});
