/**
 * `yolokit predict --strategy S` gives the same JSON detections for every strategy: once through the real
 * flags, and once through the CLI's `predictor` seam with a factory built on createPredictor (the way a
 * program embeds the CLI with its own pool).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BackendName, type PredictorFactory, runCli } from '@yolokit/cli';
import { type BackendSpec, createPredictor, type Strategy } from '@yolokit/concurrency';
import { expect, it } from 'vitest';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';
import { onnxSpec, onnxWebSpec } from '@yolokit/backend-onnx/spec';
import { tfjsSpec } from '@yolokit/backend-tfjs/spec';

const MODEL = 'models/yolov8n_int8.onnx';
const COCO = 'coco32/images';

/** The backends `yolokit predict --backend` names, as specs any worker can import. */
const BACKEND_SPECS: Record<BackendName, BackendSpec> = {
  onnx: onnxSpec(),
  'onnx-web': onnxWebSpec(),
  tfjs: tfjsSpec(),
};

/** What `--strategy S --workers N` will plug into the CLI. */
function strategyPredictor(strategy: Strategy, workers?: number): PredictorFactory {
  return async (spec) => {
    const predictor = await createPredictor({ strategy, ...(workers ? { workers } : {}), model: { backend: BACKEND_SPECS[spec.backend], model: spec.model } });
    return {
      info: predictor.info!,
      concurrency: predictor.stats().concurrency,
      predict: (image, options) => predictor.predict(image, options),
      close: () => predictor.close(),
    };
  };
}

/** The report without timings, which differ from run to run. */
function withoutTimings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'speed').map(([key, v]) => [key, withoutTimings(v)]));
  }
  return value;
}

describeWithFixtures('concurrency: yolokit predict through each strategy', [MODEL, COCO], () => {
  it('writes the same JSON detections for locked, threads and processes as for the default in-process run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'yolokit-cli-strategies-'));
    const sink = { write: () => true };
    const reports: Record<string, unknown> = {};
    const runs: Array<[string, PredictorFactory | undefined, string[]]> = [
      ['default', undefined, []],
      ['locked', undefined, ['--strategy', 'locked']],
      ['threads', undefined, ['--strategy', 'threads', '--workers', '2', '--threads-per-worker', '1']],
      ['processes', undefined, ['--strategy', 'processes', '--workers', '2']],
      ['threads-seam', strategyPredictor('threads', 2), []],
    ];
    for (const [name, predictor, flags] of runs) {
      const json = join(dir, `${name}.json`);
      const code = await runCli(['predict', ...flags, '--model', fixturePath(MODEL), '--conf', '0.3', '--json', json, fixturePath(COCO)], {
        io: { stdout: sink, stderr: sink, cwd: dir },
        predictor,
      });
      expect(code, name).toBe(0);
      reports[name] = withoutTimings(JSON.parse(readFileSync(json, 'utf8')));
    }
    const results = (reports.default as { results: unknown[] }).results;
    expect(results).toHaveLength(32);
    for (const name of ['locked', 'threads', 'processes', 'threads-seam']) expect(reports[name], name).toEqual(reports.default);
  }, 300_000);
});
