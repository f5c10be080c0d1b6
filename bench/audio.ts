/**
 * `npm run bench:audio`: the audio front and back end.
 *   mel_60s             log-mel analysis of 60 s, engine vs PyTorch (bench/audio_twin.py)
 *   griffin_lim_32_10s  32 fast Griffin-Lim iterations on 10 s, engine vs PyTorch
 *   round_trip_60s      decode → mel → tiles → 32 Griffin-Lim iterations → WAV, for a 60 s
 *                       44.1 kHz WAV of a rendered piano phrase; reported as × real time
 * One JSON line per case, medians over rounds that alternate between engine and PyTorch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineInfo, randn, tidy, manualSeed, describeProcessor } from '../src/engine/index.js';
import { DEFAULT_ANALYSIS } from '../src/audio/config.js';
import { MelFrontEnd } from '../src/audio/mel.js';
import { griffinLim } from '../src/audio/griffinlim.js';
import { readAudio } from '../src/audio/decode.js';
import { resample } from '../src/audio/resample.js';
import { writeWav } from '../src/audio/wav.js';
import { processFile } from '../src/audio/pipeline.js';
import { startPeer, compareWithPeer, median, option, configureForComparison } from './peer.js';

const rounds = Number(option('rounds', '5'));
const iterations = Number(option('iterations', '2'));
configureForComparison();
const info = engineInfo();
const frontEnd = new MelFrontEnd(DEFAULT_ANALYSIS);
manualSeed(0);
const signal60 = randn([16000 * 60]).mul(0.1);
const magnitude10 = tidy(() => frontEnd.magnitude(signal60.slice(0, 0, 16000 * 10)));

const engineCases: Record<string, () => void> = {
  mel_60s: () => tidy(() => void frontEnd.logMel(signal60).sum().item()),
  griffin_lim_32_10s: () => tidy(() => void griffinLim(frontEnd, magnitude10, { iterations: 32, length: 16000 * 10 }).sum().item()),
};

const peer = await startPeer('audio_twin.py', info.threads);
for (const [name, run] of Object.entries(engineCases)) {
  console.log(JSON.stringify({ case: name, ...(await compareWithPeer(peer, name, run, rounds, iterations)), threads: info.threads, processor: describeProcessor() }));
}
peer.close();

// the full round trip on a real rendered phrase, 60 s at 44.1 kHz
const dir = mkdtempSync(join(tmpdir(), 'mst-bench-audio-'));
const phrase = await readAudio(fileURLToPath(new URL('../../test/fixtures/audio/phrase-piano.flac', import.meta.url)), { sampleRate: 44100 });
const long = new Float32Array(44100 * 60);
for (let at = 0; at < long.length; at += phrase.length) long.set(phrase.subarray(0, Math.min(phrase.length, long.length - at)), at);
writeWav(join(dir, 'in.wav'), long, 44100);
await resample(long.subarray(0, 1000), 44100, 16000); // load the resampler once
const walls: number[] = [];
for (let r = 0; r < 3; r++) {
  const result = await processFile(join(dir, 'in.wav'), join(dir, 'out.wav'));
  walls.push(result.wallSeconds);
}
console.log(JSON.stringify({
  case: 'round_trip_60s',
  input: '60 s, 44.1 kHz 16-bit WAV (piano phrase)',
  wall_median_s: Number(median(walls).toFixed(3)),
  real_time_factor: Number((60 / median(walls)).toFixed(1)),
  runs: walls.length,
  threads: info.threads,
  processor: describeProcessor(),
}));
rmSync(dir, { recursive: true, force: true });
frontEnd.dispose();
