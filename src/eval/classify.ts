/**
 * What the instrument judge hears in a recording of any length and any format mst reads: the
 * recording is brought to what the judge was trained on — mono at the analysis rate, loudness
 * normalised as the dataset's renders were, log-mel tiles — and the judge's probabilities are
 * averaged over the tiles that are not silent.
 */
import { tensor, tidy, inferenceMode, cat, type Tensor } from '../engine/index.js';
import { DEFAULT_ANALYSIS, type AnalysisConfig } from '../audio/config.js';
import { MelFrontEnd } from '../audio/mel.js';
import { toTiles } from '../audio/tiles.js';
import { readAudio } from '../audio/decode.js';
import { normaliseLoudness } from '../data/render.js';
import { DATASET_CONFIGS } from '../data/config.js';
import type { Judge } from './judge.js';

export interface Classification {
  /** The most probable instrument. */
  instrument: string;
  /** Each instrument's probability, the mean over the sounding tiles (they sum to 1). */
  probabilities: Record<string, number>;
  /** Tiles that sounded (were judged) of all tiles. */
  tiles: { judged: number; total: number };
}

/** A tile sounds when some bin rises above this normalised level (the dataset's, ≈ −80 dB). */
const SILENCE_LEVEL = DATASET_CONFIGS.full.silenceLevel;
/** Tiles per forward pass of the judge. */
const BATCH = 64;

/** The judge's verdict on tiles [n, 1, nMels, tileFrames] in [-1, 1]; null when every tile is silent. */
export function classifyTiles(judge: Judge, tiles: Tensor): Classification | null {
  const instruments = judge.config.instruments;
  const total = tiles.shape[0]!;
  const summed = inferenceMode(() => tidy(() => {
    const sounding = tiles.amax([1, 2, 3]).gt(SILENCE_LEVEL).toArray(); // 1 where the tile sounds
    const kept = sounding.flatMap((s, i) => (s ? [i] : []));
    if (kept.length === 0) return null;
    const sums: Tensor[] = [];
    for (let start = 0; start < kept.length; start += BATCH) {
      const index = tensor(new BigInt64Array(kept.slice(start, start + BATCH).map(BigInt)));
      sums.push(judge.forward(tiles.indexSelect(0, index)).logits.softmax(1).sum([0], true));
    }
    return { probabilities: cat(sums, 0).sum([0]).div(kept.length).toFloat32Array(), judged: kept.length };
  }));
  if (summed === null) return null;
  const probabilities = Object.fromEntries(instruments.map((name, i) => [name, summed.probabilities[i]!]));
  const best = instruments.reduce((a, b) => (probabilities[b]! > probabilities[a]! ? b : a));
  return { instrument: best, probabilities, tiles: { judged: summed.judged, total } };
}

/** The judge's verdict on an audio file; a file that is silent throughout is refused by name. */
export async function classifyFile(judge: Judge, path: string, analysis: AnalysisConfig = DEFAULT_ANALYSIS): Promise<Classification> {
  const samples = await readAudio(path, { sampleRate: analysis.sampleRate });
  const normalised = normaliseLoudness(samples, analysis.sampleRate, DATASET_CONFIGS.full.loudnessDb);
  const frontEnd = new MelFrontEnd(analysis);
  try {
    const verdict = tidy(() => classifyTiles(judge, toTiles(frontEnd.logMel(tensor(normalised)), analysis)));
    if (verdict === null) throw new RangeError(`${path}: silent throughout; there is nothing for the judge to hear`);
    return verdict;
  } finally {
    frontEnd.dispose();
  }
}
