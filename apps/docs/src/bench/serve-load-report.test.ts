import { describe, expect, it } from 'vitest';
import { BenchReportError } from './bench-report.js';
import { parseServeLoadReport } from './serve-load-report.js';

/** A file of the shape bench/serve-load.mjs writes. The numbers are test inputs, not measurements. */
function report(level: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schema: 'yolokit.serve-load',
    version: 1,
    createdAt: '2026-01-01T00:00:00Z',
    command: 'node bench/serve-load.mjs',
    machine: { cpu: 'Test CPU', cores: 2, arch: 'x64', node: 'v20.0.0' },
    model: { file: 'yolov8n_int8.onnx', sha256: 'a'.repeat(64) },
    workers: 2,
    requestsPerMeasurement: 160,
    rounds: 3,
    throughput: [
      {
        connections: 4,
        inProcessImagesPerSecond: 20,
        httpImagesPerSecond: 19,
        ratio: 0.95,
        pairedRatio: 0.96,
        p50Ms: 150,
        p99Ms: 190,
        errors: 0,
        rounds: { inProcess: [20], http: [19] },
        cpuMsPerImage: { inProcessMainMs: 1.5, httpMainMs: 3.5, httpClientMs: 2.5 },
        httpExtraCpuShareOfCores: 0.04,
        loadAverage: { min: 0.5, max: 1 },
        ...level,
      },
    ],
    overload: { maxQueue: 8, connections: 64, requests: 320, statusCodes: { 200: 45, 429: 275 }, errors: 0 },
    memory: { requests: 5000, rssMiB: [440, 445], changePercent: 1.1, maxDeviationPercent: 1.1, errors: 0 },
    ...overrides,
  };
}

describe('parseServeLoadReport', () => {
  it('reads the levels, the CPU breakdown, overload and memory', () => {
    const parsed = parseServeLoadReport(report(), 's.json');
    expect(parsed.levels[0]).toEqual({
      connections: 4,
      inProcessImagesPerSecond: 20,
      httpImagesPerSecond: 19,
      ratio: 0.95,
      pairedRatio: 0.96,
      p50Ms: 150,
      p99Ms: 190,
      errors: 0,
      cpuMsPerImage: { inProcessMainMs: 1.5, httpMainMs: 3.5, httpClientMs: 2.5 },
      httpExtraCpuShareOfCores: 0.04,
      loadAverage: { min: 0.5, max: 1 },
    });
    expect(parsed.overload.statusCodes).toEqual({ 200: 45, 429: 275 });
    expect(parsed.memory.rssMiB).toEqual([440, 445]);
    expect(parsed.machine).toEqual({ cpu: 'Test CPU', cores: 2, node: 'v20.0.0' });
  });

  it('accepts a machine without /proc: no CPU breakdown', () => {
    const parsed = parseServeLoadReport(report({ cpuMsPerImage: undefined, httpExtraCpuShareOfCores: undefined }), 's.json');
    expect([parsed.levels[0].cpuMsPerImage, parsed.levels[0].httpExtraCpuShareOfCores]).toEqual([undefined, undefined]);
  });

  it('names the file and the field of what is wrong', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [report({}, { schema: 'yolokit.bench' }), 's.json: schema must be "yolokit.serve-load"'],
      [report({ ratio: 0 }), 's.json: throughput[0].ratio must be positive, got 0'],
      [report({ loadAverage: undefined }), 's.json: throughput[0].loadAverage must be an object, got nothing'],
      [report({}, { throughput: [] }), 's.json: throughput must be a non-empty array'],
      [report({}, { model: { file: 'm.onnx', sha256: 'xyz' } }), 's.json: model.sha256 must be 64 lowercase hex digits'],
      [report({}, { memory: { requests: 1, rssMiB: [1], changePercent: 0, maxDeviationPercent: 0, errors: 0 } }), 's.json: memory.rssMiB must be the RSS samples'],
    ];
    for (const [json, message] of cases) {
      expect(() => parseServeLoadReport(json, 's.json'), message).toThrow(BenchReportError);
      expect(() => parseServeLoadReport(json, 's.json'), message).toThrow(message);
    }
  });
});
