/**
 * A dataset that adds other datasets' training pieces to one's own (`mst dataset join`): more
 * music for training (more generated phrases, your own MIDI files built with a config of your
 * own) beside the standard dataset, whose validation and test splits stay the only ones, so that
 * every figure measured on them stays comparable. Like a subset (subset.ts) it holds no tiles:
 * its manifest names the datasets' shard files, by paths relative to its own folder.
 *
 * The datasets must hold the same instruments in the same order, the same two fonts and the same
 * analysis (a tile of one must mean what a tile of the other means), and an added training piece
 * must be neither a piece the base already trains on nor one it evaluates on.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { writeFileAtomic } from '../engine/files.js';
import { fileOfPiece, type Manifest } from './build.js';
import { readManifest } from './loader.js';

/** Writes `outDir`/manifest.json: every split of the dataset in `baseDir` and the training shards of those in `addedDirs`; returns it. */
export function writeJoin(baseDir: string, addedDirs: readonly string[], outDir: string): Manifest {
  if (addedDirs.length === 0) throw new RangeError('dataset join: Expected at least one dataset to add (--add <dir,…>) but received none');
  for (const dir of [baseDir, ...addedDirs]) {
    if (!existsSync(join(dir, 'manifest.json'))) throw new RangeError(`dataset join: no built dataset at ${dir}; build it first (mst dataset build --out ${dir})`);
  }
  if (existsSync(join(outDir, 'shards')) || existsSync(join(outDir, 'manifest.json'))) throw new RangeError(`dataset join: ${outDir} holds a dataset already; give a new folder for the joined one`);
  const base = readManifest(baseDir);
  const evaluated = new Map(base.shards.filter((s) => s.split !== 'train').map((s) => [fileOfPiece(s.piece), s.split]));
  const trained = new Set(base.shards.filter((s) => s.split === 'train').map((s) => s.piece));
  /** `dir`'s shards, their files named from the joined dataset's folder. */
  const namedFromOut = (dir: string, from: Manifest['shards']) => from.map((s) => ({ ...s, file: join(relative(outDir, dir), s.file) }));
  const shards = namedFromOut(baseDir, base.shards);
  let complete = base.complete !== false;
  for (const dir of addedDirs) {
    const added = readManifest(dir);
    for (const key of ['instruments', 'analysis'] as const) {
      if (!isDeepStrictEqual(added.config[key], base.config[key])) {
        throw new RangeError(`dataset join: ${dir}'s ${key} (${JSON.stringify(added.config[key])}) differ from ${baseDir}'s (${JSON.stringify(base.config[key])}); build it with the same ${key}`);
      }
    }
    for (const key of ['trainFont', 'heldOutFont'] as const) {
      if (added.config[key].name !== base.config[key].name) throw new RangeError(`dataset join: ${dir}'s ${key} is ${added.config[key].name}, ${baseDir}'s ${base.config[key].name}; build it with the same fonts`);
    }
    const training = added.shards.filter((s) => s.split === 'train');
    if (training.length === 0) throw new RangeError(`dataset join: ${dir} has no training shards; build its training split (mst dataset build --out ${dir} --splits train)`);
    for (const shard of training) {
      const split = evaluated.get(fileOfPiece(shard.piece));
      if (split !== undefined) throw new RangeError(`dataset join: ${shard.piece} is a ${split} piece of ${baseDir}; training on it would leak it into the evaluation. Build ${dir} from other pieces`);
      if (trained.has(shard.piece)) throw new RangeError(`dataset join: ${shard.piece} is a training piece of ${baseDir} and of ${dir}; its tiles would be read twice. Build ${dir} from other pieces (another --seed for generated phrases)`);
    }
    for (const shard of training) trained.add(shard.piece);
    shards.push(...namedFromOut(dir, training));
    complete &&= added.complete !== false;
  }
  const manifest: Manifest = { config: base.config, shards, complete, joinOf: { dataset: baseDir, added: [...addedDirs] } };
  mkdirSync(outDir, { recursive: true });
  writeFileAtomic(join(outDir, 'manifest.json'), [Buffer.from(JSON.stringify(manifest) + '\n')]);
  return manifest;
}
