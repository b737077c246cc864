import { readFileSync } from 'node:fs';
import { InvalidOptionError, YoloError } from '@yolokit/core';
import { Command, CommanderError, Option } from 'commander';
import { CliError, ExitCode } from './cli-error.js';
import { BACKEND_NAMES, type BackendName, type PredictorFactory } from './image-predictor.js';
import { predictOptionsFromFlags } from './predict-flags.js';
import { type CliIo, modelRequired, runPredict } from './run-predict.js';
import { STRATEGY_NAMES, strategyPredictorFromFlags } from './strategy-predictor.js';
import { DEMO_STRATEGIES, type DemoStrategy, runDemo } from './demo-command.js';
import { addBenchCommand } from './bench/bench-command.js';
import { registerWorkerCommand } from './worker-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerTrackCommand } from './track-command.js';

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Where to write and which folder paths are relative to. @defaultValue the process's */
  readonly io?: Partial<CliIo>;
  /** What runs the images of `predict`. @defaultValue one model in this process */
  readonly predictor?: PredictorFactory;
}

/** The flags of `yolokit predict` as commander hands them over. */
interface PredictCommandFlags {
  model?: string;
  backend: BackendName;
  conf?: string;
  iou?: string;
  maxDet?: string;
  classes?: string;
  imgsz?: string;
  agnostic?: boolean;
  retinaMasks?: boolean;
  json?: string;
  segments?: boolean;
  save?: string;
  progress: boolean;
  verbose?: boolean;
  strategy?: string;
  workers?: string;
  threadsPerWorker?: string;
  allowOversubscribe?: boolean;
}

/**
 * Runs the `yolokit` command line and resolves with the exit code (see {@link ExitCode}); it never calls
 * `process.exit` and never rejects: errors are printed on stderr as one line, `error CODE: message`, with the
 * stack only under `--verbose`.
 *
 * @param args - the arguments after the program's name, such as `['predict', '--model', 'yolov8n.onnx', 'bus.jpg']`
 * @example
 * ```ts
 * import { runCli } from '@yolokit/cli';
 * process.exitCode = await runCli(['predict', '--model', 'yolov8n.onnx', '--json', 'out.json', 'images/']);
 * ```
 */
export async function runCli(args: readonly string[] = process.argv.slice(2), options: RunCliOptions = {}): Promise<number> {
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), ...options.io };
  let exitCode: number = ExitCode.Success;
  let verbose = false;
  const program = createProgram(io, async (sources, flags) => {
    verbose = flags.verbose === true;
    if (!flags.model) throw modelRequired();
    // `--strategy locked|threads|processes|auto --workers N --threads-per-worker K` choose a pool from
    // @yolokit/concurrency; without --strategy the default uses every core (machinePredictor).
    const predictor = options.predictor ?? strategyPredictorFromFlags(flags);
    const predict = predictOptionsFromFlags(flags);
    const outcome = await runPredict({
      model: flags.model,
      sources,
      backend: flags.backend,
      predict,
      json: flags.json,
      segments: flags.segments,
      save: flags.save,
      progress: flags.progress ? 'auto' : false,
      predictor,
      io,
    });
    exitCode = outcome.exitCode;
  });
  try {
    await program.parseAsync([...args], { from: 'user' });
  } catch (error) {
    exitCode = reportError(error, io, verbose);
  }
  return exitCode;
}

