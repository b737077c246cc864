// Regenerates the measured tables of README.md from the benchmark output files, so that no figure in the
// README is typed by hand:
//   test/artifacts/concurrency-throughput.json  (written by test/concurrency-throughput.test.ts)
//   packages/concurrency/artifacts/process-pool-choice.json  (written by bench/process-pool-choice.mjs)
// Usage: node packages/concurrency/scripts/readme-tables.mjs
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const readmePath = join(here, '../README.md');
let readme = readFileSync(readmePath, 'utf8');

function replaceSection(name, body) {
  const pattern = new RegExp(`<!-- ${name}:start -->[\\s\\S]*?<!-- ${name}:end -->`);
  if (!pattern.test(readme)) throw new Error(`README.md has no <!-- ${name}:start --> ... <!-- ${name}:end --> section`);
  readme = readme.replace(pattern, `<!-- ${name}:start -->\n${body}\n<!-- ${name}:end -->`);
}

const throughputPath = join(here, '../../../test/artifacts/concurrency-throughput.json');
if (existsSync(throughputPath)) {
  const report = JSON.parse(readFileSync(throughputPath, 'utf8'));
  const lines = [
    `Run of ${report.date.slice(0, 16).replace('T', ' ')} UTC, ${report.machine.cpu} × ${report.machine.cores}, Node ${report.machine.node}, ${report.images}, ${report.inFlight} in flight, median of ${report.rounds} rounds:`,
    '',
    '| strategy | workers × threads | images/s (median) | × baseline | images/s (best round) | × baseline (best) | event-loop delay p99 (ms) | rounds (images/s) |',
    '|---|---|---|---|---|---|---|---|',
    ...report.rows.map(
      (r) =>
        `| ${r.strategy} | ${r.workers} × ${r.threadsPerWorker} | ${r.imagesPerSecond.toFixed(2)} | ${r.ratioToBaseline.toFixed(2)} | ${r.bestImagesPerSecond?.toFixed(2) ?? '-'} | ${r.bestRatioToBaseline?.toFixed(2) ?? '-'} | ${r.eventLoopDelayP99Ms.toFixed(1)} | ${r.rounds.join(', ')} |`,
    ),
  ];
  replaceSection('throughput', lines.join('\n'));
}

const poolPath = join(here, '../artifacts/process-pool-choice.json');
if (existsSync(poolPath)) {
  const report = JSON.parse(readFileSync(poolPath, 'utf8'));
  const lines = [
    `Run of ${report.date.slice(0, 16).replace('T', ' ')} UTC, Node ${report.node}, ${report.tasks} tasks of ${report.payloadBytes / 1000} kB:`,
    '',
    '| process pool | µs per task (IPC overhead) |',
    '|---|---|',
    ...Object.entries(report.overheadMicrosecondsPerTask).map(([name, value]) => `| ${name} | ${value} |`),
    '',
    `Spawning a process worker and loading yolov8n_int8 in it (what a kill-to-cancel costs before the next task): ${report.modelLoadMs} ms (median of 3).`,
  ];
  replaceSection('process-pool', lines.join('\n'));
}
writeFileSync(readmePath, readme);
console.log('README.md tables regenerated');
