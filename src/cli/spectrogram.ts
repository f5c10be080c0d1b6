/**
 * `mst spectrogram <audio> -o out.png`: the log-mel spectrogram the model sees, as a picture.
 */
import { Command } from 'commander';
import type { Tensor } from '../engine/index.js';
import { DEFAULT_ANALYSIS } from '../audio/config.js';
import type { ColumnPool } from '../audio/image.js';
import { checkOutputPath } from '../audio/paths.js';
import { writeFileAtomic } from '../engine/files.js';
import { basename } from 'node:path';
import { numberIn } from './options.js';

/** Streams a file through the analysis into a column pool (bounded memory for any length). */
export async function spectrogramOf(path: string, maxColumns = 1600): Promise<ColumnPool> {
  const [{ tidy }, { MelFrontEnd }, { MelStream }, { streamAudio }, { ColumnPool }] = await Promise.all([
    import('../engine/index.js'),
    import('../audio/mel.js'),
    import('../audio/analysis.js'),
    import('../audio/decode.js'),
    import('../audio/image.js'),
  ]);
  const config = DEFAULT_ANALYSIS;
  const frontEnd = new MelFrontEnd(config);
  const analysis = new MelStream(frontEnd, { source: path });
  const pool = new ColumnPool(config.nMels, maxColumns);
  const take = (frames: { mel: Tensor }) =>
    tidy(() => {
      pool.push(frames.mel.toFloat32Array(), frames.mel.shape[1]!);
      frames.mel.dispose();
    });
  try {
    for await (const chunk of streamAudio(path, { sampleRate: config.sampleRate })) take(analysis.push(chunk));
    take(analysis.finish());
  } finally {
    frontEnd.dispose();
  }
  return pool;
}

export function spectrogramCommand(): Command {
  return new Command('spectrogram')
    .description('draw the log-mel spectrogram of an audio file as a PNG')
    .argument('<audio>', 'audio file (WAV, FLAC, MP3, Ogg Vorbis, Opus, M4A)')
    .requiredOption('-o, --output <png>', 'where to write the picture')
    .option('--width <pixels>', 'at most this many time columns (longer audio is pooled)', numberIn(16, Infinity, true), 1600)
    .action(async (audio: string, options: { output: string; width: number }) => {
      checkOutputPath(options.output, [audio], 'png');
      const pool = await spectrogramOf(audio, options.width);
      const { renderSpectrograms } = await import('../audio/image.js');
      writeFileAtomic(options.output, [renderSpectrograms([{ title: basename(audio), pool }], DEFAULT_ANALYSIS)]);
      console.log(`wrote ${options.output} (${((pool.frames * DEFAULT_ANALYSIS.hop) / DEFAULT_ANALYSIS.sampleRate).toFixed(2)} s of audio)`);
    });
}

