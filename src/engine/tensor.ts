/**
 * Tensor: a typed handle on a libtorch tensor, with the methods that read like PyTorch.
 *
 * Memory: a tensor is freed by `dispose()`, by the `tidy()` scope it was made in, or, as a last
 * resort, when V8 collects the handle. Using a disposed tensor throws DisposedError.
 * Autograd is libtorch's: intermediate tensors may be disposed before `backward()`, because the
 * graph keeps its own references.
 */
import { native, type NativeTensor } from './native.js';
import { type DType, dtypeCode, dtypeName, viewBytes, type TypedArray, isDType } from './dtype.js';
import { DisposedError, typeError, rangeError, isInteger, isIntegerList } from './errors.js';
import { track, setScopedHooks, type Scoped } from './scope.js';

export type Device = string;
export type TensorLike = Tensor | number;

/** Tensors made and not yet disposed (one left to the garbage collector counts until then). */
let live = 0;

/** How many tensors are alive: a number that grows with every call of a loop is a leak. */
export function liveTensors(): number {
  return live;
}

export class Tensor implements Scoped {
  #handle: NativeTensor;
  #shape: readonly number[] | undefined;
  #disposed = false;
  /** @internal the scope that owns this tensor */
  scope: Set<Scoped> | null = null;

  /** @internal Wraps a native handle; use the creation functions instead. */
  constructor(handle: NativeTensor) {
    this.#handle = handle;
    live++;
    track(this);
  }

