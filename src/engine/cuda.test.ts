/**
 * The engine on a CUDA device: the same ops, layers, training steps, autocast and checkpoints as
 * on the CPU, checked against the CPU's results. Skipped where libtorch sees no CUDA device (CI and
 * this project's development machine); `scripts/gpu-check.sh` runs it on a GPU machine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { assertAllClose, temporaryDirectory } from '../testing/helpers.js';
import {
  engineInfo, randn, zeros, manualSeed, tidy, F, nn, optim, autocast, stft, istft, hannWindow,
  saveSafetensors, loadSafetensors, synchronize, getRngState, setRngState, type Tensor,
} from './index.js';

const skip = engineInfo().cudaAvailable ? false : 'libtorch sees no CUDA device';
const onCuda = (t: Tensor) => t.to('cuda');
const values = (t: Tensor) => t.toFloat32Array(); // copies to the CPU first

test('tensors move to the GPU and back unchanged', { skip }, () => {
  tidy(() => {
    const x = randn([3, 5]);
    const y = onCuda(x);
    assert.equal(y.device, 'cuda:0');
    assert.deepEqual(values(y), values(x));
    assert.equal(y.to('cpu').device, 'cpu');
    assert.equal(zeros([2], { device: 'cuda' }).device, 'cuda:0');
    assert.throws(() => x.to(`cuda:${engineInfo().cudaDevices}`), /^Error: to: /);
  });
});

test('ops on the GPU agree with the CPU', { skip }, () => {
  tidy(() => {
    manualSeed(1);
    const a = randn([4, 16, 32]);
    const b = randn([4, 32, 8]);
    const image = randn([2, 3, 20, 20]);
    const signal = randn([2, 4000]);
    const cases: [string, (dev: (t: Tensor) => Tensor) => Tensor][] = [
      ['bmm', (d) => d(a).matmul(d(b))],
      ['softmax', (d) => d(a).softmax(-1)],
      ['gelu', (d) => F.gelu(d(a))],
      ['sum over a dim', (d) => d(a).sum([1])],
      ['conv2d', (d) => F.conv2d(d(image), d(randnSeeded([5, 3, 3, 3])), null, { stride: 2, padding: 1 })],
      ['group norm', (d) => F.groupNorm(d(image.reshape(2, 3, 400).repeat(1, 2, 1)), 2)],
      ['bilinear upsampling', (d) => F.interpolate(d(image), [40, 40], 'bilinear')],
      ['stft magnitude', (d) => stft(d(signal), { nFft: 256, hop: 64, window: d(hannWindow(256)) }).abs()],
      ['istft of stft', (d) => {
        const window = d(hannWindow(256));
        return istft(stft(d(signal), { nFft: 256, hop: 64, window }), { nFft: 256, hop: 64, window, length: 4000 });
      }],
    ];
    for (const [what, run] of cases) {
      assertAllClose(values(run(onCuda)), values(run((t) => t)), { atol: 1e-4, rtol: 1e-3, what });
    }
  });
});

function randnSeeded(shape: number[]): Tensor {
  manualSeed(7);
  return randn(shape);
}

function smallNetwork(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 8, 3, { stride: 2, padding: 1, bias: false }), new nn.BatchNorm2d(8), nn.ReLU(), // a bias before BatchNorm gets no gradient, only noise
    new nn.ConvTranspose2d(8, 1, 3, { stride: 2, padding: 1, outputPadding: 1 }), nn.Tanh(),
  );
}

/** Five AdamW steps of the same network from the same weights; returns the losses. */
function train(device: 'cpu' | 'cuda'): { losses: number[]; state: Map<string, Tensor> } {
  manualSeed(3);
  const model = smallNetwork().to(device);
  const x = randn([4, 1, 16, 16]).to(device);
  const optimizer = new optim.AdamW(model.parameters(), { lr: 1e-2 });
  const losses: number[] = [];
  for (let step = 0; step < 5; step++) {
    tidy(() => {
      optimizer.zeroGrad();
      const loss = F.mseLoss(model.forward(x), x);
      loss.backward();
      optim.clipGradNorm(model.parameters(), 1);
      optimizer.step();
      losses.push(loss.item());
    });
  }
  return { losses, state: model.stateDict() };
}

test('a training step on the GPU follows the CPU', { skip }, () => {
  const cpu = train('cpu');
  const gpu = train('cuda');
  assertAllClose(gpu.losses, cpu.losses, { atol: 1e-4, rtol: 1e-3, what: 'losses' });
  for (const [name, weight] of cpu.state) {
    assertAllClose(values(gpu.state.get(name)!), values(weight), { atol: 1e-3, rtol: 1e-3, what: name });
  }
});

test('bf16 autocast on the GPU runs linear layers in bfloat16', { skip }, () => {
  tidy(() => {
    const layer = new nn.Linear(64, 32).to('cuda');
    const x = randn([8, 64]).to('cuda');
    const inside = autocast({ device: 'cuda', dtype: 'bfloat16' }, () => layer.forward(x));
    assert.equal(inside.dtype, 'bfloat16');
    assert.equal(layer.forward(x).dtype, 'float32');
    assertAllClose(values(inside.float()), values(layer.forward(x)), { atol: 0.05, rtol: 0.02, what: 'bf16 against f32' });
  });
});

test('a checkpoint saved from the GPU loads on the CPU with the same values', { skip }, () => {
  const model = smallNetwork().to('cuda');
  const path = join(temporaryDirectory('mst-cuda-'), 'model.safetensors');
  saveSafetensors(path, model.stateDict());
  synchronize();
  const { tensors } = loadSafetensors(path);
  for (const [name, weight] of model.stateDict()) {
    assert.equal(tensors.get(name)!.device, 'cpu');
    assert.deepEqual(values(tensors.get(name)!), values(weight), name);
  }
  const back = loadSafetensors(path, 'cuda');
  assert.equal(back.tensors.get('0.weight')!.device, 'cuda:0');
});

test('the GPU generator state restores a random sequence on the GPU', { skip }, () => {
  tidy(() => {
    manualSeed(3);
    const state = getRngState('cuda');
    const first = randn([5], { device: 'cuda' }).toArray();
    randn([7], { device: 'cuda' });
    setRngState(state, 'cuda');
    assert.deepEqual(randn([5], { device: 'cuda' }).toArray(), first);
  });
});
