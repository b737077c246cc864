/**
 * The JSON that `node bench/serve-load.mjs --out FILE` writes (schema `yolokit.serve-load`, issue 17): `yolokit
 * serve` under load against the in-process predictor it wraps, and a validator that names the file and the field
 * of anything missing, so a broken or hand-edited file fails the docs build instead of showing wrong numbers.
 */
import { BenchReportError } from './bench-report';

/** One connection count: HTTP against the in-process predictor at the same concurrency. */
export interface ServeLoadLevel {
  /** HTTP connections, and as many in-process callers. */
  readonly connections: number;
  readonly inProcessImagesPerSecond: number;
  readonly httpImagesPerSecond: number;
  /** HTTP ÷ in-process, of the medians over the rounds. */
  readonly ratio: number;
  /** The median of each round's HTTP ÷ the in-process run next to it. */
  readonly pairedRatio: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Errors, timeouts and non-2xx answers over every HTTP round (0 below the queue limit). */
  readonly errors: number;
  /** CPU ms per image (medians over the rounds), when the machine had /proc to read them from. */
  readonly cpuMsPerImage: { readonly inProcessMainMs: number; readonly httpMainMs: number; readonly httpClientMs: number } | undefined;
  /** The CPU HTTP adds (main thread's extra and the client's) at the HTTP rate, as a share of every core (0..1). */
  readonly httpExtraCpuShareOfCores: number | undefined;
  /** The 1-minute load average over this level's rounds. */
  readonly loadAverage: { readonly min: number; readonly max: number };
}

/** One `bench/serve-load.mjs` file, as the compare page uses it. */
export interface ServeLoadReport {
  readonly createdAt: string;
  /** The exact command line. */
  readonly command: string;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly node: string };
  readonly model: { readonly file: string; readonly sha256: string };
  readonly workers: number;
  readonly requestsPerMeasurement: number;
  readonly rounds: number;
  readonly levels: readonly ServeLoadLevel[];
  /** A small queue under many connections: status code → count (only 200 and 429 expected). */
  readonly overload: { readonly maxQueue: number; readonly connections: number; readonly requests: number; readonly statusCodes: Readonly<Record<string, number>>; readonly errors: number };
  /** Resident memory of the server's process, sampled every tenth of a long run. */
  readonly memory: { readonly requests: number; readonly rssMiB: readonly number[]; readonly changePercent: number; readonly maxDeviationPercent: number; readonly errors: number };
}

type Fail = (field: string, message: string) => never;

/** Validates and normalises a parsed `yolokit.serve-load` file. `file` names it in error messages. */
export function parseServeLoadReport(json: unknown, file: string): ServeLoadReport {
  const fail: Fail = (field, message) => {
    throw new BenchReportError(file, field, message);
  };
  const root = record(json, 'the file', fail);
  if (root.schema !== 'yolokit.serve-load') fail('schema', `must be "yolokit.serve-load" (bench/serve-load.mjs --out), got ${describe(root.schema)}`);
  const machine = record(root.machine, 'machine', fail);
  const model = record(root.model, 'model', fail);
  const sha256 = text(model.sha256, 'model.sha256', fail);
  if (!/^[0-9a-f]{64}$/.test(sha256)) fail('model.sha256', `must be 64 lowercase hex digits, got ${describe(sha256)}`);
  if (!Array.isArray(root.throughput) || root.throughput.length === 0) fail('throughput', `must be a non-empty array of connection levels, got ${describe(root.throughput)}`);
  const levels = (root.throughput as unknown[]).map((entry, i) => parseLevel(entry, `throughput[${i}]`, fail));
  const overload = record(root.overload, 'overload', fail);
  const codes = record(overload.statusCodes, 'overload.statusCodes', fail);
  const memory = record(root.memory, 'memory', fail);
  if (!Array.isArray(memory.rssMiB) || memory.rssMiB.length < 2) fail('memory.rssMiB', `must be the RSS samples in MiB (at least 2), got ${describe(memory.rssMiB)}`);
  return {
    createdAt: text(root.createdAt, 'createdAt', fail),
    command: text(root.command, 'command', fail),
    machine: { cpu: text(machine.cpu, 'machine.cpu', fail), cores: count(machine.cores, 'machine.cores', fail), node: text(machine.node, 'machine.node', fail) },
    model: { file: text(model.file, 'model.file', fail), sha256 },
    workers: count(root.workers, 'workers', fail),
    requestsPerMeasurement: count(root.requestsPerMeasurement, 'requestsPerMeasurement', fail),
    rounds: count(root.rounds, 'rounds', fail),
    levels,
    overload: {
      maxQueue: count(overload.maxQueue, 'overload.maxQueue', fail),
      connections: count(overload.connections, 'overload.connections', fail),
      requests: count(overload.requests, 'overload.requests', fail),
      statusCodes: Object.fromEntries(Object.entries(codes).map(([code, n]) => [code, amount(n, `overload.statusCodes.${code}`, fail)])),
      errors: amount(overload.errors, 'overload.errors', fail),
    },
    memory: {
      requests: count(memory.requests, 'memory.requests', fail),
      rssMiB: (memory.rssMiB as unknown[]).map((v, i) => positive(v, `memory.rssMiB[${i}]`, fail)),
      changePercent: finite(memory.changePercent, 'memory.changePercent', fail),
      maxDeviationPercent: amount(memory.maxDeviationPercent, 'memory.maxDeviationPercent', fail),
      errors: amount(memory.errors, 'memory.errors', fail),
    },
  };
}

