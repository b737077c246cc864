import { writeFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { type PredictOptions, type ResolvedPredictOptions, type Result, resolvePredictOptions, YoloError } from '@yolokit/core';
import { annotateImage } from './annotate-image.js';
import { CliError, ExitCode } from './cli-error.js';
import { expandSources } from './expand-sources.js';
import { type BackendName, type ImagePredictor, type PredictorFactory, type RunSetup, resolveModelPath } from './image-predictor.js';
import { checkFlagsForTask, checkOutputFlags, toFlagError } from './predict-flags.js';
import { predictWithRetry } from './predict-with-retry.js';
import { prepareOutputs } from './prepare-outputs.js';
import { machineCores, machinePredictor } from './strategy-predictor.js';
import {
  errorLine,
  type ImageReport,
  imageResultReport,
  isImageError,
  modelReport,
  type PredictReport,
  REPORT_VERSION,
  summaryLine,
  totalsLine,
} from './predict-report.js';

/** A stream the command writes to. `process.stdout` and `process.stderr` are ones. */
export interface CliOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** Where the command reads and writes. Defaults: `process.stdout`, `process.stderr`, `process.cwd()`. */
export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  /** The folder relative paths (sources, `--model`, `--json`, `--save`) are resolved against. */
  readonly cwd: string;
}

/** Options of {@link runPredict}: `yolokit predict`'s flags, typed. */
export interface RunPredictOptions {
  /** The model file (an Ultralytics ONNX export). */
  readonly model: string;
  /** Image files, folders and globs (see `expandSources`). */
  readonly sources: readonly string[];
  /**
   * The runtime.
   * @defaultValue 'onnx' (onnxruntime-node)
   */
  readonly backend?: BackendName;
  /** Prediction options, validated by `@yolokit/core`'s `resolvePredictOptions`. @defaultValue core's defaults */
  readonly predict?: Omit<PredictOptions, 'signal'>;
  /** Where to write the JSON report; `-` for stdout (the summary then goes to stderr). @defaultValue no report */
  readonly json?: string;
  /**
   * Segmentation models: add each mask's polygon (`segments`) to the JSON report (`result.toJSON({ segments: true })`).
   * Needs {@link RunPredictOptions.json}.
   * @defaultValue false
   */
  readonly segments?: boolean;
  /** Folder to write annotated copies to, under the images' own names. @defaultValue none written */
  readonly save?: string;
  /**
   * A progress bar on stderr: `'auto'` shows one for more than 3 images when stderr is a terminal.
   * @defaultValue 'auto'
   */
  readonly progress?: 'auto' | false;
  /**
   * What runs the images: the seam where concurrency strategies plug in.
   * @defaultValue `machinePredictor()`: a `threads` pool of one single-threaded worker per core for more than
   * one image, one model with an intra-op thread per core for one image
   */
  readonly predictor?: PredictorFactory;
  readonly io?: Partial<CliIo>;
}

/** What a run produced. */
export interface PredictOutcome {
  /** `0` when every image was processed, `1` when some failed (see `ExitCode`). */
  readonly exitCode: ExitCode;
  readonly report: PredictReport;
}

/** Error codes that concern one image only: the run records them and carries on with the others. */
const PER_IMAGE_CODES: ReadonlySet<string> = new Set(['IMAGE_UNREADABLE', 'IMAGE_TOO_SMALL', 'INFERENCE_FAILED']);

/** Images above which a progress bar is worth drawing. */
const PROGRESS_THRESHOLD = 3;

/**
 * `yolokit predict` as a function: validates everything, loads the model, predicts every image, writes the
 * annotated copies and the JSON report, prints a summary, and returns the report and the exit code.
 *
 * An image that cannot be read or decoded does not stop the run: it is reported on stderr and in the JSON
 * (`"error": {code, message}`), the others are processed, and the exit code is 1. Anything that would fail
 * every image (invalid options, no model, an output the model cannot be decoded from, an unwritable output)
 * throws: a {@link CliError}, or the library's `YoloError`. The outputs are checked before the model loads
 * (`--json` writable, nothing under /proc, /sys or /dev, no output over an input image).
 *
 * @example
 * ```ts
 * import { runPredict } from '@yolokit/cli';
 * const { exitCode, report } = await runPredict({ model: 'yolov8n.onnx', sources: ['images/'], predict: { conf: 0.4 } });
 * console.log(exitCode, report.results.length);
 * ```
 */
