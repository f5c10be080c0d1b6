/**
 * What a run folder's metrics.jsonl says about each phase: the steps of its loss curve, the time
 * those steps took (a resumed run's file holds exactly the curve: lines after the state it
 * resumed from are dropped), and its validations. The figures a model card quotes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PHASES, type Phase } from './config.js';
import type { Precision } from './precision.js';

export interface PhaseSummary {
  phase: Phase;
  steps: number;
  /** Seconds of optimizer steps along the curve (validations, sample pictures and start-up not included). */
  stepSeconds: number;
  medianStepSeconds: number;
  validations: { step: number; figures: Record<string, number> }[];
  /** The precision and processor of each start (a resumed run may have moved machines); older runs have none. */
  precisions: Precision[];
}

interface MetricsLine {
  phase: Phase;
  step: number;
  seconds?: number;
  validation?: Record<string, number>;
  precision?: Precision;
}

/** One summary per phase present in `run`/metrics.jsonl, in training order. */
export function summarizeRun(run: string): PhaseSummary[] {
  const path = join(run, 'metrics.jsonl');
  if (!existsSync(path)) throw new Error(`${path} does not exist: ${run} is not a training run folder (mst train writes one)`);
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as MetricsLine);
  return PHASES.flatMap((phase): PhaseSummary[] => {
    const mine = lines.filter((l) => l.phase === phase);
    if (mine.length === 0) return [];
    const stepTimes = mine.filter((l) => l.seconds !== undefined).map((l) => l.seconds!);
    const sorted = [...stepTimes].sort((a, b) => a - b);
    return [{
      phase,
      steps: mine.reduce((most, l) => Math.max(most, l.step), 0),
      stepSeconds: stepTimes.reduce((a, b) => a + b, 0),
      medianStepSeconds: sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!,
      validations: mine.filter((l) => l.validation !== undefined).map((l) => ({ step: l.step, figures: l.validation! })),
      precisions: mine.filter((l) => l.precision !== undefined).map((l) => l.precision!),
    }];
  });
}
