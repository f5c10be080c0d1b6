/**
 * The way back from a mel spectrogram to sound: mel → linear magnitude (non-negative least
 * squares), then phase by fast Griffin-Lim (Perraudin, Balazs & Søndergaard 2013).
 *
 * Notation: M mel filters [nMels, nFreqs]; Y mel amplitudes [nMels, frames]; X linear magnitude
 * [nFreqs, frames]; S target magnitude (unscaled STFT units); c_n the spectrogram after n
 * iterations; t_n its consistent projection; α the momentum.
 */
import { Tensor, tidy, keep, polar, randLike, viewAsReal, viewAsComplex, throwIfStopped } from '../engine/index.js';
import { inverseStft, overlapEnvelope } from './stft.js';
import type { MelFrontEnd } from './mel.js';

/**
 * Non-negative least squares fit of X ≥ 0 to M X ≈ Y by multiplicative updates (Lee & Seung):
 *   X ← X ⊙ (Mᵀ Y) / (Mᵀ (M X) + ε),
 * started from Mᵀ Y / (Mᵀ 1), which spreads each band's amplitude over its bins. Going through
 * the mel domain (M X) costs 2·nMels·nFreqs per frame instead of nFreqs² for MᵀM.
 * @param mel mel amplitudes [nMels, frames] (not normalised)
 * @returns scaled linear magnitude [nFreqs, frames] (the front end's magnitude units)
 */
export function melToMagnitude(frontEnd: MelFrontEnd, mel: Tensor, iterations = 20): Tensor {
  return tidy(() => {
    const m = frontEnd.filters; // [nMels, nFreqs]
    const mt = m.transpose(0, 1); // [nFreqs, nMels]
    const mtY = mt.matmul(mel); // [nFreqs, frames]
    const coverage = m.sum(0).unsqueeze(1).add(1e-8); // Mᵀ1, [nFreqs, 1]
    let x = mtY.div(coverage);
    for (let i = 0; i < iterations; i++) {
      const next = tidy(() => x.mul(mtY).div_(mt.matmul(m.matmul(x)).add_(1e-10)));
      x.dispose(); // one estimate alive at a time: the heap does not grow with the iterations
      x = next;
    }
    return x;
  });
}

export interface GriffinLimOptions {
  /** Iterations (default 32). */
  iterations?: number;
  /** Momentum α of fast Griffin-Lim (0 gives plain Griffin-Lim; default 0.99). */
  momentum?: number;
  /** Starting phase in radians [nFreqs, frames] (e.g. the content clip's); default random. */
  initialPhase?: Tensor | null;
  /** Output length in samples; default (frames − 1)·hop. */
  length?: number;
}

/**
 * Fast Griffin-Lim: finds a signal whose STFT magnitude is close to `magnitude`.
 *   1. c₀ = S·e^{iφ₀}
 *   2. t_n = STFT(ISTFT(c_{n−1}))                    (projection on consistent spectrograms)
 *   3. c_n = S · u/|u| with u = t_n + α (t_n − t_{n−1})  (magnitude projection, with momentum)
 * @param magnitude scaled magnitude [nFreqs, frames] (as MelFrontEnd.magnitude returns)
 * @returns signal [length] at the front end's sample rate
 */
export function griffinLim(frontEnd: MelFrontEnd, magnitude: Tensor, options: GriffinLimOptions = {}): Tensor {
  const iterations = options.iterations ?? 32;
  const alpha = options.momentum ?? 0.99;
  const frames = magnitude.shape[1]!;
  const length = options.length ?? (frames - 1) * frontEnd.config.hop;
  const stftOptions = { ...frontEnd.stftOptions, length };
  return tidy(() => {
    // Everything is kept time-major, [T, F]: the layout libtorch's STFT produces and its inverse
    // FFT reads, so that no step works on strided memory. Complex arithmetic runs on real views
    // [T, F, 2], several times faster than complex kernels.
    const s = magnitude.div(frontEnd.magnitudeScale).transpose(0, 1).contiguous(); // S, [T, F]
    const inverseOptions = { ...stftOptions, envelope: overlapEnvelope(frontEnd.window, frames, frontEnd.config.hop) };
    const sReal = s.unsqueeze(-1); // [T, F, 1]
    const phase0 = options.initialPhase ? options.initialPhase.transpose(0, 1) : randLike(s).mul(2 * Math.PI);
    let c = keep(polar(s, phase0)); // 1. [T, F]
    let previous: Tensor | null = null; // t_{n−1}, complex [T, F]
    for (let n = 0; n < iterations; n++) {
      if (n % 8 === 0) {
        try {
          throwIfStopped();
        } catch (error) {
          c.dispose(); // kept beyond the scope: freed by hand
          previous?.dispose();
          throw error;
        }
      }
      const t = keep(tidy(() => frontEnd.complexSpectrum(inverseStft(c.transpose(0, 1), inverseOptions)).transpose(0, 1))); // 2.
      c.dispose();
      tidy(() => {
        // 3. u = t + α(t − t_{n−1}) = (1 + α)·t − α·t_{n−1}, built in t_{n−1}'s buffer (no longer needed)
        const u = previous === null ? viewAsReal(t).clone() : viewAsReal(previous).mul_(-alpha).add_(viewAsReal(t), 1 + alpha);
        u.mul_(sReal.div(viewAsComplex(u).abs().unsqueeze(-1).add(1e-12))); // S·u/|u|
        c = keep(viewAsComplex(u));
      });
      previous?.dispose();
      previous = t;
    }
    const signal = inverseStft(c.transpose(0, 1), inverseOptions);
    c.dispose();
    previous?.dispose();
    return signal;
  });
}
