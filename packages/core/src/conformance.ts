/**
 * The backend conformance suite: one set of checks, written once, that every {@link Backend} must pass
 * (onnxruntime-node, onnxruntime-web, TF.js, and any third-party backend). It defines tests through the test
 * framework you hand it, so core depends on none:
 *
 * ```ts
 * import { afterAll, describe, expect, it } from 'vitest';
 * import { backendConformanceSuite } from '@yolokit/core/conformance';
 * import { myBackend } from 'my-backend';
 *
 * backendConformanceSuite(
 *   {
 *     backend: () => myBackend(),
 *     validModel: 'models/yolov8n.onnx',
 *     expected: { layout: 'NCHW', inputShape: [1, 3, 640, 640], outputShape: [1, 84, 8400], classCount: 80 },
 *     invalidModel: 'models/not-a-model.onnx',
 *     missingModel: 'models/does-not-exist.onnx',
 *     twoOutputModel: { model: 'models/yolov8n-seg.onnx', outputShapes: [[1, 116, 8400], [1, 32, 160, 160]] },
 *     classifyModel: { model: 'models/yolov8n-cls.onnx', outputShape: [1, 1000] },
 *     skip: [],
 *   },
 *   { describe, it, expect, afterAll },
 * );
 * ```
 *
 * @packageDocumentation
 */
import { BACKEND_CONTRACT_VERSION, type Backend, type BackendSession, type Float32Tensor, type ModelSource, type TensorLayout } from './backend.js';
import { InvalidOptionError, YoloError } from './errors.js';
import { parseUltralyticsMetadata } from './metadata.js';
import { resolveTaskLayout } from './task-layout.js';

/** Every check of the suite, by id, in the order they are defined. Use the ids in `skip`. */
export const CONFORMANCE_CHECKS = Object.freeze([
  'contract',
  'input-shape',
  'output-shape',
  'layout',
  'metadata',
  'runtime',
  'run-zero',
  'run-values',
  'run-repeatable',
  'run-concurrent',
  'run-bad-input',
  'dispose-idempotent',
  'run-after-dispose',
  'invalid-model',
  'missing-model',
  'load-aborted',
  'two-outputs',
  'classify-output',
] as const);

/** The id of one conformance check. */
export type ConformanceCheck = (typeof CONFORMANCE_CHECKS)[number];

const DESCRIPTIONS: Readonly<Record<ConformanceCheck, string>> = {
  contract: 'declares a name and the current contract version',
  'input-shape': 'reports the image input first, with its shape (-1 for dynamic dimensions)',
  'output-shape': 'reports the detection output first, with its shape',
  layout: "reports the image input's layout",
  metadata: "exposes the model's own metadata (Ultralytics' names among it)",
  runtime: 'says what runs the model',
  'run-zero': 'runs a zero image and returns float32 outputs of the reported shapes with finite values',
  'run-values': 'runs a gray image and returns finite, not all zero, values',
  'run-repeatable': 'gives the same output for the same input and never reuses or aliases returned buffers or the input',
  'run-concurrent': 'gives overlapping calls the same results as sequential ones',
  'run-bad-input': 'rejects an input of the wrong shape with a YoloError',
  'dispose-idempotent': 'disposes once however many times dispose() is called',
  'run-after-dispose': 'rejects run() after dispose() with code DISPOSED',
  'invalid-model': 'rejects a file that is not a model with code MODEL_INVALID',
  'missing-model': 'rejects a path that does not exist with code MODEL_NOT_FOUND',
  'load-aborted': 'rejects a load whose signal is already aborted with code ABORTED',
  'two-outputs': "runs a segmentation model and returns both of its outputs (detections and mask prototypes) in its reported outputs' order",
  'classify-output': 'runs a classification model and returns its one output, [1, classes] probabilities that sum to 1',
};

/** What the valid model must look like through the backend. */
export interface ConformanceExpectation {
  readonly layout: TensorLayout;
  /** The image input's shape; `-1` for dynamic dimensions. */
  readonly inputShape: readonly number[];
  /** The detection output's shape (for the input size the model runs at by default). */
  readonly outputShape: readonly number[];
  /** The class count in the model's metadata, when it has Ultralytics metadata. */
  readonly classCount?: number;
}

