// Regenerates the measured tables of README.md and of the docs page apps/docs/guide/queue-workers.md from the
// benchmark output files, so that no figure is typed by hand:
//   artifacts/worker-scaling.json    (written by bench/worker-scaling.mjs)
//   artifacts/processor-choice.json  (written by bench/processor-choice.mjs)
// Usage: node packages/queue/scripts/tables.mjs
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const targets = [join(here, '../README.md'), join(here, '../../../apps/docs/guide/queue-workers.md')];
const sections = {};

const when = (report) => report.date.slice(0, 16).replace('T', ' ');

const scalingPath = join(here, '../artifacts/worker-scaling.json');
if (existsSync(scalingPath)) {
  const r = JSON.parse(readFileSync(scalingPath, 'utf8'));
  sections['worker-scaling'] = [
    `Run of ${when(r)} UTC, ${r.machine.cpu} × ${r.machine.cores}, Node ${r.machine.node}, ${r.model}, ${r.images} = ${r.predictions} predictions by path, ` +
      `${r.concurrencyPerWorker} jobs held per worker, median of ${r.rounds} rounds (1-minute load average during the run: ${r.machine.loadAverage1m.join(', ')}):`,
    '',
    '| worker processes | images/s (median) | × one instance | images/s (best round) | in flight | latency p50 / p99 (ms) | rounds (images/s) |',
    '|---|---|---|---|---|---|---|',
    `| one instance in-process, sequential (baseline) | ${r.baseline.imagesPerSecond.toFixed(2)} | 1.00 | ${Math.max(...r.baseline.rounds).toFixed(2)} | 1 | - | ${r.baseline.rounds.join(', ')} |`,
    ...r.rows.map(
      (row) =>
        `| ${row.workerProcesses} | ${row.imagesPerSecond.toFixed(2)} | ${row.ratioToBaseline.toFixed(2)} | ${row.bestImagesPerSecond.toFixed(2)} | ${row.inFlight} | ${row.latencyP50Ms} / ${row.latencyP99Ms} | ${row.rounds.join(', ')} |`,
    ),
    '',
    `Command: \`${r.command}\``,
  ].join('\n');
}

const choicePath = join(here, '../artifacts/processor-choice.json');
if (existsSync(choicePath)) {
  const r = JSON.parse(readFileSync(choicePath, 'utf8'));
  sections['processor-choice'] = [
    `Run of ${when(r)} UTC, ${r.machine.cpu} × ${r.machine.cores}, Node ${r.machine.node}, ${r.model}, ${r.predictions} predictions, median of ${r.rounds} rounds:`,
    '',
    '| where the models run | images/s (median) | first result after start (ms) | rounds (images/s) | a model that cannot load, 20 jobs waiting |',
    '|---|---|---|---|---|',
    ...r.rows.map(
      (row) =>
        `| ${row.kind} | ${row.imagesPerSecond.toFixed(2)} | ${row.firstResultMs} | ${row.rounds.join(', ')} | worker ${row.badModel.worker}; ${row.badModel.jobsDeadLettered} jobs dead-lettered |`,
    ),
  ].join('\n');
}

for (const target of targets) {
  let text = readFileSync(target, 'utf8');
  for (const [name, body] of Object.entries(sections)) {
    const pattern = new RegExp(`<!-- ${name}:start -->[\\s\\S]*?<!-- ${name}:end -->`);
    if (!pattern.test(text)) throw new Error(`${target} has no <!-- ${name}:start --> ... <!-- ${name}:end --> section`);
    text = text.replace(pattern, `<!-- ${name}:start -->\n${body}\n<!-- ${name}:end -->`);
  }
  writeFileSync(target, text);
}
console.log(`tables regenerated in ${targets.length} files: ${Object.keys(sections).join(', ')}`);
