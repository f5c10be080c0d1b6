/**
 * safetensors: round trips of every dtype, a reader in Python/PyTorch agrees, checkpoints keep
 * their config, writes are atomic and bad files raise SafetensorsError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { repoRoot, pythonWithTorch, temporaryDirectory } from '../testing/helpers.js';
import { tensor, randn, arange, saveSafetensors, loadSafetensors, SafetensorsError, saveCheckpoint, loadCheckpoint, nn, tidy, StateDictError, manualSeed } from './index.js';

const dir = temporaryDirectory('mst-safetensors-');

test('every dtype round-trips bit for bit, with metadata', () => {
  tidy(() => {
    const tensors = {
      f32: randn([3, 4]),
      bf16: randn([5]).to('bfloat16'),
      f16: randn([2, 2]).to('float16'),
      f64: randn([2]).to('float64'),
      i64: arange(6).reshape(2, 3),
      i32: arange(4).to('int32'),
      u8: tensor([0, 200, 255], { dtype: 'uint8' }),
      flags: tensor([1, 0, 1], { dtype: 'bool' }),
      empty: randn([0, 3]),
    };
    const path = join(dir, 'all.safetensors');
    saveSafetensors(path, tensors, { note: 'hello' });
    const { tensors: back, metadata } = loadSafetensors(path);
    assert.deepEqual(metadata, { note: 'hello' });
    for (const [name, t] of Object.entries(tensors)) {
      const b = back.get(name)!;
      assert.equal(b.dtype, t.dtype, name);
      assert.deepEqual(b.shape, t.shape, name);
      assert.deepEqual(new Uint8Array(b.toTypedArray().buffer), new Uint8Array(t.toTypedArray().buffer), name);
    }
  });
});

test('a reader in Python with PyTorch reads our files', () => {
  tidy(() => {
    const tensors = { 'enc.weight': randn([4, 3, 3, 3]), 'enc.bias': randn([4]).to('bfloat16'), steps: arange(10) };
    const path = join(dir, 'py.safetensors');
    saveSafetensors(path, tensors, { 'mst.config': '{"a":1}' });
    const out = JSON.parse(execFileSync(pythonWithTorch, [join(repoRoot, 'test', 'read_safetensors.py'), path], { encoding: 'utf8' })) as {
      metadata: Record<string, string>;
      tensors: Record<string, { dtype: string; shape: number[]; sum: number }>;
    };
    assert.deepEqual(out.metadata, { 'mst.config': '{"a":1}' });
    assert.deepEqual(Object.keys(out.tensors).sort(), ['enc.bias', 'enc.weight', 'steps']);
    assert.equal(out.tensors['enc.bias']!.dtype, 'BF16');
    assert.deepEqual(out.tensors['enc.weight']!.shape, [4, 3, 3, 3]);
    assert.equal(out.tensors.steps!.sum, 45);
    const ours = tensors['enc.weight'].to('float64').sum().item();
    assert.ok(Math.abs(out.tensors['enc.weight']!.sum - ours) < 1e-4);
  });
});

test('checkpoints carry their config and load into a fresh module', () => {
  manualSeed(0);
  const a = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2));
  const path = join(dir, 'model.safetensors');
  saveCheckpoint(path, a, { name: 'tiny', channels: 2 });
  const { config, tensors } = loadCheckpoint<{ name: string; channels: number }>(path);
  assert.deepEqual(config, { name: 'tiny', channels: 2 });
  manualSeed(1);
  const b = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2));
  b.loadStateDict(tensors);
  for (const [name, t] of a.stateDict()) assert.deepEqual(b.stateDict().get(name)!.toArray(), t.toArray(), name);
  // another config: a clear error naming the problem
  const c = new nn.Sequential(new nn.Conv2d(1, 3, 3), new nn.BatchNorm2d(3));
  assert.throws(() => c.loadStateDict(tensors), (e: unknown) => e instanceof StateDictError && /wrong shape: 0\.weight \(expected \[3, 1, 3, 3\], got \[2, 1, 3, 3\]\)/.test(e.message) && /another model config/.test(e.message));
  for (const m of [a, b, c]) m.dispose();
});

test('writes are atomic: no temporary file is left and a failed write keeps the old file', () => {
  const path = join(dir, 'atomic.safetensors');
  tidy(() => saveSafetensors(path, { x: randn([2]) }));
  const before = readFileSync(path);
  assert.throws(() => saveSafetensors(path, { x: 'not a tensor' as never }), TypeError);
  assert.deepEqual(readFileSync(path), before);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp')), []);
  assert.throws(() => saveSafetensors(join(dir, 'no-such-dir', 'x.safetensors'), {}), /ENOENT/);
});

test('bad files raise SafetensorsError naming the file and the problem', () => {
  const cases: [string, Buffer, RegExp][] = [
    ['short.safetensors', Buffer.from([1, 2, 3]), /only 3 bytes/],
    ['huge-header.safetensors', Buffer.concat([Buffer.from([255, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{}')]), /does not fit/],
    ['not-json.safetensors', Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{{{{')]), /not JSON/],
    ['bad-offsets.safetensors', (() => {
      const h = Buffer.from(JSON.stringify({ x: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }));
      const n = Buffer.alloc(8);
      n.writeBigUInt64LE(BigInt(h.length));
      return Buffer.concat([n, h, Buffer.alloc(8)]);
    })(), /outside the 8 data bytes/],
    ['bad-dtype.safetensors', (() => {
      const h = Buffer.from(JSON.stringify({ x: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }));
      const n = Buffer.alloc(8);
      n.writeBigUInt64LE(BigInt(h.length));
      return Buffer.concat([n, h, Buffer.alloc(1)]);
    })(), /unsupported dtype F8_E4M3/],
  ];
  for (const [name, bytes, message] of cases) {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    assert.throws(() => loadSafetensors(path), (e: unknown) => e instanceof SafetensorsError && e.message.includes(path) && message.test(e.message), name);
  }
  assert.throws(() => loadSafetensors(join(dir, 'missing.safetensors')), /no such file/);
  assert.throws(() => loadCheckpoint(join(dir, 'all.safetensors')), /without an mst config/);
  assert.ok(existsSync(dir));
});
