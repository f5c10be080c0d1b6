/**
 * Tiles: the model sees fixed 1×nMels×tileFrames tiles; audio of any length is cut into tiles
 * that overlap by `tileOverlap` frames, and tiles are joined back with a raised-cosine crossfade
 * over the overlaps (weights of neighbouring tiles sum to 1), so that seams do not show.
 *
 * Tile k covers frames [k·step, k·step + tileFrames) with step = tileFrames − tileOverlap; the
 * last tile is padded with −1 (silence) past the end.
 */
import { Tensor, tensor, tidy, keep, cat, full, zeros, stack } from '../engine/index.js';
import type { AnalysisConfig } from './config.js';

/** Number of tiles needed to cover `frames` frames. */
export function tileCount(frames: number, config: AnalysisConfig): number {
  const step = config.tileFrames - config.tileOverlap;
  return frames <= config.tileFrames ? 1 : Math.ceil((frames - config.tileFrames) / step) + 1;
}

/**
 * Crossfade weights [tileFrames]: a sin² rise over the first `tileOverlap` frames (when the tile
 * has a predecessor) and the complementary cos² fall over the last (when it has a successor).
 */
export function crossfadeWeights(rise: boolean, fall: boolean, config: AnalysisConfig): Float32Array {
  const { tileFrames, tileOverlap } = config;
  const w = new Float32Array(tileFrames).fill(1);
  for (let j = 0; j < tileOverlap; j++) {
    const up = Math.sin((Math.PI / 2) * ((j + 0.5) / tileOverlap)) ** 2;
    if (rise) w[j] = up;
    if (fall) w[tileFrames - tileOverlap + j] = 1 - up;
  }
  return w;
}

/** Cuts normalised log-mel [nMels, frames] into tiles [n, 1, nMels, tileFrames]. */
export function toTiles(logMel: Tensor, config: AnalysisConfig): Tensor {
  return tidy(() => {
    const frames = logMel.shape[1]!;
    const n = tileCount(frames, config);
    const step = config.tileFrames - config.tileOverlap;
    const needed = (n - 1) * step + config.tileFrames;
    const padded = needed > frames ? cat([logMel, full([config.nMels, needed - frames], -1, { device: logMel.device })], 1) : logMel;
    const tiles = Array.from({ length: n }, (_, k) => padded.slice(1, k * step, k * step + config.tileFrames));
    return stack(tiles, 0).unsqueeze(1); // [n, 1, nMels, tileFrames]
  });
}

/** Joins tiles [n, 1, nMels, tileFrames] back into [nMels, frames] with crossfades. */
export function joinTiles(tiles: Tensor, frames: number, config: AnalysisConfig): Tensor {
  return tidy(() => {
    const n = tiles.shape[0]!;
    const step = config.tileFrames - config.tileOverlap;
    const out = zeros([config.nMels, (n - 1) * step + config.tileFrames], { device: tiles.device });
    for (let k = 0; k < n; k++) {
      tidy(() => {
        const weights = tensor(crossfadeWeights(k > 0, k < n - 1, config), { device: tiles.device });
        out.slice(1, k * step, k * step + config.tileFrames).add_(tiles.select(0, k).squeeze(0).mul(weights));
      });
    }
    return out.slice(1, 0, frames);
  });
}

/**
 * Streaming tiler: push frames as they come, get each tile as soon as its frames are complete;
 * finish() pads and returns the rest. Holds at most one tile of frames.
 */
export class TileStream {
  #pending: Tensor | null = null; // frames from the next tile's start on, [nMels, m]
  #emitted = 0;
  #frames = 0;

  constructor(readonly config: AnalysisConfig) {}

  /** Frames pushed so far. */
  get frames(): number {
    return this.#frames;
  }

