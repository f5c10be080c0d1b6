/**
 * Progress of long commands on stderr, so stdout stays for results. On a terminal a bar
 * (cli-progress); without one (a log file) a line now and then, or nothing for the rate meter.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(value: number): void;
  stop(): void;
}

/** A bar without a known total (seconds of audio): the amount done and the rate; silent without a terminal. */
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

export interface Counter {
  /** `value` of the total done; `detail` is shown beside the bar, `logDetail` in the log line. */
  update(value: number, detail: string, logDetail?: string): void;
  /** A line printed above the bar (which starts again at the next update). */
  note(line: string): void;
  stop(): void;
}

/**
 * Progress towards a known total (pieces, steps): `label ▓▓░ value/total unit | detail | ETA` on a
 * terminal; without one, `label value/total unit: detail` every `logEverySeconds` and at the end.
 */
export function progressTowards(label: string, unit: string, total: number, { logEverySeconds = 60 } = {}): Counter {
  if (!process.stderr.isTTY) {
    let lastLog = performance.now();
    return {
      update(value, detail, logDetail = detail) {
        if (value < total && performance.now() - lastLog < logEverySeconds * 1000) return;
        lastLog = performance.now();
        console.error(`${label} ${value}/${total} ${unit}: ${logDetail}`);
      },
      note: (line) => console.error(line),
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar({ format: `${label} {bar} {value}/{total} ${unit} | {detail} | ETA {eta_formatted}`, stream: process.stderr, etaBuffer: 50 }, cliProgress.Presets.shades_classic);
  let running = false;
  return {
    update(value, detail) {
      if (!running) bar.start(total, value, { detail });
      running = true;
      bar.update(value, { detail });
    },
    note(line) {
      if (running) bar.stop();
      running = false;
      console.error(line);
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