function parseLevel(entry: unknown, at: string, fail: Fail): ServeLoadLevel {
  const level = record(entry, at, fail);
  const load = record(level.loadAverage, `${at}.loadAverage`, fail);
  let cpu: ServeLoadLevel['cpuMsPerImage'];
  if (level.cpuMsPerImage !== undefined && level.cpuMsPerImage !== null) {
    const c = record(level.cpuMsPerImage, `${at}.cpuMsPerImage`, fail);
    cpu = {
      inProcessMainMs: amount(c.inProcessMainMs, `${at}.cpuMsPerImage.inProcessMainMs`, fail),
      httpMainMs: amount(c.httpMainMs, `${at}.cpuMsPerImage.httpMainMs`, fail),
      httpClientMs: amount(c.httpClientMs, `${at}.cpuMsPerImage.httpClientMs`, fail),
    };
  }
  return {
    connections: count(level.connections, `${at}.connections`, fail),
    inProcessImagesPerSecond: positive(level.inProcessImagesPerSecond, `${at}.inProcessImagesPerSecond`, fail),
    httpImagesPerSecond: positive(level.httpImagesPerSecond, `${at}.httpImagesPerSecond`, fail),
    ratio: positive(level.ratio, `${at}.ratio`, fail),
    pairedRatio: positive(level.pairedRatio, `${at}.pairedRatio`, fail),
    p50Ms: amount(level.p50Ms, `${at}.p50Ms`, fail),
    p99Ms: amount(level.p99Ms, `${at}.p99Ms`, fail),
    errors: amount(level.errors, `${at}.errors`, fail),
    cpuMsPerImage: cpu,
    httpExtraCpuShareOfCores: cpu === undefined ? undefined : finite(level.httpExtraCpuShareOfCores, `${at}.httpExtraCpuShareOfCores`, fail),
    loadAverage: { min: amount(load.min, `${at}.loadAverage.min`, fail), max: amount(load.max, `${at}.loadAverage.max`, fail) },
  };
}

function record(value: unknown, field: string, fail: Fail): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(field, `must be an object, got ${describe(value)}`);
  return value as Record<string, unknown>;
}

function text(value: unknown, field: string, fail: Fail): string {
  if (typeof value !== 'string' || value === '') return fail(field, `must be a non-empty string, got ${describe(value)}`);
  return value;
}

function finite(value: unknown, field: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fail(field, `must be a number, got ${describe(value)}`);
  return value;
}

function amount(value: unknown, field: string, fail: Fail): number {
  const n = finite(value, field, fail);
  if (n < 0) fail(field, `must not be negative, got ${n}`);
  return n;
}

function positive(value: unknown, field: string, fail: Fail): number {
  const n = finite(value, field, fail);
  if (n <= 0) fail(field, `must be positive, got ${n}`);
  return n;
}

function count(value: unknown, field: string, fail: Fail): number {
  const n = positive(value, field, fail);
  if (!Number.isInteger(n)) fail(field, `must be a whole number, got ${n}`);
  return n;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}
