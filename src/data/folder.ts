/**
 * Training on a user's own audio: a folder with one subfolder per instrument (or any label),
 * each holding audio files in any format mst reads —
 *   my-data/cello/*.wav, my-data/flute/*.mp3, …
 * The clips are unpaired (no two instruments play the same notes), so every item is a tile and
 * its own target, and the style reference is a tile of another clip with the same label: the
 * model learns to rebuild a tile in the sound that reference describes. Files are split into
 * training and validation by a hash of their path (never by tile). Batches have the shape of the
 * paired dataset's (PairBatch), so every phase of `mst train` reads them unchanged.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, extname } from 'node:path';
import { createHash } from 'node:crypto';
import { Tensor, tensor, tidy, keep, stack } from '../engine/index.js';
import { readAudio } from '../audio/decode.js';
import { MelFrontEnd } from '../audio/mel.js';
import { toTiles } from '../audio/tiles.js';
import { DEFAULT_ANALYSIS, type AnalysisConfig } from '../audio/config.js';
import { shuffle } from '../random.js';
import { epochRandom, drawReference } from './draw.js';
import type { PairBatch } from './loader.js';
import type { Split } from './build.js';

/** File name endings read as audio. */
const AUDIO_EXTENSIONS = new Set(['.wav', '.flac', '.mp3', '.ogg', '.oga', '.opus', '.m4a', '.aac', '.aiff', '.aif', '.webm', '.caf']);
/** Share of files held out for validation. */
const VALIDATION_SHARE = 0.1;
/** A tile whose loudest bin stays below this normalised level (≈ −80 dB) is dropped as silence. */
const SILENCE_LEVEL = -0.8;

interface Clip {
  file: string;
  label: number;
  split: Split;
  /** [tiles, 1, nMels, tileFrames] float16 */
  tiles: Tensor;
}

/** Whether `dir` looks like a folder of labelled audio (subfolders holding audio files). */
export function isAudioFolder(dir: string): boolean {
  return existsSync(dir) && statSync(dir).isDirectory() && labelFolders(dir).some((label) => audioFiles(join(dir, label)).length > 0);
}

function labelFolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
}

function audioFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && AUDIO_EXTENSIONS.has(extname(e.name).toLowerCase()))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

const splitOfFile = (path: string, seed: number): Split => (createHash('sha256').update(`${seed}:${path}`).digest().readUInt32BE(0) / 2 ** 32 < VALIDATION_SHARE ? 'validation' : 'train');

/** Every clip of a folder, decoded and tiled once (half-overlapping tiles, as the paired dataset's). */
export class AudioFolder {
  private constructor(readonly dir: string, readonly instruments: string[], readonly clips: Clip[]) {}

  static async open(dir: string, { seed = 0, analysis = DEFAULT_ANALYSIS, log = (_: string) => {} }: { seed?: number; analysis?: AnalysisConfig; log?: (message: string) => void } = {}): Promise<AudioFolder> {
    const labels = labelFolders(dir).filter((label) => audioFiles(join(dir, label)).length > 0);
    if (labels.length < 2) throw new RangeError(`${dir}: Expected subfolders of audio for at least 2 instruments (e.g. ${dir}/cello/*.wav, ${dir}/flute/*.wav) but found ${labels.length === 0 ? 'none' : labels.join(', ')}`);
    const frontEnd = new MelFrontEnd(analysis);
    const tiling = { ...analysis, tileOverlap: analysis.tileFrames / 2 };
    const clips: Clip[] = [];
    try {
      for (const [label, name] of labels.entries()) {
        for (const file of audioFiles(join(dir, name))) {
          let samples: Float32Array;
          try {
            samples = await readAudio(file, { sampleRate: analysis.sampleRate });
          } catch (error) {
            log(`skipping ${file}: ${(error as Error).message}`);
            continue;
          }
          const tiles = tidy(() => {
            const all = toTiles(frontEnd.logMel(tensor(samples)), tiling); // [n, 1, nMels, tileFrames]
            const loudest = all.amax([1, 2, 3]).toArray();
            const kept = loudest.flatMap((level, i) => (level > SILENCE_LEVEL ? [i] : []));
            return kept.length ? keep(all.indexSelect(0, tensor(new BigInt64Array(kept.map(BigInt)))).to('float16')) : null;
          });
          if (tiles === null) {
            log(`skipping ${file}: silent throughout`);
            continue;
          }
          const path = relative(dir, file);
          clips.push({ file: path, label, split: splitOfFile(path, seed), tiles });
        }
      }
    } finally {
      frontEnd.dispose();
    }
    // every instrument needs a training clip; a lone clip stays in training
    for (const [label, name] of labels.entries()) {
      const own = clips.filter((c) => c.label === label);
      if (own.length === 0) throw new RangeError(`${dir}/${name}: no readable, non-silent audio`);
      if (!own.some((c) => c.split === 'train')) own[0]!.split = 'train';
    }
    return new AudioFolder(dir, labels, clips);
  }

