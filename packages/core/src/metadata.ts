import { InvalidOptionError } from './errors.js';
import { MAX_INPUT_SIDE } from './model-input-size.js';

/** Ultralytics' facts about a model, read from the model itself. */
export interface ModelMetadata {
  /** Class names by id. */
  readonly names: Readonly<Record<number, string>>;
  /** Number of classes (`Object.keys(names).length`, or inferred from the output when there are no names). */
  readonly classCount: number;
  /** Input size the model was exported at: `[height, width]`. */
  readonly imgsz: readonly [number, number] | undefined;
  /** Largest stride of the model. */
  readonly stride: number | undefined;
  /** `detect`, `segment`, ... */
  readonly task: string | undefined;
  /** True for NMS-free end-to-end models (YOLOv10, YOLO26). */
  readonly end2end: boolean | undefined;
  readonly description: string | undefined;
  readonly version: string | undefined;
  /** Keypoints per object and values per keypoint (`[17, 3]`: x, y, visibility) of pose models. */
  readonly kptShape: readonly [number, number] | undefined;
}

/**
 * Reads Ultralytics' metadata from a backend's raw metadata. Accepts both the string-encoded values ONNX
 * exports carry (`names: "{0: 'person', 1: 'bicycle'}"`, `imgsz: "[640, 640]"`) and the parsed values of a
 * TF.js `metadata.yaml` (`names: {0: person}`, `imgsz: [640, 640]`).
 */
export function parseUltralyticsMetadata(raw: Readonly<Record<string, unknown>>): ModelMetadata {
  const names = parseNames(raw.names);
  const imgsz = parseImgsz(raw.imgsz);
  return {
    names,
    classCount: Object.keys(names).length,
    imgsz,
    stride: toNumber(raw.stride),
    task: typeof raw.task === 'string' ? raw.task : undefined,
    end2end: toBoolean(raw.end2end),
    description: typeof raw.description === 'string' ? raw.description : undefined,
    version: raw.version === undefined ? undefined : String(raw.version),
    kptShape: parseKptShape(raw.kpt_shape),
  };
}

function parseNames(value: unknown): Record<number, string> {
  if (value === undefined || value === null) return {};
  if (typeof value === 'object') {
    const out: Record<number, string> = {};
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
    for (const [key, name] of entries) out[Number(key)] = String(name);
    return out;
  }
  if (typeof value === 'string') return parsePythonDict(value);
  return {};
}

/**
 * Parses the repr of a Python `dict[int, str]`, as Ultralytics writes names into ONNX metadata:
 * `{0: 'person', 1: "kid's bike"}`. Quoted strings may contain commas, colons and escaped quotes.
 */
export function parsePythonDict(text: string): Record<number, string> {
  const out: Record<number, string> = {};
  const pattern = /(-?\d+)\s*:\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/g;
  for (const match of text.matchAll(pattern)) {
    const raw = match[2] ?? match[3] ?? '';
    out[Number(match[1])] = raw.replace(/\\(.)/g, '$1');
  }
  return out;
}

function parseImgsz(value: unknown): [number, number] | undefined {
  if (value === undefined || value === null) return undefined;
  let list: unknown[];
  if (Array.isArray(value)) list = value;
  else if (typeof value === 'number') list = [value];
  else if (typeof value === 'string') list = value.match(/\d+/g)?.map(Number) ?? [];
  else return undefined;
  const numbers = list.map(Number).filter((n) => Number.isFinite(n) && n > 0);
  if (numbers.length === 0) return undefined;
  return [numbers[0], numbers[1] ?? numbers[0]];
}

/** `kpt_shape`: `"[17, 3]"` in ONNX metadata, `[17, 3]` in a TF.js metadata.yaml. */
function parseKptShape(value: unknown): [number, number] | undefined {
  let list: unknown[] | undefined;
  if (Array.isArray(value)) list = value;
  else if (typeof value === 'string') list = value.match(/-?\d+/g)?.map(Number);
  if (!list || list.length !== 2) return undefined;
  const [count, dims] = list.map(Number);
  return Number.isInteger(count) && count > 0 && Number.isInteger(dims) && dims > 0 ? [count, dims] : undefined;
}

function toNumber(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value.trim()) : typeof value === 'number' ? value : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    if (/^true$/i.test(value.trim())) return true;
    if (/^false$/i.test(value.trim())) return false;
  }
  return undefined;
}

/** Normalises an `imgsz` option (a number or `[h, w]`) and validates it. */
export function normaliseImgsz(value: number | readonly [number, number], option = 'options.imgsz'): [number, number] {
  const pair: [number, number] = typeof value === 'number' ? [value, value] : [value[0], value[1]];
  for (const side of pair) {
    if (!Number.isInteger(side) || side < 32 || side > MAX_INPUT_SIDE) {
      throw new InvalidOptionError(option, `${option} must be an integer from 32 to ${MAX_INPUT_SIDE} (or a [height, width] pair of them), got ${JSON.stringify(value)}`);
    }
  }
  return pair;
}
