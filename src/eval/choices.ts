/**
 * The evaluation's named choices, apart from the code behind them so that the command line can
 * list them without loading the engine: the judge's place, how its networks hear, the baselines
 * by name, and the default worked examples.
 */

/** Where the shipped judge lives (mst eval train-judge writes it there), from the project's folder. */
export const DEFAULT_JUDGE_FILE = 'models/judge/judge.safetensors';

/** How a judge's network hears its tiles (judge.ts JUDGE_VIEWS has exactly these keys). */
export const JUDGE_VIEW_NAMES = ['centred', 'raw'] as const;

/** The baselines of baselines.ts (BASELINES has exactly these keys). */
export const BASELINE_NAMES = ['identity', 'oracle', 'envelope'] as const;
export type BaselineName = (typeof BASELINE_NAMES)[number];

/** The report's worked examples: content:target instrument pairs. */
export const DEFAULT_EXAMPLES: [string, string][] = [['piano', 'guitar'], ['violin', 'cello'], ['flute', 'clarinet']];
