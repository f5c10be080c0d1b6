/**
 * The evaluation run: every system transfers the same test pairs (content tile, style reference,
 * true target; from PairLoader with a fixed seed), and is scored by
 *
 * - ground truth: MSE on [-1, 1] tiles and mel log-spectral distance (dB) to the true target,
 *   on the tiles and again after resynthesis (Griffin-Lim, then the same analysis);
 * - style: the instrument judge's labels (style accuracy = share labelled as the target), on the
 *   tiles and again on every output passed through mst's output path (Griffin-Lim from the
 *   content's phase, a 16-bit clip, the analysis again: what a listener of mst's audio gets), and the
 *   Fréchet distance between the outputs' judge embeddings and those of real renders of the
 *   target instruments (the style references: other clips than the targets);
 * - content: basic-pitch's transcription of the resynthesised output against the notes written
 *   for the tile (found again from the piece and offset), and against the transcription of the
 *   resynthesised content (same vocoder on both sides), note-onset F1 at 50 and 100 ms (over
 *   all clips' notes together, onsets in a tile's first 100 ms left out),
 *   pitch-class distance, and chroma similarity (which needs no transcription). As mst transfer
 *   does, the output's Griffin-Lim starts from the input's phase: here the phase of the
 *   resynthesised content, the only audio of the content a dataset of tiles has, and the
 *   content's clip is resynthesised again from it (`phase`);
 * - cost: seconds per tile and the real-time factor of the transfer alone (resynthesis is
 *   the vocoder's cost, the same for every system).
 */
import { tensor, tidy, keep, cat, type Tensor } from '../engine/index.js';
import { PairLoader, disposeBatch } from '../data/loader.js';
import type { Split } from '../data/build.js';
import { MelFrontEnd } from '../audio/mel.js';
import { synthesise } from '../audio/synthesis.js';
import type { VocoderPhase } from '../audio/vocoder-phase.js';
import { tileSeconds, type AnalysisConfig } from '../audio/config.js';
import type { Judge } from './judge.js';
import type { TransferBatch, TransferSystem } from './baselines.js';
import { gaussianStats, frechetDistance } from './frechet.js';
import { onsetF1, pitchClassDistance, chroma, chromaSimilarity, type TimedNote } from './content.js';
import { WrittenNotes } from './written.js';
import { throughOutputPath, outputPathPhase } from './output-path.js';
import { transcribe, type TranscribedNote } from './transcribe.js';
import type { SeedFigures } from './seed-figures.js';

export interface EvaluationOptions {
  datasetDir: string;
  split?: Split;
  judge: Judge;
  /** The SoundFont of the content (default: the dataset's training font); the held-out one asks for content in a sound the model never read. */
  font?: string;
  /**
   * The SoundFont of the style references and true targets (default: the content's, the
   * training font); the held-out font asks for transfer to a sound the model never heard.
   */
  targetFont?: string;
  /**
   * Draw content and target instruments only among those whose usual range holds the tile's
   * notes, leaving out tiles that no two instruments can play (default true): a flute asked for
   * a 35 Hz bass line plays no flute, and no transcriber hears the notes.
   */
  inRange?: boolean;
  /** Test pairs (tile groups) every system transfers (default 256). */
  groups?: number;
  /** Of those, how many are resynthesised and transcribed (default 48). */
  audioGroups?: number;
  batchSize?: number;
  seed?: number;
  /** Griffin-Lim iterations of the resynthesis (default 32). */
  iterations?: number;
  /**
   * Where the output's resynthesis starts its phase (default 'input', as mst transfer): the
   * resynthesised content's (the content's clip is then resynthesised again from it), or random;
   * likewise the output path of resynthStyleAccuracy, from the content's tiles taken through it.
   */
  phase?: VocoderPhase;
  /** Tiles of each style reference (default 1): the drawn tile and the ones after it in its piece, read as one clip (PairLoaderOptions.referenceTiles). */
  referenceTiles?: number;
  onProgress?: (message: string) => void;
}