/** Options of {@link backendConformanceSuite}. */
export interface BackendConformanceOptions {
  /** Creates the backend under test (called once per suite). */
  readonly backend: () => Backend;
  /** A YOLO detection model this backend loads. */
  readonly validModel: ModelSource;
  readonly expected: ConformanceExpectation;
  /** Something that exists but is not a model this backend loads (`MODEL_INVALID`). */
  readonly invalidModel: ModelSource;
  /** A path that does not exist (`MODEL_NOT_FOUND`). Without it, `'missing-model'` must be listed in `skip`. */
  readonly missingModel?: ModelSource;
  /**
   * A model with two outputs, an Ultralytics segmentation export (detections and mask prototypes), and its
   * output shapes in any order. Without it, `'two-outputs'` must be listed in `skip`.
   */
  readonly twoOutputModel?: { readonly model: ModelSource; readonly outputShapes: readonly (readonly number[])[] };
  /**
   * A classification model (an Ultralytics classify export: one output of class probabilities, the softmax in the
   * graph) and that output's shape `[1, classes]`. Without it, `'classify-output'` is reported as skipped (this
   * check came after the others, so suites written before it keep running).
   */
  readonly classifyModel?: { readonly model: ModelSource; readonly outputShape: readonly number[] };
  /**
   * Checks not to run, by id (see {@link CONFORMANCE_CHECKS}). They are reported as skipped tests, so that
   * a backend's gaps stay visible.
   * @defaultValue []
   */
  readonly skip?: readonly ConformanceCheck[];
  /**
   * Name of the `describe` block.
   * @defaultValue `"backend conformance: <backend name>"`
   */
  readonly name?: string;
  /**
   * Timeout of each check, in milliseconds.
   * @defaultValue 120000
   */
  readonly timeout?: number;
  /**
   * Input size `[height, width]` for dynamic inputs.
   * @defaultValue the model's `imgsz` metadata, else 640×640
   */
  readonly imgsz?: readonly [number, number];
}

/** The assertions the suite uses; vitest's and jest's `expect` provide them. */
export interface ConformanceMatchers {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toBeGreaterThan(expected: number): void;
  toBeLessThanOrEqual(expected: number): void;
}

/** A test framework's `it`/`test`, with `skip` where it has one. */
export interface ConformanceIt {
  (name: string, body: () => Promise<void>, timeout?: number): void;
  skip?: (name: string, body: () => Promise<void>) => void;
}

/** The test framework the suite defines its tests with. */
export interface ConformanceHarness {
  describe(name: string, body: () => void): void;
  it: ConformanceIt;
  expect(actual: unknown, message?: string): ConformanceMatchers;
  /** When given, one session serves the read-only checks and is disposed here; otherwise each check loads its own. */
  afterAll?(body: () => Promise<void>): void;
}

const NOT_REJECTED = Symbol('not rejected');

/**
 * Defines the conformance checks for one backend and model with the given test framework. Checks listed in
 * `options.skip` are defined as skipped tests (or left out when the framework has no `it.skip`).
 *
 * @throws `InvalidOptionError` for an unknown check id in `skip`, or when neither `missingModel` is given nor
 * `'missing-model'` skipped.
 */
