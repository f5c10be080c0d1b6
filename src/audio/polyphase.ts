/**
 * Polyphase windowed-sinc resampling on the engine, for rational rate ratios L/M (44.1 kHz →
 * 16 kHz is 160/441): every output sample is a K-tap dot product with one of L phases of a
 * Kaiser-windowed sinc low-pass, computed for a whole block at once as a strided conv1d.
 *
 * Notation: x input at rate f_in; y output at rate f_out = f_in·L/M; h the prototype low-pass of
 * N = K·L + 1 taps at the upsampled rate L·f_in, centred (delay D = (N − 1)/2, compensated so
 * that y[m] lines up with time m / f_out).
 *   y[m] = Σ_k h[p + k·L] · x[b − k],  with u = m·M + D, p = u mod L, b = ⌊u / L⌋.
 * Output m = j·L + q depends on q through (p_q, b_q) and on j through the input offset j·M, which
 * is why one conv1d with L output channels (one per q) and stride M computes them all.
 */
import { Tensor, tensor, tidy, keep, F } from '../engine/index.js';
import { concatSamples } from './samples.js';

/** Zeroth-order modified Bessel function of the first kind (series), for the Kaiser window. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Output blocks per convolution call: keeps the convolution's scratch (inputs × taps) small. */
const MAX_BLOCKS = 16384;

export interface PolyphaseDesign {
  /** Up and down factors: f_out / f_in = up / down, reduced. */
  up: number;
  down: number;
  /** Taps of each output phase over `width` consecutive inputs. */
  width: number;
  /**
   * conv1d weights [up, down, ⌈width/down⌉]: the taps regrouped by input phase, so that the
   * input enters as `down` channels (x'[r][j] = x[j·down + r]) at stride 1 — a many-channel
   * convolution runs far faster than a one-channel one at stride `down`.
   */
  weight: Tensor;
  /** Input index (relative to j·down) of each kernel's first tap. */
  firstTap: number;
}

/**
 * Designs the filter for `inRate` → `outRate`.
 * @param tapsPerPhase K, taps per output sample (default 256: a transition band of about
 *   f_in·0.02, stopband ≈ −80 dB with β = 8.6)
 * @param cutoff low-pass edge as a fraction of the lower Nyquist frequency (default 0.94)
 */
export function designPolyphase(inRate: number, outRate: number, tapsPerPhase = 256, cutoff = 0.94): PolyphaseDesign | null {
  const g = gcd(inRate, outRate);
  // at least 8 output phases (2/4 is 8/16 here): one convolution with a handful of output
  // channels runs several times faster than one with a single channel
  const spread = Math.ceil(8 / (outRate / g));
  const up = (outRate / g) * spread;
  const down = (inRate / g) * spread;
  if (up > 1024) return null; // an awkward ratio: too many phases for this method
  const beta = 8.6;
  const n = tapsPerPhase * up + 1; // prototype length, odd so the delay is an integer
  const delay = (n - 1) / 2;
  const fc = (cutoff * Math.min(inRate, outRate)) / 2 / (up * inRate); // cycles per upsampled sample
  const h = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = i - delay;
    const sinc = t === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * t) / (Math.PI * t);
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - (t / delay) ** 2))) / besselI0(beta);
    h[i] = up * sinc * w; // gain L makes up for the zeros of upsampling
  }
  // per output phase q: taps x[j·down + b_q − k], k = 0..K (some may fall outside the prototype)
  const phases = Array.from({ length: up }, (_, q) => {
    const u = q * down + delay;
    return { p: u % up, b: Math.floor(u / up) };
  });
  const kMax = Math.ceil(n / up); // taps k with p + k·up < n
  const firstTap = Math.min(...phases.map(({ b }) => b - kMax + 1));
  const lastTap = Math.max(...phases.map(({ b }) => b));
  const width = lastTap - firstTap + 1;
  const weight = new Float32Array(up * width);
  phases.forEach(({ p, b }, q) => {
    for (let k = 0; k < kMax; k++) {
      const index = p + k * up;
      if (index >= n) break;
      weight[q * width + (b - k - firstTap)] = h[index]!;
    }
  });
  // regroup w[q][u] as w'[q][r][t] with u = t·down + r
  const taps = Math.ceil(width / down);
  const regrouped = new Float32Array(up * down * taps);
  for (let q = 0; q < up; q++) {
    for (let u = 0; u < width; u++) regrouped[(q * down + (u % down)) * taps + Math.floor(u / down)] = weight[q * width + u]!;
  }
  return { up, down, width, weight: keep(tensor(regrouped, [up, down, taps])), firstTap };
}

