/**
 * The denoising UNet on latents (seed §2.1.3, §3.2.2), predicting the noise ε in z_t:
 *   enc1 3×3 C→f (16²) · enc2 stride 2 f→2f (8²), plus the time embedding · enc3 2f→4f (4²),
 *   cross-attention to the style's 4f@4² map · enc4 4f→8f (2²), cross-attention to the style's
 *   8f@2² map · bottleneck 8f→8f · dec4, dec3, dec2 transposed convs back up, each added to the
 *   encoder map of its size (skip connections) · dec1 3×3 f→C.
 * The time step enters as a sinusoidal embedding through a Linear–GELU–Linear MLP.
 */
import { Tensor, nn, arange, cat } from '../engine/index.js';
import type { ModelConfig } from './config.js';
import { CrossAttention } from './attention.js';

/**
 * Sinusoidal embedding of time steps: t [B] → [B, dim], sin(t·ω_k) then cos(t·ω_k) for
 * ω_k = 10000^(−k/(dim/2 − 1)), k = 0…dim/2 − 1.
 */
export function timestepEmbedding(t: Tensor, dim: number): Tensor {
  const half = dim / 2;
  const frequencies = arange(half, undefined, 1, { dtype: 'float32', device: t.device }).mul(-Math.log(10000) / (half - 1)).exp(); // [half]
  const angles = t.float().unsqueeze(1).mul(frequencies.unsqueeze(0)); // [B, half]
  return cat([angles.sin(), angles.cos()], 1);
}

export class UNet extends nn.Module {
  readonly timeMlp: nn.Sequential;
  readonly enc1: nn.Conv2d;
  readonly enc2: nn.Conv2d;
  readonly enc3: nn.Conv2d;
  readonly enc4: nn.Conv2d;
  readonly crossAttention1: CrossAttention;
  readonly crossAttention2: CrossAttention;
  readonly bottleneck: nn.Conv2d;
  readonly dec4: nn.ConvTranspose2d;
  readonly dec3: nn.ConvTranspose2d;
  readonly dec2: nn.ConvTranspose2d;
  readonly dec1: nn.Conv2d;
  readonly timeDim: number;

  constructor(config: Pick<ModelConfig, 'latentChannels' | 'unetFilters' | 'timeDim' | 'attentionHeads'>) {
    super();
    const { latentChannels: c, unetFilters: f, timeDim, attentionHeads: heads } = config;
    this.timeDim = timeDim;
    const up = (cin: number, cout: number) => new nn.ConvTranspose2d(cin, cout, 3, { stride: 2, padding: 1, outputPadding: 1 });
    this.timeMlp = this.child('time_mlp', new nn.Sequential(new nn.Linear(timeDim, timeDim), nn.GELU(), new nn.Linear(timeDim, timeDim)));
    this.enc1 = this.child('enc1', new nn.Conv2d(c, f, 3, { padding: 1 }));
    this.enc2 = this.child('enc2', new nn.Conv2d(f, 2 * f, 3, { stride: 2, padding: 1 }));
    this.enc3 = this.child('enc3', new nn.Conv2d(2 * f, 4 * f, 3, { stride: 2, padding: 1 }));
    this.enc4 = this.child('enc4', new nn.Conv2d(4 * f, 8 * f, 3, { stride: 2, padding: 1 }));
    this.crossAttention1 = this.child('cross_attention1', new CrossAttention(8 * f, heads));
    this.crossAttention2 = this.child('cross_attention2', new CrossAttention(4 * f, heads));
    this.bottleneck = this.child('bottleneck', new nn.Conv2d(8 * f, 8 * f, 3, { padding: 1 }));
    this.dec4 = this.child('dec4', up(8 * f, 4 * f));
    this.dec3 = this.child('dec3', up(4 * f, 2 * f));
    this.dec2 = this.child('dec2', up(2 * f, f));
    this.dec1 = this.child('dec1', new nn.Conv2d(f, c, 3, { padding: 1 }));
  }

  /**
   * z_t [B, C, 16, 16], t [B] (int64 steps), style maps from StyleEncoder (its 5th and 6th,
   * [B, 4f, 4, 4] and [B, 8f, 2, 2], are read) → predicted noise [B, C, 16, 16].
   */
  forward(z: Tensor, t: Tensor, style: readonly Tensor[]): Tensor {
    if (style.length < 6) throw new RangeError(`UNet: Expected the style encoder's 6 maps but received ${style.length}`);
    const time = this.timeMlp.forward(timestepEmbedding(t, this.timeDim)); // [B, 2f]
    const e1 = this.enc1.forward(z).relu(); // [B, f, 16, 16]
    const e2 = this.enc2.forward(e1).add(time.unsqueeze(2).unsqueeze(3)).relu(); // [B, 2f, 8, 8]
    const e3 = this.crossAttention2.forward(this.enc3.forward(e2).relu(), style[4]!); // [B, 4f, 4, 4]
    const e4 = this.crossAttention1.forward(this.enc4.forward(e3).relu(), style[5]!); // [B, 8f, 2, 2]
    const b = this.bottleneck.forward(e4).relu();
    const d4 = this.dec4.forward(b).relu().add(e3);
    const d3 = this.dec3.forward(d4).relu().add(e2);
    const d2 = this.dec2.forward(d3).relu().add(e1);
    return this.dec1.forward(d2);
  }
}
