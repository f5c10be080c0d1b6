/**
 * The style encoder (seed §2.1.2): six 3×3 stride-2 convolutions with ReLU, widths
 * 1→f→2f→4f→4f→4f→8f. Every layer's activation is kept: the multi-resolution style embeddings
 * that the UNet's cross-attention reads (for f = 64 and a 128×128 tile: 64@64², 128@32²,
 * 256@16², 256@8², 256@4², 512@2²).
 */
import { Tensor, nn } from '../engine/index.js';
import type { ModelConfig } from './config.js';

export class StyleEncoder extends nn.Module {
  readonly convs: nn.Conv2d[];
  constructor(config: Pick<ModelConfig, 'styleFilters'>) {
    super();
    const f = config.styleFilters;
    const widths = [1, f, 2 * f, 4 * f, 4 * f, 4 * f, 8 * f];
    this.convs = widths.slice(0, -1).map((width, i) => this.child(`convs${i}`, new nn.Conv2d(width, widths[i + 1]!, 3, { stride: 2, padding: 1 })));
  }
  /** style tiles [B, 1, 128, 128] → six maps [B, C_l, 128/2^l, 128/2^l], l = 1…6 */
  forward(x: Tensor): Tensor[] {
    const maps: Tensor[] = [];
    let y = x;
    for (const conv of this.convs) {
      y = conv.forward(y).relu();
      maps.push(y);
    }
    return maps;
  }
}