/**
 * Streaming resampler over a design: push any chunk sizes, get the outputs whose inputs are
 * complete; finish() flushes with zeros and returns exactly round(inputs·up/down) samples in all.
 */
export class PolyphaseStream {
  /** Input not yet consumed; buffer[0] is input index #bufferStart (may be negative: zero padding). */
  #buffer: Float32Array;
  #bufferStart: number;
  #inputs = 0;
  #nextBlock = 0; // next j (a block of `up` outputs starts at input j·down)
  #outputs = 0;

  constructor(readonly design: PolyphaseDesign) {
    const lead = Math.max(0, -design.firstTap);
    this.#buffer = new Float32Array(lead); // zeros before the signal
    this.#bufferStart = -lead;
  }

  push(chunk: Float32Array): Float32Array {
    this.#inputs += chunk.length;
    const joined = new Float32Array(this.#buffer.length + chunk.length);
    joined.set(this.#buffer);
    joined.set(chunk, this.#buffer.length);
    this.#buffer = joined;
    return this.#run();
  }

  finish(): Float32Array {
    const expected = Math.round((this.#inputs * this.design.up) / this.design.down);
    const tail = new Float32Array(this.design.width + 2 * this.design.down); // zeros after the signal
    const joined = new Float32Array(this.#buffer.length + tail.length);
    joined.set(this.#buffer);
    this.#buffer = joined;
    const out = this.#run();
    this.design.weight.dispose();
    return out.subarray(0, Math.max(0, expected - (this.#outputs - out.length)));
  }

  /** Computes every complete block, at most `MAX_BLOCKS` per convolution (bounded scratch memory). */
  #run(): Float32Array {
    const parts: Float32Array[] = [];
    for (let part = this.#runOnce(); part.length > 0; part = this.#runOnce()) parts.push(part);
    // drop the inputs no later block needs (once per call: slicing per block would be quadratic)
    const keepFrom = Math.min(this.#nextBlock * this.design.down + this.design.firstTap - this.#bufferStart, this.#buffer.length);
    if (keepFrom > 0) {
      this.#buffer = this.#buffer.slice(keepFrom);
      this.#bufferStart += keepFrom;
    }
    return concatSamples(...parts);
  }

  /** Computes complete blocks j (taps over inputs [j·down + firstTap, j·down + firstTap + width)). */
  #runOnce(): Float32Array {
    const { up, down, weight, firstTap, width } = this.design;
    const bufferEnd = this.#bufferStart + this.#buffer.length;
    const lastBlock = Math.min(Math.floor((bufferEnd - width - firstTap) / down), this.#nextBlock + MAX_BLOCKS - 1);
    if (lastBlock < this.#nextBlock) return new Float32Array(0);
    const taps = weight.shape[2]!;
    const blocks = lastBlock - this.#nextBlock + 1;
    const from = this.#nextBlock * down + firstTap - this.#bufferStart;
    const to = from + (blocks + taps - 1) * down; // whole groups of `down` inputs
    const input = new Float32Array(to - from);
    input.set(this.#buffer.subarray(from, Math.min(to, this.#buffer.length)));
    const out = tidy(() => {
      const x = tensor(input, [1, blocks + taps - 1, down]).transpose(1, 2); // [1, down, blocks + taps − 1]: x'[r][j] = x[j·down + r]
      const y = F.conv1d(x, weight); // [1, up, blocks]
      return y.squeeze(0).transpose(0, 1).contiguous().toFloat32Array(); // output j·up + q
    });
    this.#outputs += out.length;
    this.#nextBlock = lastBlock + 1;
    return out;
  }
}
