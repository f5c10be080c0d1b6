/**
 * The tool's own output path as something the judge must hear past: every transfer it judges
 * went tiles → mel → linear magnitude → Griffin-Lim → 16-bit samples → analysis again, which
 * smears phase and fine detail. Griffin-Lim costs about a tenth of a second a tile here, too much
 * for every tile of every batch, so a pool keeps tiles that went through it: each refill
 * resynthesises a few tiles of the current batch into the pool (the oldest leave), and each batch
 * draws some tiles from it, which the other augmentations then vary further.
 */
import { tensor, tidy, keep, cat, stack, full, type Tensor } from '../engine/index.js';
import type { MelFrontEnd } from '../audio/mel.js';
import { synthesise } from '../audio/synthesis.js';

/** Silent frames between tiles resynthesised together (more than a window's 4 frames of overlap). */
const GAP_FRAMES = 8;

/** Tiles [n, 1, M, T] as one clip [M, n·(T + gap)], silent gaps between them. */
function joinWithGaps(tiles: Tensor): Tensor {
  const [n, , m] = tiles.shape as [number, number, number, number];
  const gap = full([m, GAP_FRAMES], -1);
  return cat(Array.from({ length: n }, (_, k) => [tiles.select(0, k).squeeze(0), gap]).flat(), 1);
}

/**
 * Tiles [n, 1, M, T] through the output path, as one clip with silent gaps between them (one
 * Griffin-Lim run for all); the same shape back. `iterations` as mst transfer's default;
 * `startPhase` [nFreqs, n·(T + gap)] (from outputPathPhase) starts Griffin-Lim where mst transfer
 * starts it, at its input's phase; default random.
 */
export function throughOutputPath(frontEnd: MelFrontEnd, tiles: Tensor, iterations = 32, startPhase: Tensor | null = null): Tensor {
  return tidy(() => {
    const [n, , , t] = tiles.shape as [number, number, number, number];
    const samples = synthesise(frontEnd, joinWithGaps(tiles), { iterations, phase: startPhase });
    for (let i = 0; i < samples.length; i++) samples[i] = Math.round(Math.max(-1, Math.min(1, samples[i]!)) * 32767) / 32767; // a 16-bit WAV
    const analysed = frontEnd.logMel(tensor(samples)); // [M, frames]
    return stack(Array.from({ length: n }, (_, k) => analysed.slice(1, k * (t + GAP_FRAMES), k * (t + GAP_FRAMES) + t)), 0).unsqueeze(1);
  });
}

/**
 * The phase [nFreqs, n·(T + gap)] of tiles [n, 1, M, T] resynthesised as throughOutputPath joins
 * them (from random phase): for content tiles, the input phase their transfers start from.
 */
export function outputPathPhase(frontEnd: MelFrontEnd, tiles: Tensor, iterations = 32): Tensor {
  return tidy(() => frontEnd.phase(tensor(synthesise(frontEnd, joinWithGaps(tiles), { iterations }))));
}

export interface OutputPathSettings {
  /** Tiles kept at most. */
  capacity: number;
  /** Tiles of a batch resynthesised into the pool at each refill, and steps between refills. */
  refill: number;
  refillEvery: number;
  /** Tiles each batch draws from the pool (once it holds that many). */
  draw: number;
}

/** A refill every 4 steps: Griffin-Lim would otherwise be a third of a step's time (2 cores). */
export const OUTPUT_PATH: OutputPathSettings = { capacity: 1024, refill: 4, refillEvery: 4, draw: 12 };

export class OutputPathPool {
  private readonly tiles: Tensor[] = [];
  private readonly labels: number[] = [];

  constructor(readonly frontEnd: MelFrontEnd, readonly settings: OutputPathSettings = OUTPUT_PATH) {}

  get size(): number {
    return this.tiles.length;
  }

  /** Resynthesises tiles [n, 1, M, T] with their labels into the pool; the oldest leave when it is full. */
  add(tiles: Tensor, labels: number[]): void {
    const resynthesised = throughOutputPath(this.frontEnd, tiles);
    for (let k = 0; k < labels.length; k++) {
      this.tiles.push(keep(tidy(() => resynthesised.select(0, k).clone())));
      this.labels.push(labels[k]!);
    }
    resynthesised.dispose();
    while (this.tiles.length > this.settings.capacity) {
      this.tiles.shift()!.dispose();
      this.labels.shift();
    }
  }

  /** `n` tiles drawn at random with their labels (`random` gives numbers in [0, 1)), or null while the pool holds fewer. */
  sample(n: number, random: () => number): { tiles: Tensor; labels: number[] } | null {
    if (this.tiles.length < n) return null;
    const picks = Array.from({ length: n }, () => Math.floor(random() * this.tiles.length));
    return { tiles: stack(picks.map((i) => this.tiles[i]!), 0), labels: picks.map((i) => this.labels[i]!) };
  }

  dispose(): void {
    for (const t of this.tiles.splice(0)) t.dispose();
    this.labels.splice(0);
  }
}
