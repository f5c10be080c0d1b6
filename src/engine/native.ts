/**
 * The one place the native addon is loaded, and the typed declaration of its whole surface.
 *
 * The addon (native/*.cc) is a thin layer over libtorch: it converts arguments, calls one
 * libtorch function and wraps the result. Everything else — validation, defaults, scopes,
 * policy — lives in TypeScript. Tensor handles are opaque to TypeScript. Loading it changes no
 * process setting; those are configure()'s (engine/configure.ts).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { packageRoot } from '../package-root.js';

/** An opaque libtorch tensor owned by the addon. */
export type NativeTensor = { readonly __brand: 'NativeTensor' };
/** An opaque libtorch optimizer owned by the addon. */
export type NativeOptimizer = { readonly __brand: 'NativeOptimizer' };

type T = NativeTensor;
type Num = number;
type TensorOrNumber = T | number;
type Maybe<X> = X | null;

export interface OptimizerParamState {
  step: number;
  tensors: Record<string, T>;
}

export interface NativeAddon {
  // tensor.cc
  fromBuffer(bytes: ArrayBufferView | ArrayBuffer, shape: Num[], dtype: Num, device: string): T;
  toBuffer(t: T): ArrayBuffer;
  toFloat32(t: T): Float32Array;
  item(t: T): number;
  shape(t: T): number[];
  dtype(t: T): number;
  device(t: T): string;
  dispose(t: T): void;
  disposeAll(ts: T[]): void;
  zeros(shape: Num[], dtype: Num, device: string): T;
  ones(shape: Num[], dtype: Num, device: string): T;
  empty(shape: Num[], dtype: Num, device: string): T;
  full(shape: Num[], value: number | boolean, dtype: Num, device: string): T;
  randn(shape: Num[], dtype: Num, device: string): T;
  rand(shape: Num[], dtype: Num, device: string): T;
  randint(low: Num, high: Num, shape: Num[], device: string): T;
  randperm(n: Num, device: string): T;
  arange(start: Num, end: Num, step: Num, dtype: Num, device: string): T;
  linspace(start: Num, end: Num, steps: Num, dtype: Num, device: string): T;
  zerosLike(t: T): T;
  onesLike(t: T): T;
  randnLike(t: T): T;
  randLike(t: T): T;
  to(t: T, dtype: Maybe<Num>, device: Maybe<string>): T;
  clone(t: T): T;
  contiguous(t: T): T;
  detach(t: T): T;
  copy_(dst: T, src: T): void;
  fill_(t: T, value: number): void;
  zero_(t: T): void;
  add_(t: T, other: TensorOrNumber, alpha: number): void;
  mul_(t: T, other: TensorOrNumber): void;
  lerp_(t: T, end: T, weight: number): void;
  div_(t: T, other: TensorOrNumber): void;
  clamp_(t: T, min: Maybe<number>, max: Maybe<number>): void;
  log_(t: T): void; exp_(t: T): void; sqrt_(t: T): void; abs_(t: T): void; neg_(t: T): void;
  relu_(t: T): void; tanh_(t: T): void; sigmoid_(t: T): void;
  setData(t: T, other: T): void;
  uniform_(t: T, from: number, to: number): void;
  normal_(t: T, mean: number, std: number): void;
  // pointwise.cc
  neg(t: T): T; abs(t: T): T; exp(t: T): T; log(t: T): T; log1p(t: T): T; expm1(t: T): T;
  sqrt(t: T): T; rsqrt(t: T): T; square(t: T): T; sin(t: T): T; cos(t: T): T; tanh(t: T): T;
  sigmoid(t: T): T; relu(t: T): T; silu(t: T): T; sign(t: T): T; floor(t: T): T; ceil(t: T): T;
  round(t: T): T; reciprocal(t: T): T; logicalNot(t: T): T; isnan(t: T): T; isfinite(t: T): T;
  gelu(t: T, approximate: 'none' | 'tanh'): T;
  leakyRelu(t: T, slope: number): T;
  add(a: TensorOrNumber, b: TensorOrNumber): T; sub(a: TensorOrNumber, b: TensorOrNumber): T;
  mul(a: TensorOrNumber, b: TensorOrNumber): T; div(a: TensorOrNumber, b: TensorOrNumber): T;
  pow(a: TensorOrNumber, b: TensorOrNumber): T; remainder(a: TensorOrNumber, b: TensorOrNumber): T;
  eq(a: TensorOrNumber, b: TensorOrNumber): T; ne(a: TensorOrNumber, b: TensorOrNumber): T;
  lt(a: TensorOrNumber, b: TensorOrNumber): T; le(a: TensorOrNumber, b: TensorOrNumber): T;
  gt(a: TensorOrNumber, b: TensorOrNumber): T; ge(a: TensorOrNumber, b: TensorOrNumber): T;
  maximum(a: T, b: T): T; minimum(a: T, b: T): T; atan2(a: T, b: T): T;
  where(cond: T, a: TensorOrNumber, b: TensorOrNumber): T;
  clamp(t: T, min: Maybe<number>, max: Maybe<number>): T;
  // reduce.cc
  sum(t: T, dims: Maybe<Num[]>, keepdim: boolean): T;
  mean(t: T, dims: Maybe<Num[]>, keepdim: boolean): T;
  amax(t: T, dims: Maybe<Num[]>, keepdim: boolean): T;
  amin(t: T, dims: Maybe<Num[]>, keepdim: boolean): T;
  maxDim(t: T, dim: Num, keepdim: boolean): [T, T];
  argmax(t: T, dim: Maybe<Num>, keepdim: boolean): T;
  var(t: T, dims: Maybe<Num[]>, unbiased: boolean, keepdim: boolean): T;
  std(t: T, dims: Maybe<Num[]>, unbiased: boolean, keepdim: boolean): T;
  norm(t: T, p: number, dims: Maybe<Num[]>, keepdim: boolean): T;
  logsumexp(t: T, dims: Num[], keepdim: boolean): T;
  cumsum(t: T, dim: Num): T;
  // shape.cc
  reshape(t: T, shape: Num[]): T;
  permute(t: T, dims: Num[]): T;
  transpose(t: T, a: Num, b: Num): T;
  unsqueeze(t: T, dim: Num): T;
  squeeze(t: T, dim: Maybe<Num>): T;
  flatten(t: T, start: Num, end: Num): T;
  expand(t: T, shape: Num[]): T;
  repeat(t: T, repeats: Num[]): T;
  flip(t: T, dims: Num[]): T;
  cat(ts: T[], dim: Num): T;
  stack(ts: T[], dim: Num): T;
  split(t: T, sizes: Num[], dim: Num): T[];
  slice(t: T, dim: Num, start: Num, end: Num, step: Num): T;
  select(t: T, dim: Num, index: Num): T;
  indexSelect(t: T, dim: Num, index: T): T;
  gather(t: T, dim: Num, index: T): T;
  pad(t: T, pads: Num[], mode: string, value: Maybe<number>): T;
  tril(t: T, diagonal: Num): T;
  triu(t: T, diagonal: Num): T;
  // nn.cc
  matmul(a: T, b: T): T;
  bmm(a: T, b: T): T;
  eigh(a: T): [T, T];
  linear(x: T, w: T, b: Maybe<T>): T;
  conv1d(x: T, w: T, b: Maybe<T>, stride: Num[], padding: Num[], dilation: Num[], groups: Num): T;
  conv2d(x: T, w: T, b: Maybe<T>, stride: Num[], padding: Num[], dilation: Num[], groups: Num): T;
  convTranspose2d(x: T, w: T, b: Maybe<T>, stride: Num[], padding: Num[], outputPadding: Num[], groups: Num, dilation: Num[]): T;
  batchNorm(x: T, w: Maybe<T>, b: Maybe<T>, runningMean: Maybe<T>, runningVar: Maybe<T>, training: boolean, momentum: number, eps: number): T;
  groupNorm(x: T, groups: Num, w: Maybe<T>, b: Maybe<T>, eps: number): T;
  layerNorm(x: T, normalizedShape: Num[], w: Maybe<T>, b: Maybe<T>, eps: number): T;
  softmax(t: T, dim: Num): T;
  logSoftmax(t: T, dim: Num): T;
  dropout(t: T, p: number, training: boolean): T;
  maxPool2d(t: T, kernel: Num[], stride: Num[], padding: Num[]): T;
  avgPool2d(t: T, kernel: Num[], stride: Num[], padding: Num[]): T;
  adaptiveAvgPool2d(t: T, size: Num[]): T;
  interpolate(t: T, size: Num[], mode: 'nearest' | 'bilinear', alignCorners: boolean): T;
  attention(q: T, k: T, v: T, mask: Maybe<T>): T;
  mseLoss(a: T, b: T, reduction: string): T;
  l1Loss(a: T, b: T, reduction: string): T;
  crossEntropy(logits: T, target: T, reduction: string, labelSmoothing: number): T;
  bceWithLogits(logits: T, target: T, reduction: string): T;
  // spectral.cc
  stft(x: T, nFft: Num, hop: Num, winLength: Num, window: Maybe<T>, center: boolean, padMode: string, normalized: boolean, onesided: boolean): T;
  istft(x: T, nFft: Num, hop: Num, winLength: Num, window: Maybe<T>, center: boolean, normalized: boolean, onesided: boolean, length: Maybe<Num>): T;
  hannWindow(length: Num, periodic: boolean, dtype: Num, device: string): T;
  rfft(x: T, n: Maybe<Num>, dim: Num): T;
  irfft(x: T, n: Maybe<Num>, dim: Num): T;
  viewAsReal(t: T): T; viewAsComplex(t: T): T; real(t: T): T; imag(t: T): T; angle(t: T): T;
  polar(magnitude: T, phase: T): T;
  complex(re: T, im: T): T;
  // autograd.cc
  requiresGrad(t: T): boolean;
  setRequiresGrad(t: T, flag: boolean): void;
  isLeaf(t: T): boolean;
  backward(t: T, gradient: Maybe<T>, retainGraph: boolean): void;
  grad(t: T): T | null;
  setGrad(t: T, g: Maybe<T>): void;
  zeroGrad(ts: T[]): void;
  isGradEnabled(): boolean;
  setGradEnabled(flag: boolean): boolean;
  enterInferenceMode(): void;
  exitInferenceMode(): void;
  isInferenceMode(): boolean;
  // optim.cc
  adamw(params: T[], lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, amsgrad: boolean): NativeOptimizer;
  sgd(params: T[], lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: boolean): NativeOptimizer;
  optimStep(o: NativeOptimizer): void;
  optimSetLr(o: NativeOptimizer, lr: number): void;
  optimGetState(o: NativeOptimizer): (OptimizerParamState | null)[];
  optimSetState(o: NativeOptimizer, state: (OptimizerParamState | null)[]): void;
  clipGradNorm(params: T[], maxNorm: number, normType: number): number;
  // runtime.cc
  version(): string;
  getNumThreads(): number;
  setNumThreads(n: number): void;
  manualSeed(seed: number): void;
  getRngState(device: string): T;
  setRngState(state: T, device: string): void;
  cudaIsAvailable(): boolean;
  cudaDeviceCount(): number;
  cudaSynchronize(): void;
  precisionSupport(): { mkldnn: boolean; cudaBf16: boolean };
  /** Installs the SIGINT/SIGTERM watcher over the handlers in place (once); stopSignal(): the signal seen, 0 if none. */
  watchStopSignals(): void;
  stopSignal(): number;
  configureAllocator(mmapThresholdBytes: number, trimThresholdBytes: number): boolean;
  /** Whether glibc maps a block of this size on its own (above its mmap threshold); null without glibc. */
  mallocMapsBlock(bytes: number): boolean | null;
  autocastEnter(device: 'cpu' | 'cuda', dtype: Num): [boolean, number];
  autocastExit(device: 'cpu' | 'cuda', wasEnabled: boolean, previousDtype: number): void;
}


function loadAddon(): NativeAddon {
  const path = process.env.MST_NATIVE ?? join(packageRoot(), 'build', 'Release', 'mst.node');
  if (!existsSync(path)) {
    if (process.env.MST_NATIVE) throw new Error(`MST_NATIVE=${path}: no such file; point it at a built mst.node, or unset it to use build/Release/mst.node`);
    throw new Error(`the native engine is not built (${path} is missing). Run 'npm install' (or 'npm run build:native') after 'scripts/setup.sh' has installed libtorch.`);
  }
  const require = createRequire(import.meta.url);
  return require(path) as NativeAddon;
}

/** The native addon, loaded once. */
export const native: NativeAddon = loadAddon();
