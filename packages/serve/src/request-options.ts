import { type PredictOptions, resolvePredictOptions } from '@yolokit/core';
import { rejectUnknown } from '@yolokit/core/internal';

/** The prediction options a request may give, by query string, JSON body or OIP `parameters`. */
export const REQUEST_OPTION_NAMES = ['conf', 'iou', 'maxDet', 'classes', 'agnostic', 'imgsz', 'retinaMasks'] as const;

type Raw = Readonly<Record<string, unknown>>;

/**
 * The prediction options in `raw` (a parsed query string, where every value is a string, or a JSON object),
 * validated by core's own validator so that a request gets the library's message and code (`INVALID_OPTION`,
 * answered 400). Query strings carry numbers as text (`conf=0.4`), lists comma-separated (`classes=0,2`) and
 * `imgsz` as one side or `height,width`. `where` names the place in messages (`query`, `parameters`).
 */
export function requestPredictOptions(raw: Raw, where: string, ignore: readonly string[] = []): PredictOptions {
  const given = Object.fromEntries(Object.entries(raw).filter(([key]) => !ignore.includes(key)));
  rejectUnknown(given, REQUEST_OPTION_NAMES, 'a prediction', where);
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given)) options[key] = typeof value === 'string' ? fromText(key, value) : value;
  // Throws with `${where}.conf must be ...`; the resolved form is not used: defaults stay the model's.
  resolvePredictOptions(options, {}, where);
  return options as PredictOptions;
}

function fromText(key: string, text: string): unknown {
  const trimmed = text.trim();
  if (key === 'agnostic' || key === 'retinaMasks') return trimmed === 'true' ? true : trimmed === 'false' ? false : text;
  if (key === 'classes') return trimmed === '' ? [] : trimmed.split(',').map(numberOrText);
  if (key === 'imgsz' && trimmed.includes(',')) return trimmed.split(',').map(numberOrText);
  return numberOrText(trimmed);
}

/** A number when the text is one; otherwise the text itself, so the validator's message shows what was sent. */
function numberOrText(text: string): number | string {
  const trimmed = text.trim();
  return trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : text;
}
