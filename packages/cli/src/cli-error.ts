/**
 * Exit codes of `yolokit`. Stable: scripts may rely on them.
 *
 * - `0`: everything asked was done.
 * - `1`: the run failed at run time: one or more images could not be processed (the others were), or the model
 *   could not be loaded, or an output could not be written.
 * - `2`: the command line is wrong (unknown flag, invalid value, missing `--model`, no images found); nothing ran.
 */
export const ExitCode = Object.freeze({
  Success: 0,
  Failure: 1,
  Usage: 2,
} as const);

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Codes of errors the command line itself raises (the library's own errors keep their `YoloError` codes). */
export type CliErrorCode =
  /** The command line is malformed: unknown flag or command, missing argument. */
  | 'USAGE'
  /** `yolokit predict` was run without `--model`. */
  | 'MODEL_REQUIRED'
  /** No image was given, or a folder or glob holds no image. */
  | 'NO_IMAGES'
  /** The JSON report or an annotated image could not be written. */
  | 'OUTPUT_FAILED';

/**
 * An error of the command line, with the exit code it ends the process with. Its message is one line unless
 * `details` adds guidance below it.
 */
export class CliError extends Error {
  readonly code: CliErrorCode;
  readonly exitCode: ExitCode;
  /** Further lines printed under the message, such as how to get a model. */
  readonly details: string | undefined;

  constructor(code: CliErrorCode, message: string, options: { exitCode?: ExitCode; details?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'CliError';
    this.code = code;
    this.exitCode = options.exitCode ?? (code === 'OUTPUT_FAILED' ? ExitCode.Failure : ExitCode.Usage);
    this.details = options.details;
  }
}
