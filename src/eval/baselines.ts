/**
 * Style-transfer systems under evaluation, and the baselines every model is compared with:
 *
 * - identity: the content tile unchanged (perfect content, no style);
 * - oracle: the true target rendering (the best any system can do; after resynthesis it bounds
 *   what the vocoder allows);
 * - envelope: a traditional DSP timbre transfer — the content's spectral fine structure under
 *   the style reference's average spectral envelope: each sounding bin of the content moves by
 *   the difference between the style's and the content's long-term band levels (over active
 *   frames, smoothed across bands).
 */
import { tidy, where, F, manualSeed, type Tensor } from '../engine/index.js';
import { joinReferenceTiles, type LatentDiffusion, type TileSamplingOptions } from '../model/ldm.js';
import type { BaselineName } from './choices.js';

export interface TransferBatch {
  /** [B, 1, nMels, frames] in [-1, 1]: what to play. */
  content: Tensor;
  /** A different clip of the target instrument: how it should sound; [B·k, 1, nMels, frames], each item's k = referenceTiles tiles one after another. */
  style: Tensor;
  /** Tiles of each item's style reference (default 1). */
  referenceTiles?: number;
  /** The true target (same notes, target instrument): only the oracle may read it. */
  target: Tensor;
  targetInstrument: string[];
}

export interface TransferSystem {
  name: string;
  /** Bytes of its weights (0 for baselines). */
  modelBytes: number;
  /** Output tiles [B, 1, nMels, frames] in [-1, 1]. */
  transfer(batch: TransferBatch): Tensor;
}

/** Frames whose loudest band is above this normalised level count as active (−0.6 ≈ −70 dB). */
const ACTIVE_LEVEL = -0.6;
/** Mel bands on each side averaged into the envelope: it follows the body of the spectrum, not single harmonics. */
const ENVELOPE_HALF_WIDTH = 3;
/** The largest change of level the envelope transfer makes, in normalised units (0.4 = 20 dB). */
const MAX_GAIN = 0.4;

/**
 * The average spectral envelope of tiles [B, 1, M, T] → [B, 1, M, 1]: each band's mean level over
 * active frames, smoothed over neighbouring bands.
 */
export function averageEnvelope(tiles: Tensor): Tensor {
  return tidy(() => {
    const active = tiles.amax([2], true).gt(ACTIVE_LEVEL).float(); // [B, 1, 1, T]
    const perBand = tiles.mul(active).sum([3], true).div(active.sum([3], true).clamp(1)); // [B, 1, M, 1]
    const k = 2 * ENVELOPE_HALF_WIDTH + 1;
    return F.avgPool2d(perBand, [k, 1], 1, [ENVELOPE_HALF_WIDTH, 0]); // zero padding lowers the edge bands equally on both sides of a difference
  });
}

/**
 * Content fine structure under the style's envelope: each sounding bin of the content moves by
 * the difference of the two envelopes (at most ±20 dB); silence stays silent.
 */
function envelopeTransfer(b: TransferBatch): Tensor {
  return tidy(() => {
    const gain = averageEnvelope(joinReferenceTiles([b.style], b.referenceTiles ?? 1)[0]!).sub(averageEnvelope(b.content)).clamp(-MAX_GAIN, MAX_GAIN); // [B, 1, M, 1]
    const sounding = b.content.gt(ACTIVE_LEVEL);
    return where(sounding, b.content.add(gain).clamp(-1, 1), b.content);
  });
}

export const BASELINES: Record<BaselineName, TransferSystem> = {
  identity: { name: 'identity', modelBytes: 0, transfer: (b) => b.content.clone() },
  oracle: { name: 'oracle', modelBytes: 0, transfer: (b) => b.target.clone() },
  envelope: { name: 'envelope', modelBytes: 0, transfer: envelopeTransfer },
};

/**
 * The true target through a trained model's autoencoder, encoded and decoded: the best any latent
 * of that autoencoder can give before a refiner, a ceiling of the model's style and distance.
 */
export function autoencodedSystem(name: string, model: LatentDiffusion): TransferSystem {
  return {
    name,
    modelBytes: 0,
    transfer: (b) => model.autoencode(b.target),
  };
}

/** A trained model as a system: DDIM transfer from the content with the style reference, at the model's sampling defaults unless given. */
export function modelSystem(name: string, model: LatentDiffusion, modelBytes: number, sampling: TileSamplingOptions = model.config.sampling, seed = 0): TransferSystem {
  return {
    name,
    modelBytes,
    transfer: (b) => {
      manualSeed(seed);
      return model.transfer(b.content, b.style, { ...sampling, referenceTiles: b.referenceTiles ?? 1 });
    },
  };
}
