/**
 * The refine phase's critic (`mst train refine --adversarialWeight`): a small convolutional
 * network that learns to tell a true target tile of an instrument from the refiner's tile for
 * the same notes, told which instrument the tile should be (a projection critic: the instrument's
 * embedding is dotted with the critic's features). The refiner learns to be taken for the true
 * target (hinge loss) and to give the critic's features of the true target (feature matching),
 * so that it is pushed towards what makes a tile sound like that instrument, where the MSE to an
 * exact target pays for the blurred average of what it might be. Training only: the critic is in
 * the run's state, never in the exported model.
 *
 *   tile [B, 1, 128, 128] → 4 × (conv 3×3 stride 2, LeakyReLU 0.2): 32, 64, 128, 128 maps at 64², 32², 16², 8²
 *     → conv 3×3 (LeakyReLU 0.2) at 8², 128 maps → a score per 8×8 patch (each sees 63 bands by 63 frames):
 *        conv 1×1 to 1 + ⟨embedding(instrument), the patch's 128 features⟩
 */
import { nn, F, tensor, type Tensor } from '../engine/index.js';

const WIDTHS = [32, 64, 128, 128] as const;
const LEAK = 0.2;

export interface CriticOutput {
  /** One score per patch, [B, P] (P = 64): higher for what it takes for a true target. */
  scores: Tensor;
  /** Each layer's maps after its activation, for feature matching. */
  features: Tensor[];
}

export class InstrumentCritic extends nn.Module {
  readonly downs: nn.Conv2d[];
  readonly last: nn.Conv2d;
  readonly score: nn.Conv2d;
  /** The instruments' embeddings as a bias-free linear map from a one-hot row: [K] → [128]. */
  readonly embedding: nn.Linear;

  constructor(readonly instruments: string[]) {
    super();
    if (instruments.length === 0) throw new RangeError('InstrumentCritic: Expected at least one instrument');
    this.downs = WIDTHS.map((width, i) => this.child(`downs${i}`, new nn.Conv2d(i === 0 ? 1 : WIDTHS[i - 1]!, width, 3, { stride: 2, padding: 1 })));
    const width = WIDTHS[WIDTHS.length - 1]!;
    this.last = this.child('last', new nn.Conv2d(width, width, 3, { padding: 1 }));
    this.score = this.child('score', new nn.Conv2d(width, 1, 1));
    this.embedding = this.child('embedding', new nn.Linear(instruments.length, width, { bias: false }));
  }

  /** Instrument names → one-hot rows [B, K] (an unknown name is a RangeError naming the ones it knows). */
  oneHot(names: string[]): Tensor {
    const rows = names.map((name) => {
      const index = this.instruments.indexOf(name);
      if (index < 0) throw new RangeError(`InstrumentCritic: Expected one of ${this.instruments.join(', ')} but received ${name}`);
      return this.instruments.map((_, k) => (k === index ? 1 : 0));
    });
    return tensor(rows);
  }

  /** Tiles [B, 1, M, T] in [-1, 1] and the instrument each should be, one-hot [B, K] → scores and features. */
  forward(tiles: Tensor, instruments: Tensor): CriticOutput {
    const features: Tensor[] = [];
    let x = tiles;
    for (const conv of [...this.downs, this.last]) {
      x = F.leakyRelu(conv.forward(x), LEAK);
      features.push(x);
    }
    const [b, c] = x.shape as [number, number, number, number];
    const patches = x.reshape([b, c, -1]); // [B, C, P]
    const projection = this.embedding.forward(instruments.to(x.dtype).to(x.device)).unsqueeze(1).matmul(patches).squeeze(1); // [B, P]
    const scores = this.score.forward(x).reshape([b, -1]).add(projection);
    return { scores, features };
  }
}

/**
 * The critic's hinge loss: mean relu(1 − score) over true targets' patches + mean relu(1 + score)
 * over the refiner's; with `wrong` (the scores of true tiles of another instrument under the
 * target's name), half the second term is theirs.
 */
export function criticHingeLoss(real: Tensor, fake: Tensor, wrong?: Tensor): Tensor {
  const fakeTerm = (scores: Tensor) => scores.add(1).relu().mean();
  const negatives = wrong === undefined ? fakeTerm(fake) : fakeTerm(fake).add(fakeTerm(wrong)).div(2);
  return real.neg().add(1).relu().mean().add(negatives);
}

/** The refiner's adversarial loss: −mean score of its tiles' patches. */
export function adversarialLoss(fake: Tensor): Tensor {
  return fake.mean().neg();
}

/** Feature matching: the mean over layers of the mean absolute difference between the critic's maps of the refiner's tiles and of the true targets (no gradient to the latter). */
export function featureMatchingLoss(fake: Tensor[], real: Tensor[]): Tensor {
  const terms = fake.map((map, l) => F.l1Loss(map, real[l]!.detach()));
  return terms.reduce((a, b) => a.add(b)).div(terms.length);
}
