/**
 * The content refiner (config.refiner): a small network after the decoder that reads the decoded
 * transfer and the content tile side by side and corrects the transfer. The latent is 8 mel
 * frames (about 125 ms) to a step, so the decoded transfer places onsets no finer than that; the
 * content tile has every onset at its frame. The refiner learns, from exact pairs
 * (src/train/refine.ts), to move the transfer towards the true target with that help.
 *
 * It works at every frame of the tile, with the mel bands as the channels of 1-D convolutions
 * over time (as the judge's time-delay network does): each frame's whole spectrum, of both tiles,
 * is one vector, so a layer sees where in the spectrum the content's notes start and the
 * transfer's energy lies at once, for a small cost per frame.
 *
 *   [x; content] (2·M channels) → conv k3 to `channels` → blocks of (GELU, conv k3 dilated, +) → GELU → conv k3 to M → x + that
 *
 * An optional spectral stage follows (config.spectral): a few maps at every band and frame, 3×3
 * convolutions dilated in time, reading the refined tile and the content tile as two images. It
 * works locally in pitch, where the temporal stage sees each frame's spectrum as one vector:
 * a partial's place and sharpness, the same way in every register.
 *
 *   [y; content] (2 maps) → conv 3×3 to `channels` → blocks of (GELU, conv 3×3 dilated in time, +) → GELU → conv 3×3 to 1 → y + that
 *
 * With config.styleFeatures, the temporal stage also reads the style reference: its pooled style
 * features (the style encoder's last map averaged over bands and frames, as the denoiser's style
 * vector is made) give, through a small MLP, a scale and a shift per channel for each block's
 * input (FiLM). The refiner then knows which instrument the transfer should sound like, where
 * without it the only hint is the decoded transfer itself, and the content tile beside it plays another.
 * With config.spectral.styled, the same features scale and shift each spectral block's maps too,
 * through an MLP of their own (a partial's level and decay are where one instrument differs from another).
 *
 * Each stage's output layer starts at zero, so an untrained refiner returns the decoded transfer
 * as it is; the style's MLP ends at zero too, so a styled refiner starts as an unstyled one.
 */
import { nn, F, cat, tidy, through, type Tensor } from '../engine/index.js';

export interface RefinerConfig {
  /** Mel bands of the tiles it corrects (the model's analysis: 128). */
  bands: number;
  /** Channels of its hidden sequence (one vector per frame). */
  channels: number;
  /** Dilation in frames of each residual block's convolution. */
  dilations: number[];
  /**
   * The spectral stage after the temporal one: its maps, each block's dilation in frames, and
   * whether the reference modulates its blocks too (`styled`; needs styleFeatures). Absent: none.
   */
  spectral?: { channels: number; dilations: number[]; styled?: boolean };
  /** Width of the reference's pooled style features that modulate the temporal stage's blocks (8 × the model's styleFilters). Absent: the refiner does not read the reference. */
  styleFeatures?: number;
}

/** A block's modulation: its input x [B, C, T] becomes x·(1 + scale) + shift, both [B, C, 1] ([B, C, 1, 1] for a spectral block). */
interface Modulation {
  scale: Tensor;
  shift: Tensor;
}

/** x + conv(GELU(x)), or with a modulation x + conv(GELU(x·(1 + scale) + shift)); its maps freed as soon as they are read (see `through`). */
function residual(x: Tensor, conv: { forward(x: Tensor): Tensor }, modulation?: Modulation): Tensor {
  using modulated = modulation === undefined ? null : x.mul(modulation.scale.add(1)).add(modulation.shift);
  using change = through(modulated ?? x, F.gelu, (y) => conv.forward(y));
  return x.add(change);
}

/** GELU → convolution over time (kernel 3, dilated) → added to its input: [B, C, T] → [B, C, T]. */
class DilatedBlock extends nn.Module {
  readonly conv: nn.Conv1d;
  constructor(channels: number, dilation: number) {
    super();
    this.conv = this.child('conv', new nn.Conv1d(channels, channels, 3, { padding: dilation, dilation }));
  }
  forward(x: Tensor, modulation?: Modulation): Tensor {
    return residual(x, this.conv, modulation);
  }
}

/**
 * Pooled style features [B, S] → a Modulation for each of `blocks` blocks of `channels`: S →
 * `hidden` (SiLU) → 2·channels per block, the last layer starting at zero. `mapDims` trailing
 * dimensions of 1 follow the channels (1 for a temporal block's [B, C, T], 2 for a spectral
 * block's [B, C, M, T]).
 */
class StyleModulations extends nn.Module {
  readonly hidden: nn.Linear;
  readonly output: nn.Linear;
  constructor(features: number, hidden: number, readonly channels: number, readonly blocks: number, readonly mapDims = 1) {
    super();
    this.hidden = this.child('hidden', new nn.Linear(features, hidden));
    this.output = this.child('output', new nn.Linear(hidden, 2 * channels * blocks));
    nn.init.zeros_(this.output.weight);
    nn.init.zeros_(this.output.bias!);
  }
  forward(style: Tensor): Modulation[] {
    let all = this.output.forward(F.silu(this.hidden.forward(style))); // [B, 2·C·blocks]
    for (let d = 0; d < this.mapDims; d++) all = all.unsqueeze(all.ndim);
    return Array.from({ length: this.blocks }, (_, i) => ({
      scale: all.slice(1, 2 * i * this.channels, (2 * i + 1) * this.channels),
      shift: all.slice(1, (2 * i + 1) * this.channels, (2 * i + 2) * this.channels),
    }));
  }
}

