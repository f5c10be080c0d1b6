/**
 * `npm run bench:busy`: a 60 s transfer on a quiet machine and on one where another process keeps
 * a core busy (a busy loop in a child process), with the engine's threads 'auto' (the default)
 * and fixed at every core (what mst did before 'auto'). Rounds interleave the four settings; the
 * figures are medians, and the ratio busy / quiet per setting is what issue 20's bar reads
 * (≤ 1.6 for 'auto', with its quiet time no worse than the fixed setting's). One thread on the
 * quiet machine is also timed: with one of two cores taken, no setting can beat it by much.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { configure, describeProcessor } from '../src/engine/index.js';
import { findPiece, renderClip } from '../src/data/clips.js';
import { writeWav } from '../src/audio/wav.js';
import { loadModel, transfer, DEFAULT_MODEL } from '../src/transfer/index.js';
import { untrainedModelFolder } from '../src/testing/model-folder.js';
import { median, option } from './peer.js';

const PIECE = 'freedoom/freedoom1-D_E1M8'; // test split, BSD-3-Clause
const rounds = Number(option('rounds', '5'));
const cores = availableParallelism();
const dir = mkdtempSync(join(tmpdir(), 'mst-bench-busy-'));

/** A process that keeps one core busy until killed. */
async function busyLoop(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  await sleep(300);
  return child;
}

try {
  const weights = existsSync(DEFAULT_MODEL) ? DEFAULT_MODEL : untrainedModelFolder(dir);
  configure({ threads: 'auto' });
  const model = loadModel(weights);
  const style = model.presets.find((p) => p.name === 'violin') ? 'violin' : model.presets[0]!.name;
  const input = join(dir, 'in.wav');
  writeWav(input, await renderClip(findPiece(PIECE), 'piano', { seconds: 60, sampleRate: 44100 }), 44100);
  const output = join(dir, 'out.wav');
  await transfer(model, input, output, { style }); // warm-up
  // one thread: what is left of the machine when another process holds a core (the floor for 'auto' when busy)
  const settings = [
    { name: 'auto', threads: 'auto' as const },
    { name: `fixed_${cores}`, threads: cores },
    ...(cores > 1 ? [{ name: 'fixed_1', threads: 1 }] : []),
  ];
  const walls: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const load of ['quiet', 'busy'] as const) {
      for (const setting of settings) {
        configure({ threads: setting.threads });
        const busy = load === 'busy' ? await busyLoop() : null;
        try {
          (walls[`${setting.name}_${load}`] ??= []).push((await transfer(model, input, output, { style })).wallSeconds);
        } finally {
          busy?.kill();
        }
        await sleep(300);
      }
    }
  }
  model.dispose();
  const figures: Record<string, number> = {};
  for (const [key, values] of Object.entries(walls)) figures[`${key}_median_s`] = Number(median(values).toFixed(2));
  for (const setting of settings) figures[`${setting.name}_busy_over_quiet`] = Number((median(walls[`${setting.name}_busy`]!) / median(walls[`${setting.name}_quiet`]!)).toFixed(2));
  figures.auto_quiet_over_fixed_quiet = Number((median(walls.auto_quiet!) / median(walls[`fixed_${cores}_quiet`]!)).toFixed(2));
  console.log(JSON.stringify({ case: 'transfer_60s_busy_core', processor: describeProcessor(), cores, model: weights === DEFAULT_MODEL ? weights : 'untrained', rounds, ...figures }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