/** Figures of one system, over all pairs or one instrument pair. */
export interface Figures {
  tiles: number;
  /** Mean squared error to the true target, [-1, 1] tiles. */
  mse: number;
  /** Mel log-spectral distance to the true target, dB. */
  melLsdDb: number;
  /** Share of outputs the judge labels as the target instrument. */
  styleAccuracy: number;
  /** The same share after the output path (output-path.ts): resynthesised, written as 16-bit, analysed again. */
  resynthStyleAccuracy: number;
  /** Share of outputs the judge labels as the content instrument. */
  contentInstrumentRate: number;
  /**
   * Resynthesised and transcribed clips (the content figures below are over these). Onset F1 is
   * taken over all their notes together, leaving out onsets in a tile's first EDGE_SECONDS.
   */
  clips: number;
  contentF1At50ms: number;
  contentF1At100ms: number;
  /** Onset F1 of the output's transcription against the notes written for the tile (NaN where the score is not found). */
  scoreF1At50ms: number;
  scoreF1At100ms: number;
  pitchClassDistance: number;
  chromaSimilarity: number;
  /** Mel LSD to the true target after resynthesising the output, dB. */
  resynthMelLsdDb: number;
}

export interface SystemReport {
  name: string;
  modelBytes: number;
  overall: Figures & { frechetJudgeDistance: number; secondsPerTile: number; realTimeFactor: number };
  /** By "content→target" instrument pair. */
  pairs: Record<string, Figures>;
  /** By the texture of the content: monophonic lines and polyphonic parts. */
  textures: Record<string, Figures>;
  /** By target instrument. */
  targets: Record<string, Figures>;
  /** By target instrument: how many of its outputs the judge labelled as each instrument (labels it never gave left out). */
  heardAs: Record<string, Record<string, number>>;
  /** For a trained model with its loss network beside it: the seed's own figures (seed-figures.ts). */
  seed?: SeedFigures[];
}

export interface EvaluationReport {
  dataset: string;
  split: Split;
  /** SoundFont of the content, and of the style references and targets. */
  font: string;
  targetFont: string;
  /** Whether pairs were drawn among instruments whose range holds the notes. */
  inRange: boolean;
  tileSeconds: number;
  groups: number;
  /** Dataset shards (a piece at one transposition) the content tiles came from: the spread of the pairs. */
  shards: number;
  audioGroups: number;
  /** Griffin-Lim iterations of every resynthesis, and where the outputs' started their phase (EvaluationOptions). */
  iterations: number;
  phase: VocoderPhase;
  /** Tiles of each style reference (EvaluationOptions). */
  referenceTiles: number;
  judge: { instruments: string[] };
  /**
   * The judge's accuracy on the true target renders of the same pairs, overall, by pair and by target: the
   * ceiling of every style accuracy (a judge that misses true targets cannot credit a transfer).
   */
  judgeOnTargets: { overall: number; pairs: Record<string, number>; targets: Record<string, number> };
  systems: SystemReport[];
  peakRssBytes: number;
}

/** Note counts of one clip's onset match, summed over clips before F1 is taken. */
interface OnsetCounts {
  matched: number;
  reference: number;
  estimate: number;
}

/** F1 over all notes of all clips (a clip with two notes weighs less than one with twenty). */
function pooledF1(counts: OnsetCounts[]): number {
  const sum = (key: keyof OnsetCounts) => counts.reduce((s, c) => s + c[key], 0);
  const total = sum('reference') + sum('estimate');
  return total > 0 ? (2 * sum('matched')) / total : NaN;
}

/**
 * Notes that start within this many seconds of a tile's start are left out on both sides: they
 * mostly continue from before the tile, and whether a transcriber hears an onset there depends on
 * whether the instrument sustains, not on the notes.
 */
export const EDGE_SECONDS = 0.1;

function onsetCounts(reference: readonly TimedNote[], estimate: readonly TimedNote[], tolerance: number): OnsetCounts {
  const inside = (notes: readonly TimedNote[]) => notes.filter((n) => n.start >= EDGE_SECONDS);
  const [r, e] = [inside(reference), inside(estimate)];
  return { matched: onsetF1(r, e, tolerance).matched, reference: r.length, estimate: e.length };
}

