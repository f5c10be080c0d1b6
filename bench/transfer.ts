/**
 * `npm run bench:transfer`: mst transfer as users run it.
 *   transfer_60s         a 60 s, 44.1 kHz WAV of real music (a test-split piece rendered by the
 *                        project) transferred with the default settings, vocoding included, as ×
 *                        real time; next to it the same path with the model left out (the audio
 *                        path alone), so that the model's share shows, and the same transfer
 *                        vocoded from random phase instead of the input's (the cost of the default)
 *                        and, with --also 'steps=3,guidance=2' (sampling settings changed), the
 *                        same transfer with those settings in the same rounds (a sampler against
 *                        another on a noisy machine); and the seam ratio: spectral flux (mean
 *                        |Δ log-mel| between frames) in the tiles' crossfade zones over flux
 *                        elsewhere, for the output and for the input (where the tile grid means
 *                        nothing); seams would raise the first
 *   stream_60s           the same clip through mst stream's path in 20 ms chunks, as fast as it
 *                        goes: × real time, the longest single push (a stall a live input would
 *                        have to buffer) and the most the output trailed the input
 *   event_loop_during_transfer_60s  how late a 50 ms timer of the calling program fires while the
 *                        same transfer runs (on its worker thread): median and worst, in ms
 *   transfer_10min_memory  peak resident memory of a 10-minute transfer, each in a fresh process:
 *                        the median of 3 and every run (the peak varies by ±10% from run to run,
 *                        a 1-minute input's as much, so one run says little)
 * The per-tile sampling time against the PyTorch twin is bench/run.ts's sampling_8_tiles.
 * The model is models/default (or $MST_MODEL); without one, an untrained model of the same
 * config (speed does not depend on the weights), and the output says which.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineInfo, tensor, tidy, describeProcessor } from '../src/engine/index.js';
import { MelFrontEnd } from '../src/audio/mel.js';
import type { AnalysisConfig } from '../src/audio/config.js';
import { findPiece, renderClip } from '../src/data/clips.js';
import { WavStreamWriter, writeWav } from '../src/audio/wav.js';
import { processFile } from '../src/audio/pipeline.js';
import { loadModel, transfer, transferStream, resolveStyle, streamLatencySamples, DEFAULT_MODEL } from '../src/transfer/index.js';
import { readAudio } from '../src/audio/decode.js';
import { untrainedModelFolder } from '../src/testing/model-folder.js';
import { timerLatenessDuring } from '../src/testing/lateness.js';
import { SAMPLING_DEFAULTS } from '../src/model/sampling.js';
import { applyOverrides } from '../src/cli/overrides.js';
import { median, option, peakResidentMiB } from './peer.js';

const self = fileURLToPath(import.meta.url);

/** Mean spectral flux in the tiles' crossfade zones (frames [k·step, k·step + overlap), k ≥ 1) over the mean elsewhere. */
async function seamRatio(file: string, config: AnalysisConfig): Promise<number> {
  const samples = await readAudio(file, { sampleRate: config.sampleRate });
  const frontEnd = new MelFrontEnd(config);
  const flux = tidy(() => {
    const mel = frontEnd.logMel(tensor(samples)); // [nMels, frames]
    const frames = mel.shape[1]!;
    return mel.slice(1, 1, frames).sub(mel.slice(1, 0, frames - 1)).abs().mean([0]).toFloat32Array(); // flux[t] between frames t and t + 1
  });
  frontEnd.dispose();
  const step = config.tileFrames - config.tileOverlap;
  const zones = { seam: { sum: 0, count: 0 }, body: { sum: 0, count: 0 } };
  flux.forEach((value, t) => {
    const frame = t + 1;
    const zone = frame >= step && frame % step < config.tileOverlap ? zones.seam : zones.body;
    zone.sum += value;
    zone.count++;
  });
  return zones.seam.sum / zones.seam.count / (zones.body.sum / zones.body.count);
}
const PIECE = 'freedoom/freedoom1-D_E1M8'; // test split, BSD-3-Clause

/** Fresh processes the 10-minute memory case runs, for a median. */
const MEMORY_RUNS = 3;

