/**
 * Building the paired dataset: every piece (at every transposition) is rendered by every
 * instrument with the training SoundFont and the held-out one, cut to the same length, loudness
 * normalised, analysed and tiled — so tile k holds the same notes in every instrument. Tile
 * groups where every instrument is near-silent are dropped (the same k for all).
 *
 * Output, one shard per piece and transposition, written atomically (a killed build resumes by
 * skipping the shards that exist):
 *   <out>/shards/<split>/<piece>~t<semitones>.safetensors
 *     tensors  <font>: float16 [groups, instruments, nMels, tileFrames] (the held-out font only at
 *              heldOutTranspositions, for every validation and test piece and a share of training)
 *     metadata "mst.shard": JSON ShardInfo (piece, source, licence, split, offsets, pitch ranges …)
 *   <out>/manifest.json  (built from the shards' headers every couple of minutes while the build
 *                        runs and when a signal stops it, with complete: false, so that
 *                        training can start on the pieces built so far; and at the end, with
 *                        complete: true)
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import pLimit, { type LimitFunction } from 'p-limit';
import { tensor, tidy, stack, saveSafetensors, readSafetensorsHeader, writeFileAtomic, getNumThreads, setNumThreads, type Tensor } from '../engine/index.js';
import { MelFrontEnd } from '../audio/mel.js';
import { toTiles } from '../audio/tiles.js';
import { tileSeconds } from '../audio/config.js';
import { transpose, notesOf, type Score } from './midi.js';
import { renderPrograms, normaliseLoudness } from './render.js';
import { instrument } from './instruments.js';
import { programsOf } from './fonts.js';
import { ensureLmmsFont, LMMS_FONT } from './lmms.js';
import { discoverPieces, generatedPieces, MIDI_SOURCES, type Piece, type Texture } from './sources.js';
import { checkDatasetConfig, type DatasetConfig } from './config.js';

export type Split = 'train' | 'validation' | 'test';
export const SHARD_KEY = 'mst.shard';

export interface ShardInfo {
  piece: string;
  source: string;
  licence: string;
  texture: Texture;
  split: Split;
  transposition: number;
  instruments: string[];
  /** With programVariants, the program each instrument played (instruments.ts, kin). */
  programs?: number[];
  fonts: string[];
  /** Start of each kept tile group, seconds into the piece. */
  offsets: number[];
  /** Lowest and highest MIDI note sounding in each tile ([-1, -1] for none). */
  pitchRanges: [number, number][];
}

export interface Manifest {
  config: DatasetConfig;
  shards: (ShardInfo & { file: string; groups: number })[];
  /** False while a build is writing the dataset (or after one was stopped): the shards are those built so far. Absent in manifests written before it existed: complete. */
  complete?: boolean;
  /** A subset's (subset.ts): the dataset whose shards it names, its first training pieces kept, and whether that dataset was complete then. */
  subsetOf?: { dataset: string; trainingPieces: number; sourceComplete: boolean };
  /** A joined dataset's (join.ts): the dataset whose every split it keeps, and those whose training shards it adds. */
  joinOf?: { dataset: string; added: string[] };
}

/** Seconds between the manifests a build writes along the way. */
const MANIFEST_EVERY_SECONDS = 120;

