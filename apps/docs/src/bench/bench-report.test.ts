import { describe, expect, it } from 'vitest';
import { BenchReportError, parseBenchReport } from './bench-report.js';

/** A file of the documented shape. The numbers are test inputs, not measurements. */
function report(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: 1,
    createdAt: '2026-01-01T00:00:00Z',
    model: { path: 'yolov8n_int8.onnx' },
    machine: { cpu: { model: 'Test CPU', cores: 2 }, memoryBytes: 1024, os: 'linux', node: 'v20.0.0' },
    baselines: { bareRun: 10, singleThread: { throughput: 5 } },
    configurations: [
      { strategy: 'threads', concurrency: 4, workers: 2, threadsPerWorker: 1, throughput: 9, latencyMs: { p50: 1, p90: 2, p95: 3, p99: 4 }, eventLoopDelayP99Ms: 5, peakRssBytes: 6 },
    ],
    ...overrides,
  };
}

describe('parseBenchReport', () => {
  it('reads the documented fields and normalises the loose ones', () => {
    const parsed = parseBenchReport(report(), 'a.json');
    expect(parsed.baselines).toEqual({ bareRun: 10, singleThread: 5 });
    expect(parsed.model).toBe('yolov8n_int8.onnx');
    expect(parsed.version).toBe(1);
    expect(parsed.machine).toEqual({ 'cpu.model': 'Test CPU', 'cpu.cores': 2, memoryBytes: 1024, os: 'linux', node: 'v20.0.0' });
    expect(parsed.configurations[0]).toEqual({
      strategy: 'threads',
      concurrency: 4,
      workers: 2,
      threadsPerWorker: 1,
      throughput: 9,
      latencyMs: { p50: 1, p90: 2, p95: 3, p99: 4 },
      eventLoopDelayP99Ms: 5,
      peakRssBytes: 6,
    });
  });

  it("names the model by its file, never the recording machine's folders, with its checksum", () => {
    const sha256 = 'ab'.repeat(32);
    for (const path of ['/work/shared/fixtures/models/yolov8n_int8.onnx', 'C:\\models\\yolov8n_int8.onnx']) {
      const parsed = parseBenchReport(report({ model: { path, sha256 } }), 'a.json');
      expect([parsed.model, parsed.modelSha256]).toEqual(['yolov8n_int8.onnx', sha256]);
    }
    expect(parseBenchReport(report(), 'a.json').modelSha256).toBeUndefined();
    expect(() => parseBenchReport(report({ model: { path: 'm.onnx', sha256: 'abc' } }), 'a.json')).toThrow(
      "a.json: model.sha256 must be the model file's SHA-256 as 64 lowercase hex digits, got \"abc\"",
    );
  });

  it('accepts the list of configurations under "results"', () => {
    const { configurations, ...rest } = report();
    expect(parseBenchReport({ ...rest, results: configurations }, 'a.json').configurations).toHaveLength(1);
  });

  it.each([
    [{ configurations: [] }, 'a.json: configurations is empty: the file holds no measurement'],
    [{ configurations: undefined }, 'a.json: configurations must be an array of measured configurations, got nothing'],
    [{ baselines: { bareRun: 10 } }, 'a.json: baselines.singleThread must be a throughput in images/s (a positive number, or { throughput }), got nothing'],
    [{ machine: {} }, 'a.json: machine has no field: say which machine the numbers come from'],
    [{ machine: 'mine' }, 'a.json: machine must describe the machine measured on (CPU, cores, memory, OS, Node), got "mine"'],
  ])('names the file and the field that is wrong: %j', (overrides, message) => {
    expect(() => parseBenchReport(report(overrides), 'a.json')).toThrow(BenchReportError);
    expect(() => parseBenchReport(report(overrides), 'a.json')).toThrow(message);
  });

  it.each([
    ['concurrency', 0, 'configurations[0].concurrency must be a positive integer number, got 0'],
    ['workers', 1.5, 'configurations[0].workers must be a positive integer number, got 1.5'],
    ['throughput', '9', 'configurations[0].throughput must be a non negative number, got "9"'],
    ['eventLoopDelayP99Ms', undefined, 'configurations[0].eventLoopDelayP99Ms must be a non negative number, got nothing'],
    ['latencyMs', { p50: 1, p90: 2, p95: 3 }, 'configurations[0].latencyMs.p99 must be a non negative number, got nothing'],
    ['latencyMs', { p50: 5, p90: 2, p95: 3, p99: 4 }, 'configurations[0].latencyMs percentiles must not decrease'],
    ['strategy', '', 'configurations[0].strategy must be a strategy name, got ""'],
  ])('rejects configurations[0].%s = %j', (key, value, message) => {
    const base = report();
    const configuration = { ...(base.configurations as Record<string, unknown>[])[0], [key]: value };
    expect(() => parseBenchReport({ ...base, configurations: [configuration] }, 'a.json')).toThrow(message);
  });

  it('rejects what is not an object', () => {
    expect(() => parseBenchReport([], 'a.json')).toThrow('a.json: the file must hold a JSON object (yolokit bench --json output), got an array of 0');
  });
});
