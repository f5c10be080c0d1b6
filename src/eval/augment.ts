/**
 * What the instrument judge must hear past, applied to log-mel tiles [B, 1, M, T] in [-1, 1]
 * (the analysis's dB range mapped linearly): what differs between sound sets besides the
 * instrument (the spectrum's colour and a small shift along the mel axis), loudness, a room (a
 * short synthetic reverberant tail), and background noise. Room and noise act on power, not on
 * the log scale, so a tail or a noise floor adds to the sound as it would in the air.
 * Every random draw comes from the engine's seeded generator.
 */
import { tensor, tidy, rand, cat, where, F, type Tensor } from '../engine/index.js';
import { DEFAULT_ANALYSIS, type AnalysisConfig } from '../audio/config.js';

/** Bins at or below this normalised level count as silent (−1 is the analysis's floor). */
const SOUNDING = -0.95;

/** Per-item uniform draws in [low, high), [B]. */
const uniform = (b: number, low: number, high: number) => rand([b]).mul(high - low).add(low);

/** The sound sets' differences in colour: a smooth random EQ and a shift along the mel axis. */
export interface Recolouring {
  /** Cosines over the mel axis (periods of 2M, M, 2M/3, … bands), each with a gain of up to ±eqDb. */
  eqComponents: number;
  eqDb: number;
  /** The most mel bands the whole tile moves up or down. */
  bandShift: number;
}

export const RECOLOURING: Recolouring = { eqComponents: 3, eqDb: 4, bandShift: 2 };

/**
 * The colour of the spectrum (a random smooth EQ on the sounding bins) and a small shift along
 * the mel axis, as sound sets differ.
 */
export function recolour(tiles: Tensor, settings: Recolouring = RECOLOURING, analysis: AnalysisConfig = DEFAULT_ANALYSIS): Tensor {
  return tidy(() => {
    const [b, , m] = tiles.shape as [number, number, number, number];
    const { eqComponents, bandShift } = settings;
    const eqUnits = (2 * settings.eqDb) / (analysis.maxDb - analysis.minDb);
    const basis = tensor(Float32Array.from({ length: eqComponents * m }, (_, i) => {
      const [k, band] = [Math.floor(i / m) + 1, i % m];
      return Math.cos((Math.PI * k * (band + 0.5)) / m);
    }), [eqComponents, m]);
    const gains = rand([b, eqComponents]).mul(2 * eqUnits).sub(eqUnits).matmul(basis); // [B, M]
    const coloured = where(tiles.gt(SOUNDING), tiles.add(gains.unsqueeze(1).unsqueeze(3)).clamp(-1, 1), tiles);
    const shift = Math.floor(rand([1]).item() * (2 * bandShift + 1)) - bandShift;
    if (shift === 0) return coloured;
    const floor = coloured.slice(2, 0, Math.abs(shift)).mul(0).sub(1); // silent bands fill the gap
    return shift > 0 ? cat([floor, coloured.slice(2, 0, m - shift)], 2) : cat([coloured.slice(2, -shift, m), floor], 2);
  });
}

/** The sounding bins of each item raised by `gainDb` [B] (silence stays silent). */
export function changeLevel(tiles: Tensor, gainDb: Tensor, analysis: AnalysisConfig = DEFAULT_ANALYSIS): Tensor {
  return tidy(() => {
    const units = gainDb.mul(2 / (analysis.maxDb - analysis.minDb)).reshape([-1, 1, 1, 1]);
    return where(tiles.gt(SOUNDING), tiles.add(units).clamp(-1, 1), tiles);
  });
}

/** Tiles → power above the analysis's floor (so that the floor, silence, is 0), and back. */
function toPower(tiles: Tensor, analysis: AnalysisConfig): Tensor {
  const db = tiles.add(1).mul((analysis.maxDb - analysis.minDb) / 2).add(analysis.minDb);
  return db.mul(Math.LN10 / 10).exp().sub(10 ** (analysis.minDb / 10)).clamp(0);
}
function fromPower(power: Tensor, analysis: AnalysisConfig): Tensor {
  const db = power.add(10 ** (analysis.minDb / 10)).log().mul(10 / Math.LN10);
  return db.sub(analysis.minDb).mul(2 / (analysis.maxDb - analysis.minDb)).sub(1).clamp(-1, 1);
}

/**
 * A room: each item's power is smeared forward in time by an exponential tail that falls 60 dB in
 * `rt60` [B] seconds, `wetDb` [B] below the direct sound at its start (a diffuse late reverb,
 * the same in every band). The tail is `tailFrames` long.
 */