export function backendConformanceSuite(options: BackendConformanceOptions, harness: ConformanceHarness): void {
  const skip = new Set<string>(options.skip ?? []);
  for (const id of skip) {
    if (!(CONFORMANCE_CHECKS as readonly string[]).includes(id)) {
      throw new InvalidOptionError('options.skip', `options.skip lists '${id}', which is not a check; the checks are ${CONFORMANCE_CHECKS.join(', ')}`);
    }
  }
  if (options.missingModel === undefined && !skip.has('missing-model')) {
    throw new InvalidOptionError('options.missingModel', "give options.missingModel (a path that does not exist) or list 'missing-model' in options.skip");
  }
  if (options.twoOutputModel === undefined && !skip.has('two-outputs')) {
    throw new InvalidOptionError('options.twoOutputModel', "give options.twoOutputModel (a segmentation model) or list 'two-outputs' in options.skip");
  }
  const { expect } = harness;
  const timeout = options.timeout ?? 120_000;

  let backend: Backend | undefined;
  const getBackend = (): Backend => {
    backend ??= options.backend();
    return backend;
  };
  let shared: Promise<BackendSession> | undefined;
  const load = (): Promise<BackendSession> => getBackend().load(options.validModel);
  /** Runs `body` with a session: the shared one when the harness can dispose it at the end, else a fresh one. */
  const withSession = async (body: (session: BackendSession) => Promise<void>): Promise<void> => {
    if (harness.afterAll) {
      shared ??= load();
      await body(await shared);
      return;
    }
    const session = await load();
    try {
      await body(session);
    } finally {
      await session.dispose();
    }
  };
  const inputFor = (session: BackendSession, value: number): Float32Tensor => {
    const dims = concreteDims(session, options.imgsz);
    return { data: new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(value), dims };
  };

  const checks: Record<ConformanceCheck, () => Promise<void>> = {
    contract: async () => {
      const b = getBackend();
      expect(typeof b.name, 'backend.name').toBe('string');
      expect(b.name.length, 'backend.name length').toBeGreaterThan(0);
      expect(b.contractVersion, 'backend.contractVersion').toBe(BACKEND_CONTRACT_VERSION);
      expect(typeof b.load, 'backend.load').toBe('function');
    },
    'input-shape': () =>
      withSession(async (session) => {
        expect(session.inputs.length, 'session.inputs.length').toBeGreaterThan(0);
        expect(typeof session.inputs[0].name, 'session.inputs[0].name').toBe('string');
        expect([...session.inputs[0].shape], 'session.inputs[0].shape').toEqual([...options.expected.inputShape]);
      }),
    'output-shape': () =>
      withSession(async (session) => {
        expect(session.outputs.length, 'session.outputs.length').toBeGreaterThan(0);
        expect(typeof session.outputs[0].name, 'session.outputs[0].name').toBe('string');
        expect([...session.outputs[0].shape], 'session.outputs[0].shape').toEqual([...options.expected.outputShape]);
      }),
    layout: () => withSession(async (session) => expect(session.layout, 'session.layout').toBe(options.expected.layout)),
    metadata: () =>
      withSession(async (session) => {
        expect(typeof session.metadata === 'object' && session.metadata !== null, 'session.metadata is an object').toBe(true);
        if (options.expected.classCount !== undefined) {
          expect(parseUltralyticsMetadata(session.metadata).classCount, 'class names in the metadata').toBe(options.expected.classCount);
        }
      }),
    runtime: () =>
      withSession(async (session) => {
        expect(typeof session.runtime, 'session.runtime').toBe('string');
        expect(session.runtime.length, 'session.runtime length').toBeGreaterThan(0);
      }),
    'run-zero': () =>
      withSession(async (session) => {
        const outputs = await session.run(inputFor(session, 0));
        checkOutputs(outputs, session, options.expected.outputShape, expect);
      }),
    'run-values': () =>
      withSession(async (session) => {
        const outputs = await session.run(inputFor(session, 114 / 255));
        checkOutputs(outputs, session, options.expected.outputShape, expect);
        expect(
          outputs[0].data.some((value) => value !== 0),
          'some output value is not zero',
        ).toBe(true);
      }),
    'run-repeatable': () =>
      withSession(async (session) => {
        const input = inputFor(session, 0.5);
        const first = await session.run(input);
        const kept = first.map((output) => output.data.slice());
        input.data.fill(0.9); // the backend must not have kept the input
        const second = await session.run(inputFor(session, 0.5));
        for (let i = 0; i < first.length; i++) {
          expect(maxDifference(second[i].data, kept[i]), `output ${i}: same input, max difference`).toBeLessThanOrEqual(1e-4);
        }
        await session.run(inputFor(session, 0.2));
        for (let i = 0; i < first.length; i++) {
          expect(maxDifference(first[i].data, kept[i]), `output ${i} of an earlier call changed after later calls`).toBe(0);
        }
      }),
    'run-concurrent': () =>
      withSession(async (session) => {
        const levels = [0.2, 0.5, 0.8];
        const sequential: Float32Tensor[][] = [];
        for (const level of levels) sequential.push(await session.run(inputFor(session, level)));
        const overlapping = await Promise.all(levels.map((level) => session.run(inputFor(session, level))));
        for (let call = 0; call < levels.length; call++) {
          for (let i = 0; i < sequential[call].length; i++) {
            expect(
              maxDifference(overlapping[call][i].data, sequential[call][i].data),
              `call ${call} (input ${levels[call]}), output ${i}: overlapping vs sequential, max difference`,
            ).toBeLessThanOrEqual(1e-4);
          }
        }
      }),
    'run-bad-input': () =>
      withSession(async (session) => {
        const error = await rejectionOf(session.run({ data: new Float32Array(6), dims: [1, 2, 3] }));
        expect(error === NOT_REJECTED ? 'resolved' : 'rejected', 'run() with dims [1, 2, 3]').toBe('rejected');
        expect(YoloError.isInstance(error), `run() with dims [1, 2, 3] rejected with a YoloError (got ${describeError(error)})`).toBe(true);
      }),
    'dispose-idempotent': async () => {
      const session = await load();
      await Promise.all([session.dispose(), session.dispose()]);
      await session.dispose();
    },
    'run-after-dispose': async () => {
      const session = await load();
      const input = inputFor(session, 0);
      await session.dispose();
      const error = await rejectionOf(session.run(input));
      expect(error === NOT_REJECTED ? 'resolved' : 'rejected', 'run() after dispose()').toBe('rejected');
      expect(codeOf(error), 'error code of run() after dispose()').toBe('DISPOSED');
    },
    'invalid-model': async () => {
      const error = await rejectionOf(getBackend().load(options.invalidModel));
      expect(error === NOT_REJECTED ? 'resolved' : 'rejected', 'load(invalidModel)').toBe('rejected');
      expect(codeOf(error), 'error code of load(invalidModel)').toBe('MODEL_INVALID');
    },
    'missing-model': async () => {
      const error = await rejectionOf(getBackend().load(options.missingModel as ModelSource));
      expect(error === NOT_REJECTED ? 'resolved' : 'rejected', 'load(missingModel)').toBe('rejected');
      expect(codeOf(error), 'error code of load(missingModel)').toBe('MODEL_NOT_FOUND');
    },
    'load-aborted': async () => {
      const controller = new AbortController();
      controller.abort();
      const error = await rejectionOf(getBackend().load(options.validModel, { signal: controller.signal }));
      expect(error === NOT_REJECTED ? 'resolved' : 'rejected', 'load() with an aborted signal').toBe('rejected');
      expect(codeOf(error), 'error code of load() with an aborted signal').toBe('ABORTED');
    },
    'two-outputs': async () => {
      const expected = options.twoOutputModel as NonNullable<BackendConformanceOptions['twoOutputModel']>;
      const session = await getBackend().load(expected.model);
      try {
        const sorted = (shapes: readonly (readonly number[])[]) => shapes.map((s) => s.join('x')).sort();
        expect(sorted(session.outputs.map((o) => o.shape)), 'session.outputs shapes (any order)').toEqual(sorted(expected.outputShapes));
        const outputs = await session.run(inputFor(session, 114 / 255));
        checkOutputs(outputs, session, session.outputs[0].shape, expect);
        outputs.forEach((output, i) => {
          expect([...output.dims], `output ${i} dims equal session.outputs[${i}].shape`).toEqual([...session.outputs[i].shape]);
        });
        const metadata = parseUltralyticsMetadata(session.metadata);
        const layout = resolveTaskLayout(
          outputs.map((o) => o.dims),
          { task: metadata.task, classCount: metadata.classCount || undefined, end2end: metadata.end2end, kptShape: metadata.kptShape, layout: session.layout },
        );
        expect(layout.task, 'task of the two-output model').toBe('segment');
      } finally {
        await session.dispose();
      }
    },
    'classify-output': async () => {
      const expected = options.classifyModel as NonNullable<BackendConformanceOptions['classifyModel']>;
      const session = await getBackend().load(expected.model);
      try {
        expect(session.outputs.map((o) => [...o.shape]), 'session.outputs shapes').toEqual([[...expected.outputShape]]);
        // A classifier's input is its own size, not the detection model's: read it from this session.
        const dims = concreteDims(session, undefined);
        const outputs = await session.run({ data: new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(114 / 255), dims });
        checkOutputs(outputs, session, expected.outputShape, expect);
        const sum = outputs[0].data.reduce((total, p) => total + p, 0);
        expect(Math.abs(sum - 1), 'the probabilities sum to 1 within 1e-4, off by').toBeLessThanOrEqual(1e-4);
        expect(
          outputs[0].data.every((p) => p >= 0 && p <= 1),
          'every probability is in [0, 1]',
        ).toBe(true);
        const metadata = parseUltralyticsMetadata(session.metadata);
        const layout = resolveTaskLayout(
          outputs.map((o) => o.dims),
          { task: metadata.task, classCount: metadata.classCount || undefined, end2end: metadata.end2end, kptShape: metadata.kptShape, layout: session.layout },
        );
        expect(layout.task, 'task of the classification model').toBe('classify');
      } finally {
        await session.dispose();
      }
    },
  };

  harness.describe(options.name ?? `backend conformance: ${safeName(getBackend)}`, () => {
    for (const id of CONFORMANCE_CHECKS) {
      const title = `${id}: ${DESCRIPTIONS[id]}`;
      if (skip.has(id)) harness.it.skip?.(`${title} (skipped by the backend's test)`, async () => {});
      else if (id === 'classify-output' && options.classifyModel === undefined) harness.it.skip?.(`${title} (skipped: no options.classifyModel)`, async () => {});
      else harness.it(title, checks[id], timeout);
    }
    harness.afterAll?.(async () => {
      if (shared) await (await shared.catch(() => undefined))?.dispose();
    });
  });
}

