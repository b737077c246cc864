import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Backend, BackendUnavailableError, createModel, type ImageInput, type ModelInfo, ModelLoadError, type PredictOptions, type Result } from '@yolokit/core';
import { oneOf } from '@yolokit/core/internal';

/** Runtimes `yolokit predict --backend` can use. */
export const BACKEND_NAMES = ['onnx', 'onnx-web', 'tfjs'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/**
 * What to load, as plain data: it can cross to a worker thread or a process, where a concurrency strategy
 * builds its own model from it (a live model object cannot).
 */
export interface ModelSpec {
  /** The runtime. */
  readonly backend: BackendName;
  /** The model file, absolute. */
  readonly model: string;
}

/**
 * What `yolokit predict` runs images through. This is the seam for concurrency: the default,
 * {@link createInProcessPredictor}, is one model in this process, called one image at a time. A strategy from
 * `@yolokit/concurrency` (`--strategy locked|threads|processes|auto --workers N --threads-per-worker K`, and the
 * command's default, `machinePredictor`) plugs in as another {@link PredictorFactory} returning the same interface, with a `concurrency` above 1;
 * the command keeps that many images in flight and still reports them in input order.
 */
export interface ImagePredictor {
  /** The model's facts, for the report. */
  readonly info: ModelInfo;
  /** How many `predict` calls the command may keep in flight at once. */
  readonly concurrency: number;
  /** What runs the images, for the summary; none for a predictor that does not say. */
  readonly setup?: RunSetup;
  /** Predicts one image: a file path for `yolokit predict`, a decoded frame for `yolokit track`. Per-call options only: nothing is stored between calls. */
  predict(image: ImageInput, options: PredictOptions): Promise<Result>;
  /** Frees every model, worker or process. */
  close(): Promise<void>;
}

/** What runs a `yolokit predict`: the strategy, its instances and their intra-op threads, and who chose them. */
export interface RunSetup {
  /** `in-process` (one model in this thread), or the `@yolokit/concurrency` strategy: `locked`, `threads`, `processes`. */
  readonly strategy: string;
  /** Model instances (worker threads or processes for a pool). */
  readonly workers: number;
  /** The runtime's intra-op threads in each instance; `null` when the runtime chooses (or has no such setting). */
  readonly threadsPerWorker: number | null;
  /** `flags`: `--strategy` chose it; `default`: chosen for the number of images and the cores. */
  readonly chosenBy: 'flags' | 'default';
}

/** What the command knows of the run when it builds its predictor. */
export interface RunPlan {
  /** How many images the sources expanded to. */
  readonly images: number;
  /** The first few images, for a strategy that measures before it chooses (`auto`). */
  readonly sample?: readonly string[];
}

/** Builds an {@link ImagePredictor} from a {@link ModelSpec}, knowing how many images will go through it. */
export type PredictorFactory = (spec: ModelSpec, plan?: RunPlan) => Promise<ImagePredictor>;

/**
 * The runtime's backend, imported only when asked for, so that a run on one runtime never loads the other.
 */
export async function loadBackend(name: BackendName): Promise<Backend> {
  // A caller outside commander (its choices() check) can pass anything: core's check words the refusal.
  switch (oneOf(name, '--backend', BACKEND_NAMES) as BackendName) {
    case 'onnx': {
      const { onnx } = await importBackend(() => import('@yolokit/backend-onnx'), '@yolokit/backend-onnx');
      return onnx();
    }
    case 'onnx-web': {
      const { onnxWeb } = await importBackend(() => import('@yolokit/backend-onnx/web'), '@yolokit/backend-onnx/web');
      return onnxWeb();
    }
    case 'tfjs': {
      const { tfjs } = await importBackend(() => import('@yolokit/backend-tfjs'), '@yolokit/backend-tfjs');
      return tfjs();
    }
  }
}

async function importBackend<T>(load: () => Promise<T>, specifier: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new BackendUnavailableError(
      `cannot load ${specifier} (${(error as Error).message}); install it beside @yolokit/cli: npm install ${packageOf(specifier)}`,
      [],
      { cause: error },
    );
  }
}

/** `@scope/name/subpath` → `@scope/name`. */
function packageOf(specifier: string): string {
  return specifier.split('/').slice(0, 2).join('/');
}

/** One model in this process: the default {@link PredictorFactory}. */
export const createInProcessPredictor: PredictorFactory = async (spec) => {
  const backend = await loadBackend(spec.backend);
  const model = await createModel({ backend, model: spec.model });
  return {
    info: model.info,
    concurrency: 1,
    predict: (image, options) => model.predict(image, options),
    close: () => model.dispose(),
  };
};

/**
 * The model path made absolute, after checking that the file is there, so that a typo gets a message saying
 * how to get a model rather than a runtime's complaint.
 */
export function resolveModelPath(model: string, cwd: string): string {
  const path = resolve(cwd, model);
  if (!existsSync(path)) {
    throw new ModelLoadError(
      'MODEL_NOT_FOUND',
      model,
      `model file ${model} not found; export one from Ultralytics with: yolo export model=yolov8n.pt format=onnx`,
    );
  }
  return path;
}
