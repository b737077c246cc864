/**
 * The part of `yolokit bench --json` output the "Compare strategies" page reads (issue 5's schema), and a
 * validator that says exactly what is wrong with a file that does not match, so a broken or hand-edited file
 * fails the docs build instead of drawing wrong charts.
 *
 * Read strictly: every configuration needs `strategy`, `concurrency`, `workers`, `threadsPerWorker`,
 * `throughput`, `latencyMs.{p50,p90,p95,p99}`, `eventLoopDelayP99Ms` and `peakRssBytes`; the top level needs
 * `machine` and `baselines.{bareRun,singleThread}`. Read loosely, because the schema is `yolokit bench`'s to
 * evolve: the list of configurations may be called `configurations` or `results`; a baseline may be a number
 * (images/s) or an object with `throughput`; `machine` is shown as whatever fields it has; unknown fields are
 * ignored.
 */

/** Latency percentiles of one configuration, in milliseconds. */
export interface BenchLatency {
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
}

/** One measured configuration: a strategy at a concurrency (requests in flight). */
export interface BenchConfiguration {
  readonly strategy: string;
  readonly concurrency: number;
  readonly workers: number;
  readonly threadsPerWorker: number;
  /** Images per second. */
  readonly throughput: number;
  readonly latencyMs: BenchLatency;
  /** The main thread's event-loop delay, 99th percentile, in milliseconds. */
  readonly eventLoopDelayP99Ms: number;
  /** Peak resident memory, summed over every process of the configuration, in bytes. */
  readonly peakRssBytes: number;
}

/** Reference throughputs (images/s) that make the configurations' numbers ratios. */
export interface BenchBaselines {
  /** A bare `session.run` on a ready tensor, no pre- or post-processing. */
  readonly bareRun: number;
  /** One instance with one intra-op thread, one request at a time. */
  readonly singleThread: number;
}

/** One `yolokit bench --json` file, as the page uses it. */
export interface BenchReport {
  /** The schema version the file declares, when it does. */
  readonly version: number | string | undefined;
  /** When it was measured (ISO 8601), when the file says. */
  readonly createdAt: string | undefined;
  /**
   * The model measured, when the file says: its file name (a path's last part: the folders are the recording
   * machine's and mean nothing to a reader), or a description.
   */
  readonly model: string | undefined;
  /** The model file's SHA-256 (64 hex digits), when the file records it (`model.sha256`, written by `bench:record`). */
  readonly modelSha256: string | undefined;
  /** The machine it was measured on, as the file describes it (CPU, cores, memory, OS, Node, runtimes...). */
  readonly machine: Readonly<Record<string, string | number | boolean>>;
  readonly baselines: BenchBaselines;
  readonly configurations: readonly BenchConfiguration[];
}

/** A bench file that does not have the shape the page needs; the message names the file and the field. */
export class BenchReportError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    message: string,
  ) {
    super(`${file}: ${field} ${message}`);
    this.name = 'BenchReportError';
  }
}

/** Validates and normalises a parsed bench file. `file` names it in error messages. */
export function parseBenchReport(json: unknown, file: string): BenchReport {
  const fail = (field: string, message: string): never => {
    throw new BenchReportError(file, field, message);
  };
  if (!isRecord(json)) return fail('the file', `must hold a JSON object (yolokit bench --json output), got ${describe(json)}`);

  const list = json.configurations ?? json.results;
  const listName = json.configurations !== undefined ? 'configurations' : 'results';
  if (!Array.isArray(list)) return fail('configurations', `must be an array of measured configurations, got ${describe(list)}`);
  if (list.length === 0) return fail(listName, 'is empty: the file holds no measurement');
  const configurations = list.map((entry, index) => parseConfiguration(entry, `${listName}[${index}]`, fail));

  if (!isRecord(json.baselines)) return fail('baselines', `must be an object { bareRun, singleThread }, got ${describe(json.baselines)}`);
  const baselines: BenchBaselines = {
    bareRun: baselineValue(json.baselines.bareRun, 'baselines.bareRun', fail),
    singleThread: baselineValue(json.baselines.singleThread, 'baselines.singleThread', fail),
  };

  if (!isRecord(json.machine)) return fail('machine', `must describe the machine measured on (CPU, cores, memory, OS, Node), got ${describe(json.machine)}`);
  const machine = flattenScalars(json.machine);
  if (Object.keys(machine).length === 0) return fail('machine', 'has no field: say which machine the numbers come from');

  const version = json.version ?? json.schemaVersion;
  const createdAt = json.createdAt ?? json.date ?? json.timestamp;
  return {
    version: typeof version === 'number' || typeof version === 'string' ? version : undefined,
    createdAt: typeof createdAt === 'string' ? createdAt : undefined,
    model: modelName(json.model),
    modelSha256: modelChecksum(json.model, fail),
    machine,
    baselines,
    configurations,
  };
}

