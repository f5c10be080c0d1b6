/**
 * The style a transfer aims at: a preset's name or a reference clip of any instrument, turned
 * into the one tile [1, 1, nMels, tileFrames] the style encoder reads. Of the reference's first
 * `maxSeconds`, the tile where the instrument plays most (the highest mean level) is used.
 */
import { existsSync } from 'node:fs';
import { Tensor, tidy, keep } from '../engine/index.js';
import type { AnalysisConfig } from '../audio/config.js';
import { MelFrontEnd } from '../audio/mel.js';
import { MelStream } from '../audio/analysis.js';
import { TileStream } from '../audio/tiles.js';
import { probeAudio, streamAudio } from '../audio/decode.js';
import { AudioError } from '../audio/errors.js';
import type { StylePreset } from './bundle.js';

/** Raised for a style that is neither a preset nor a file. */
export class StyleError extends Error {
  override name = 'StyleError';
}

/** A resolved style: where it came from and its tile. */
export interface Style {
  /** The preset's name, or the reference clip's path. */
  name: string;
  file: string;
  /** [1, 1, nMels, tileFrames], normalised log-mel; the caller disposes it. */
  tile: Tensor;
}

/** Mean normalised level below which a tile counts as silence (−1 is the floor). */
const SILENT_LEVEL = -0.95;
/** A reference shorter than this (a quarter of a tile) says too little about an instrument. */
const MIN_REFERENCE_SECONDS = 0.5;

/** The preset named `style`, or else the audio file at that path; a clear error otherwise. */
export function findStyle(style: string, presets: readonly StylePreset[]): { name: string; file: string } {
  const preset = presets.find((p) => p.name === style.toLowerCase());
  if (preset) return { name: preset.name, file: preset.file };
  if (existsSync(style)) return { name: style, file: style };
  const names = presets.map((p) => p.name).join(', ');
  throw new StyleError(`no style preset or file named ${JSON.stringify(style)}; ${names ? `presets: ${names}; ` : ''}or give the path of a reference clip (mst styles lists the presets)`);
}

/** Reads a reference clip (the first `maxSeconds`) and picks its most active tile. */
export async function styleTile(file: string, config: AnalysisConfig, maxSeconds = 30): Promise<Tensor> {
  probeAudio(file);
  const frontEnd = new MelFrontEnd(config);
  const analysis = new MelStream(frontEnd, { source: file });
  const tiler = new TileStream(config);
  const limit = Math.round(maxSeconds * config.sampleRate);
  let best: { tile: Tensor; level: number } | null = null;
  const consider = (tiles: Tensor[]) => {
    for (const tile of tiles) {
      const level = tile.mean().item();
      if (best === null || level > best.level) {
        best?.tile.dispose();
        best = { tile, level };
      } else tile.dispose();
    }
  };
  const take = (frames: { mel: Tensor }) =>
    tidy(() => {
      consider(tiler.push(frames.mel));
      frames.mel.dispose();
    });
  try {
    for await (const chunk of streamAudio(file, { sampleRate: config.sampleRate })) {
      take(analysis.push(chunk.subarray(0, Math.max(0, limit - analysis.samples))));
      if (analysis.samples >= limit) break;
    }
    take(analysis.finish());
    tidy(() => consider(tiler.finish()));
  } finally {
    tiler.dispose();
    frontEnd.dispose();
  }
  const chosen = best as { tile: Tensor; level: number } | null;
  const seconds = analysis.samples / config.sampleRate;
  if (seconds < MIN_REFERENCE_SECONDS) {
    chosen?.tile.dispose();
    throw new AudioError('TOO_SHORT', file, `the style reference is ${seconds.toFixed(2)} s long; give at least ${MIN_REFERENCE_SECONDS} s of the instrument playing (a few seconds is best)`);
  }
  if (chosen === null || chosen.level < SILENT_LEVEL) {
    chosen?.tile.dispose();
    throw new AudioError('SILENT', file, 'the style reference is silent; give a clip in which the instrument plays');
  }
  const tile = keep(tidy(() => chosen.tile.unsqueeze(0)));
  chosen.tile.dispose();
  return tile;
}

/** Resolves `style` (a preset or a file) to its tile. */
export async function resolveStyle(style: string, presets: readonly StylePreset[], config: AnalysisConfig): Promise<Style> {
  const { name, file } = findStyle(style, presets);
  const tile = await styleTile(file, config);
  return { name, file, tile };
}