/** GELU → 3×3 convolution dilated in time → added to its input: [B, C, M, T] → [B, C, M, T]. */
class SpectralBlock extends nn.Module {
  readonly conv: nn.Conv2d;
  constructor(channels: number, dilation: number) {
    super();
    this.conv = this.child('conv', new nn.Conv2d(channels, channels, 3, { padding: [1, dilation], dilation: [1, dilation] }));
  }
  forward(x: Tensor, modulation?: Modulation): Tensor {
    return residual(x, this.conv, modulation);
  }
}

/**
 * Tiles the spectral stage works on at once, each group in its own scope: every map is as large
 * as a tile, 16 of them to a block, so working through a batch a few tiles at a time bounds the
 * stage's peak memory.
 */
const TILES_AT_ONCE = 2;

/**
 * The spectral stage: [y; content] as two maps → y + a correction, [B, 1, M, T]. With `style`,
 * the reference's pooled style features (`features` wide, through `hidden` units) scale and shift
 * each block's maps, as they do the temporal stage's channels.
 */
class SpectralStage extends nn.Module {
  readonly input: nn.Conv2d;
  readonly blocks: SpectralBlock[];
  readonly output: nn.Conv2d;
  readonly style: StyleModulations | null;
  constructor(channels: number, dilations: number[], style?: { features: number; hidden: number }) {
    super();
    this.input = this.child('input', new nn.Conv2d(2, channels, 3, { padding: 1 }));
    this.blocks = dilations.map((d, i) => this.child(`blocks${i}`, new SpectralBlock(channels, d)));
    this.output = this.child('output', new nn.Conv2d(channels, 1, 3, { padding: 1 }));
    nn.init.zeros_(this.output.weight);
    nn.init.zeros_(this.output.bias!);
    this.style = style === undefined ? null : this.child('style', new StyleModulations(style.features, style.hidden, channels, dilations.length, 2));
  }
  forward(y: Tensor, content: Tensor, style?: Tensor): Tensor {
    const modulations = this.style !== null ? this.style.forward(style!) : null; // each [B, C, 1, 1]
    const tiles = y.shape[0]!;
    const parts: Tensor[] = [];
    for (let start = 0; start < tiles; start += TILES_AT_ONCE) {
      const end = Math.min(tiles, start + TILES_AT_ONCE);
      const group = modulations?.map(({ scale, shift }) => ({ scale: scale.slice(0, start, end), shift: shift.slice(0, start, end) }));
      parts.push(tidy(() => this.#correct(y.slice(0, start, end), content.slice(0, start, end), group))); // its maps freed at once
    }
    return parts.length === 1 ? parts[0]! : cat(parts, 0);
  }
  #correct(y: Tensor, content: Tensor, modulations: Modulation[] | undefined): Tensor {
    using x = through(cat([y, content], 1), (m) => this.input.forward(m), ...this.blocks.map((block, i) => (m: Tensor) => block.forward(m, modulations?.[i])), F.gelu); // [B, 2, M, T] → [B, C, M, T]
    return y.add(this.output.forward(x));
  }
}

export class ContentRefiner extends nn.Module {
  readonly input: nn.Conv1d;
  readonly blocks: DilatedBlock[];
  readonly output: nn.Conv1d;
  readonly spectral: SpectralStage | null;
  readonly style: StyleModulations | null;

  constructor(readonly config: RefinerConfig) {
    super();
    const { bands, channels, dilations, styleFeatures } = config;
    this.input = this.child('input', new nn.Conv1d(2 * bands, channels, 3, { padding: 1 }));
    this.blocks = dilations.map((d, i) => this.child(`blocks${i}`, new DilatedBlock(channels, d)));
    this.output = this.child('output', new nn.Conv1d(channels, bands, 3, { padding: 1 }));
    nn.init.zeros_(this.output.weight);
    nn.init.zeros_(this.output.bias!);
    const { spectral } = config;
    if (spectral?.styled && styleFeatures === undefined) throw new RangeError('ContentRefiner: a styled spectral stage (refiner.spectral.styled) reads the reference; give refiner.styleFeatures');
    this.spectral = spectral ? this.child('spectral', new SpectralStage(spectral.channels, spectral.dilations, spectral.styled ? { features: styleFeatures!, hidden: channels } : undefined)) : null;
    this.style = styleFeatures === undefined ? null : this.child('style', new StyleModulations(styleFeatures, channels, channels, dilations.length));
  }

  /**
   * Decoded transfer and content tiles, both [B, 1, M, T] in [-1, 1], and for a styled refiner
   * the reference's pooled style features [B, S] → the corrected transfer [B, 1, M, T] (not clamped).
   */
  forward(decoded: Tensor, content: Tensor, style?: Tensor): Tensor {
    if (this.style !== null && style === undefined) throw new RangeError('ContentRefiner: this refiner reads the reference (config.refiner.styleFeatures); give its pooled style features');
    const modulations = this.style !== null ? this.style.forward(style!) : null;
    using x = through(cat([decoded, content], 2).squeeze(1), (m) => this.input.forward(m), ...this.blocks.map((block, i) => (m: Tensor) => block.forward(m, modulations?.[i])), F.gelu); // [B, 2M, T] → [B, C, T]
    const refined = decoded.add(this.output.forward(x).unsqueeze(1));
    return this.spectral ? this.spectral.forward(refined, content, style) : refined;
  }
}
