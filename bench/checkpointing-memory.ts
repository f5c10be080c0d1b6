/**
 * `npm run bench:memory` (with audio-memory.ts): what gradient checkpointing (mst train's
 * gradientCheckpointing) saves. Phase-1 training steps with the feature loss on every tile of
 * PhaseBench's batch, float32, each variant in a fresh process: its peak resident memory and
 * its median step time, and the ratios of the checkpointed variant to the plain one.
 * The per-step time against the PyTorch twin (torch.utils.checkpoint) is bench/run.ts's
 * phase1_step_checkpointed.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PhaseBench } from './phases.js';
import { median, option, configureForComparison, peakResidentMiB } from './peer.js';
import { describeProcessor } from '../src/engine/index.js';

const self = fileURLToPath(import.meta.url);
const VARIANTS = { plain: 'phase1_all_items', checkpointed: 'phase1_checkpointed' } as const;

if (process.argv[2] === '--child') {
  configureForComparison();
  const variant = process.argv[3] as keyof typeof VARIANTS;
  const steps = Number(process.argv[4]);
  const bench = new PhaseBench('cpu');
  const seconds: number[] = [];
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    bench.step(VARIANTS[variant]);
    seconds.push((performance.now() - start) / 1000);
  }
  console.log(JSON.stringify({ step_s: median(seconds.slice(1)), peak_rss_mib: peakResidentMiB() }));
} else {
  const steps = Number(option('steps', '5'));
  const figures: Record<string, { step_s: number; peak_rss_mib: number }> = {};
  for (const variant of Object.keys(VARIANTS)) {
    const child = spawnSync(process.execPath, [self, '--child', variant, String(steps)], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(child.stderr);
    figures[variant] = JSON.parse(child.stdout) as { step_s: number; peak_rss_mib: number };
  }
  const { plain, checkpointed } = figures as Record<keyof typeof VARIANTS, { step_s: number; peak_rss_mib: number }>;
  console.log(JSON.stringify({
    case: 'phase1_gradient_checkpointing',
    plain, checkpointed,
    memory_ratio: Number((checkpointed.peak_rss_mib / plain.peak_rss_mib).toFixed(3)),
    time_ratio: Number((checkpointed.step_s / plain.step_s).toFixed(3)),
    processor: describeProcessor(),
  }));
}
