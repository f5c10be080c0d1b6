/**
 * Creating tensors: from JS data, constants, ranges and random numbers (seeded by manualSeed).
 */
import { native, type NativeTensor } from './native.js';
import { type DType, dtypeCode, dtypeOfArray, dtypeSize, isDType, DTYPES } from './dtype.js';
import { typeError, rangeError, isIntegerList, isInteger } from './errors.js';
import { Tensor, wrap, asHandle, type Device } from './tensor.js';

export interface TensorOptions {
  /** Default float32. */
  dtype?: DType;
  /** 'cpu' (default), 'cuda' or 'cuda:N'. */
  device?: Device;
  requiresGrad?: boolean;
}

type Nested = number | boolean | Nested[];

function checkShape(op: string, shape: readonly number[]): number[] {
  if (!isIntegerList(shape as unknown) || shape.some((d) => d < 0)) {
    throw typeError(op, 'shape', 'a list of non-negative integers', shape);
  }
  return [...shape];
}

function resolve(op: string, options: TensorOptions): { dtype: DType; device: Device } {
  const dtype = options.dtype ?? 'float32';
  if (!isDType(dtype)) throw typeError(op, 'dtype', `one of ${DTYPES.join(', ')}`, dtype);
  return { dtype, device: options.device ?? 'cpu' };
}

function finish(t: Tensor, options: TensorOptions): Tensor {
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

function inferShape(data: Nested): number[] {
  const shape: number[] = [];
  let level: Nested = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0]!;
  }
  return shape;
}

/**
 * A tensor from JS data: a (nested) number array, or a typed array with an explicit shape.
 * Nested arrays must be rectangular. The dtype defaults to the typed array's own, else float32.
 */
export function tensor(data: Nested | ArrayBufferView, shapeOrOptions?: readonly number[] | TensorOptions, maybeOptions: TensorOptions = {}): Tensor {
  const shape = Array.isArray(shapeOrOptions) ? checkShape('tensor', shapeOrOptions) : undefined;
  const options = (Array.isArray(shapeOrOptions) ? maybeOptions : (shapeOrOptions as TensorOptions | undefined)) ?? {};
  if (ArrayBuffer.isView(data)) {
    const own = dtypeOfArray(data);
    const target = options.dtype ?? own;
    const dims = shape ?? [data.byteLength / dtypeSize(own)];
    const numel = dims.reduce((a, b) => a * b, 1);
    if (numel * dtypeSize(own) !== data.byteLength) {
      throw rangeError('tensor', 'shape', `a shape with ${data.byteLength / dtypeSize(own)} elements`, dims);
    }
    const { device } = resolve('tensor', { ...options, dtype: target });
    let t = wrap(native.fromBuffer(data, dims, dtypeCode(own), 'cpu'));
    if (own !== target || device !== 'cpu') {
      const converted = t.to({ dtype: target, device });
      t.dispose();
      t = converted;
    }
    return finish(t, options);
  }
  const dims = shape ?? inferShape(data);
  const flat = (Array.isArray(data) ? (data as unknown[]).flat(Infinity) : [data]) as (number | boolean)[];
  const numel = dims.reduce((a, b) => a * b, 1);
  if (flat.length !== numel) {
    throw rangeError('tensor', 'data', `${numel} values for shape [${dims.join(', ')}] (a rectangular array)`, `${flat.length} values`);
  }
  for (const v of flat) {
    if (typeof v !== 'number' && typeof v !== 'boolean') throw typeError('tensor', 'data', 'numbers or booleans', v);
  }
  const values = Float64Array.from(flat, Number);
  const { dtype, device } = resolve('tensor', options);
  const staged = wrap(native.fromBuffer(values, dims, dtypeCode('float64'), 'cpu'));
  const t = staged.to({ dtype, device });
  staged.dispose();
  return finish(t, options);
}

/** A scalar (0-d) tensor. */
export function scalar(value: number, options: TensorOptions = {}): Tensor {
  return tensor(value, [], options);
}

/** A tensor of `shape` made by the addon's `make` (zeros, ones, …), with the options resolved and checked under `op`. */
function shaped(op: string, shape: readonly number[], options: TensorOptions, make: (shape: number[], dtype: number, device: string) => NativeTensor): Tensor {
  const { dtype, device } = resolve(op, options);
  return finish(wrap(make(checkShape(op, shape), dtypeCode(dtype), device)), options);
}

export function zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return shaped('zeros', shape, options, native.zeros);
}
export function ones(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return shaped('ones', shape, options, native.ones);
}
export function empty(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return shaped('empty', shape, options, native.empty);
}
export function full(shape: readonly number[], value: number | boolean, options: TensorOptions = {}): Tensor {
  return shaped('full', shape, options, (s, dtype, device) => native.full(s, value, dtype, device));
}
/** Standard normal samples from the global generator (see manualSeed). */
export function randn(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return shaped('randn', shape, options, native.randn);
}
/** Uniform samples in [0, 1). */
export function rand(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return shaped('rand', shape, options, native.rand);
}
/** Integers uniform in [low, high), int64. */
export function randint(low: number, high: number, shape: readonly number[], options: { device?: Device } = {}): Tensor {
  if (!isInteger(low) || !isInteger(high) || high <= low) throw rangeError('randint', 'range', 'integers low < high', [low, high]);
  return wrap(native.randint(low, high, checkShape('randint', shape), options.device ?? 'cpu'));
}
/** A random permutation of 0..n-1, int64. */
export function randperm(n: number, options: { device?: Device } = {}): Tensor {
  if (!isInteger(n) || n < 0) throw rangeError('randperm', 'n', 'a non-negative integer', n);
  return wrap(native.randperm(n, options.device ?? 'cpu'));
}
/** Values start, start+step, … below end. dtype defaults to int64 for integer arguments, else float32. */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0) throw rangeError('arange', 'step', 'a non-zero number', step);
  const integral = isInteger(start) && isInteger(end) && isInteger(step);
  const { dtype, device } = resolve('arange', { dtype: integral ? 'int64' : 'float32', ...options });
  return finish(wrap(native.arange(start, end, step, dtypeCode(dtype), device)), options);
}
/** `steps` values evenly spaced from start to end inclusive. */
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  if (!isInteger(steps) || steps < 1) throw rangeError('linspace', 'steps', 'a positive integer', steps);
  const { dtype, device } = resolve('linspace', options);
  return finish(wrap(native.linspace(start, end, steps, dtypeCode(dtype), device)), options);
}
export function zerosLike(t: Tensor): Tensor { return wrap(native.zerosLike(asHandle('zerosLike', 'input', t))); }
export function onesLike(t: Tensor): Tensor { return wrap(native.onesLike(asHandle('onesLike', 'input', t))); }
export function randnLike(t: Tensor): Tensor { return wrap(native.randnLike(asHandle('randnLike', 'input', t))); }
export function randLike(t: Tensor): Tensor { return wrap(native.randLike(asHandle('randLike', 'input', t))); }

/** A tensor from raw little-endian bytes of the given dtype and shape (as stored in safetensors). */
export function fromBytes(bytes: ArrayBufferView, shape: readonly number[], dtype: DType, device: Device = 'cpu'): Tensor {
  return wrap(native.fromBuffer(bytes, checkShape('fromBytes', shape), dtypeCode(dtype), device));
}