/** The version of this package, from its package.json (beside `dist/` once built, beside `src/` in development). */
export function cliVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The commander program of `yolokit`; `onPredict` runs `yolokit predict`. */
function createProgram(io: CliIo, onPredict: (sources: string[], flags: PredictCommandFlags) => Promise<void>): Command {
  const program = new Command('yolokit')
    .description('Run Ultralytics YOLO detectors (ONNX exports) from the command line.')
    .version(cliVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'print this help')
    .helpCommand(false)
    .showSuggestionAfterError()
    // Set before the commands are added so that they inherit it: no process.exit, and our own error lines.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(text.replace(/^error: /, 'error USAGE: ')),
    });

  program
    .command('predict')
    .summary('detect objects (with masks or keypoints) in images')
    .description('Detect objects in images with an Ultralytics YOLO model exported to ONNX: detection, segmentation (masks) or pose (keypoints), as the model was trained.')
    .argument('[sources...]', 'image files, folders (the images directly inside, sorted) or globs such as "photos/*.jpg"')
    .option('-m, --model <file>', 'the model, an Ultralytics ONNX export (yolo export model=yolov8n.pt format=onnx)')
    .addOption(
      new Option('--backend <name>', 'the runtime: onnx (onnxruntime-node), onnx-web (onnxruntime-web, wasm) or tfjs (TF.js graph model folder: tfjs-node-gpu, tfjs-node, wasm or cpu, the fastest installed)').choices(BACKEND_NAMES).default('onnx'),
    )
    .option('--conf <number>', 'minimum confidence, 0 to 1 (default: 0.25)')
    .option('--iou <number>', 'IoU above which NMS drops the weaker of two boxes, 0 to 1 (default: 0.7)')
    .option('--max-det <count>', 'at most this many detections per image, 1 to 100000 (default: 300)')
    .option('--classes <ids>', 'keep only these class ids, comma-separated, such as 0,2 (default: all)')
    .option('--imgsz <size>', "input size, S or H,W, for models with a dynamic input (default: the model's)")
    .option('--agnostic', 'class-agnostic NMS: boxes of different classes suppress each other')
    .option('--retina-masks', "segmentation models: masks computed at the image's own resolution (Ultralytics' retina_masks)")
    .option('--json <file>', 'write the results as JSON (shape version 1, see the README); - writes them to stdout')
    .option('--segments', "segmentation models: add each mask's polygon to the --json report")
    .option('--save <dir>', 'write copies of the images with the detections drawn (boxes, masks, skeletons), under the same names')
    .option(
      '--strategy <name>',
      `run images through a pool from @yolokit/concurrency: ${STRATEGY_NAMES.join(', ')} (default: several images on a threads pool of one single-threaded worker per core; one image on one model with an intra-op thread per core)`,
    )
    .option('--workers <count>', 'worker threads or processes for --strategy threads|processes, or the default pool (default: cores / threads per worker)')
    .option('--threads-per-worker <count>', "the runtime's intra-op threads in each instance (default: cores / workers; 1 in the default pool)")
    .option('--allow-oversubscribe', 'allow --workers × --threads-per-worker above 4 per core (refused without it)')
    .option('--no-progress', 'no progress bar (one is drawn on stderr for more than 3 images when it is a terminal)')
    .option('--verbose', 'print the stack trace of an error')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  yolokit predict --model yolov8n.onnx bus.jpg',
        '  yolokit predict --model yolov8n.onnx --conf 0.4 --classes 0 --json out.json --save annotated/ photos/',
        '  yolokit predict --model yolov8n-seg.onnx --json out.json --segments --save annotated/ bus.jpg',
        '  yolokit predict --model yolo11n-pose.onnx --save annotated/ zidane.jpg',
        '',
        'Exit codes: 0 done; 1 some images (or the model, or an output) failed, the others were processed;',
        '2 the command line is wrong and nothing ran.',
      ].join('\n'),
    )
    .action(onPredict);

  program
    .command('demo')
    .summary("detect shapes in generated scenes with yolokit's own model, through each strategy; offline")
    .option('--scenes <count>', 'scenes to generate and evaluate', '200')
    .option('--seed <n>', 'first scene seed (0..199 are the held-out scenes of the model card)', '0')
    .option('--strategies <list>', `comma-separated, from ${DEMO_STRATEGIES.join(', ')}`, DEMO_STRATEGIES.join(','))
    .option('--speed-images <count>', 'scenes timed as 960x960 JPEG photos after the warm-up', '48')
    .option('--out <dir>', 'folder for annotated scenes', 'yolokit-demo')
    .action(async (flags: { scenes: string; seed: string; strategies: string; speedImages: string; out: string }) => {
      const strategies = flags.strategies.split(',').map((name) => name.trim());
      for (const name of strategies) {
        if (!(DEMO_STRATEGIES as readonly string[]).includes(name)) {
          throw new InvalidOptionError('--strategies', `--strategies must list names from ${DEMO_STRATEGIES.join(', ')}, got ${JSON.stringify(name)}`);
        }
      }
      await runDemo(
        { scenes: Number(flags.scenes), seed: Number(flags.seed), strategies: strategies as DemoStrategy[], speedImages: Number(flags.speedImages), out: flags.out },
        io,
      );
    });

  // `yolokit bench`: strategies measured against bare session.run and one single-threaded instance (bench/).
  addBenchCommand(program, io);

  // `yolokit worker`: serve a prediction queue (BullMQ on Redis) from @yolokit/queue.
  registerWorkerCommand(program, io);

  // `yolokit serve`: models over HTTP (REST, Open Inference Protocol, metrics) from @yolokit/serve.
  registerServeCommand(program, io);

  // `yolokit track`: ByteTrack through a video, image sequence, stream or camera from @yolokit/stream.
  registerTrackCommand(program, io);

  return program;
}

/** Prints an error as `error CODE: message` and returns the exit code it means. */
function reportError(error: unknown, io: CliIo, verbose: boolean): number {
  if (error instanceof CommanderError) {
    // commander has printed its message (or the help, or the version) already.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.Success;
    return ExitCode.Usage;
  }
  let code: string;
  let exitCode: number;
  let details: string | undefined;
  if (error instanceof CliError) {
    ({ code, exitCode, details } = error);
  } else if (YoloError.isInstance(error)) {
    code = error.code;
    exitCode = error.code === 'INVALID_OPTION' ? ExitCode.Usage : ExitCode.Failure;
  } else {
    code = 'INTERNAL';
    exitCode = ExitCode.Failure;
  }
  const message = error instanceof Error ? error.message : String(error);
  const hint = code === 'INTERNAL' && !verbose ? ' (run again with --verbose for the stack trace)' : '';
  io.stderr.write(`error ${code}: ${message}${hint}\n`);
  if (details) io.stderr.write(`${details}\n`);
  if (verbose) io.stderr.write(`${stackOf(error)}\n`);
  return exitCode;
}

function stackOf(error: unknown): string {
  const lines: string[] = [];
  for (let current = error, depth = 0; current !== undefined && depth < 8; depth++) {
    lines.push(current instanceof Error ? (current.stack ?? String(current)) : String(current));
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) lines.push('caused by:');
  }
  return lines.join('\n');
}
