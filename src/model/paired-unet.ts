/**
 * The denoiser of the content-conditioned model (config 'paired'): it learns from exact pairs
 * (the same notes by two instruments) to draw the target instrument's latent from noise, reading
 * the content tile's latent beside the noisy one (concatenated channels, as DiffTransfer does) and
 * the style reference twice: as tokens that cross-attention reads (the seed's idea) and as one
 * pooled vector that, added to the time embedding, scales and shifts every residual block (AFTER's
 * AdaLN, here on GroupNorm). With the style's tokens and vector zeroed (StyleCondition of keep 0)
 * it is the unconditional model that classifier-free guidance steers away from.
 *
 * Shapes for the 16×16 latent with C channels and width f (4f = E, the embedding width):
 *   in   [z_t ; content] 2C@16² → f · Res f@16² ─────────────────────────────┐ skip
 *   down f → 2f@8² · Res + Attn ─────────────────────────────────┐ skip          │
 *   down 2f → 4f@4² · Res + Attn + Res (middle)                   │               │
 *   up   4f → 2f@8², concatenated with the skip · Res 4f→2f + Attn ┘               │
 *   up   2f → f@16², concatenated with the skip · Res 2f→f ──────────────────────┘
 *   out  GroupNorm · SiLU · 3×3 f → C
 * Style: the style encoder's last two maps (4s@4², 8s@2²: 16 + 4 tokens, projected to E), and the
 * mean of the last (8s) through an MLP to E.
 */
import { Tensor, nn, cat, F, through } from '../engine/index.js';
import type { ModelConfig } from './config.js';
import { timestepEmbedding } from './unet.js';

/** GroupNorm with 32 groups, or fewer for narrow maps. */
function groupNorm(channels: number): nn.GroupNorm {
  let groups = Math.min(32, channels);
  while (channels % groups !== 0) groups--;
  return new nn.GroupNorm(groups, channels);
}

/** A residual block whose normalised activations the embedding scales and shifts (FiLM). */
export class ResidualBlock extends nn.Module {
  readonly norm1: nn.GroupNorm;
  readonly conv1: nn.Conv2d;
  readonly film: nn.Linear;
  readonly norm2: nn.GroupNorm;
  readonly conv2: nn.Conv2d;
  readonly skip: nn.Conv2d | null;

  constructor(inputs: number, outputs: number, embedding: number) {
    super();
    this.norm1 = this.child('norm1', groupNorm(inputs));
    this.conv1 = this.child('conv1', new nn.Conv2d(inputs, outputs, 3, { padding: 1 }));
    this.film = this.child('film', new nn.Linear(embedding, 2 * outputs));
    this.norm2 = this.child('norm2', groupNorm(outputs));
    this.conv2 = this.child('conv2', new nn.Conv2d(outputs, outputs, 3, { padding: 1 }));
    nn.init.zeros_(this.conv2.weight); // each block starts as the identity
    this.skip = inputs === outputs ? null : this.child('skip', new nn.Conv2d(inputs, outputs, 1));
  }

  /** x [B, in, H, W], embedding [B, E] → [B, out, H, W] */
  forward(x: Tensor, embedding: Tensor): Tensor {
    const [scale, shift] = this.film.forward(F.silu(embedding)).unsqueeze(2).unsqueeze(3).chunk(2, 1) as [Tensor, Tensor];
    using change = through(
      x,
      (y) => this.norm1.forward(y),
      F.silu,
      (y) => this.conv1.forward(y),
      (y) => this.norm2.forward(y),
      (y) => y.mul(scale.add(1)),
      (y) => y.add(shift),
      F.silu,
      (y) => this.conv2.forward(y),
    );
    return (this.skip ? this.skip.forward(x) : x).add(change);
  }
}

/** Cross-attention from a feature map's positions to the style's tokens, added back (residual). */
export class StyleAttention extends nn.Module {
  readonly norm: nn.GroupNorm;
  readonly attn: nn.MultiheadAttention;
  constructor(channels: number, tokenWidth: number, heads: number) {
    super();
    this.norm = this.child('norm', groupNorm(channels));
    this.attn = this.child('attn', new nn.MultiheadAttention(channels, heads, { kdim: tokenWidth, vdim: tokenWidth }));
  }
  /** x [B, C, H, W], tokens [B, N, E] → [B, C, H, W] */
  forward(x: Tensor, tokens: Tensor): Tensor {
    const [b, c, h, w] = x.shape as [number, number, number, number];
    const queries = this.norm.forward(x).flatten(2).transpose(1, 2); // [B, HW, C]
    return x.add(this.attn.forward(queries, tokens).transpose(1, 2).reshape(b, c, h, w));
  }
}

/** The style as the denoiser reads it: tokens [B, 20, E] for cross-attention and a vector [B, E] for FiLM. */
export interface StyleCondition {
  tokens: Tensor;
  vector: Tensor;
}