  /** The batches of one split: a view with the paired loader's interface. */
  split(split: Split, options: { batchSize: number; seed?: number; keepLast?: boolean }): FolderLoader {
    return new FolderLoader(this, split, options);
  }

  dispose(): void {
    for (const c of this.clips) c.tiles.dispose();
  }
}

export class FolderLoader {
  readonly instruments: string[];
  readonly clips: Clip[];
  /** The split's clips of each label, where style references are drawn from. */
  readonly #byLabel: Map<number, Clip[]>;

  constructor(readonly folder: AudioFolder, readonly splitName: Split, readonly options: { batchSize: number; seed?: number; keepLast?: boolean }) {
    this.instruments = folder.instruments;
    this.clips = folder.clips.filter((c) => c.split === splitName);
    this.#byLabel = new Map(folder.instruments.map((_, label) => [label, this.clips.filter((c) => c.label === label)]));
    if (this.clips.length === 0) throw new RangeError(`${folder.dir}: no ${splitName} clips (files are split ${Math.round(VALIDATION_SHARE * 100)}% validation by name; add more files)`);
  }

  /** Tiles in the split (one item each per epoch). */
  get groups(): number {
    return this.clips.reduce((n, c) => n + c.tiles.shape[0]!, 0);
  }

  /** The batches of one epoch, in an order fixed by seed and epoch; `skip` passes over the first ones. */
  async *epoch(epoch = 0, { skip = 0 } = {}): AsyncGenerator<PairBatch> {
    const random = epochRandom(this.options.seed ?? 0, epoch);
    const items = shuffle(this.clips.flatMap((clip) => Array.from({ length: clip.tiles.shape[0]! }, (_, tile) => ({ clip, tile }))), random);
    const { batchSize } = this.options;
    for (let start = 0, served = 0; start < items.length; start += batchSize, served++) {
      const chunk = items.slice(start, start + batchSize);
      if (chunk.length < batchSize && !this.options.keepLast) break;
      const styles = chunk.map(({ clip, tile }) => {
        // another clip with the same label, or another tile of this one when it is alone
        const drawn = drawReference(clip, tile, this.#byLabel.get(clip.label)!.filter((c) => c !== clip), (c) => c.tiles.shape[0]!, random);
        return { clip: drawn.source, tile: drawn.index };
      });
      if (served < skip) continue;
      yield tidy(() => {
        const gather = (picked: { clip: Clip; tile: number }[]) => stack(picked.map(({ clip, tile }) => clip.tiles.select(0, tile)), 0).to('float32');
        const content = gather(chunk);
        const names = chunk.map(({ clip }) => this.instruments[clip.label]!);
        return {
          content,
          target: content.clone(),
          style: gather(styles),
          contentInstrument: names,
          targetInstrument: names,
          pitchRanges: chunk.map((): [number, number] => [-1, -1]),
          pitchKnown: false,
          source: chunk.map(({ clip, tile }) => ({ file: clip.file, group: tile })),
          styleSource: styles.map(({ clip, tile }) => ({ file: clip.file, group: tile })),
        };
      });
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
