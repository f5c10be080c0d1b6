/**
 * From normalised log-mel frames back to samples: mel → linear magnitude → fast Griffin-Lim.
 *
 * `synthesise` does a whole clip at once. `SynthesisStream` does any length in bounded memory:
 * it reconstructs segments of `segmentFrames` frames, each with `contextFrames` of context on
 * both sides (Griffin-Lim is least certain near the edges it sees), and joins neighbouring
 * segments with a raised-cosine crossfade of `crossfadeFrames` frames around their boundary.
 */
import { Tensor, tidy, keep, cat, manualSeed } from '../engine/index.js';
import type { MelFrontEnd } from './mel.js';
import { melToMagnitude, griffinLim } from './griffinlim.js';
import { concatSamples } from './samples.js';

export interface SynthesisOptions {
  /** Griffin-Lim iterations (default 32). */
  iterations?: number;
  /** Fast Griffin-Lim momentum (default 0.99). */
  momentum?: number;
  /** NNLS iterations for mel → linear (default 20). */
  nnlsIterations?: number;
  /** Seed of the random starting phase, for reproducible output (default 0). */
  seed?: number;
}

/**
 * A whole clip: normalised log-mel [nMels, frames] (and optionally a starting phase
 * [nFreqs, frames]) → samples [length], length defaulting to (frames − 1)·hop.
 */
export function synthesise(frontEnd: MelFrontEnd, logMel: Tensor, options: SynthesisOptions & { length?: number; phase?: Tensor | null } = {}): Float32Array {
  return tidy(() => {
    manualSeed(options.seed ?? 0);
    const magnitude = melToMagnitude(frontEnd, frontEnd.denormalise(logMel), options.nnlsIterations);
    const length = options.length ?? (logMel.shape[1]! - 1) * frontEnd.config.hop;
    return griffinLim(frontEnd, magnitude, { iterations: options.iterations, momentum: options.momentum, initialPhase: options.phase ?? null, length }).toFloat32Array();
  });
}

export interface SynthesisStreamOptions extends SynthesisOptions {
  /** Frames reconstructed per segment (default 1024, ~16 s at the default config). */
  segmentFrames?: number;
  /** Extra frames of context on each side of a segment (default 32). */
  contextFrames?: number;
  /** Frames over which neighbouring segments crossfade (default 8; ≤ 2·contextFrames). */
  crossfadeFrames?: number;
}

export class SynthesisStream {
  readonly segmentFrames: number;
  readonly contextFrames: number;
  readonly crossfadeSamples: number;
  /** Frames not yet fully used, starting at global frame #bufferStart. */
  #mel: Tensor | null = null;
  #phase: Tensor | null = null;
  #bufferStart = 0;
  /** Global frame where the next segment's core starts. */
  #coreStart = 0;
  /** The previous segment's samples past its core end, to crossfade with the next segment. */
  #overhang: Float32Array = new Float32Array(0);
  #segments = 0;

  constructor(readonly frontEnd: MelFrontEnd, readonly options: SynthesisStreamOptions = {}) {
    this.segmentFrames = options.segmentFrames ?? 1024;
    this.contextFrames = options.contextFrames ?? 32;
    const crossfadeFrames = options.crossfadeFrames ?? 8;
    if (crossfadeFrames > 2 * this.contextFrames) throw new RangeError(`SynthesisStream: Expected crossfadeFrames ≤ 2·contextFrames (${2 * this.contextFrames}) but received ${crossfadeFrames}`);
    this.crossfadeSamples = crossfadeFrames * frontEnd.config.hop;
  }