function checkOutputs(
  outputs: Float32Tensor[],
  session: BackendSession,
  expectedShape: readonly number[],
  expect: ConformanceHarness['expect'],
): void {
  expect(Array.isArray(outputs), 'run() returns an array').toBe(true);
  expect(outputs.length, 'number of outputs').toBe(session.outputs.length);
  outputs.forEach((output, i) => {
    expect(output.data instanceof Float32Array, `output ${i} data is a Float32Array`).toBe(true);
    expect(output.data.length, `output ${i} length`).toBe(output.dims.reduce((a, b) => a * b, 1));
    expect(output.data.every(Number.isFinite), `output ${i} values are finite`).toBe(true);
  });
  const dims = [...outputs[0].dims];
  expect(
    dims.map((dim, d) => (expectedShape[d] === -1 ? -1 : dim)),
    'output 0 dims',
  ).toEqual([...expectedShape]);
}

/** The image input's shape with dynamic dimensions filled in: batch 1, 3 channels, imgsz (or 640). */
function concreteDims(session: BackendSession, imgsz: readonly [number, number] | undefined): number[] {
  const shape = [...session.inputs[0].shape];
  const [height, width] = imgsz ?? parseUltralyticsMetadata(session.metadata).imgsz ?? [640, 640];
  const [b, c, h, w] = session.layout === 'NCHW' ? [0, 1, 2, 3] : [0, 3, 1, 2];
  const fill: Record<number, number> = { [b]: 1, [c]: 3, [h]: height, [w]: width };
  return shape.map((dim, d) => (dim > 0 ? dim : (fill[d] ?? 1)));
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    const value = await promise;
    // A load that should have failed returned a session: free it.
    const dispose = (value as Partial<BackendSession> | undefined)?.dispose;
    if (typeof dispose === 'function') await dispose.call(value);
    return NOT_REJECTED;
  } catch (error) {
    return error;
  }
}

function codeOf(error: unknown): string {
  if (error === NOT_REJECTED) return '(no error)';
  return YoloError.isInstance(error) ? error.code : `not a YoloError: ${describeError(error)}`;
}

function describeError(error: unknown): string {
  if (error === NOT_REJECTED) return '(no error)';
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const difference = Math.abs(a[i] - b[i]);
    if (!(difference <= max)) max = Number.isNaN(difference) ? Number.POSITIVE_INFINITY : difference;
  }
  return max;
}

function safeName(factory: () => Backend): string {
  try {
    return factory().name;
  } catch {
    return 'backend';
  }
}