export class PairedUNet extends nn.Module {
  readonly timeMlp: nn.Sequential;
  readonly styleMlp: nn.Sequential;
  readonly tokens4: nn.Linear;
  readonly tokens5: nn.Linear;
  readonly input: nn.Conv2d;
  readonly res1: ResidualBlock;
  readonly down1: nn.Conv2d;
  readonly res2: ResidualBlock;
  readonly attn2: StyleAttention;
  readonly down2: nn.Conv2d;
  readonly mid1: ResidualBlock;
  readonly midAttn: StyleAttention;
  readonly mid2: ResidualBlock;
  readonly up2: nn.ConvTranspose2d;
  readonly res3: ResidualBlock;
  readonly attn3: StyleAttention;
  readonly up1: nn.ConvTranspose2d;
  readonly res4: ResidualBlock;
  readonly outNorm: nn.GroupNorm;
  readonly output: nn.Conv2d;
  readonly timeDim: number;

  constructor(config: Pick<ModelConfig, 'latentChannels' | 'unetFilters' | 'styleFilters' | 'timeDim' | 'attentionHeads'>) {
    super();
    const { latentChannels: c, unetFilters: f, styleFilters: s, timeDim, attentionHeads: heads } = config;
    const e = 4 * f; // the embedding and token width
    this.timeDim = timeDim;
    const up = (cin: number, cout: number) => new nn.ConvTranspose2d(cin, cout, 3, { stride: 2, padding: 1, outputPadding: 1 });
    this.timeMlp = this.child('time_mlp', new nn.Sequential(new nn.Linear(timeDim, e), nn.SiLU(), new nn.Linear(e, e)));
    this.styleMlp = this.child('style_mlp', new nn.Sequential(new nn.Linear(8 * s, e), nn.SiLU(), new nn.Linear(e, e)));
    this.tokens4 = this.child('tokens4', new nn.Linear(4 * s, e));
    this.tokens5 = this.child('tokens5', new nn.Linear(8 * s, e));
    this.input = this.child('input', new nn.Conv2d(2 * c, f, 3, { padding: 1 }));
    this.res1 = this.child('res1', new ResidualBlock(f, f, e));
    this.down1 = this.child('down1', new nn.Conv2d(f, 2 * f, 3, { stride: 2, padding: 1 }));
    this.res2 = this.child('res2', new ResidualBlock(2 * f, 2 * f, e));
    this.attn2 = this.child('attn2', new StyleAttention(2 * f, e, heads));
    this.down2 = this.child('down2', new nn.Conv2d(2 * f, 4 * f, 3, { stride: 2, padding: 1 }));
    this.mid1 = this.child('mid1', new ResidualBlock(4 * f, 4 * f, e));
    this.midAttn = this.child('mid_attn', new StyleAttention(4 * f, e, heads));
    this.mid2 = this.child('mid2', new ResidualBlock(4 * f, 4 * f, e));
    this.up2 = this.child('up2', up(4 * f, 2 * f));
    this.res3 = this.child('res3', new ResidualBlock(4 * f, 2 * f, e));
    this.attn3 = this.child('attn3', new StyleAttention(2 * f, e, heads));
    this.up1 = this.child('up1', up(2 * f, f));
    this.res4 = this.child('res4', new ResidualBlock(2 * f, f, e));
    this.outNorm = this.child('out_norm', groupNorm(f));
    this.output = this.child('output', new nn.Conv2d(f, c, 3, { padding: 1 }));
  }

  /**
   * The style encoder's maps (its 5th and 6th are read: [B, 4s, 4, 4], [B, 8s, 2, 2]) → the
   * condition; `keep` [B] (1 keeps an item's style, 0 drops it: the unconditional model) zeroes
   * the dropped items' tokens and vector.
   */
  encodeStyle(maps: readonly Tensor[], keep?: Tensor): StyleCondition {
    if (maps.length < 6) throw new RangeError(`PairedUNet: Expected the style encoder's 6 maps but received ${maps.length}`);
    const [fifth, sixth] = [maps[4]!, maps[5]!];
    let tokens = cat([this.tokens4.forward(fifth.flatten(2).transpose(1, 2)), this.tokens5.forward(sixth.flatten(2).transpose(1, 2))], 1); // [B, 20, E]
    let vector = this.styleMlp.forward(sixth.mean([2, 3])); // [B, E]
    if (keep !== undefined) {
      tokens = tokens.mul(keep.reshape(-1, 1, 1));
      vector = vector.mul(keep.reshape(-1, 1));
    }
    return { tokens, vector };
  }

  /** z_t [B, C, 16, 16], t [B] (int64 steps), the content's latent [B, C, 16, 16], the style → [B, C, 16, 16] (ε or v, per the model's prediction) */
  forward(z: Tensor, t: Tensor, content: Tensor, style: StyleCondition): Tensor {
    const embedding = this.timeMlp.forward(timestepEmbedding(t, this.timeDim)).add(style.vector); // [B, E]
    const { tokens } = style;
    const h1 = this.res1.forward(this.input.forward(cat([z, content], 1)), embedding); // [B, f, 16, 16]
    const h2 = this.attn2.forward(this.res2.forward(this.down1.forward(h1), embedding), tokens); // [B, 2f, 8, 8]
    let m = this.down2.forward(h2); // [B, 4f, 4, 4]
    m = this.mid2.forward(this.midAttn.forward(this.mid1.forward(m, embedding), tokens), embedding);
    const u2 = this.attn3.forward(this.res3.forward(cat([this.up2.forward(m), h2], 1), embedding), tokens); // [B, 2f, 8, 8]
    const u1 = this.res4.forward(cat([this.up1.forward(u2), h1], 1), embedding); // [B, f, 16, 16]
    return this.output.forward(F.silu(this.outNorm.forward(u1)));
  }
}