/** Per-item measurements, aggregated later by pair, texture and target. */
interface ItemScore {
  pair: string;
  target: string;
  /** The judge's label of the output tile. */
  label: string;
  texture: string;
  mse: number;
  lsd: number;
  styleHit: number;
  resynthStyleHit: number;
  contentHit: number;
  audio: { at50: OnsetCounts; at100: OnsetCounts; scoreAt50: OnsetCounts | null; scoreAt100: OnsetCounts | null; pitchClass: number; chroma: number; resynthLsd: number } | null;
}

/** By target instrument (sorted): how many outputs the judge gave each label. */
function countLabels(items: readonly ItemScore[]): Record<string, Record<string, number>> {
  const counts: Record<string, Record<string, number>> = {};
  for (const { target, label } of [...items].sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0))) {
    const row = (counts[target] ??= {});
    row[label] = (row[label] ?? 0) + 1;
  }
  return counts;
}

/** Mean of a finite-valued field (NaN entries skipped). */
function meanOf(values: number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN;
}

function aggregate(items: ItemScore[]): Figures {
  const audio = items.flatMap((i) => (i.audio ? [i.audio] : []));
  return {
    tiles: items.length,
    mse: meanOf(items.map((i) => i.mse)),
    melLsdDb: meanOf(items.map((i) => i.lsd)),
    styleAccuracy: meanOf(items.map((i) => i.styleHit)),
    resynthStyleAccuracy: meanOf(items.map((i) => i.resynthStyleHit)),
    contentInstrumentRate: meanOf(items.map((i) => i.contentHit)),
    clips: audio.length,
    contentF1At50ms: pooledF1(audio.map((a) => a.at50)),
    contentF1At100ms: pooledF1(audio.map((a) => a.at100)),
    scoreF1At50ms: pooledF1(audio.flatMap((a) => (a.scoreAt50 ? [a.scoreAt50] : []))),
    scoreF1At100ms: pooledF1(audio.flatMap((a) => (a.scoreAt100 ? [a.scoreAt100] : []))),
    pitchClassDistance: meanOf(audio.map((a) => a.pitchClass)),
    chromaSimilarity: meanOf(audio.map((a) => a.chroma)),
    resynthMelLsdDb: meanOf(audio.map((a) => a.resynthLsd)),
  };
}

/** Per tile: MSE and mel LSD (dB) between tiles [B, 1, M, T] → two arrays of B numbers. */
export function tileDistances(output: Tensor, target: Tensor, config: AnalysisConfig): { mse: number[]; lsdDb: number[] } {
  return tidy(() => {
    const diff = output.sub(target);
    const mse = diff.square().mean([1, 2, 3]).toArray();
    const dbPerUnit = (config.maxDb - config.minDb) / 2;
    const lsdDb = diff.mul(dbPerUnit).square().mean([2]).sqrt().mean([1, 2]).toArray(); // mean over frames of the RMS over bands
    return { mse, lsdDb };
  });
}

interface HeldBatch extends TransferBatch {
  contentInstrument: string[];
  source: { file: string; group: number }[];
}

/**
 * The loader's window for evaluation: every shard of the split at once (about 1 GB for the full
 * dataset's test split), so that the first `groups` pairs are drawn from every piece rather than
 * from the few shards a training-sized window holds.
 */
export const EVERY_SHARD = Number.MAX_SAFE_INTEGER;

