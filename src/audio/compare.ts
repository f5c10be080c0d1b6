/**
 * Distances between two recordings of the same length, computed in a stream (bounded memory):
 *
 *   spectral convergence  SC  = ‖|B| − |A|‖_F / ‖|A|‖_F           (0 = identical magnitudes)
 *   log-spectral distance LSD = mean over frames of √(mean over bins (20·log10 |B| − 20·log10 |A|)²), dB
 *
 * on the scaled STFT magnitudes of the analysis config, floored at minDb so silence compares as
 * equal. A is the reference.
 */
import { tidy, type Tensor } from '../engine/index.js';
import { DEFAULT_ANALYSIS, type AnalysisConfig } from './config.js';
import { MelFrontEnd } from './mel.js';
import { MelStream } from './analysis.js';
import { streamAudio } from './decode.js';
import { concatSamples } from './samples.js';

export interface SpectralDistance {
  /** ‖|B| − |A|‖ / ‖|A|‖ over STFT magnitudes; NaN when the reference is silent (nothing above the analysis floor). */
  spectralConvergence: number;
  logSpectralDistanceDb: number;
  frames: number;
}

/** Reads both files in lockstep at the config's rate (the shorter one sets the length). */
export async function compareAudio(reference: string, other: string, config: AnalysisConfig = DEFAULT_ANALYSIS): Promise<SpectralDistance> {
  const frontEnd = new MelFrontEnd(config);
  const streams = [reference, other].map((path) => new MelStream(frontEnd, { keepMagnitude: true, source: path }));
  const sources = [reference, other].map((path) => streamAudio(path, { sampleRate: config.sampleRate })[Symbol.asyncIterator]());
  const pending: Float32Array[] = [new Float32Array(0), new Float32Array(0)];
  const done = [false, false];
  let errorSquares = 0;
  let referenceSquares = 0;
  let lsdSum = 0;
  let frames = 0;
  const floorDb = config.minDb;

  const accumulate = (a: { magnitude: Tensor | null }, b: typeof a) => {
    tidy(() => {
      const ma = a.magnitude;
      const mb = b.magnitude;
      if (ma === null || mb === null || ma.shape[1] === 0) return;
      const k = ma.shape[1]!;
      errorSquares += mb.sub(ma).square().sum().item();
      referenceSquares += ma.square().sum().item();
      const db = (m: typeof ma) => m.clamp(10 ** (floorDb / 20)).log().mul(20 / Math.LN10);
      lsdSum += db(mb).sub(db(ma)).square().mean(0).sqrt().sum().item();
      frames += k;
    });
  };

  try {
    while (!done[0] || !done[1]) {
      for (const i of [0, 1]) {
        if (!done[i] && pending[i]!.length < config.sampleRate) {
          const next = await sources[i]!.next();
          if (next.done) done[i] = true;
          else pending[i] = concatSamples(pending[i]!, next.value);
        }
      }
      const n = Math.min(pending[0]!.length, pending[1]!.length);
      if (n === 0 && (done[0] || done[1])) break;
      const a = streams[0]!.push(pending[0]!.subarray(0, n));
      const b = streams[1]!.push(pending[1]!.subarray(0, n));
      pending[0] = pending[0]!.slice(n);
      pending[1] = pending[1]!.slice(n);
      accumulate(a, b);
    }
    accumulate(streams[0]!.finish(), streams[1]!.finish());
  } finally {
    frontEnd.dispose();
    for (const source of sources) await source.return?.(undefined);
  }
  // a reference that holds nothing above the analysis's floor has no convergence to speak of
  const floorEnergy = frames * (config.nFft / 2 + 1) * 10 ** (floorDb / 10);
  return {
    spectralConvergence: referenceSquares > floorEnergy ? Math.sqrt(errorSquares / referenceSquares) : NaN,
    logSpectralDistanceDb: lsdSum / Math.max(frames, 1),
    frames,
  };
}

