/**
 * What a built dataset holds: tile groups per split, source and texture, seconds of music, and a
 * picture of sample groups (one row per group, one column per instrument).
 */
import { join } from 'node:path';
import { loadSafetensors, tidy } from '../engine/index.js';
import { tileGrid } from '../audio/image.js';
import { fileOfPiece, type Manifest, type Split } from './build.js';

export interface DatasetStats {
  instruments: string[];
  fonts: string[];
  /** Tile groups per split; every group holds one tile per instrument and font. */
  groups: Record<Split, number>;
  /** Tiles per instrument (per font) and split: the same as groups, listed per instrument. */
  tilesPerInstrument: Record<string, Record<Split, number>>;
  pieces: Record<Split, number>;
  /** Tile groups by source, with every licence among its pieces (comma-separated). */
  bySource: Record<string, { groups: number; licence: string }>;
  byTexture: Record<string, number>;
  /** Seconds of distinct music (tile starts are tileStep·hop apart). */
  seconds: number;
}

export function datasetStats(manifest: Manifest): DatasetStats {
  const splits: Split[] = ['train', 'validation', 'test'];
  const groups = Object.fromEntries(splits.map((s) => [s, 0])) as Record<Split, number>;
  const pieces = Object.fromEntries(splits.map((s) => [s, new Set<string>()])) as Record<Split, Set<string>>;
  const bySource: DatasetStats['bySource'] = {};
  const byTexture: Record<string, number> = {};
  for (const shard of manifest.shards) {
    groups[shard.split] += shard.groups;
    pieces[shard.split].add(fileOfPiece(shard.piece));
    const known = bySource[shard.source];
    const licences = new Set([...(known ? known.licence.split(', ') : []), shard.licence]);
    bySource[shard.source] = { groups: (known?.groups ?? 0) + shard.groups, licence: [...licences].sort().join(', ') };
    byTexture[shard.texture] = (byTexture[shard.texture] ?? 0) + shard.groups;
  }
  const a = manifest.config.analysis;
  const step = (manifest.config.tileStep * a.hop) / a.sampleRate; // seconds between tile starts
  return {
    instruments: manifest.config.instruments,
    fonts: [manifest.config.trainFont.name, manifest.config.heldOutFont.name],
    groups,
    tilesPerInstrument: Object.fromEntries(manifest.config.instruments.map((name) => [name, { ...groups }])),
    pieces: Object.fromEntries(splits.map((s) => [s, pieces[s].size])) as Record<Split, number>,
    bySource,
    byTexture,
    seconds: Number(((groups.train + groups.validation + groups.test) * step).toFixed(1)),
  };
}

/**
 * A PNG of `rows` sample tile groups (spread over the shards), each row the same music in every
 * instrument, with the instruments named on top and the piece on the left.
 */
export function sampleGrid(dir: string, manifest: Manifest, rows = 4, font = manifest.config.trainFont.name): Buffer {
  const picks = manifest.shards.filter((s) => s.groups > 0);
  const chosen = Array.from({ length: Math.min(rows, picks.length) }, (_, i) => picks[Math.floor((i * picks.length) / Math.min(rows, picks.length))]!);
  const instruments = manifest.config.instruments;
  const grid = chosen.map((shard) => {
    const { tensors } = loadSafetensors(join(dir, shard.file));
    const tiles = tidy(() => {
      const group = tensors.get(font)!.select(0, Math.floor(shard.groups / 2)).float(); // [instruments, nMels, tileFrames]
      return instruments.map((_, c) => group.select(0, c).toFloat32Array());
    });
    for (const t of tensors.values()) t.dispose();
    return { label: `${shard.piece} (${shard.split})`, tiles };
  });
  return tileGrid(grid, instruments, manifest.config.analysis);
}
