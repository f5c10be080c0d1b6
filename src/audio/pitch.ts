/**
 * The pitch of a recorded note, by the YIN method (de Cheveigné and Kawahara, 2002): in frames of
 * the signal, the cumulative-mean-normalised difference d'(τ) is computed for every lag τ, and the
 * first lag whose d' dips under a threshold (refined by a parabola through its neighbours) is the
 * period. The note's pitch is the median over its periodic frames.
 */

export interface PitchOptions {
  /** Lowest and highest pitch looked for, Hz. */
  minHz?: number;
  maxHz?: number;
  /** Frame length, seconds (at least two periods of minHz), and the hop between frames. */
  frameSeconds?: number;
  hopSeconds?: number;
  /** d' under this marks a period (0.1–0.2 in the method's paper). */
  threshold?: number;
}

export interface PitchEstimate {
  /** The median pitch, Hz, of the periodic frames. */
  hz: number;
  /** Its MIDI key (69 = A4 = 440 Hz), fractional. */
  midi: number;
  /** How many frames were periodic, of how many. */
  periodicFrames: number;
  frames: number;
}

/** The period, in (fractional) samples, of one frame, or null where none dips under the threshold. */
function framePeriod(x: Float32Array, start: number, window: number, minLag: number, maxLag: number, threshold: number): number | null {
  const d = new Float64Array(maxLag + 2);
  for (let lag = 1; lag <= maxLag + 1; lag++) {
    let sum = 0;
    for (let i = start; i < start + window; i++) {
      const diff = x[i]! - x[i + lag]!;
      sum += diff * diff;
    }
    d[lag] = sum;
  }
  // cumulative-mean normalisation: d'(τ) = d(τ) · τ / Σ_{j≤τ} d(j)
  const normalised = new Float64Array(maxLag + 2);
  let running = 0;
  for (let lag = 1; lag <= maxLag + 1; lag++) {
    running += d[lag]!;
    normalised[lag] = running > 0 ? (d[lag]! * lag) / running : 1;
  }
  for (let lag = minLag; lag <= maxLag; lag++) {
    if (normalised[lag]! >= threshold) continue;
    while (lag + 1 <= maxLag && normalised[lag + 1]! < normalised[lag]!) lag++; // the bottom of the dip
    const [a, b, c] = [normalised[lag - 1]!, normalised[lag]!, normalised[lag + 1]!];
    const curve = a - 2 * b + c;
    return lag + (curve > 0 ? (a - c) / (2 * curve) : 0);
  }
  return null;
}

/** The pitch of a (mostly) single-note recording; throws where no frame is periodic. */
export function estimatePitch(samples: Float32Array, sampleRate: number, options: PitchOptions = {}): PitchEstimate {
  const minHz = options.minHz ?? 30;
  const maxHz = options.maxHz ?? 2000;
  const window = Math.round((options.frameSeconds ?? Math.max(0.04, 2.5 / minHz)) * sampleRate);
  const hop = Math.round((options.hopSeconds ?? 0.02) * sampleRate);
  const minLag = Math.max(2, Math.floor(sampleRate / maxHz));
  const maxLag = Math.ceil(sampleRate / minHz);
  const periods: number[] = [];
  let frames = 0;
  for (let start = 0; start + window + maxLag + 2 <= samples.length; start += hop) {
    let energy = 0;
    for (let i = start; i < start + window; i++) energy += samples[i]! * samples[i]!;
    if (energy / window < 1e-7) continue; // silence (below −70 dBFS) has no pitch
    frames++;
    const period = framePeriod(samples, start, window, minLag, maxLag, options.threshold ?? 0.15);
    if (period !== null) periods.push(period);
  }
  if (periods.length === 0) throw new RangeError(`pitch: no periodic frame between ${minHz} and ${maxHz} Hz in ${frames} sounding frames`);
  periods.sort((a, b) => a - b);
  const hz = sampleRate / periods[periods.length >> 1]!;
  return { hz, midi: 69 + 12 * Math.log2(hz / 440), periodicFrames: periods.length, frames };
}