/** The file a piece comes from (its id without `#tune` or `#melody`): every piece of one file sits in one split. */
export function fileOfPiece(pieceId: string): string {
  return pieceId.replace(/#.*$/, '');
}

/**
 * The split of a piece, from a hash of the seed and the piece's name: a melody line and every
 * transposition stay with their piece, so no music appears in two splits.
 */
export function splitOf(pieceId: string, config: DatasetConfig): Split {
  const u = hashUnit(`${config.seed}:${fileOfPiece(pieceId)}`);
  return u < config.testShare ? 'test' : u < config.testShare + config.validationShare ? 'validation' : 'train';
}

/** A number in [0, 1) fixed by `text`. */
function hashUnit(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * The program that plays `name` in a piece: its own, or with programVariants one of its kin that
 * the training set defines (`available`), fixed by the seed and the piece's name.
 */
export function programOf(name: string, pieceId: string, config: DatasetConfig, available: ReadonlySet<number>): number {
  const { program, kin } = instrument(name);
  if (!config.programVariants) return program;
  const choices = kin.filter((p) => available.has(p));
  return choices.length ? choices[Math.floor(hashUnit(`${config.seed}:program:${name}:${pieceId}`) * choices.length)]! : program;
}

/** Whether a job is also rendered with the held-out SoundFont. */
function wantsHeldOut(pieceId: string, transposition: number, split: Split, config: DatasetConfig): boolean {
  if (!config.heldOutTranspositions.includes(transposition)) return false;
  return split !== 'train' || hashUnit(`${config.seed}:held-out:${fileOfPiece(pieceId)}`) < config.heldOutTrainShare;
}

const fileNameOf = (piece: string, transposition: number) => `${piece.replace(/[^A-Za-z0-9_.#-]+/g, '_').replace('#', '+')}~t${transposition}.safetensors`;

/** All pieces a config asks for, sorted by id. */
export function piecesOf(config: DatasetConfig, log: (message: string) => void = () => {}): Piece[] {
  const sources = MIDI_SOURCES.filter((s) => config.sources.includes(s.name));
  return [
    ...discoverPieces(sources, log, config.maxFilesPerSource ?? Infinity, config.maxPieceSeconds ?? Infinity),
    ...generatedPieces(config.phrasesPerRegister, config.seed, config.phraseBeats),
  ];
}

/** Rendered clips of one piece at one transposition: per font, one clip per instrument. */
interface Rendered {
  train: Float32Array[];
  heldOut: Float32Array[] | null;
}

/** FluidSynth processes a build keeps running at once: one per core. */
const RENDER_PROCESSES = availableParallelism();

/** Jobs rendered ahead of the one being analysed, so that a free core always has a run to start. */
const RENDER_AHEAD = 2;

/**
 * Renders every instrument with the training font (and the held-out one where asked). Each font's
 * instruments are split into RENDER_PROCESSES FluidSynth runs, queued on `limit`, which a build
 * shares between the jobs it renders ahead.
 */
async function renderJob(piece: Piece, score: Score, withHeldOut: boolean, config: DatasetConfig, available: ReadonlySet<number>, limit: LimitFunction): Promise<Rendered> {
  const seconds = piece.seconds + 0.5; // the last release rings for half a second
  const programs = config.instruments.map((name) => programOf(name, piece.id, config, available));
  const size = Math.ceil(programs.length / RENDER_PROCESSES);
  const parts = Array.from({ length: Math.ceil(programs.length / size) }, (_, i) => programs.slice(i * size, (i + 1) * size));
  const renderFont = async (soundfont: string) => {
    const options = { sampleRate: config.analysis.sampleRate, synthRate: config.synthRate, soundfont };
    return (await Promise.all(parts.map((part) => limit(() => renderPrograms(score, part, seconds, options))))).flat();
  };
  const [train, heldOut] = await Promise.all([renderFont(config.trainFont.path), withHeldOut ? renderFont(config.heldOutFont.path) : null]);
  return { train, heldOut };
}

/** Loudness-normalised clips → tiles [groups, instruments, nMels, tileFrames], `tileStep` frames apart. */
function tilesOf(clips: Float32Array[], config: DatasetConfig, frontEnd: MelFrontEnd): Tensor {
  const { sampleRate, tileFrames } = config.analysis;
  const tiling = { ...config.analysis, tileOverlap: tileFrames - config.tileStep };
  return tidy(() =>
    stack(clips.map((clip) => toTiles(frontEnd.logMel(tensor(normaliseLoudness(clip, sampleRate, config.loudnessDb))), tiling).squeeze(1)), 1),
  );
}

/**
 * Builds the dataset into `outDir`, resuming where a previous build stopped. `hooks.splits`
 * builds only those splits now (the evaluation's before the long training split, say); the
 * manifest then lists what is built, and the same command without it builds the rest. Every
 * `hooks.manifestEverySeconds` (120 by default) the manifest is rewritten with the shards built
 * so far and complete: false, so a training run may start before the build ends.
 */
export async function buildDataset(
  outDir: string,
  config: DatasetConfig,
  hooks: { log?: (message: string) => void; onPiece?: (done: number, total: number, piece: string) => void; splits?: readonly Split[]; manifestEverySeconds?: number } = {},
): Promise<Manifest> {
  checkDatasetConfig(config);
  const log = hooks.log ?? (() => {});
  if (config.trainFont.path === LMMS_FONT || config.heldOutFont.path === LMMS_FONT) await ensureLmmsFont(); // built on this machine, once
  mkdirSync(join(outDir, 'shards'), { recursive: true });
  writeFileAtomic(join(outDir, 'config.json'), [Buffer.from(JSON.stringify(config, null, 2) + '\n')]);
  const pieces = piecesOf(config, log);
  const available = config.programVariants ? programsOf(config.trainFont) : new Set<number>();
  const frontEnd = new MelFrontEnd(config.analysis);
  const step = (config.tileStep * config.analysis.hop) / config.analysis.sampleRate;
  const jobs = pieces
    .flatMap((piece) => config.transpositions.map((transposition) => ({ piece, transposition, split: splitOf(piece.id, config), score: transpose(piece.score, transposition) })))
    .map((job) => ({ ...job, file: join(outDir, 'shards', job.split, fileNameOf(job.piece.id, job.transposition)) }))
    .filter((job) => !existsSync(job.file)) // shards that exist were built before an interruption
    .filter((job) => !hooks.splits || hooks.splits.includes(job.split));
  const total = jobs.length;
  // FluidSynth renders the next jobs in its own processes while this one is analysed
  const limit = pLimit(RENDER_PROCESSES);
  const start = (i: number) => {
    const job = jobs[i];
    return job ? renderJob(job.piece, job.score, wantsHeldOut(job.piece.id, job.transposition, job.split, config), config, available, limit).catch((error: Error) => error) : null;
  };
  const ahead = Array.from({ length: RENDER_AHEAD }, (_, i) => start(i));
  // FluidSynth keeps every core busy; libtorch's worker threads would only spin-wait beside it
  // (30% more CPU for the same build), so the analysis here runs on this thread alone
  const threads = getNumThreads();
  setNumThreads(1);
  const manifestEvery = 1000 * (hooks.manifestEverySeconds ?? MANIFEST_EVERY_SECONDS);
  let manifestWritten = Date.now();
  // a build stopped by a signal (the CLI exits from its handler) leaves the manifest of every shard
  // it wrote, not of those written by the last periodic rewrite; shards are written atomically
  const listBuilt = () => void writeManifest(outDir, config, { complete: false });
  process.once('exit', listBuilt);
  try {
    for (const [done, { piece, transposition, split, file, score }] of jobs.entries()) {
      hooks.onPiece?.(done, total, piece.id);
      const rendered = await ahead.shift()!;
      ahead.push(start(done + RENDER_AHEAD));
      if (rendered instanceof Error) {
        if (rendered.name === 'RenderError') throw rendered; // the synthesizer or a font is missing: stop
        log(`skipping ${piece.id} (transposition ${transposition}): ${rendered.message}`);
        continue;
      }
      mkdirSync(join(outDir, 'shards', split), { recursive: true });
      const train = tilesOf(rendered.train, config, frontEnd);
      const heldOut = rendered.heldOut ? tilesOf(rendered.heldOut, config, frontEnd) : null;
      const notes = notesOf(score);
      const loudest = tidy(() => train.amax([1, 2, 3]).toArray()); // per group, over instruments
      const kept = loudest.flatMap((level, k) => (level > config.silenceLevel ? [k] : []));
      const offsets = kept.map((k) => Number((k * step).toFixed(4)));
      const pitchRanges = offsets.map((begin): [number, number] => {
        const sounding = notes.filter((n) => n.start < begin + tileSeconds(config.analysis) && n.end > begin).map((n) => n.pitch);
        return sounding.length ? [Math.min(...sounding), Math.max(...sounding)] : [-1, -1];
      });
      const fonts = heldOut ? [config.trainFont.name, config.heldOutFont.name] : [config.trainFont.name];
      const programs = config.programVariants ? { programs: config.instruments.map((name) => programOf(name, piece.id, config, available)) } : {};
      const info: ShardInfo = { piece: piece.id, source: piece.source, licence: piece.licence, texture: piece.texture, split, transposition, instruments: config.instruments, ...programs, fonts, offsets, pitchRanges };
      if (kept.length > 0) {
        try {
          tidy(() => {
            const index = tensor(new BigInt64Array(kept.map(BigInt)));
            saveSafetensors(file, {
              [config.trainFont.name]: train.indexSelect(0, index).to('float16'),
              ...(heldOut ? { [config.heldOutFont.name]: heldOut.indexSelect(0, index).to('float16') } : {}),
            }, { [SHARD_KEY]: JSON.stringify(info) });
          });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') {
            throw new Error(`${outDir}: the disk is full (writing ${file}); free some space or give another --out, then run the same command again: the build resumes where it stopped`);
          }
          throw error;
        }
      } else {
        log(`${piece.id} (transposition ${transposition}) is silent throughout; nothing kept`);
      }
      if (Date.now() - manifestWritten >= manifestEvery) {
        writeManifest(outDir, config, { complete: false });
        manifestWritten = Date.now();
      }
      train.dispose();
      heldOut?.dispose();
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    process.off('exit', listBuilt);
    setNumThreads(threads);
    frontEnd.dispose();
    await Promise.all(ahead); // let the runs in flight finish before returning
  }
  hooks.onPiece?.(total, total, '');
  return writeManifest(outDir, config);
}

/** Rebuilds manifest.json from the shards' headers (sorted, so the same shards give the same bytes); `complete` false while a build is still writing shards. */
export function writeManifest(outDir: string, config: DatasetConfig, { complete = true } = {}): Manifest {
  const shards: Manifest['shards'] = [];
  for (const split of ['train', 'validation', 'test'] as const) {
    const folder = join(outDir, 'shards', split);
    if (!existsSync(folder)) continue;
    for (const name of readdirSync(folder).filter((f) => f.endsWith('.safetensors')).sort()) {
      const path = join(folder, name);
      const header = readSafetensorsHeader(path);
      const info = JSON.parse(header.metadata[SHARD_KEY] ?? 'null') as ShardInfo | null;
      if (info === null) continue;
      shards.push({ ...info, file: relative(outDir, path), groups: info.offsets.length });
    }
  }
  const manifest: Manifest = { config, shards, complete };
  writeFileAtomic(join(outDir, 'manifest.json'), [Buffer.from(JSON.stringify(manifest) + '\n')]);
  return manifest;
}
