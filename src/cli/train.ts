/**
 * `mst train features|autoencoder|diffusion|paired|refine|all [--config file] [--key=value …]`:
 * the seed's two-phase training (after the loss network's own), or the content-conditioned paired
 * model's and its refiner's, resumable: run the same command again after an interruption and it continues from the
 * last saved state.
 */
import { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { progressTowards } from './progress.js';
import { PHASES, SEED_PHASES, PHASE_DEFAULTS, checkTrainConfig, type Phase, type TrainConfig } from '../train/config.js';
import { applyOverrides } from './overrides.js';

/** Settings whose value is a choice of types (checked by checkTrainConfig). */
const CHOICE_SETTINGS = ['bf16'] as const;

/** The phase's defaults, then a JSON file of settings, then --key=value overrides. */
export function resolveTrainConfig(phase: Phase, file: string | undefined, overrides: string[]): TrainConfig {
  let config: TrainConfig = structuredClone(PHASE_DEFAULTS[phase]);
  if (file !== undefined) {
    if (!existsSync(file)) throw new Error(`--config: ${file} does not exist`);
    const settings = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    delete settings.phase; // the command names the phase
    config = applyOverrides(config, Object.entries(settings).map(([k, v]) => `--${k}=${JSON.stringify(v)}`), 'training', CHOICE_SETTINGS);
  }
  return checkTrainConfig(applyOverrides(config, overrides, 'training', CHOICE_SETTINGS));
}

/** Line-per-interval progress where stderr is not a terminal (logs of background runs). */
async function trainPhase(config: TrainConfig): Promise<void> {
  console.error(`training ${config.phase}: ${JSON.stringify(config)}`);
  const bar = progressTowards(config.phase, 'steps', config.steps);
  const figuresLine = (figures: Record<string, number>) => Object.entries(figures).map(([k, v]) => `${k} ${v.toPrecision(4)}`).join(', ');
  const { runPhase } = await import('../train/run.js'); // the engine loads here, not for mst --help
  const result = await runPhase(config, {
    log: (message) => console.error(message),
    onStep: (position, figures) => bar.update(position.step, `loss ${figures.loss!.toFixed(4)}`, figuresLine(figures)),
    onValidation: (step, figures) => bar.note(`${config.phase} validation at step ${step}: ${figuresLine(figures)}`),
  });
  bar?.stop();
  console.log(JSON.stringify({ phase: config.phase, steps: result.position.step, seconds: Number(result.seconds.toFixed(1)), validation: result.validation, output: result.output }));
}

/** `mst train summary [--run=dir] [--json]`: each phase's steps, step time and validations. */
async function printSummary(args: string[]): Promise<void> {
  const unknown = args.filter((a) => !a.startsWith('--run=') && a !== '--json');
  if (unknown.length > 0) throw new RangeError(`train summary: unknown option ${unknown[0]}; options: --run=dir, --json`);
  const run = args.find((a) => a.startsWith('--run='))?.slice('--run='.length) ?? PHASE_DEFAULTS.features.run;
  const [{ summarizeRun }, { precisionName }] = await Promise.all([import('../train/summary.js'), import('../train/precision.js')]);
  const summaries = summarizeRun(run);
  if (args.includes('--json')) {
    console.log(JSON.stringify(summaries));
    return;
  }
  const figures = (f: Record<string, number>) => Object.entries(f).map(([k, v]) => `${k} ${v.toPrecision(4)}`).join(', ');
  for (const s of summaries) {
    console.log(`${s.phase}: ${s.steps} steps, ${(s.stepSeconds / 3600).toFixed(2)} h of steps (median ${s.medianStepSeconds.toFixed(3)} s per step)`);
    for (const p of new Set(s.precisions.map((p) => `${precisionName(p)} on ${p.processor}`))) console.log(`  ${p}`);
    for (const v of s.validations) console.log(`  validation at step ${v.step}: ${figures(v.figures)}`);
  }
}

export function trainCommand(): Command {
  return new Command('train')
    .description("train the loss network, the seed's autoencoder (phase 1) and diffusion model (phase 2), or the paired model and its refiner; run again to resume")
    .argument('<phase>', `${PHASES.join(', ')}; all: the seed's ${SEED_PHASES.join(', ')} in that order; summary: what a run's metrics say (--run=dir)`)
    .argument('[overrides...]', 'settings as --key=value, e.g. --steps=5000 --bf16=false')
    .option('--config <file>', 'a JSON file of settings (on top of the phase defaults)')
    .allowUnknownOption()
    .action(async (phase: string, _overrides: string[], options: { config?: string }, command: Command) => {
      const extra = command.args.filter((a) => a.startsWith('--'));
      if (phase === 'summary') return printSummary(extra);
      if (phase !== 'all' && !(PHASES as readonly string[]).includes(phase)) throw new RangeError(`train: Expected ${PHASES.join(', ')}, all or summary for the phase but received ${phase}`);
      const phases = phase === 'all' ? [...SEED_PHASES] : [phase as Phase];
      const configs = phases.map((p) => resolveTrainConfig(p, options.config, extra)); // every config checked before any training
      for (const config of configs) await trainPhase(config);
    });
}
