/**
 * The feature network behind the seed's "VGGishFeatureLoss" (§2.2). No pretrained VGGish ships
 * in any package reachable here, so this is a network with VGGish's architecture trained here,
 * on the training split's tiles, to name the instrument and the lowest and highest sounding
 * pitch — not AudioSet's VGGish weights.
 *
 * VGGish's conv/pool stack (Hershey et al. 2017), on 1×128×128 tiles instead of 1×96×64:
 *   conv 64 · pool · conv 128 · pool · conv 256 · conv 256 · pool · conv 512 · conv 512 · pool
 * (3×3 convolutions with ReLU, 2×2 max pooling) → 512@8×8. VGGish's fully connected layers
 * (12288→4096→4096→128) would hold 150 M weights here, for a head the loss never reads, so they
 * are narrowed: 32768→`hidden`→`hidden`→`embedding`, then one linear head per label.
 * The loss reads the four pooled block outputs (64@64², 128@32², 256@16², 512@8²).
 */
import { Tensor, nn, F, noGrad, loadModule, recomputedLoss } from '../engine/index.js';

export interface FeatureNetConfig {
  /** Instruments it names, in logit order. */
  instruments: string[];
  /** Widths of the four conv blocks (VGGish: 64, 128, 256, 512). */
  widths: [number, number, number, number];
  /** Width of the two hidden fully connected layers and of the embedding. */
  hidden: number;
  embedding: number;
}

export const VGGISH_WIDTHS: FeatureNetConfig['widths'] = [64, 128, 256, 512];

/** Classes of each pitch head: MIDI notes 0–127, and 128 for "no note". */
export const PITCH_CLASSES = 129;

export interface FeatureNetOutput {
  /** Activations after each of the four blocks, [B, w_l, 128/2^l, 128/2^l]. */
  features: Tensor[];
  /** [B, instruments], [B, 129], [B, 129] */
  instrument: Tensor;
  lowest: Tensor;
  highest: Tensor;
}

export class VGGishFeatureNet extends nn.Module {
  readonly blocks: nn.Sequential[];
  readonly fc: nn.Sequential;
  readonly instrumentHead: nn.Linear;
  readonly lowestHead: nn.Linear;
  readonly highestHead: nn.Linear;

  constructor(readonly config: FeatureNetConfig) {
    super();
    const [w1, w2, w3, w4] = config.widths;
    const conv = (cin: number, cout: number) => [new nn.Conv2d(cin, cout, 3, { padding: 1 }), nn.ReLU()];
    const pool = () => new nn.Lambda((x) => F.maxPool2d(x, 2), 'MaxPool2d');
    const layers = [[...conv(1, w1)], [...conv(w1, w2)], [...conv(w2, w3), ...conv(w3, w3)], [...conv(w3, w4), ...conv(w4, w4)]];
    this.blocks = layers.map((block, i) => this.child(`blocks${i}`, new nn.Sequential(...block, pool())));
    this.fc = this.child('fc', new nn.Sequential(
      new nn.Linear(w4 * 8 * 8, config.hidden), nn.ReLU(),
      new nn.Linear(config.hidden, config.hidden), nn.ReLU(),
      new nn.Linear(config.hidden, config.embedding), nn.ReLU(),
    ));
    this.instrumentHead = this.child('instrument_head', new nn.Linear(config.embedding, config.instruments.length));
    this.lowestHead = this.child('lowest_head', new nn.Linear(config.embedding, PITCH_CLASSES));
    this.highestHead = this.child('highest_head', new nn.Linear(config.embedding, PITCH_CLASSES));
  }

  /** The four block outputs of tiles [B, 1, 128, 128]. */
  features(x: Tensor): Tensor[] {
    const out: Tensor[] = [];
    let y = x;
    for (const block of this.blocks) {
      y = block.forward(y);
      out.push(y);
    }
    return out;
  }

  /** Tiles [B, 1, 128, 128] → block features and the three heads' logits. */
  forward(x: Tensor): FeatureNetOutput {
    const features = this.features(x);
    const embedding = this.fc.forward(features[3]!.flatten(1));
    return { features, instrument: this.instrumentHead.forward(embedding), lowest: this.lowestHead.forward(embedding), highest: this.highestHead.forward(embedding) };
  }
}

/** Stops `net`'s weights from training (the loss network is frozen); gradients still reach its input. */
export function freeze<M extends nn.Module>(net: M): M {
  for (const p of net.parameters()) p.requiresGrad = false;
  return net.eval();
}

/**
 * `items` rows of a batch [B, …], evenly spaced (every ⌊B/items⌋-th from the first); all of it
 * when items is 0 or ≥ B. The feature loss reads such a subset to save most of its cost.
 */
export function spreadSubset(x: Tensor, items: number): Tensor {
  const batch = x.shape[0]!;
  if (items === 0 || items >= batch) return x;
  const stride = Math.floor(batch / items);
  return x.slice(0, 0, stride * items, stride);
}

/** MSE(f, reference) / mean(reference²), a scalar: one layer's feature error relative to the reference's energy there. */
export function relativeError(f: Tensor, reference: Tensor): Tensor {
  return F.mseLoss(f, reference).div(reference.square().mean().add(1e-8));
}

/**
 * The seed's feature loss (eq. 2's perceptual term and eq. 4's style loss) over the four blocks,
 * (1/L) Σ_l MSE(φ_l(x), φ_l(y)) / mean(φ_l(y)²), a scalar; `y`'s features carry no gradient.
 * The seed divides by nothing; each layer's error is taken here relative to the reference's
 * energy at that layer, because the scale a trained feature net's activations settle at is
 * arbitrary (the plain MSE ran from 0.04 to 80 across two trainings of the same net), and the
 * seed adds this loss to others with weight 1.
 *
 * `recompute` (gradient checkpointing): the blocks' activations for `x` are not kept for the
 * backward pass but computed again block by block (recomputedLoss), so only one block's are
 * held at a time; the same value and gradient for one more forward pass of the network.
 */
export function featureLoss(net: VGGishFeatureNet, x: Tensor, y: Tensor, { recompute = false } = {}): Tensor {
  const fy = noGrad(() => net.features(y));
  const layerError = (f: Tensor, l: number) => relativeError(f, fy[l]!);
  if (recompute) {
    return recomputedLoss(x, net.blocks.map((block, l) => (h: Tensor) => {
      const output = block.forward(h);
      return { output, loss: layerError(output, l).div(fy.length) };
    }));
  }
  return net.features(x).map(layerError).reduce((a, b) => a.add(b)).div(fy.length);
}

/** A trained feature network (mst train features), frozen. */
export function loadFeatureNet(path: string): VGGishFeatureNet {
  const { module } = loadModule<FeatureNetConfig, VGGishFeatureNet>(path, (config) => {
    if (!Array.isArray(config?.widths) || !Array.isArray(config?.instruments)) throw new Error(`${path}: not a feature network checkpoint (mst train features writes them)`);
    return new VGGishFeatureNet(config);
  });
  return freeze(module);
}
