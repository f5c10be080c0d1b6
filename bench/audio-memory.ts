/**
 * `npm run bench:memory`: peak resident memory of a full round trip (mst resynth's path) on
 * 1-minute and 10-minute 44.1 kHz WAV files, each in a fresh process, to show that memory does
 * not grow with the input's length. One JSON line per length.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAudio } from '../src/audio/decode.js';
import { describeProcessor, configureIfUnset } from '../src/engine/index.js';
import { WavStreamWriter } from '../src/audio/wav.js';
import { processFile } from '../src/audio/pipeline.js';
import { peakResidentMiB } from './peer.js';

const self = fileURLToPath(import.meta.url);

if (process.argv[2] === '--run') {
  // child: one round trip, then report this process's peak RSS
  const [input, output] = [process.argv[3]!, process.argv[4]!];
  configureIfUnset(); // as mst resynth runs it
  const result = await processFile(input, output);
  console.log(JSON.stringify({ seconds: result.inputSeconds, wall_s: result.wallSeconds, peak_rss_mib: peakResidentMiB() }));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'mst-bench-memory-'));
  const phrase = await readAudio(fileURLToPath(new URL('../../test/fixtures/audio/phrase-piano.flac', import.meta.url)), { sampleRate: 44100 });
  for (const minutes of [1, 10]) {
    const input = join(dir, `in-${minutes}.wav`);
    const writer = new WavStreamWriter(input, 44100);
    for (let written = 0; written < minutes * 60 * 44100; written += phrase.length) writer.write(phrase);
    writer.close();
    const child = spawnSync(process.execPath, [self, '--run', input, join(dir, `out-${minutes}.wav`)], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(child.stderr);
    const figures = JSON.parse(child.stdout) as { seconds: number; wall_s: number; peak_rss_mib: number };
    console.log(JSON.stringify({ case: `round_trip_${minutes}min_memory`, ...figures, real_time_factor: Number((figures.seconds / figures.wall_s).toFixed(1)), processor: describeProcessor() }));
    rmSync(input);
  }
  rmSync(dir, { recursive: true, force: true });
}