export async function evaluate(systems: TransferSystem[], options: EvaluationOptions): Promise<EvaluationReport> {
  const { datasetDir, split = 'test', judge, groups = 256, audioGroups = 48, batchSize = 16, seed = 0, iterations = 32, phase = 'input', referenceTiles = 1 } = options;
  const say = options.onProgress ?? (() => {});
  const inRange = options.inRange ?? true;
  const loader = new PairLoader(datasetDir, { split, batchSize, seed, keepLast: true, window: EVERY_SHARD, referenceTiles, inRange: inRange ? 'strict' : false, ...(options.font ? { font: options.font } : {}), ...(options.targetFont ? { targetFont: options.targetFont } : {}) });
  const config = loader.manifest.config.analysis;
  const frontEnd = new MelFrontEnd(config);
  const instruments = judge.config.instruments;
  const textureOf = new Map(loader.manifest.shards.map((s) => [s.file, s.texture]));

  // the same pairs for every system
  const batches: HeldBatch[] = [];
  let held = 0;
  for await (const batch of loader.epoch(0)) {
    const take = Math.min(batch.content.shape[0]!, groups - held);
    const cut = (t: Tensor, tilesPerItem = 1) => keep(t.slice(0, 0, take * tilesPerItem));
    batches.push({
      content: cut(batch.content),
      style: cut(batch.style, referenceTiles),
      referenceTiles,
      target: cut(batch.target),
      contentInstrument: batch.contentInstrument.slice(0, take),
      targetInstrument: batch.targetInstrument.slice(0, take),
      source: batch.source.slice(0, take),
    });
    held += take;
    disposeBatch(batch);
    if (held >= groups) break; // the loader frees the shards it still holds
  }
  const shards = new Set(batches.flatMap((b) => b.source.map((s) => s.file))).size;
  say(`${held} ${split} pairs from ${shards} shards of ${datasetDir}`);

  const resynthesise = (tile: Tensor, startPhase: Tensor | null = null) => synthesise(frontEnd, tile.reshape(config.nMels, config.tileFrames), { iterations, phase: startPhase });
  // the reference side, once: content audio, its phase and its notes; judge embeddings of real target-instrument renders
  const written = new WrittenNotes(loader.manifest);
  const contentAudio: { notes: TranscribedNote[]; chroma: number[][]; written: TimedNote[] | null; phase: Tensor | null }[] = [];
  let index = 0;
  for (const b of batches) {
    for (let i = 0; i < b.content.shape[0]! && index < audioGroups; i++, index++) {
      let samples = tidy(() => resynthesise(b.content.select(0, i)));
      const { file, group } = b.source[i]!;
      const contentPhase = phase === 'input' ? keep(tidy(() => frontEnd.phase(tensor(samples)))) : null; // [nFreqs, tileFrames]
      if (contentPhase) samples = tidy(() => resynthesise(b.content.select(0, i), contentPhase)); // the same vocoder on both sides: the content too starts from its phase
      contentAudio.push({ notes: await transcribe(samples, config.sampleRate), chroma: chroma(samples, config.sampleRate), written: written.ofTile(file, group), phase: contentPhase });
    }
  }
  // real renders of the targets' instruments: each reference's first tile, the same clips whatever referenceTiles
  const realStats = tidy(() => gaussianStats(cat(batches.map((b) => judge.forward(b.style.slice(0, 0, b.style.shape[0]!, referenceTiles)).embedding), 0)));
  const targetHits: { pair: string; target: string; hit: number }[] = []; // 1 where the judge names a true target's instrument
  for (const b of batches) {
    judge.predict(b.target).forEach((label, i) => {
      targetHits.push({ pair: `${b.contentInstrument[i]}→${b.targetInstrument[i]}`, target: b.targetInstrument[i]!, hit: label === b.targetInstrument[i] ? 1 : 0 });
    });
  }
  /** The hits' mean by key, keys sorted. */
  const meanHitsBy = (key: (h: (typeof targetHits)[number]) => string) => {
    const groups = new Map<string, number[]>();
    for (const h of targetHits) groups.set(key(h), [...(groups.get(key(h)) ?? []), h.hit]);
    return Object.fromEntries([...groups].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, hits]) => [name, meanOf(hits)]));
  };
  const judgeOnTargets = { overall: meanOf(targetHits.map((h) => h.hit)), pairs: meanHitsBy((h) => h.pair), targets: meanHitsBy((h) => h.target) };
  // where each batch's output path starts: the phase of its content tiles taken through that path
  const pathPhases = batches.map((b) => (phase === 'input' ? keep(outputPathPhase(frontEnd, b.content, iterations)) : null));
  say(`reference: ${contentAudio.length} content clips transcribed`);

  const reports: SystemReport[] = [];
  for (const system of systems) {
    const items: ItemScore[] = [];
    const embeddings: Tensor[] = [];
    let transferSeconds = 0;
    let audioIndex = 0;
    for (const [k, b] of batches.entries()) {
      const started = performance.now();
      const output = keep(system.transfer(b));
      transferSeconds += (performance.now() - started) / 1000;
      const { mse, lsdDb } = tileDistances(output, b.target, config);
      const labels = tidy(() => {
        const { logits, embedding } = judge.forward(output);
        embeddings.push(keep(embedding));
        return logits.argmax(1).toArray().map((k) => instruments[k]!);
      });
      const heard = tidy(() => judge.predict(throughOutputPath(frontEnd, output, iterations, pathPhases[k])));
      for (let i = 0; i < output.shape[0]!; i++) {
        let audio: ItemScore['audio'] = null;
        if (audioIndex < contentAudio.length) {
          const reference = contentAudio[audioIndex++]!;
          const samples = tidy(() => resynthesise(output.select(0, i), reference.phase));
          const notes = await transcribe(samples, config.sampleRate);
          const resynthLsd = tidy(() => {
            const again = frontEnd.logMel(tensor(samples)).unsqueeze(0).unsqueeze(0); // [1, 1, nMels, frames]
            const frames = Math.min(again.shape[3]!, config.tileFrames);
            return tileDistances(again.slice(3, 0, frames), b.target.select(0, i).unsqueeze(0).slice(3, 0, frames), config).lsdDb[0]!;
          });
          audio = {
            at50: onsetCounts(reference.notes, notes, 0.05),
            at100: onsetCounts(reference.notes, notes, 0.1),
            scoreAt50: reference.written ? onsetCounts(reference.written, notes, 0.05) : null,
            scoreAt100: reference.written ? onsetCounts(reference.written, notes, 0.1) : null,
            pitchClass: pitchClassDistance(reference.notes, notes),
            chroma: chromaSimilarity(reference.chroma, chroma(samples, config.sampleRate)),
            resynthLsd,
          };
        }
        items.push({
          pair: `${b.contentInstrument[i]}→${b.targetInstrument[i]}`,
          target: b.targetInstrument[i]!,
          label: labels[i]!,
          texture: textureOf.get(b.source[i]!.file) ?? 'unknown',
          mse: mse[i]!,
          lsd: lsdDb[i]!,
          styleHit: labels[i] === b.targetInstrument[i] ? 1 : 0,
          resynthStyleHit: heard[i] === b.targetInstrument[i] ? 1 : 0,
          contentHit: labels[i] === b.contentInstrument[i] ? 1 : 0,
          audio,
        });
      }
      output.dispose();
    }
    const frechet = tidy(() => frechetDistance(gaussianStats(cat(embeddings, 0)), realStats));
    for (const e of embeddings) e.dispose();
    const groupBy = (key: (item: ItemScore) => string) => {
      const groups = new Map<string, ItemScore[]>();
      for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
      return Object.fromEntries([...groups].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, list]) => [name, aggregate(list)]));
    };
    const secondsPerTile = transferSeconds / items.length;
    reports.push({
      name: system.name,
      modelBytes: system.modelBytes,
      overall: { ...aggregate(items), frechetJudgeDistance: frechet, secondsPerTile, realTimeFactor: tileSeconds(config) / secondsPerTile },
      pairs: groupBy((i) => i.pair),
      textures: groupBy((i) => i.texture),
      targets: groupBy((i) => i.target),
      heardAs: countLabels(items),
    });
    say(`${system.name}: done`);
  }
  for (const b of batches) disposeBatch(b);
  for (const clip of contentAudio) clip.phase?.dispose();
  for (const p of pathPhases) p?.dispose();
  return {
    dataset: datasetDir,
    split,
    font: loader.font,
    targetFont: loader.targetFont,
    inRange,
    tileSeconds: tileSeconds(config),
    groups: held,
    shards,
    audioGroups: contentAudio.length,
    iterations,
    phase,
    referenceTiles,
    judge: { instruments },
    judgeOnTargets,
    systems: reports,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}