  /** @internal The native handle, checked to be alive. */
  handle(op = 'tensor'): NativeTensor {
    if (this.#disposed) throw new DisposedError(op);
    return this.#handle;
  }

  // ---- properties ----
  get shape(): readonly number[] {
    return (this.#shape ??= Object.freeze(native.shape(this.handle('shape'))));
  }
  get ndim(): number {
    return this.shape.length;
  }
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  get dtype(): DType {
    return dtypeName(native.dtype(this.handle('dtype')));
  }
  get device(): Device {
    return native.device(this.handle('device'));
  }
  get isDisposed(): boolean {
    return this.#disposed;
  }
  size(dim: number): number {
    const d = normDim('size', dim, this.ndim);
    return this.shape[d]!;
  }

  // ---- data out ----
  /** Values converted to float32, copied to JS, row-major. */
  toFloat32Array(): Float32Array {
    return native.toFloat32(this.handle('toFloat32Array'));
  }
  /** The raw values in their own dtype (16-bit floats as raw bits in a Uint16Array). */
  toTypedArray(): TypedArray {
    return viewBytes(native.toBuffer(this.handle('toTypedArray')), this.dtype);
  }
  /** The values as a flat JS number array. */
  /** The values as float64 (converted from any dtype), row-major, copied to the CPU. */
  toFloat64Array(): Float64Array {
    const t = this.dtype === 'float64' ? this : this.to('float64');
    const bytes = native.toBuffer(t.handle('toFloat64Array'));
    if (t !== this) t.dispose();
    return new Float64Array(bytes);
  }
  toArray(): number[] {
    return Array.from(this.toFloat32Array());
  }
  /** The value of a one-element tensor. */
  item(): number {
    return native.item(this.handle('item'));
  }

  /** Frees the tensor's memory now. Safe to call twice. */
  dispose(): void {
    if (this.#disposed) return;
    native.dispose(this.#handle);
    this.#disposed = true;
    live--;
    this.scope?.delete(this);
    this.scope = null;
  }
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Disposes many tensors with one native call (used by tidy). */
  static disposeAll(tensors: readonly Tensor[]): void {
    const handles: NativeTensor[] = [];
    for (const t of tensors) {
      if (t.#disposed) continue;
      handles.push(t.#handle);
      t.#disposed = true;
      t.scope = null;
      live--;
    }
    if (handles.length > 0) native.disposeAll(handles);
  }

  // ---- conversion ----
  to(target: DType | Device | { dtype?: DType; device?: Device }): Tensor {
    let dtype: DType | undefined;
    let device: Device | undefined;
    if (typeof target === 'string') {
      if (isDType(target)) dtype = target;
      else device = target;
    } else {
      dtype = target.dtype;
      device = target.device;
    }
    if (device !== undefined && !/^(cpu|cuda(:\d+)?)$/.test(device)) throw rangeError('to', 'device', 'cpu or cuda (cuda:N for the N-th GPU)', device);
    return wrap(native.to(this.handle('to'), dtype === undefined ? null : dtypeCode(dtype), device ?? null));
  }
  float(): Tensor {
    return this.to('float32');
  }
  clone(): Tensor {
    return wrap(native.clone(this.handle('clone')));
  }
  contiguous(): Tensor {
    return wrap(native.contiguous(this.handle('contiguous')));
  }
  detach(): Tensor {
    return wrap(native.detach(this.handle('detach')));
  }

  // ---- autograd ----
  get requiresGrad(): boolean {
    return native.requiresGrad(this.handle('requiresGrad'));
  }
  set requiresGrad(flag: boolean) {
    native.setRequiresGrad(this.handle('requiresGrad'), flag);
  }
  /** Sets requiresGrad and returns this tensor (PyTorch's requires_grad_). */
  requiresGrad_(flag = true): this {
    this.requiresGrad = flag;
    return this;
  }
  get isLeaf(): boolean {
    return native.isLeaf(this.handle('isLeaf'));
  }
  /** The accumulated gradient, a new handle each read, or null. */
  get grad(): Tensor | null {
    const g = native.grad(this.handle('grad'));
    return g === null ? null : wrap(g);
  }
  set grad(g: Tensor | null) {
    native.setGrad(this.handle('grad'), g === null ? null : asHandle('grad', 'gradient', g));
  }
  /** Back-propagates from this tensor (a scalar unless `gradient` is given). */
  backward(gradient?: Tensor, { retainGraph = false } = {}): void {
    native.backward(this.handle('backward'), gradient === undefined ? null : asHandle('backward', 'gradient', gradient), retainGraph);
  }

  // ---- in place: no new memory (optimizers, EMA, initialisation, long elementwise chains);
  //      never on tensors that autograd still needs ----
  copy_(src: Tensor): this {
    native.copy_(this.handle('copy_'), asHandle('copy_', 'src', src));
    return this;
  }
  fill_(value: number): this {
    native.fill_(this.handle('fill_'), value);
    return this;
  }
  zero_(): this {
    native.zero_(this.handle('zero_'));
    return this;
  }
  add_(other: TensorLike, alpha = 1): this {
    native.add_(this.handle('add_'), operand('add_', other), alpha);
    return this;
  }
  mul_(other: TensorLike): this {
    native.mul_(this.handle('mul_'), operand('mul_', other));
    return this;
  }
  sub_(other: TensorLike, alpha = 1): this {
    return this.add_(other, -alpha);
  }
  div_(other: TensorLike): this {
    native.div_(this.handle('div_'), operand('div_', other));
    return this;
  }
  clamp_(min: number | null, max: number | null = null): this {
    native.clamp_(this.handle('clamp_'), min, max);
    return this;
  }
  log_(): this { native.log_(this.handle('log_')); return this; }
  exp_(): this { native.exp_(this.handle('exp_')); return this; }
  sqrt_(): this { native.sqrt_(this.handle('sqrt_')); return this; }
  abs_(): this { native.abs_(this.handle('abs_')); return this; }
  neg_(): this { native.neg_(this.handle('neg_')); return this; }
  relu_(): this { native.relu_(this.handle('relu_')); return this; }
  tanh_(): this { native.tanh_(this.handle('tanh_')); return this; }
  sigmoid_(): this { native.sigmoid_(this.handle('sigmoid_')); return this; }
  /** this += weight · (end − this) */
  lerp_(end: Tensor, weight: number): this {
    native.lerp_(this.handle('lerp_'), asHandle('lerp_', 'end', end), weight);
    return this;
  }
  uniform_(from: number, to: number): this {
    native.uniform_(this.handle('uniform_'), from, to);
    return this;
  }
  normal_(mean = 0, std = 1): this {
    native.normal_(this.handle('normal_'), mean, std);
    return this;
  }
  /** Replaces this tensor's data with `other`'s (same handle, same parameter identity). */
  setData_(other: Tensor): this {
    native.setData(this.handle('setData_'), asHandle('setData_', 'other', other));
    this.#shape = undefined;
    return this;
  }

  // ---- elementwise ----
  neg(): Tensor { return wrap(native.neg(this.handle('neg'))); }
  abs(): Tensor { return wrap(native.abs(this.handle('abs'))); }
  exp(): Tensor { return wrap(native.exp(this.handle('exp'))); }
  log(): Tensor { return wrap(native.log(this.handle('log'))); }
  log1p(): Tensor { return wrap(native.log1p(this.handle('log1p'))); }
  expm1(): Tensor { return wrap(native.expm1(this.handle('expm1'))); }
  sqrt(): Tensor { return wrap(native.sqrt(this.handle('sqrt'))); }
  rsqrt(): Tensor { return wrap(native.rsqrt(this.handle('rsqrt'))); }
  square(): Tensor { return wrap(native.square(this.handle('square'))); }
  sin(): Tensor { return wrap(native.sin(this.handle('sin'))); }
  cos(): Tensor { return wrap(native.cos(this.handle('cos'))); }
  tanh(): Tensor { return wrap(native.tanh(this.handle('tanh'))); }
  sigmoid(): Tensor { return wrap(native.sigmoid(this.handle('sigmoid'))); }
  relu(): Tensor { return wrap(native.relu(this.handle('relu'))); }
  silu(): Tensor { return wrap(native.silu(this.handle('silu'))); }
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor { return wrap(native.gelu(this.handle('gelu'), approximate)); }
  sign(): Tensor { return wrap(native.sign(this.handle('sign'))); }
  floor(): Tensor { return wrap(native.floor(this.handle('floor'))); }
  ceil(): Tensor { return wrap(native.ceil(this.handle('ceil'))); }
  round(): Tensor { return wrap(native.round(this.handle('round'))); }
  reciprocal(): Tensor { return wrap(native.reciprocal(this.handle('reciprocal'))); }
  logicalNot(): Tensor { return wrap(native.logicalNot(this.handle('logicalNot'))); }
  isnan(): Tensor { return wrap(native.isnan(this.handle('isnan'))); }
  isfinite(): Tensor { return wrap(native.isfinite(this.handle('isfinite'))); }
  clamp(min: number | null, max: number | null = null): Tensor {
    return wrap(native.clamp(this.handle('clamp'), min, max));
  }

  /** `this op other` through the addon's `fn`, for a tensor or a number `other`. */
  #binary(op: string, fn: (a: NativeTensor, b: NativeTensor | number) => NativeTensor, other: TensorLike): Tensor {
    return wrap(fn(this.handle(op), operand(op, other)));
  }

  add(other: TensorLike): Tensor { return this.#binary('add', native.add, other); }
  sub(other: TensorLike): Tensor { return this.#binary('sub', native.sub, other); }
  mul(other: TensorLike): Tensor { return this.#binary('mul', native.mul, other); }
  div(other: TensorLike): Tensor { return this.#binary('div', native.div, other); }
  pow(other: TensorLike): Tensor { return this.#binary('pow', native.pow, other); }
  remainder(other: TensorLike): Tensor { return this.#binary('remainder', native.remainder, other); }
  eq(other: TensorLike): Tensor { return this.#binary('eq', native.eq, other); }
  ne(other: TensorLike): Tensor { return this.#binary('ne', native.ne, other); }
  lt(other: TensorLike): Tensor { return this.#binary('lt', native.lt, other); }
  le(other: TensorLike): Tensor { return this.#binary('le', native.le, other); }
  gt(other: TensorLike): Tensor { return this.#binary('gt', native.gt, other); }
  ge(other: TensorLike): Tensor { return this.#binary('ge', native.ge, other); }
  maximum(other: Tensor): Tensor { return wrap(native.maximum(this.handle('maximum'), asHandle('maximum', 'other', other))); }
  minimum(other: Tensor): Tensor { return wrap(native.minimum(this.handle('minimum'), asHandle('minimum', 'other', other))); }

  // ---- reductions; dims may be negative; no dims = all elements ----
  sum(dims?: number | number[], keepdim = false): Tensor {
    return wrap(native.sum(this.handle('sum'), dimList('sum', dims, this.ndim), keepdim));
  }
  mean(dims?: number | number[], keepdim = false): Tensor {
    return wrap(native.mean(this.handle('mean'), dimList('mean', dims, this.ndim), keepdim));
  }
  amax(dims?: number | number[], keepdim = false): Tensor {
    return wrap(native.amax(this.handle('amax'), dimList('amax', dims, this.ndim), keepdim));
  }
  amin(dims?: number | number[], keepdim = false): Tensor {
    return wrap(native.amin(this.handle('amin'), dimList('amin', dims, this.ndim), keepdim));
  }
  /** Maximum along one dim: [values, indices]. */
  max(dim: number, keepdim = false): [Tensor, Tensor] {
    const [v, i] = native.maxDim(this.handle('max'), normDim('max', dim, this.ndim), keepdim);
    return [wrap(v), wrap(i)];
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return wrap(native.argmax(this.handle('argmax'), dim === undefined ? null : normDim('argmax', dim, this.ndim), keepdim));
  }
  /** Variance; unbiased (n − 1) by default like PyTorch. */
  var(dims?: number | number[], { unbiased = true, keepdim = false } = {}): Tensor {
    return wrap(native.var(this.handle('var'), dimList('var', dims, this.ndim), unbiased, keepdim));
  }
  std(dims?: number | number[], { unbiased = true, keepdim = false } = {}): Tensor {
    return wrap(native.std(this.handle('std'), dimList('std', dims, this.ndim), unbiased, keepdim));
  }
  /** The vector p-norm over dims (all elements by default). */
  norm(p = 2, dims?: number | number[], keepdim = false): Tensor {
    return wrap(native.norm(this.handle('norm'), p, dimList('norm', dims, this.ndim), keepdim));
  }
  logsumexp(dims: number | number[], keepdim = false): Tensor {
    return wrap(native.logsumexp(this.handle('logsumexp'), dimList('logsumexp', dims, this.ndim)!, keepdim));
  }
  cumsum(dim: number): Tensor {
    return wrap(native.cumsum(this.handle('cumsum'), normDim('cumsum', dim, this.ndim)));
  }
  softmax(dim: number): Tensor {
    return wrap(native.softmax(this.handle('softmax'), normDim('softmax', dim, this.ndim)));
  }
  logSoftmax(dim: number): Tensor {
    return wrap(native.logSoftmax(this.handle('logSoftmax'), normDim('logSoftmax', dim, this.ndim)));
  }

  // ---- shape ----
  /** New shape with the same number of elements; one entry may be -1. */
  reshape(...shape: number[] | [number[]]): Tensor {
    const dims = shapeArgs('reshape', shape);
    return wrap(native.reshape(this.handle('reshape'), dims));
  }
  view(...shape: number[] | [number[]]): Tensor {
    return this.reshape(...(shape as number[]));
  }
  permute(...dims: number[] | [number[]]): Tensor {
    const list = shapeArgs('permute', dims);
    if (list.length !== this.ndim) throw rangeError('permute', 'dims', `${this.ndim} dims`, list);
    return wrap(native.permute(this.handle('permute'), list));
  }
  transpose(a: number, b: number): Tensor {
    return wrap(native.transpose(this.handle('transpose'), normDim('transpose', a, this.ndim), normDim('transpose', b, this.ndim)));
  }
  unsqueeze(dim: number): Tensor {
    return wrap(native.unsqueeze(this.handle('unsqueeze'), normDim('unsqueeze', dim, this.ndim + 1)));
  }
  squeeze(dim?: number): Tensor {
    return wrap(native.squeeze(this.handle('squeeze'), dim === undefined ? null : normDim('squeeze', dim, this.ndim)));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return wrap(native.flatten(this.handle('flatten'), startDim, endDim));
  }
  expand(...shape: number[] | [number[]]): Tensor {
    return wrap(native.expand(this.handle('expand'), shapeArgs('expand', shape)));
  }
  repeat(...repeats: number[] | [number[]]): Tensor {
    return wrap(native.repeat(this.handle('repeat'), shapeArgs('repeat', repeats)));
  }
  flip(dims: number[]): Tensor {
    return wrap(native.flip(this.handle('flip'), dims.map((d) => normDim('flip', d, this.ndim))));
  }
  /** Elements [start, end) with a step along `dim` (a view). Negative start/end count from the end. */
  slice(dim: number, start: number, end = Number.MAX_SAFE_INTEGER, step = 1): Tensor {
    if (!isInteger(step) || step < 1) throw rangeError('slice', 'step', 'a positive integer', step);
    return wrap(native.slice(this.handle('slice'), normDim('slice', dim, this.ndim), start, end, step));
  }
  /** The entry `index` of `dim`, dropping that dim. */
  select(dim: number, index: number): Tensor {
    return wrap(native.select(this.handle('select'), normDim('select', dim, this.ndim), index));
  }
  /** Splits into pieces of the given sizes (or of equal size `size`) along `dim`. */
  split(sizes: number | number[], dim = 0): Tensor[] {
    const d = normDim('split', dim, this.ndim);
    const total = this.shape[d]!;
    let list: number[];
    if (typeof sizes === 'number') {
      if (!isInteger(sizes) || sizes < 1) throw rangeError('split', 'size', 'a positive integer', sizes);
      list = [];
      for (let at = 0; at < total; at += sizes) list.push(Math.min(sizes, total - at));
    } else list = sizes;
    return native.split(this.handle('split'), list, d).map(wrap);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return this.split(Math.ceil(this.size(dim) / chunks), dim);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return wrap(native.indexSelect(this.handle('indexSelect'), normDim('indexSelect', dim, this.ndim), asHandle('indexSelect', 'index', index)));
  }
  gather(dim: number, index: Tensor): Tensor {
    return wrap(native.gather(this.handle('gather'), normDim('gather', dim, this.ndim), asHandle('gather', 'index', index)));
  }
  tril(diagonal = 0): Tensor { return wrap(native.tril(this.handle('tril'), diagonal)); }
  triu(diagonal = 0): Tensor { return wrap(native.triu(this.handle('triu'), diagonal)); }
  matmul(other: Tensor): Tensor {
    return wrap(native.matmul(this.handle('matmul'), asHandle('matmul', 'other', other)));
  }

  toString(): string {
    if (this.#disposed) return 'Tensor(disposed)';
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, device=${this.device})`;
  }
}

setScopedHooks((v): v is Tensor => v instanceof Tensor, (items) => Tensor.disposeAll(items as Tensor[]));

// ---- helpers shared by the engine ----

/** @internal Wraps a native handle in a Tensor registered with the current scope. */
export function wrap(handle: NativeTensor): Tensor {
  return new Tensor(handle);
}

/** @internal The live handle of a tensor argument, or a TypeError naming the op and argument. */
export function asHandle(op: string, name: string, value: unknown): NativeTensor {
  if (!(value instanceof Tensor)) throw typeError(op, name, 'a Tensor', value);
  return value.handle(op);
}

/** @internal Optional tensor argument: null/undefined pass through as null. */
export function asOptionalHandle(op: string, name: string, value: unknown): NativeTensor | null {
  return value === null || value === undefined ? null : asHandle(op, name, value);
}

/** @internal A tensor or a finite number as an operand of a binary op. */
export function operand(op: string, value: TensorLike): NativeTensor | number {
  if (typeof value === 'number') return value;
  return asHandle(op, 'other', value);
}

/** @internal Resolves a possibly negative dim against a rank, or throws RangeError. */
export function normDim(op: string, dim: number, ndim: number): number {
  if (!isInteger(dim)) throw typeError(op, 'dim', 'an integer', dim);
  const rank = Math.max(ndim, 1);
  if (dim < -rank || dim >= rank) throw rangeError(op, 'dim', `an integer in [${-rank}, ${rank - 1}]`, dim);
  return dim < 0 ? dim + rank : dim;
}

function dimList(op: string, dims: number | number[] | undefined, ndim: number): number[] | null {
  if (dims === undefined) return null;
  const list = typeof dims === 'number' ? [dims] : dims;
  return list.map((d) => normDim(op, d, ndim));
}

function shapeArgs(op: string, args: number[] | [number[]]): number[] {
  const list = Array.isArray(args[0]) ? (args[0] as number[]) : (args as number[]);
  if (!isIntegerList(list)) throw typeError(op, 'shape', 'a list of integers', list);
  return list;
}
