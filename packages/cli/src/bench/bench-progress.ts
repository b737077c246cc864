import type { CliOutput } from '../run-predict.js';

/** How `yolokit bench` reports progress while it runs (on stderr). */
export interface BenchProgress {
  /** A measurement starts: `label` names it (round, setup, concurrency). */
  measuring(label: string): void;
  /** Requests completed so far in the current measurement. */
  request(completed: number): void;
  /** A measurement ended; `line` is its one-line result. */
  measured(line: string): void;
  /** A line that is not a measurement (such as what auto chose). */
  note(line: string): void;
  stop(): void;
}

/**
 * A progress bar over the measurements when `stream` is a terminal (results logged above it), else one line
 * per measurement, `bench [k/N] ...`, so that logs and CI show progress too; nothing when `enabled` is false.
 */
export async function createBenchProgress(stream: CliOutput, total: number, enabled: boolean): Promise<BenchProgress> {
  if (!enabled) return { measuring() {}, request() {}, measured() {}, note() {}, stop() {} };
  if (!stream.isTTY) {
    let done = 0;
    return {
      measuring() {},
      request() {},
      measured(line) {
        done += 1;
        stream.write(`bench [${done}/${total}] ${line}\n`);
      },
      note(line) {
        stream.write(`bench ${line}\n`);
      },
      stop() {},
    };
  }
  const { default: progress } = await import('cli-progress');
  const multibar = new progress.MultiBar(
    {
      stream: stream as NodeJS.WritableStream,
      format: 'bench |{bar}| {value}/{total} measurements | {label} {requests} | {eta_formatted} left',
      hideCursor: false,
      clearOnComplete: true,
      etaBuffer: 8,
      fps: 5,
    },
    progress.Presets.shades_classic,
  );
  const bar = multibar.create(total, 0, { label: 'starting', requests: '' });
  return {
    measuring(label) {
      bar.update({ label, requests: '' });
    },
    request(completed) {
      bar.update({ requests: `${completed} done` });
    },
    measured(line) {
      multibar.log(`${line}\n`);
      bar.increment();
    },
    note(line) {
      multibar.log(`${line}\n`);
    },
    stop() {
      // Print the lines logged since the last redraw before the bar goes.
      multibar.update();
      multibar.stop();
    },
  };
}