function parseConfiguration(entry: unknown, at: string, fail: (field: string, message: string) => never): BenchConfiguration {
  if (!isRecord(entry)) return fail(at, `must be an object, got ${describe(entry)}`);
  const number = (key: string, value: unknown, check: 'positive' | 'non-negative' | 'positive-integer'): number => {
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (check === 'non-negative' ? value >= 0 : value > 0) &&
      (check !== 'positive-integer' || Number.isInteger(value));
    if (!ok) fail(`${at}.${key}`, `must be a ${check.replace('-', ' ')} number, got ${describe(value)}`);
    return value as number;
  };
  if (typeof entry.strategy !== 'string' || entry.strategy === '') return fail(`${at}.strategy`, `must be a strategy name, got ${describe(entry.strategy)}`);
  if (!isRecord(entry.latencyMs)) return fail(`${at}.latencyMs`, `must be an object { p50, p90, p95, p99 }, got ${describe(entry.latencyMs)}`);
  const latency = entry.latencyMs;
  const latencyMs: BenchLatency = {
    p50: number('latencyMs.p50', latency.p50, 'non-negative'),
    p90: number('latencyMs.p90', latency.p90, 'non-negative'),
    p95: number('latencyMs.p95', latency.p95, 'non-negative'),
    p99: number('latencyMs.p99', latency.p99, 'non-negative'),
  };
  if (!(latencyMs.p50 <= latencyMs.p90 && latencyMs.p90 <= latencyMs.p95 && latencyMs.p95 <= latencyMs.p99)) {
    fail(`${at}.latencyMs`, `percentiles must not decrease (p50 ≤ p90 ≤ p95 ≤ p99), got ${JSON.stringify(latency)}`);
  }
  return {
    strategy: entry.strategy,
    concurrency: number('concurrency', entry.concurrency, 'positive-integer'),
    workers: number('workers', entry.workers, 'positive-integer'),
    threadsPerWorker: number('threadsPerWorker', entry.threadsPerWorker, 'positive-integer'),
    throughput: number('throughput', entry.throughput, 'non-negative'),
    latencyMs,
    eventLoopDelayP99Ms: number('eventLoopDelayP99Ms', entry.eventLoopDelayP99Ms, 'non-negative'),
    peakRssBytes: number('peakRssBytes', entry.peakRssBytes, 'positive'),
  };
}

function baselineValue(value: unknown, field: string, fail: (field: string, message: string) => never): number {
  const throughput = isRecord(value) ? value.throughput : value;
  if (typeof throughput !== 'number' || !Number.isFinite(throughput) || throughput <= 0) {
    return fail(field, `must be a throughput in images/s (a positive number, or { throughput }), got ${describe(value)}`);
  }
  return throughput;
}

function modelName(value: unknown): string | undefined {
  if (typeof value === 'string') return fileName(value);
  if (!isRecord(value)) return undefined;
  for (const key of ['file', 'path', 'name']) if (typeof value[key] === 'string') return fileName(value[key] as string);
  return typeof value.description === 'string' ? value.description : undefined;
}

/** `/home/me/models/yolov8n.onnx` (or a Windows path) → `yolov8n.onnx`. */
function fileName(path: string): string {
  return path.split(/[/\\]/).filter(Boolean).pop() ?? path;
}

function modelChecksum(value: unknown, fail: (field: string, message: string) => never): string | undefined {
  if (!isRecord(value) || value.sha256 === undefined) return undefined;
  if (typeof value.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(value.sha256)) {
    return fail('model.sha256', `must be the model file's SHA-256 as 64 lowercase hex digits, got ${describe(value.sha256)}`);
  }
  return value.sha256;
}

/** `{ cpu: { model: 'X', cores: 2 }, node: 'v20' }` → `{ 'cpu.model': 'X', 'cpu.cores': 2, node: 'v20' }`. */
function flattenScalars(record: Record<string, unknown>, prefix = ''): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(record)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[name] = value;
    else if (Array.isArray(value) && value.every((item) => typeof item === 'string' || typeof item === 'number')) out[name] = value.join(', ');
    else if (isRecord(value)) Object.assign(out, flattenScalars(value, name));
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