export async function runPredict(options: RunPredictOptions): Promise<PredictOutcome> {
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), ...options.io };
  const started = performance.now();
  if (!options.model) throw modelRequired();
  let predictOptions: ResolvedPredictOptions;
  try {
    predictOptions = resolvePredictOptions(options.predict as PredictOptions | undefined);
  } catch (error) {
    throw toFlagError(error);
  }
  const outputFlags = { segments: options.segments, retinaMasks: predictOptions.retinaMasks, json: options.json };
  checkOutputFlags(outputFlags);
  const images = await expandSources(options.sources, io.cwd);
  const modelPath = resolveModelPath(options.model, io.cwd);
  // Every output is checked now, not after the last image: a run never ends unable to write what it computed.
  const { saveDir, saveTargets, jsonFile } = await prepareOutputs({
    cwd: io.cwd,
    images,
    modelPath,
    save: options.save,
    json: options.json,
    warn: (line) => io.stderr.write(`${line}\n`),
  });

  const human = options.json === '-' ? io.stderr : io.stdout;
  const predictor = await (options.predictor ?? machinePredictor())(
    { backend: options.backend ?? 'onnx', model: modelPath },
    { images: images.length, sample: images.slice(0, 4).map((image) => resolve(io.cwd, image)) },
  );
  try {
    // Only now is the task known: the segmentation flags are checked before any image is read.
    checkFlagsForTask(predictor.info.task, { ...outputFlags, predict: predictOptions }, options.model);
    // Which runtime really ran (e.g. TF.js picks tfjs-node, wasm or cpu at load): say it up front.
    const task = predictor.info.task && predictor.info.task !== 'detect' ? `${predictor.info.task}, ` : '';
    human.write(`model ${options.model}: ${task}${predictor.info.runtime}, input ${predictor.info.imgsz.join('x')}\n`);
    const output = new Lines();
    const bar =
      options.progress !== false && images.length > PROGRESS_THRESHOLD && io.stderr.isTTY
        ? await startProgressBar(io.stderr, images.length, () => output.hold())
        : undefined;
    // With several images in flight they finish in any order; their lines are printed in input order.
    const finished: ImageReport[] = [];
    let printed = 0;
    let results: ImageReport[];
    try {
      results = await predictAll(predictor, images, async (source, index) => {
        const entry = await predictOne(predictor, source, predictOptions, {
          cwd: io.cwd,
          saveTarget: saveTargets[index],
          segments: options.segments === true,
          warn: (line) => output.write(io.stderr, line),
        });
        bar?.increment();
        finished[index] = entry;
        for (; finished[printed] !== undefined; printed++) {
          const next = finished[printed];
          if (isImageError(next)) output.write(io.stderr, errorLine(next));
          else output.write(human, summaryLine(next));
        }
        return entry;
      });
    } finally {
      // Also when the run fails: the terminal gets its cursor line back and the lines printed so far.
      bar?.stop();
      output.release();
    }

    const report: PredictReport = { version: REPORT_VERSION, model: modelReport(options.model, predictor.info), results };
    human.write(`${totalsLine(results, (performance.now() - started) / 1000)}\n`);
    // What ran them, after the totals it explains; the default's choice depends on the images and the cores.
    if (predictor.setup) human.write(`${setupLine(predictor.setup, images.length)}\n`);
    if (saveDir) human.write(`annotated images saved to ${options.save}\n`);
    if (options.json === '-') io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (jsonFile) {
      await writeFile(jsonFile, `${JSON.stringify(report, null, 2)}\n`).catch((error: unknown) => {
        throw new CliError('OUTPUT_FAILED', `cannot write --json ${options.json}: ${(error as Error).message}`, { cause: error });
      });
      human.write(`results written to ${options.json}\n`);
    }
    return { exitCode: results.some(isImageError) ? ExitCode.Failure : ExitCode.Success, report };
  } finally {
    await predictor.close();
  }
}

/**
 * What runs the images, in one line: `run: threads, 2 workers × 1 intra-op thread (default for 96 images on 2
 * cores)`. A newcomer sees which strategy the default chose and how to change it.
 */
export function setupLine(setup: RunSetup, images: number, cores = machineCores()): string {
  const threads = setup.threadsPerWorker === null ? "the runtime's intra-op threads" : `${setup.threadsPerWorker} intra-op thread${setup.threadsPerWorker === 1 ? '' : 's'}`;
  const [one, many] = setup.strategy === 'processes' ? ['process', 'processes'] : setup.strategy === 'threads' ? ['worker', 'workers'] : ['instance', 'instances'];
  const instances = `${setup.workers} ${setup.workers === 1 ? one : many}`;
  const why =
    setup.chosenBy === 'flags'
      ? 'from --strategy'
      : `default for ${images} image${images === 1 ? '' : 's'} on ${cores} core${cores === 1 ? '' : 's'}; --strategy chooses another`;
  return `run: ${setup.strategy}, ${instances} × ${threads} (${why})`;
}