if (process.argv[2] === '--child') {
  // one 10-minute transfer in a fresh process, then its peak RSS
  const [modelPath, input, output] = process.argv.slice(3) as [string, string, string];
  const model = loadModel(modelPath);
  const result = await transfer(model, input, output, { style: 'violin' });
  console.log(JSON.stringify({ seconds: result.seconds, wall_s: Number(result.wallSeconds.toFixed(2)), peak_rss_mib: peakResidentMiB() }));
} else {
  const rounds = Number(option('rounds', '5'));
  const dir = mkdtempSync(join(tmpdir(), 'mst-bench-transfer-'));
  const weights = existsSync(DEFAULT_MODEL) ? DEFAULT_MODEL : untrainedModelFolder(dir);
  const which = weights === DEFAULT_MODEL ? weights : 'untrained (no model folder found)';
  const model = loadModel(weights);
  // --also 'steps=3,guidance=2': the model's sampling settings with those changed, checked as mst train's --key=value
  const alsoOption = option('also', '');
  const also = alsoOption === '' ? null : applyOverrides({ ...SAMPLING_DEFAULTS, ...model.model.config.sampling }, alsoOption.split(',').map((pair) => `--${pair}`), 'sampling');
  const style = model.presets.find((p) => p.name === 'violin') ? 'violin' : model.presets[0]!.name;
  const clip = await renderClip(findPiece(PIECE), 'piano', { seconds: 60, sampleRate: 44100 });
  const input = join(dir, 'in.wav');
  writeWav(input, clip, 44100);
  const output = join(dir, 'out.wav');
  await transfer(model, input, output, { style }); // warm-up
  const walls: number[] = [];
  const wallsRandomPhase: number[] = [];
  const audioOnly: number[] = [];
  const wallsAlso: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (also) wallsAlso.push((await transfer(model, input, output, { style, ...also })).wallSeconds);
    wallsRandomPhase.push((await transfer(model, input, output, { style, phase: 'random' })).wallSeconds);
    audioOnly.push((await processFile(input, output, { batchSize: 8, iterations: 32, phase: 'input' })).wallSeconds);
    walls.push((await transfer(model, input, output, { style })).wallSeconds);
  }
  const info = engineInfo();
  const seams = { output: await seamRatio(output, model.analysis), input: await seamRatio(input, model.analysis) };
  console.log(JSON.stringify({
    case: 'transfer_60s',
    processor: describeProcessor(),
    input: `${PIECE} on piano, 60 s, 44.1 kHz WAV`,
    model: which,
    settings: { ...model.model.config.sampling, batch: 8, griffinLimIterations: 32, vocoderPhase: 'input' },
    wall_median_s: Number(median(walls).toFixed(3)),
    real_time_factor: Number((60 / median(walls)).toFixed(1)),
    wall_median_random_phase_s: Number(median(wallsRandomPhase).toFixed(3)),
    ...(also ? { also: { settings: also, wall_median_s: Number(median(wallsAlso).toFixed(3)), real_time_factor: Number((60 / median(wallsAlso)).toFixed(1)) } } : {}),
    audio_path_median_s: Number(median(audioOnly).toFixed(3)),
    model_share: Number((1 - median(audioOnly) / median(walls)).toFixed(2)),
    seam_ratio_output: Number(seams.output.toFixed(3)),
    seam_ratio_input: Number(seams.input.toFixed(3)),
    rounds,
    threads: info.threads,
  }));

  // the embedding program's event loop during a transfer: a 50 ms timer's lateness
  const { result: during, lateness } = await timerLatenessDuring(50, () => transfer(model, input, output, { style }));
  console.log(JSON.stringify({
    case: 'event_loop_during_transfer_60s',
    processor: describeProcessor(),
    wall_s: Number(during.wallSeconds.toFixed(2)),
    timer_ms: 50,
    ticks: lateness.length,
    lateness_median_ms: Number(median(lateness).toFixed(1)),
    lateness_max_ms: Number(lateness.at(-1)!.toFixed(1)),
  }));

  const resolved = await resolveStyle(style, model.presets, model.analysis);
  const chunk = model.analysis.sampleRate / 50;
  const pcm = await readAudio(input, { sampleRate: model.analysis.sampleRate });
  const streamed: { wall: number; maxPushMs: number; maxLag: number }[] = [];
  for (let r = 0; r < Math.max(1, Math.floor(rounds / 2)); r++) {
    const stream = transferStream(model, resolved);
    let maxPushMs = 0;
    let maxLag = 0;
    const started = performance.now();
    for (let at = 0; at < pcm.length; at += chunk) {
      const t0 = performance.now();
      stream.push(pcm.subarray(at, at + chunk));
      maxPushMs = Math.max(maxPushMs, performance.now() - t0);
      maxLag = Math.max(maxLag, stream.inputSamples - stream.outputSamples);
      if (at % (50 * chunk) === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    stream.finish();
    streamed.push({ wall: (performance.now() - started) / 1000, maxPushMs, maxLag });
  }
  resolved.tile.dispose();
  const worst = streamed.reduce((a, b) => (a.wall > b.wall ? a : b));
  console.log(JSON.stringify({
    case: 'stream_60s',
    processor: describeProcessor(),
    model: which,
    chunk_ms: 20,
    real_time_factor: Number((60 / median(streamed.map((s) => s.wall))).toFixed(1)),
    max_push_ms: Number(worst.maxPushMs.toFixed(1)),
    max_output_lag_s: Number((Math.max(...streamed.map((s) => s.maxLag)) / model.analysis.sampleRate).toFixed(3)),
    lag_bound_s: Number((streamLatencySamples(model) / model.analysis.sampleRate).toFixed(3)),
    rounds: streamed.length,
  }));
  model.dispose();

  const long = join(dir, 'in-10min.wav');
  const writer = new WavStreamWriter(long, 44100);
  for (let written = 0; written < 10 * 60 * 44100; written += clip.length) writer.write(clip);
  writer.close();
  const runs = Array.from({ length: MEMORY_RUNS }, () => {
    const child = spawnSync(process.execPath, [self, '--child', weights, long, join(dir, 'out-10min.wav')], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(child.stderr);
    return JSON.parse(child.stdout) as { seconds: number; wall_s: number; peak_rss_mib: number };
  });
  const peaks = runs.map((r) => r.peak_rss_mib);
  const wall = median(runs.map((r) => r.wall_s));
  console.log(JSON.stringify({ case: 'transfer_10min_memory', model: which, seconds: runs[0]!.seconds, wall_s: wall, peak_rss_mib: median(peaks), peak_rss_mib_runs: peaks, real_time_factor: Number((runs[0]!.seconds / wall).toFixed(1)), processor: describeProcessor() }));
  rmSync(dir, { recursive: true, force: true });
}