  /** Adds normalised log-mel frames [nMels, k] (and their phase [nFreqs, k] when used); returns finished samples. */
  push(logMel: Tensor, phase: Tensor | null = null): Float32Array {
    this.#mel = this.#append(this.#mel, logMel);
    if (phase !== null) this.#phase = this.#append(this.#phase, phase);
    const parts: Float32Array[] = [];
    while (this.#bufferEnd >= this.#coreStart + this.segmentFrames + this.contextFrames) {
      parts.push(this.#segment(this.#coreStart + this.segmentFrames, false));
    }
    return concatSamples(...parts);
  }

  /** Reconstructs what is left; `totalSamples` trims or pads the whole output to the input's length. */
  finish(totalSamples: number, producedSoFar: number): Float32Array {
    const parts: Float32Array[] = [];
    if (this.#mel !== null && this.#bufferEnd > this.#coreStart) parts.push(this.#segment(this.#bufferEnd, true));
    const out = concatSamples(...parts);
    const wanted = totalSamples - producedSoFar;
    this.dispose();
    if (out.length >= wanted) return out.subarray(0, Math.max(0, wanted));
    const padded = new Float32Array(wanted);
    padded.set(out);
    return padded;
  }

  /** Frees the frames held (finish() does this itself). */
  dispose(): void {
    this.#mel?.dispose();
    this.#phase?.dispose();
    this.#mel = this.#phase = null;
  }

  get #bufferEnd(): number {
    return this.#bufferStart + (this.#mel?.shape[1] ?? 0);
  }

  #append(buffer: Tensor | null, frames: Tensor): Tensor {
    const joined = keep(buffer === null ? frames.clone() : cat([buffer, frames], 1));
    buffer?.dispose();
    return joined;
  }

  /** Reconstructs the core [coreStart, coreEnd) with context and returns its finished samples. */
  #segment(coreEnd: number, isLast: boolean): Float32Array {
    const { hop } = this.frontEnd.config;
    const half = this.crossfadeSamples / 2;
    const from = Math.max(this.#bufferStart, this.#coreStart - this.contextFrames);
    const to = Math.min(this.#bufferEnd, coreEnd + this.contextFrames);
    const local = (frame: number) => frame - this.#bufferStart;
    const samples = tidy(() =>
      synthesise(this.frontEnd, this.#mel!.slice(1, local(from), local(to)), {
        ...this.options,
        seed: (this.options.seed ?? 0) + this.#segments,
        phase: this.#phase?.slice(1, local(from), local(to)) ?? null,
        length: (to - from - 1) * hop + 1,
      }),
    );
    this.#segments++;
    // samples[i] is global sample from·hop + i
    const at = (globalSample: number) => globalSample - from * hop;
    const coreBegin = this.#coreStart * hop;
    const coreFinish = coreEnd * hop;
    // head: crossfade the previous overhang (which covers [coreBegin − half, coreBegin + half))
    const headStart = this.#segments === 1 ? coreBegin : coreBegin - half;
    const body = samples.slice(Math.max(0, at(headStart)), isLast ? samples.length : Math.min(samples.length, at(coreFinish + half)));
    if (this.#overhang.length > 0) {
      const n = Math.min(this.#overhang.length, body.length);
      for (let i = 0; i < n; i++) {
        const rise = Math.sin((Math.PI / 2) * ((i + 0.5) / n)) ** 2;
        body[i] = body[i]! * rise + this.#overhang[i]! * (1 - rise);
      }
    }
    // keep the last `crossfadeSamples` as the next overhang, unless this is the end
    const keepTail = isLast ? 0 : Math.min(this.crossfadeSamples, body.length);
    this.#overhang = body.slice(body.length - keepTail);
    const finished = body.subarray(0, body.length - keepTail);
    // drop frames no later segment needs
    this.#coreStart = coreEnd;
    const dropUntil = Math.max(this.#bufferStart, this.#coreStart - this.contextFrames);
    if (!isLast && dropUntil > this.#bufferStart) {
      const cut = local(dropUntil);
      const mel = keep(this.#mel!.slice(1, cut).contiguous());
      this.#mel!.dispose();
      this.#mel = mel;
      if (this.#phase !== null) {
        const phase = keep(this.#phase.slice(1, cut).contiguous());
        this.#phase.dispose();
        this.#phase = phase;
      }
      this.#bufferStart = dropUntil;
    }
    return finished;
  }
}


