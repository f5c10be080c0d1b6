/**
 * Free functions over several tensors: joining, selecting, comparing.
 */
import { native } from './native.js';
import { typeError, rangeError, shapeOf } from './errors.js';
import { Tensor, wrap, asHandle, operand, normDim, type TensorLike } from './tensor.js';

function handles(op: string, tensors: Tensor[]) {
  if (!Array.isArray(tensors) || tensors.length === 0) throw typeError(op, 'tensors', 'a non-empty array of Tensors', tensors);
  return tensors.map((t, i) => asHandle(op, `tensors[${i}]`, t));
}

/** Joins tensors along an existing dim. */
export function cat(tensors: Tensor[], dim = 0): Tensor {
  const hs = handles('cat', tensors);
  return wrap(native.cat(hs, normDim('cat', dim, tensors[0]!.ndim)));
}
/** Joins tensors along a new dim. */
export function stack(tensors: Tensor[], dim = 0): Tensor {
  const hs = handles('stack', tensors);
  return wrap(native.stack(hs, normDim('stack', dim, tensors[0]!.ndim + 1)));
}
/** Elementwise cond ? a : b, with broadcasting. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  return wrap(native.where(asHandle('where', 'cond', cond), operand('where', a), operand('where', b)));
}
export function maximum(a: Tensor, b: Tensor): Tensor { return a.maximum(b); }
export function minimum(a: Tensor, b: Tensor): Tensor { return a.minimum(b); }
export function atan2(y: Tensor, x: Tensor): Tensor {
  return wrap(native.atan2(asHandle('atan2', 'y', y), asHandle('atan2', 'x', x)));
}
/** Matrix product with broadcasting (torch.matmul). */
export function matmul(a: Tensor, b: Tensor): Tensor { return a.matmul(b); }
/** Batched matrix product: [B, n, m] × [B, m, p] → [B, n, p]. */
export function bmm(a: Tensor, b: Tensor): Tensor {
  return wrap(native.bmm(asHandle('bmm', 'a', a), asHandle('bmm', 'b', b)));
}
/**
 * Eigen-decomposition of symmetric matrices a [..., n, n] (torch.linalg.eigh, from the lower
 * triangle): eigenvalues [..., n] in ascending order and eigenvectors [..., n, n] as columns.
 */
export function eigh(a: Tensor): { values: Tensor; vectors: Tensor } {
  const h = asHandle('eigh', 'a', a);
  if (a.ndim < 2 || a.shape[a.ndim - 1] !== a.shape[a.ndim - 2]) throw rangeError('eigh', 'a', 'square matrices [..., n, n]', shapeOf(a));
  const [values, vectors] = native.eigh(h);
  return { values: wrap(values), vectors: wrap(vectors) };
}
