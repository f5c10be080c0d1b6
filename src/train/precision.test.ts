/**
 * The training precision: bf16 autocast only where the device runs bf16 natively (the decision
 * from the processor's flags, oneDNN's presence and its ISA limit, or the CUDA device), float32
 * elsewhere; an explicit --bf16 wins; the setting parses as auto, true or false.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bf16Native, bf16Support, describeProcessor, processorInfo, type Bf16Facts } from '../engine/index.js';
import { choosePrecision, trainingPrecision } from './precision.js';
import { PHASE_DEFAULTS } from './config.js';
import { resolveTrainConfig } from '../cli/train.js';

const ZEN3: Bf16Facts = { device: 'cpu', arch: 'x64', flags: ['sse4_2', 'avx', 'avx2', 'fma'], mkldnn: true };
const ICE_LAKE: Bf16Facts = { ...ZEN3, flags: [...ZEN3.flags, 'avx512f', 'avx512bw', 'avx512_vnni'] };
const ZEN4: Bf16Facts = { ...ICE_LAKE, flags: [...ICE_LAKE.flags, 'avx512_bf16'] };
const SAPPHIRE_RAPIDS: Bf16Facts = { ...ICE_LAKE, flags: [...ICE_LAKE.flags, 'amx_bf16', 'amx_tile'] };

test('bf16 is native with AVX512-bf16 or AMX-bf16 flags, and not without them', () => {
  assert.deepEqual(bf16Native(ZEN4), { native: true, reason: 'this CPU runs bf16 natively (avx512_bf16)' });
  assert.deepEqual(bf16Native(SAPPHIRE_RAPIDS), { native: true, reason: 'this CPU runs bf16 natively (amx_bf16)' });
  for (const cpu of [ZEN3, ICE_LAKE]) {
    assert.deepEqual(bf16Native(cpu), { native: false, reason: 'this CPU has no AVX512-bf16 or AMX-bf16 instructions, so bf16 would be emulated' });
  }
  assert.equal(bf16Native({ ...ZEN4, arch: 'arm64', flags: ['bf16', 'asimd'] }).native, false, 'no native path known off x86');
  assert.match(bf16Native({ ...ZEN4, mkldnn: false }).reason, /built without oneDNN/);
});

test("oneDNN's ISA limit decides too: below its bf16 instructions bf16 is not native", () => {
  for (const limit of ['AVX2', 'avx512_core', 'AVX512_CORE_VNNI']) {
    const support = bf16Native({ ...ZEN4, isaLimit: limit });
    assert.equal(support.native, false, limit);
    assert.match(support.reason, new RegExp(`ONEDNN_MAX_CPU_ISA=${limit} keeps oneDNN below its bf16 instructions`));
  }
  for (const limit of ['ALL', 'AVX512_CORE_BF16', 'AVX512_CORE_AMX', '']) assert.equal(bf16Native({ ...ZEN4, isaLimit: limit }).native, true, limit);
  assert.equal(bf16Native({ ...ZEN3, isaLimit: 'ALL' }).native, false, 'a limit adds no instructions');
});

test('on CUDA the device decides', () => {
  assert.equal(bf16Native({ ...ZEN3, device: 'cuda', cudaBf16: true }).native, true);
  assert.match(bf16Native({ ...ZEN4, device: 'cuda', cudaBf16: false }).reason, /compute capability below 8.0/);
});

test('the default follows the processor; an explicit --bf16 wins either way', () => {
  const native = bf16Native(ZEN4);
  const emulated = bf16Native(ZEN3);
  assert.equal(choosePrecision('auto', native).bf16, true);
  assert.equal(choosePrecision('auto', emulated).bf16, false);
  assert.equal(choosePrecision('auto', emulated).reason, emulated.reason);
  assert.deepEqual(choosePrecision(false, native), { bf16: false, reason: '--bf16=false asks for float32' });
  const forced = choosePrecision(true, emulated);
  assert.equal(forced.bf16, true);
  assert.match(forced.reason, /--bf16=true asks for it, though this CPU has no AVX512-bf16 .*: expect steps many times slower than float32/);
});

test("this machine's choice agrees with its flags, and ONEDNN_MAX_CPU_ISA=AVX2 turns bf16 off", () => {
  const flags = processorInfo().flags;
  const expected = flags.includes('avx512_bf16') || flags.includes('amx_bf16');
  if (process.env.ONEDNN_MAX_CPU_ISA === undefined && process.env.DNNL_MAX_CPU_ISA === undefined) assert.equal(bf16Support('cpu').native, expected);
  const precision = trainingPrecision({ bf16: 'auto', device: 'cpu' });
  assert.equal(precision.bf16, bf16Support('cpu').native);
  assert.equal(precision.processor, describeProcessor());
  const saved = process.env.ONEDNN_MAX_CPU_ISA;
  process.env.ONEDNN_MAX_CPU_ISA = 'AVX2';
  try {
    assert.equal(trainingPrecision({ bf16: 'auto', device: 'cpu' }).bf16, false);
    assert.equal(trainingPrecision({ bf16: true, device: 'cpu' }).bf16, true);
  } finally {
    if (saved === undefined) delete process.env.ONEDNN_MAX_CPU_ISA;
    else process.env.ONEDNN_MAX_CPU_ISA = saved;
  }
});

test('--bf16 takes auto (the default), true or false, and nothing else', () => {
  assert.equal(PHASE_DEFAULTS.features.bf16, 'auto');
  assert.equal(resolveTrainConfig('features', undefined, []).bf16, 'auto');
  assert.equal(resolveTrainConfig('features', undefined, ['--bf16=true']).bf16, true);
  assert.equal(resolveTrainConfig('autoencoder', undefined, ['--bf16=false']).bf16, false);
  assert.equal(resolveTrainConfig('diffusion', undefined, ['--bf16=false', '--bf16=auto']).bf16, 'auto');
  assert.throws(() => resolveTrainConfig('features', undefined, ['--bf16=maybe']), /train: Expected bf16 true, false or auto but received "maybe"/);
  assert.throws(() => resolveTrainConfig('features', undefined, ['--bf16=1']), /train: Expected bf16 true, false or auto but received 1/);
});
