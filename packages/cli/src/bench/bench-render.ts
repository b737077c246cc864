import type { BenchConfigurationJson, BenchJson } from './bench-json.js';

/** A table as rows of cells, the first row its header. */
type Table = string[][];

const fixed = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const times = (value: number): string => `${value.toFixed(2)}×`;
const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;

function setup(c: Pick<BenchConfigurationJson, 'strategy' | 'workers' | 'threadsPerWorker'>): string {
  return `${c.strategy} ${c.workers}×${c.threadsPerWorker}`;
}

/** The configurations, best first, as table rows. */
function configurationTable(json: BenchJson): Table {
  const header = [
    '#',
    'setup',
    'in flight',
    'images/s',
    'rounds min–max',
    '× bare run',
    '× 1 thread',
    'p50 ms',
    'p90 ms',
    'p95 ms',
    'p99 ms',
    'wait p50 ms',
    'compute ms',
    'event loop p99 ms',
    'peak RSS',
    'CPU busy cores',
  ];
  const rows = json.configurations.map((c) => [
    String(c.rank),
    setup(c),
    String(c.concurrency),
    fixed(c.throughput, 2),
    `${fixed(c.spread.min, 2)}–${fixed(c.spread.max, 2)}`,
    times(c.ratios.bareRun),
    times(c.ratios.singleThread),
    fixed(c.latencyMs.p50),
    fixed(c.latencyMs.p90),
    fixed(c.latencyMs.p95),
    fixed(c.latencyMs.p99),
    fixed(c.waitMs.p50),
    `${fixed(c.computeMs.total)} (${fixed(c.computeMs.preprocess)}+${fixed(c.computeMs.inference)}+${fixed(c.computeMs.postprocess)})`,
    fixed(c.eventLoopDelayP99Ms),
    mib(c.peakRssBytes),
    `${fixed(c.cpu.busyCores, 2)} (${percent(c.cpu.utilization)})`,
  ]);
  return [header, ...rows];
}

function baselineTable(json: BenchJson): Table {
  const s = json.baselines.singleThread;
  const rows = [
    ['single instance, 1 thread, 1 in flight (whole pipeline)', '1×1', fixed(s.throughput, 2), `${fixed(s.spread.min, 2)}–${fixed(s.spread.max, 2)}`, fixed(s.latencyMs.p50), fixed(s.cpu.msPerImage), fixed(s.eventLoopDelayP99Ms)],
    ...json.baselines.bareRunByParallelism.map((b) => [
      'bare session.run on a ready tensor',
      `${b.workers}×${b.threadsPerWorker}`,
      fixed(b.throughput, 2),
      `${fixed(b.spread.min, 2)}–${fixed(b.spread.max, 2)}`,
      fixed(b.latencyMs.p50),
      fixed(b.cpu.msPerImage),
      fixed(b.eventLoopDelayP99Ms),
    ]),
  ];
  return [['baseline', 'workers × threads', 'images/s', 'rounds min–max', 'p50 ms', 'CPU ms/image', 'event loop p99 ms'], ...rows];
}

