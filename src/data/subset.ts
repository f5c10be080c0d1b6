/**
 * A dataset made of the first pieces of another's training split (`mst dataset subset`): the
 * pieces a build writes first, in the order it writes them, and the whole of the validation and
 * test splits. It holds no tiles: its manifest names the source dataset's shard files (paths
 * relative to the subset's folder), so making one takes a second and no disk.
 *
 * Its use is the ablation that starts while the training split is still building: runs that
 * read a subset read the same tiles whenever they start, and the same subset can be made again
 * once the build has finished (the build's order is fixed: `piecesOf`).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeFileAtomic } from '../engine/files.js';
import { piecesOf, type Manifest } from './build.js';
import { readManifest } from './loader.js';

export interface SubsetOptions {
  /** Training pieces to keep: the first this many a build of the source's config writes. */
  trainingPieces: number;
  /** Called with the discovery's notes (pieces the build would skip). */
  log?: (message: string) => void;
}

/** Writes `outDir`/manifest.json for the subset of the dataset in `fromDir`; returns it. */
export function writeSubset(fromDir: string, outDir: string, { trainingPieces, log }: SubsetOptions): Manifest {
  if (!(Number.isInteger(trainingPieces) && trainingPieces > 0)) throw new RangeError(`dataset subset: Expected --training-pieces to be a positive integer but received ${trainingPieces}`);
  if (!existsSync(join(fromDir, 'manifest.json'))) throw new RangeError(`dataset subset: no built dataset at ${fromDir}; build it first (mst dataset build --out ${fromDir})`);
  if (existsSync(join(outDir, 'shards'))) throw new RangeError(`dataset subset: ${outDir} holds a built dataset (its shards folder); give a new folder for the subset`);
  const source = readManifest(fromDir);
  const order = new Map(piecesOf(source.config, log).map((piece, i) => [piece.id, i]));
  const position = (piece: string) => {
    const at = order.get(piece);
    if (at === undefined) throw new RangeError(`dataset subset: ${fromDir} holds ${piece}, which its config's sources no longer give; rebuild it (mst dataset build)`);
    return at;
  };
  const training = source.shards.filter((s) => s.split === 'train');
  const pieces = [...new Set(training.map((s) => s.piece))].sort((a, b) => position(a) - position(b));
  if (pieces.length < trainingPieces) throw new RangeError(`dataset subset: ${fromDir} has ${pieces.length} training pieces built, fewer than the ${trainingPieces} asked for; build more (mst dataset build --out ${fromDir}) or ask for fewer`);
  const kept = new Set(pieces.slice(0, trainingPieces));
  const moved = relative(outDir, fromDir);
  const manifest: Manifest = {
    config: source.config,
    // the source's order, so that a loader reads the kept shards as it would read them there
    shards: source.shards.filter((s) => s.split !== 'train' || kept.has(s.piece)).map((s) => ({ ...s, file: join(moved, s.file) })),
    complete: true,
    subsetOf: { dataset: fromDir, trainingPieces, sourceComplete: source.complete !== false },
  };
  mkdirSync(outDir, { recursive: true });
  writeFileAtomic(join(outDir, 'manifest.json'), [Buffer.from(JSON.stringify(manifest) + '\n')]);
  return manifest;
}
