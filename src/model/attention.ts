/**
 * Cross-attention from a UNet feature map to a style map of the same width (seed §2.1.3): every
 * position of the feature map is a query, every position of the style map a key and value; the
 * attended values are added back to the feature map (residual).
 */
import { Tensor, nn } from '../engine/index.js';

export class CrossAttention extends nn.Module {
  readonly attn: nn.MultiheadAttention;
  constructor(dim: number, heads: number) {
    super();
    this.attn = this.child('attn', new nn.MultiheadAttention(dim, heads));
  }
  /** x [B, C, H, W], style [B, C, h, w] → [B, C, H, W] */
  forward(x: Tensor, style: Tensor): Tensor {
    const [b, c, h, w] = x.shape as [number, number, number, number];
    const queries = x.flatten(2).transpose(1, 2); // [B, HW, C]
    const context = style.flatten(2).transpose(1, 2); // [B, hw, C]
    return x.add(this.attn.forward(queries, context).transpose(1, 2).reshape(b, c, h, w));
  }
}
