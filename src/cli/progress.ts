/**
 * A progress line for long commands (cli-progress), on stderr so stdout stays for results; it
 * stays silent when stderr is not a terminal.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(value: number): void;
  stop(): void;
}

/** A bar without a known total: shows the amount done and the rate. */
export function progressBar(label: string, unit: string): Progress {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} {value} ${unit} done | {rate} ${unit}/s`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  bar.start(1, 0, { rate: '0' });
  return {
    update(value: number) {
      const rate = value / ((performance.now() - started) / 1000);
      bar.update(Number(value.toFixed(1)), { rate: rate.toFixed(1) });
    },
    stop() {
      bar.stop();
    },
  };
}
