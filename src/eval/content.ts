/**
 * Content preservation: whether the output plays the notes of the input. Measured on note lists
 * (from the score, or transcribed by basic-pitch) — note-onset F1 and a pitch-class distance —
 * and, where transcription finds no notes, on chroma computed from the audio.
 */
import { tensor, tidy, stft, hannWindow } from '../engine/index.js';

/** What the note metrics read of a note: onset and release in seconds, MIDI pitch. */
export interface TimedNote {
  start: number;
  end: number;
  pitch: number;
}

export interface OnsetScore {
  precision: number;
  recall: number;
  f1: number;
  /** Notes matched one to one. */
  matched: number;
}

/**
 * Note-onset F1: an estimated note matches a reference note of the same pitch whose onset is
 * within `tolerance` seconds, each note matched at most once (the largest such matching: for
 * points on a line with one tolerance, pairing in time order is optimal). Two empty lists agree
 * perfectly (F1 1); one empty list against a non-empty one scores 0.
 */
export function onsetF1(reference: readonly TimedNote[], estimate: readonly TimedNote[], tolerance = 0.05): OnsetScore {
  if (reference.length === 0 && estimate.length === 0) return { precision: 1, recall: 1, f1: 1, matched: 0 };
  const byPitch = (notes: readonly TimedNote[]) => {
    const map = new Map<number, number[]>();
    for (const n of notes) map.set(n.pitch, [...(map.get(n.pitch) ?? []), n.start]);
    for (const onsets of map.values()) onsets.sort((a, b) => a - b);
    return map;
  };
  const estimated = byPitch(estimate);
  let matched = 0;
  for (const [pitch, ref] of byPitch(reference)) {
    const est = estimated.get(pitch) ?? [];
    let i = 0;
    let j = 0;
    while (i < ref.length && j < est.length) {
      if (est[j]! < ref[i]! - tolerance) j++;
      else if (est[j]! > ref[i]! + tolerance) i++;
      else {
        matched++;
        i++;
        j++;
      }
    }
  }
  const precision = estimate.length ? matched / estimate.length : 0;
  const recall = reference.length ? matched / reference.length : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, matched };
}

/** Seconds each pitch class sounds, [12] from C. */
export function pitchClassProfile(notes: readonly TimedNote[]): number[] {
  const profile = new Array<number>(12).fill(0);
  for (const n of notes) profile[((n.pitch % 12) + 12) % 12]! += Math.max(0, n.end - n.start);
  return profile;
}

/**
 * Weighted Jaccard distance between the pitch-class profiles of two note lists:
 * 1 − Σ min / Σ max, from 0 (same pitch classes for the same time) to 1 (none shared).
 * Two empty lists are at distance 0.
 */
export function pitchClassDistance(reference: readonly TimedNote[], estimate: readonly TimedNote[]): number {
  const a = pitchClassProfile(reference);
  const b = pitchClassProfile(estimate);
  let low = 0;
  let high = 0;
  for (let k = 0; k < 12; k++) {
    low += Math.min(a[k]!, b[k]!);
    high += Math.max(a[k]!, b[k]!);
  }
  return high > 0 ? 1 - low / high : 0;
}

/** Chroma analysis settings: frequencies outside [fmin, fmax] Hz are ignored (below ~80 Hz a 4096-point FFT at 16 kHz cannot tell semitones apart). */
export interface ChromaOptions {
  nFft?: number;
  hop?: number;
  fmin?: number;
  fmax?: number;
}

/**
 * Chroma of mono audio: the power of each STFT bin added to its nearest pitch class (bins
 * within 0.4 semitones of one),
 * [frames][12] (C first), each frame's vector as computed (not normalised).
 */
export function chroma(samples: Float32Array, sampleRate: number, { nFft = 4096, hop = 512, fmin = 80, fmax = 4200 }: ChromaOptions = {}): number[][] {
  return tidy(() => {
    const bins = nFft / 2 + 1;
    const map = new Float32Array(12 * bins);
    for (let k = 1; k < bins; k++) {
      const f = (k * sampleRate) / nFft;
      if (f < fmin || f > fmax) continue;
      const semitones = 12 * Math.log2(f / 440) + 69;
      // bins between semitones mostly hold the leakage of a neighbour's window: leave them out
      if (Math.abs(semitones - Math.round(semitones)) > 0.4) continue;
      map[(((Math.round(semitones) % 12) + 12) % 12) * bins + k] = 1;
    }
    const power = stft(tensor(samples), { nFft, hop, window: hannWindow(nFft) }).abs().square(); // [bins, frames]
    const c = tensor(map, [12, bins]).matmul(power).transpose(0, 1).contiguous(); // [frames, 12]
    const flat = c.toFloat32Array();
    return Array.from({ length: c.shape[0]! }, (_, t) => Array.from(flat.subarray(t * 12, t * 12 + 12)));
  });
}

/**
 * Mean cosine similarity of the chroma vectors of two clips, frame by frame, over the frames
 * where both clips have energy (above `floor` times their loudest frame): 1 for the same
 * harmony, about 0.3–0.5 for unrelated harmony. The clips are compared over the shorter length.
 * Returns NaN when no frame has energy in both.
 */
export function chromaSimilarity(a: readonly number[][], b: readonly number[][], floor = 1e-3): number {
  const energy = (v: readonly number[]) => v.reduce((s, x) => s + x, 0);
  const loudest = (c: readonly number[][]) => c.reduce((m, v) => Math.max(m, energy(v)), 0);
  const [la, lb] = [loudest(a), loudest(b)];
  let sum = 0;
  let count = 0;
  for (let t = 0; t < Math.min(a.length, b.length); t++) {
    const [u, v] = [a[t]!, b[t]!];
    if (energy(u) <= floor * la || energy(v) <= floor * lb) continue;
    let dot = 0;
    let nu = 0;
    let nv = 0;
    for (let k = 0; k < 12; k++) {
      dot += u[k]! * v[k]!;
      nu += u[k]! * u[k]!;
      nv += v[k]! * v[k]!;
    }
    sum += dot / Math.sqrt(nu * nv);
    count++;
  }
  return count ? sum / count : NaN;
}
