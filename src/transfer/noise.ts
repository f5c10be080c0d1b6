/**
 * Sampling noise that overlapping tiles share. The latent of a tile is [C, H, W] with W along
 * time; when a tile step is a whole number of latent columns (the default: 96 frames = 12
 * columns of 8 frames), latent column j of tile k is column k·step + j of the whole input's
 * latent timeline, and each timeline column draws its own seeded normals. Two tiles therefore
 * start from the same noise where they overlap, which keeps their crossfaded join seamless, and
 * a tile's noise depends only on the seed and its position, never on the batch it ran in.
 */
import { tensor, type Tensor } from '../engine/index.js';
import type { AnalysisConfig } from '../audio/config.js';
import type { NoiseSource } from '../model/ddim.js';
import { seededRandom } from '../random.js';

/** A 32-bit hash of a few integers (murmur3's finaliser over a running mix). */
function hashOf(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) {
    h = Math.imul(h ^ (v >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** Fills `out` with standard normals from `random` (Box–Muller, both outputs used). */
function fillNormals(out: Float32Array, random: () => number): void {
  for (let i = 0; i < out.length; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - random())); // 1 − u ∈ (0, 1]: no log(0)
    const angle = 2 * Math.PI * random();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < out.length) out[i + 1] = radius * Math.sin(angle);
  }
}

/**
 * The noise source for a batch of consecutive tiles starting at tile #`firstTile`: draw d for
 * latents like [B, C, H, W] puts timeline column (firstTile + b)·step + w's normals at [b, :, :, w].
 * Tiles whose step is not a whole number of columns get noise of their own, seeded by tile.
 */
export function tileNoise(seed: number, firstTile: number, config: Pick<AnalysisConfig, 'tileFrames' | 'tileOverlap'>): NoiseSource {
  return (draw: number, like: Tensor): Tensor => {
    const [batch, channels, height, width] = like.shape as [number, number, number, number];
    const stepColumns = ((config.tileFrames - config.tileOverlap) * width) / config.tileFrames;
    const shared = Number.isInteger(stepColumns);
    const data = new Float32Array(batch * channels * height * width);
    const column = new Float32Array(channels * height);
    for (let b = 0; b < batch; b++) {
      const tile = firstTile + b;
      for (let w = 0; w < width; w++) {
        const key = shared ? hashOf(seed, draw, tile * stepColumns + w) : hashOf(seed, draw, tile, w, 0x7fffffff);
        fillNormals(column, seededRandom(key));
        for (let ch = 0; ch < channels * height; ch++) data[((b * channels * height + ch) * width) + w] = column[ch]!;
      }
    }
    return tensor(data, [batch, channels, height, width], { device: like.device, dtype: like.dtype });
  };
}