/** The error of a run without `--model`, with what to do about it. */
export function modelRequired(): CliError {
  return new CliError('MODEL_REQUIRED', 'yolokit predict needs a model: --model <file.onnx>', {
    details: [
      'Export one from Ultralytics (pip install ultralytics), for example:',
      '  yolo export model=yolov8n.pt format=onnx',
      'then run:',
      '  yolokit predict --model yolov8n.onnx bus.jpg',
      'or, with no model at hand and offline, try yolokit on generated scenes with its own small model:',
      '  yolokit demo',
    ].join('\n'),
  });
}

/**
 * Runs `task` over every image, keeping `predictor.concurrency` in flight, and returns the entries in input
 * order. The first error thrown (a failure of the whole run) stops new work and is rethrown once the images
 * in flight have settled.
 */
async function predictAll(
  predictor: ImagePredictor,
  images: readonly string[],
  task: (source: string, index: number) => Promise<ImageReport>,
): Promise<ImageReport[]> {
  const results: ImageReport[] = new Array(images.length);
  let next = 0;
  let failed = false;
  let failure: unknown;
  const lane = async () => {
    while (!failed && next < images.length) {
      const index = next++;
      try {
        results[index] = await task(images[index], index);
      } catch (error) {
        if (!failed) failure = error;
        failed = true;
      }
    }
  };
  const lanes = Math.max(1, Math.min(Math.floor(predictor.concurrency) || 1, images.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  if (failed) throw failure;
  return results;
}

/** Where one image's outputs go. */
interface ImageOutputs {
  readonly cwd: string;
  /** Its annotated copy, planned by `prepareOutputs`; none without `--save`. */
  readonly saveTarget: string | undefined;
  /** Mask polygons in the JSON. */
  readonly segments: boolean;
  /** A line for stderr (a worker died and the image is predicted again). */
  readonly warn: (line: string) => void;
}

async function predictOne(predictor: ImagePredictor, source: string, options: ResolvedPredictOptions, outputs: ImageOutputs): Promise<ImageReport> {
  const { cwd, saveTarget: target } = outputs;
  // Core reads relative paths against process.cwd(); its messages then name the image as the user wrote it.
  const path = isAbsolute(source) || cwd === process.cwd() ? source : resolve(cwd, source);
  let result: Result;
  let entry: ImageReport;
  try {
    const outcome = await predictWithRetry(
      () => predictor.predict(path, options),
      (death) => outputs.warn(`warning: ${source}: ${death.message}; predicting it once more`),
    );
    if ('failure' in outcome) return { source, error: outcome.failure };
    result = outcome.result;
    entry = imageResultReport(source, result.toJSON({ segments: outputs.segments }), outcome.retries);
  } catch (error) {
    if (YoloError.isInstance(error) && PER_IMAGE_CODES.has(error.code)) {
      // Name the image as it was given, not as the path it was resolved to.
      return { source, error: { code: error.code, message: path === source ? error.message : error.message.split(path).join(source) } };
    }
    throw toFlagError(error);
  }
  if (target) {
    try {
      // The Result itself, not its JSON: its masks are drawn from their bits, not decoded back from RLE.
      await annotateImage(path, result, target);
    } catch (error) {
      throw new CliError('OUTPUT_FAILED', `cannot write the annotated copy of ${source} to ${target}: ${(error as Error).message}`, { cause: error });
    }
  }
  return entry;
}

/** Lines to print, held back from a terminal while a progress bar owns it. */
class Lines {
  #held: [CliOutput, string][] | undefined;
  hold(): void {
    this.#held ??= [];
  }
  write(stream: CliOutput, line: string): void {
    if (this.#held && stream.isTTY) this.#held.push([stream, line]);
    else stream.write(`${line}\n`);
  }
  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const [stream, line] of held) stream.write(`${line}\n`);
  }
}

async function startProgressBar(stream: CliOutput, total: number, onStart: () => void): Promise<{ increment(): void; stop(): void }> {
  const { default: progress } = await import('cli-progress');
  const bar = new progress.SingleBar(
    {
      stream: stream as NodeJS.WritableStream,
      format: 'predict |{bar}| {value}/{total} images | {eta_formatted} left',
      hideCursor: false,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    progress.Presets.shades_classic,
  );
  onStart();
  bar.start(total, 0);
  return { increment: () => bar.increment(), stop: () => bar.stop() };
}