export function addRoom(tiles: Tensor, rt60: Tensor, wetDb: Tensor, analysis: AnalysisConfig = DEFAULT_ANALYSIS, tailFrames = 64): Tensor {
  return tidy(() => {
    const [b, , m, t] = tiles.shape as [number, number, number, number];
    const frameSeconds = analysis.hop / analysis.sampleRate;
    const lags = tensor(Float32Array.from({ length: tailFrames + 1 }, (_, j) => tailFrames - j)); // the kernel reversed: lag K … 0
    // weight[lag] = 10^(wet/10)·10^(−6·lag·frame/rt60) for lag ≥ 1, and 1 for the direct sound
    const decay = lags.unsqueeze(0).mul(frameSeconds).div(rt60.unsqueeze(1)).mul(-6 * Math.LN10); // [B, K+1]
    const wet = wetDb.unsqueeze(1).mul(Math.LN10 / 10);
    const weights = where(lags.eq(0).unsqueeze(0), 1, decay.add(wet).exp()).reshape([b, 1, 1, tailFrames + 1]);
    const power = toPower(tiles, analysis).reshape([1, b, m, t]);
    const padded = F.pad(power, [tailFrames, 0]); // silence before the tile
    const smeared = F.conv2d(padded, weights, null, { groups: b }).reshape([b, 1, m, t]);
    return fromPower(smeared, analysis);
  });
}

/**
 * Background noise, `snrDb` [B] below each item's mean power over its sounding bins: a spectrum
 * tilted by a random slope (from flat to falling 12 dB over the mel axis), fluctuating from
 * frame to frame and bin to bin as noise power does (exponentially distributed).
 */
export function addNoise(tiles: Tensor, snrDb: Tensor, analysis: AnalysisConfig = DEFAULT_ANALYSIS): Tensor {
  return tidy(() => {
    const [b, , m, t] = tiles.shape as [number, number, number, number];
    const power = toPower(tiles, analysis);
    const sounding = tiles.gt(SOUNDING).float();
    const signal = power.mul(sounding).sum([1, 2, 3]).div(sounding.sum([1, 2, 3]).clamp(1)); // [B]
    const bands = tensor(Float32Array.from({ length: m }, (_, i) => i / (m - 1))); // 0 … 1 over the mel axis
    const tilt = uniform(b, -12, 0).unsqueeze(1).mul(bands.unsqueeze(0)).mul(Math.LN10 / 10).exp(); // [B, M], mean below 1
    const shape = tilt.div(tilt.mean([1], true)).reshape([b, 1, m, 1]);
    const fluctuation = rand([b, 1, m, t]).clamp(1e-6).log().neg(); // exponential, mean 1
    const level = signal.mul(snrDb.mul(-Math.LN10 / 10).exp()).reshape([b, 1, 1, 1]);
    return fromPower(power.add(shape.mul(fluctuation).mul(level)), analysis);
  });
}

export interface JudgeAugmentation {
  recolouring: Recolouring;
  /** Level change range, dB (±). */
  levelDb: number;
  /** Share of items given a room, its RT60 range (s) and level below the direct sound (dB). */
  roomShare: number;
  rt60: [number, number];
  wetDb: [number, number];
  /** Share of items given background noise, and its signal-to-noise range (dB). */
  noiseShare: number;
  snrDb: [number, number];
}

export const JUDGE_AUGMENTATION: JudgeAugmentation = { recolouring: RECOLOURING, levelDb: 6, roomShare: 0.5, rt60: [0.2, 1.5], wetDb: [-18, -6], noiseShare: 0.5, snrDb: [15, 45] };

/** The judge's training view of tiles: recoloured, a level, and for a share of items a room and noise. */
export function augmentForJudge(tiles: Tensor, settings: JudgeAugmentation = JUDGE_AUGMENTATION, analysis: AnalysisConfig = DEFAULT_ANALYSIS): Tensor {
  return tidy(() => {
    const b = tiles.shape[0]!;
    let out = changeLevel(recolour(tiles, settings.recolouring, analysis), uniform(b, -settings.levelDb, settings.levelDb), analysis);
    // an item without a room gets a wet level far below audibility, one without noise an SNR far above it
    const roomed = rand([b]).lt(settings.roomShare);
    out = addRoom(out, uniform(b, ...settings.rt60), where(roomed, uniform(b, ...settings.wetDb), -200), analysis);
    const noisy = rand([b]).lt(settings.noiseShare);
    return addNoise(out, where(noisy, uniform(b, ...settings.snrDb), 200), analysis);
  });
}

/** The augmentation in words, for the judge's card. */
export function describeAugmentation(s: JudgeAugmentation = JUDGE_AUGMENTATION): string {
  const { eqComponents, eqDb, bandShift } = s.recolouring;
  return `random EQ (${eqComponents} cosines over the mel axis, ±${eqDb} dB each), mel shift ±${bandShift} bands, level ±${s.levelDb} dB; ` +
    `a room for ${s.roomShare * 100}% of tiles (RT60 ${s.rt60[0]}–${s.rt60[1]} s, tail ${-s.wetDb[1]}–${-s.wetDb[0]} dB below the direct sound); ` +
    `background noise for ${s.noiseShare * 100}% (SNR ${s.snrDb[0]}–${s.snrDb[1]} dB, spectral tilt 0 to −12 dB)`;
}