/** The summary lines: best setup, its ratios, auto, the event loop. */
export function summaryLines(json: BenchJson): string[] {
  const { summary } = json;
  const best = summary.best;
  const lines = [
    `best: ${setup(best)} at ${best.concurrency} in flight, ${fixed(best.throughput, 2)} images/s`,
    `  = ${fixed(summary.sdkOverhead.ratio, 3)}× a bare session.run at ${best.workers}×${best.threadsPerWorker} (rounds: ${summary.sdkOverhead.rounds.map((r) => fixed(r, 3)).join(', ')})`,
    `  = ${fixed(summary.scaling.ratio, 2)}× one single-threaded instance (rounds: ${summary.scaling.rounds.map((r) => fixed(r, 2)).join(', ')})`,
  ];
  if (summary.auto) {
    const auto = summary.auto;
    lines.push(`auto chose ${auto.strategy} ${auto.workers}×${auto.threadsPerWorker}: ${fixed(auto.throughput, 2)} images/s at ${auto.concurrency} in flight = ${fixed(auto.ratioToBest, 3)}× the best`);
    if (auto.peak) lines.push(`  its highest: ${fixed(auto.peak.throughput, 2)} images/s at ${auto.peak.concurrency} in flight = ${fixed(auto.peak.ratioToBest, 3)}× the best`);
    if (auto.chosenSetupInSweep) {
      lines.push(
        `  the setup it chose, as the sweep measured it: ${fixed(auto.chosenSetupInSweep.throughput, 2)} images/s at ${auto.chosenSetupInSweep.concurrency} in flight = ${fixed(auto.chosenSetupInSweep.ratioToBest, 3)}× the best`,
      );
    }
  }
  const loop = Object.entries(summary.eventLoopDelayP99MsAtFullLoad)
    .map(([strategy, ms]) => `${strategy} ${fixed(ms)} ms`)
    .join(', ');
  lines.push(`event-loop delay p99 at full load: ${loop}`);
  const post = summary.postprocess;
  if (post) {
    lines.push(
      `${post.task ?? 'model'} postprocess: ${fixed(post.medianMs, 2)} ms per image (median) = ${percent(post.ratioToInference)} of inference (${fixed(post.inferenceMedianMs, 1)} ms), one single-threaded instance`,
    );
  }
  return lines;
}

function header(json: BenchJson): string[] {
  const m = json.machine;
  const settings = json.settings;
  const limit = settings.requests !== null ? `${settings.requests} requests` : `${(settings.durationMs ?? 0) / 1000} s`;
  return [
    `yolokit bench: ${json.model.path} (${json.model.task ? `${json.model.task}, ` : ''}${json.model.runtime}, input ${json.model.inputSize.join('x')}), ${json.images.count} images`,
    `${m.cpu.model} × ${m.cpu.cores}, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${m.os.distribution ?? m.os.platform} ${m.os.release}, Node ${m.node}`,
    `${settings.rounds} rounds of ${limit} per configuration, medians; load average ${fixed(json.environment.loadAverage.start, 2)} at start, ${fixed(json.environment.loadAverage.end, 2)} at end; ${fixed(json.environment.wallSeconds, 0)} s in all`,
    ...(settings.redis === undefined
      ? []
      : [`queue: yolokit worker processes on this machine (N×K: N processes, one instance of K threads each), through ${settings.redis === 'private' ? 'a private redis-server on this machine' : `Redis at ${settings.redis}`} (not counted in memory or CPU)`]),
  ];
}

/** Aligned plain-text columns. */
function textTable(table: Table): string {
  const widths = table[0].map((_, column) => Math.max(...table.map((row) => row[column].length)));
  return table.map((row) => row.map((cell, column) => (column <= 1 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ')).join('\n');
}

function markdownTable(table: Table): string {
  const [head, ...rows] = table;
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/** What `yolokit bench` prints at the end: the header, the configurations best first, the baselines, the summary. */
export function renderText(json: BenchJson): string {
  return [...header(json), '', textTable(configurationTable(json)), '', textTable(baselineTable(json)), '', ...summaryLines(json), ''].join('\n');
}

/** The same as Markdown, for `--markdown FILE`. */
export function renderMarkdown(json: BenchJson): string {
  return [
    '# yolokit bench',
    '',
    ...header(json).map((line) => `${line}  `),
    '',
    `\`${json.command}\``,
    '',
    '## Configurations, best first',
    '',
    markdownTable(configurationTable(json)),
    '',
    '"wait" is latency not spent in the model (queue, transfer); "compute" is preprocess + inference + postprocess as the model timed them.',
    '',
    '## Baselines',
    '',
    markdownTable(baselineTable(json)),
    '',
    '## Summary',
    '',
    ...summaryLines(json).map((line) => (line.startsWith('  ') ? `  - ${line.trim()}` : `- ${line}`)),
    '',
  ].join('\n');
}
