/**
 * Multi-head attention with separate query/key/value projections, so queries and keys may come
 * from different sources and widths (cross-attention).
 */
import { Module } from './module.js';
import { Linear } from './layers.js';
import { Tensor } from '../tensor.js';
import * as F from '../functional.js';
import { rangeError } from '../errors.js';

export interface MultiheadAttentionOptions {
  /** Width of the keys' source; default embedDim. */
  kdim?: number;
  /** Width of the values' source; default kdim. */
  vdim?: number;
  bias?: boolean;
}

export class MultiheadAttention extends Module {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly out: Linear;
  readonly headDim: number;

  constructor(readonly embedDim: number, readonly numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    if (embedDim % numHeads !== 0) throw rangeError('MultiheadAttention', 'numHeads', `a divisor of embedDim ${embedDim}`, numHeads);
    const kdim = options.kdim ?? embedDim;
    const vdim = options.vdim ?? kdim;
    const bias = options.bias ?? true;
    this.headDim = embedDim / numHeads;
    this.q = this.child('q', new Linear(embedDim, embedDim, { bias }));
    this.k = this.child('k', new Linear(kdim, embedDim, { bias }));
    this.v = this.child('v', new Linear(vdim, embedDim, { bias }));
    this.out = this.child('out', new Linear(embedDim, embedDim, { bias }));
  }

  /**
   * query [B, Lq, embedDim], context [B, Lk, kdim] (and values from `values` [B, Lk, vdim],
   * default context) → [B, Lq, embedDim].
   */
  forward(query: Tensor, context: Tensor = query, values: Tensor = context, mask: Tensor | null = null): Tensor {
    const [b, lq] = query.shape as [number, number];
    const lk = context.shape[1]!;
    const h = this.numHeads;
    const d = this.headDim;
    const q = this.q.forward(query).reshape(b, lq, h, d).transpose(1, 2); // [B, h, Lq, d]
    const k = this.k.forward(context).reshape(b, lk, h, d).transpose(1, 2); // [B, h, Lk, d]
    const v = this.v.forward(values).reshape(b, lk, h, d).transpose(1, 2); // [B, h, Lk, d]
    const y = F.attention(q, k, v, mask); // (B,h,Lq,d) x (B,h,d,Lk) -> (B,h,Lq,Lk) -> (B,h,Lq,d)
    return this.out.forward(y.transpose(1, 2).reshape(b, lq, this.embedDim)); // [B, Lq, E]
  }
}