  /** Adds frames [nMels, k]; returns the tiles now complete, each [1, nMels, tileFrames]. */
  push(frames: Tensor): Tensor[] {
    this.#frames += frames.shape[1]!;
    let pending = keep(this.#pending === null ? frames.clone() : cat([this.#pending, frames], 1));
    this.#pending?.dispose();
    const out: Tensor[] = [];
    const step = this.config.tileFrames - this.config.tileOverlap;
    while (pending.shape[1]! >= this.config.tileFrames) {
      const head = pending;
      out.push(keep(tidy(() => head.slice(1, 0, this.config.tileFrames).unsqueeze(0).contiguous())));
      this.#emitted++;
      const rest: Tensor = keep(tidy(() => head.slice(1, step).contiguous()));
      pending.dispose();
      pending = rest;
    }
    this.#pending = pending;
    return out;
  }

  /** The last tiles, padded with silence (−1); afterwards every frame lies in some tile. */
  finish(): Tensor[] {
    const out: Tensor[] = [];
    const pending = this.#pending;
    this.#pending = null;
    const needsTile = this.#emitted === 0 || (pending !== null && pending.shape[1]! > this.config.tileOverlap);
    if (pending !== null && needsTile) {
      const missing = this.config.tileFrames - pending.shape[1]!;
      out.push(keep(tidy(() => cat([pending, full([this.config.nMels, missing], -1, { device: pending.device })], 1).unsqueeze(0))));
      this.#emitted++;
    }
    pending?.dispose();
    return out;
  }

  /** Frees the frames held (finish() does this itself). */
  dispose(): void {
    this.#pending?.dispose();
    this.#pending = null;
  }
}

/**
 * Streaming joiner: push tiles in order, get the frames that no later tile overlaps; finish()
 * returns the last tile's overlap region. It needs no look-ahead: each tile's overlap region is
 * kept both faded (for the next tile to add to) and unfaded (in case no tile follows).
 */
export class TileJoiner {
  #fadedTail: Tensor | null = null; // the previous tile's overlap region × its fall, [nMels, overlap]
  #tail: Tensor | null = null; // the same region as it was, [nMels, overlap]
  #count = 0;
  #emitted = 0;

  constructor(readonly config: AnalysisConfig) {}

  /** Adds tile [1, nMels, tileFrames] (or [nMels, tileFrames]); returns its frames [nMels, tileFrames − overlap] now final (in the caller's scope). */
  push(tile: Tensor): Tensor {
    const { tileFrames, tileOverlap } = this.config;
    const k = this.#count++;
    return tidy(() => {
      const t = tile.ndim === 3 ? tile.squeeze(0) : tile; // [nMels, tileFrames]
      const weights = tensor(crossfadeWeights(k > 0, true, this.config), { device: t.device });
      let weighted = t.mul(weights);
      if (this.#fadedTail !== null) {
        weighted = cat([weighted.slice(1, 0, tileOverlap).add(this.#fadedTail), weighted.slice(1, tileOverlap)], 1);
      }
      this.#dropTails();
      const step = tileFrames - tileOverlap;
      this.#fadedTail = keep(weighted.slice(1, step).contiguous());
      // overlap ≤ step, so this region lies past any rise: unfaded, it is the tile itself
      this.#tail = keep(t.slice(1, step).contiguous());
      const ready = weighted.slice(1, 0, step);
      this.#emitted += ready.shape[1]!;
      return ready;
    });
  }

  /** The last tile's overlap region [nMels, overlap] as it was (no fade: no tile follows); the caller disposes it. */
  finish(): Tensor {
    const rest = this.#tail ?? keep(zeros([this.config.nMels, 0]));
    this.#tail = null;
    this.#dropTails();
    this.#emitted += rest.shape[1]!;
    return rest;
  }

  /** Frames emitted so far. */
  get frames(): number {
    return this.#emitted;
  }

  /** Frees the frames held (finish() does this itself). */
  dispose(): void {
    this.#dropTails();
  }

  #dropTails(): void {
    this.#fadedTail?.dispose();
    this.#tail?.dispose();
    this.#fadedTail = this.#tail = null;
  }
}
