import {
  InvalidOptionError,
  type PredictOptions,
  type ResolvedPredictOptions,
  resolvePredictOptions,
  type SupportedTask,
  YoloError,
} from '@yolokit/core';
import { checkClassifyOptions } from '@yolokit/core/internal';

/** The prediction flags of `yolokit predict`, as typed on the command line (strings, before parsing). */
export interface PredictFlags {
  readonly conf?: string;
  readonly iou?: string;
  readonly maxDet?: string;
  readonly classes?: string;
  readonly imgsz?: string;
  readonly agnostic?: boolean;
  /** `--retina-masks`: segmentation masks at the image's own resolution. */
  readonly retinaMasks?: boolean;
}

/** The command-line flag of each prediction option, for messages. */
export const PREDICT_OPTION_FLAGS: Readonly<Record<Exclude<keyof PredictOptions, 'signal'>, string>> = Object.freeze({
  conf: '--conf',
  iou: '--iou',
  maxDet: '--max-det',
  classes: '--classes',
  imgsz: '--imgsz',
  agnostic: '--agnostic',
  retinaMasks: '--retina-masks',
});

/** What the flag's value looks like on the command line, where that differs from the library's option. */
const CLI_SYNTAX: Partial<Record<keyof typeof PREDICT_OPTION_FLAGS, string>> = {
  classes: 'comma-separated non-negative integer class ids, such as 0,2',
  imgsz: 'an integer from 32 to 8192, or height,width such as 480,640',
};

const PREFIX = 'flags';

/**
 * Parses the prediction flags and validates them with `@yolokit/core`'s own {@link resolvePredictOptions}, so
 * that the command line and the library accept exactly the same values. Throws {@link InvalidOptionError}
 * whose message names the flag (`--conf must be a number from 0 to 1, got 2`).
 *
 * @example
 * ```ts
 * import { predictOptionsFromFlags } from '@yolokit/cli';
 * const options = predictOptionsFromFlags({ conf: '0.4', classes: '0,2' });
 * // { conf: 0.4, iou: 0.7, maxDet: 300, classes: [0, 2], agnostic: false, imgsz: undefined, retinaMasks: false }
 * ```
 */
export function predictOptionsFromFlags(flags: PredictFlags): ResolvedPredictOptions {
  const options: Record<string, unknown> = {};
  if (flags.conf !== undefined) options.conf = numberOrText(flags.conf);
  if (flags.iou !== undefined) options.iou = numberOrText(flags.iou);
  if (flags.maxDet !== undefined) options.maxDet = numberOrText(flags.maxDet);
  if (flags.classes !== undefined) options.classes = flags.classes.split(',').map(numberOrText);
  if (flags.imgsz !== undefined) {
    const sides = flags.imgsz.split(',').map(numberOrText);
    options.imgsz = sides.length === 1 ? sides[0] : sides;
  }
  if (flags.agnostic !== undefined) options.agnostic = flags.agnostic;
  if (flags.retinaMasks !== undefined) options.retinaMasks = flags.retinaMasks;
  try {
    return resolvePredictOptions(options as PredictOptions, {}, PREFIX);
  } catch (error) {
    throw toFlagError(error, flags);
  }
}

/**
 * Rewrites an {@link InvalidOptionError} about a prediction option (`options.conf`, `flags.maxDet`, ...) so that
 * it names the command-line flag instead. Any other error is returned as it is.
 */
export function toFlagError(error: unknown, flags: PredictFlags = {}): unknown {
  if (!YoloError.isInstance(error) || error.code !== 'INVALID_OPTION') return error;
  const option = (error as InvalidOptionError).option ?? '';
  const key = option.slice(option.lastIndexOf('.') + 1) as keyof typeof PREDICT_OPTION_FLAGS;
  const flag = PREDICT_OPTION_FLAGS[key];
  if (!flag) return error;
  const syntax = CLI_SYNTAX[key];
  const typed = flags[key];
  const message =
    syntax && typeof typed === 'string' && error.message.startsWith(`${option} must be`)
      ? `${flag} must be ${syntax}, got ${JSON.stringify(typed)}`
      : error.message.split(option).join(flag);
  return new InvalidOptionError(flag, message);
}

/** The flags of `yolokit predict` that shape one task's output rather than the prediction. */
export interface OutputFlags {
  /** `--segments`: mask polygons in the JSON report. */
  readonly segments?: boolean;
  /** `--retina-masks`: segmentation masks at the image's own resolution. */
  readonly retinaMasks?: boolean;
  /** `--json FILE`. */
  readonly json?: string;
  /** The prediction flags as resolved, for the checks that depend on the task (classify takes no `--iou`, ...). */
  readonly predict?: ResolvedPredictOptions;
}

/**
 * Checks the output flags before anything is loaded: `--segments` writes into the JSON report, so it needs
 * `--json`. Throws {@link InvalidOptionError} naming the flag.
 */
export function checkOutputFlags(flags: OutputFlags): void {
  if (flags.segments && flags.json === undefined) {
    throw new InvalidOptionError('--segments', '--segments adds mask polygons to the --json report; give --json FILE (or --json -) as well');
  }
}

/**
 * Checks, once the model is loaded, that the flags meet the model's task: the segmentation flags need a
 * segmentation model, and a classifier takes none of the flags that shape detections (`--iou`, `--max-det`,
 * `--classes`, `--agnostic`; core's `checkClassifyOptions`, named by flag). On another task they would do
 * nothing, which is more likely a mistake (the wrong model file) than a wish. `task` `undefined` (some TF.js
 * graphs do not tell before a run) passes.
 *
 * @param model - the model as given to `--model`, for the message
 */
export function checkFlagsForTask(task: SupportedTask | undefined, flags: OutputFlags, model: string): void {
  if (task === 'classify' && flags.predict) {
    try {
      checkClassifyOptions(flags.predict, PREFIX);
    } catch (error) {
      throw toFlagError(error);
    }
  }
  if (task === undefined || task === 'segment') return;
  for (const [set, flag] of [
    [flags.retinaMasks, '--retina-masks'],
    [flags.segments, '--segments'],
  ] as const) {
    if (set) throw new InvalidOptionError(flag, `${flag} applies to segmentation models only; ${model} is a ${task} model`);
  }
}

/** A number where the text is one, else the text itself, so that core's message quotes what was typed. */
function numberOrText(text: string): number | string {
  const trimmed = text.trim();
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(trimmed) ? Number(trimmed) : text;
}
