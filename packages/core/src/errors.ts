/**
 * Typed errors of yolokit. Every error is a {@link YoloError} with a stable `code` that callers can switch
 * on; messages say what was wrong and what to do; the underlying error, if any, is chained as `cause`.
 */

const marker = Symbol.for('yolokit.error');

/** Stable error codes. New codes may be added; existing codes never change meaning. */
export type YoloErrorCode =
  | 'IMAGE_UNREADABLE'
  | 'IMAGE_TOO_SMALL'
  | 'MODEL_NOT_FOUND'
  | 'MODEL_INVALID'
  | 'MODEL_OUTPUT_UNSUPPORTED'
  | 'INVALID_OPTION'
  | 'BACKEND_UNAVAILABLE'
  | 'INFERENCE_FAILED'
  | 'DISPOSED'
  | 'ABORTED'
  | 'TIMEOUT'
  | 'QUEUE_FULL'
  | 'CLOSED'
  | 'WORKER_DIED'
  | 'SOURCE_NOT_ALLOWED';

/** Base class of every error yolokit throws on purpose. */
export class YoloError extends Error {
  readonly [marker] = true;
  readonly code: YoloErrorCode;

  constructor(code: YoloErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  /** True for any yolokit error, also one created by another copy of the package (or another realm). */
  static isInstance(value: unknown): value is YoloError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
  }

  /** A plain object that survives `structuredClone` and JSON (used to carry errors across threads). */
  toJSON(): SerializedYoloError {
    return { name: this.name, code: this.code, message: this.message, ...extraFields(this) };
  }
}

/** The wire form of a {@link YoloError}. */
export interface SerializedYoloError {
  name: string;
  code: YoloErrorCode;
  message: string;
  [field: string]: unknown;
}

/** A {@link YoloError} subclass, as {@link registerErrorClasses} takes it (any constructor signature). */
// biome-ignore lint/suspicious/noExplicitAny: constructors of error classes take any arguments.
export type YoloErrorClass = abstract new (...args: any[]) => YoloError;

function extraFields(error: YoloError): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key !== 'code' && key !== 'name' && key !== 'message' && key !== 'cause') fields[key] = value;
  }
  return fields;
}

/** An image could not be read or decoded (missing file, truncated or corrupt data, unknown format). */
export class ImageDecodeError extends YoloError {
  /** What was given: a path, or a short description such as `"<Uint8Array 1234 bytes>"`. */
  readonly source: string;
  constructor(source: string, message: string, options?: { cause?: unknown; code?: 'IMAGE_UNREADABLE' | 'IMAGE_TOO_SMALL' }) {
    super(options?.code ?? 'IMAGE_UNREADABLE', message, options);
    this.source = source;
  }
}

/** A model file is missing, unreadable or not a model the backend understands. */
export class ModelLoadError extends YoloError {
  readonly source: string;
  constructor(code: 'MODEL_NOT_FOUND' | 'MODEL_INVALID', source: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.source = source;
  }
}

/** The model's output matches none of the layouts yolokit decodes. */
export class UnsupportedOutputError extends YoloError {
  readonly dims: readonly number[];
  constructor(dims: readonly number[], message: string) {
    super('MODEL_OUTPUT_UNSUPPORTED', message);
    this.dims = [...dims];
  }
}

/** An option had a wrong type or an out-of-range value. */
export class InvalidOptionError extends YoloError {
  /** The option's path, such as `options.conf`. */
  readonly option: string;
  constructor(option: string, message: string) {
    super('INVALID_OPTION', message);
    this.option = option;
  }
}

/** A backend, runtime or execution provider that was asked for is not available here. */
export class BackendUnavailableError extends YoloError {
  /** What is available instead, when known. */
  readonly available: readonly string[];
  constructor(message: string, available: readonly string[] = [], options?: { cause?: unknown }) {
    super('BACKEND_UNAVAILABLE', message, options);
    this.available = [...available];
  }
}

/** The runtime failed while running the model. */
export class InferenceError extends YoloError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INFERENCE_FAILED', message, options);
  }
}

/** The model (or pool) was used after `dispose()` / `close()`. */
export class DisposedError extends YoloError {
  constructor(what: string) {
    super('DISPOSED', `${what} has been disposed; create a new one to keep predicting.`);
  }
}

/** The operation was cancelled through an `AbortSignal`. Named `AbortError`, as the platform's is. */
export class AbortError extends YoloError {
  constructor(message = 'the operation was aborted', options?: { cause?: unknown }) {
    super('ABORTED', message, options);
  }
}

/** Throws an {@link AbortError} (with the signal's reason as `cause`) when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(`the operation was aborted${reasonText(signal.reason)}`, { cause: signal.reason });
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error && reason.name !== 'AbortError') return `: ${reason.message}`;
  if (typeof reason === 'string') return `: ${reason}`;
  return '';
}

// The registry: how an error keeps its class across a thread, a process or a queue. Each package registers its
// classes once, when its module loads; `deserializeError` rebuilds a serialized error as an instance of the
// class registered under its `name`.

const errorClasses = new Map<string, YoloErrorClass>();

/**
 * Registers error classes (keyed by class name, which is what `toJSON` sends as `name`), so that
 * {@link deserializeError} rebuilds their errors as instances of the same class: `instanceof` and the typed
 * fields hold on the other side of a thread, process or queue. yolokit's packages register their own classes
 * when they load; a third-party package registers its own the same way. A name registered again is taken by the
 * later class (two copies of one package: the copy loaded last wins).
 */
export function registerErrorClasses(...classes: readonly YoloErrorClass[]): void {
  for (const errorClass of classes) {
    // Error rather than YoloError: a class built on another copy of this package is welcome too.
    if (typeof errorClass !== 'function' || !(errorClass.prototype instanceof Error)) {
      throw new TypeError(`registerErrorClasses: ${String((errorClass as { name?: unknown })?.name ?? errorClass)} is not an error class`);
    }
    errorClasses.set(errorClass.name, errorClass);
  }
}

/** The class registered under `name`, if any. */
export function registeredErrorClass(name: string): YoloErrorClass | undefined {
  return errorClasses.get(name);
}

/**
 * The core class that throws each code: an error whose own class is not registered here (a package this side
 * has not loaded) is rebuilt as that class, so `instanceof ModelLoadError` holds for every `MODEL_NOT_FOUND`.
 */
function classOfCode(code: YoloErrorCode): YoloErrorClass {
  switch (code) {
    case 'IMAGE_UNREADABLE':
    case 'IMAGE_TOO_SMALL':
      return ImageDecodeError;
    case 'MODEL_NOT_FOUND':
    case 'MODEL_INVALID':
      return ModelLoadError;
    case 'MODEL_OUTPUT_UNSUPPORTED':
      return UnsupportedOutputError;
    case 'INVALID_OPTION':
      return InvalidOptionError;
    case 'BACKEND_UNAVAILABLE':
      return BackendUnavailableError;
    case 'INFERENCE_FAILED':
      return InferenceError;
    case 'DISPOSED':
      return DisposedError;
    case 'ABORTED':
      return AbortError;
    default:
      return YoloError;
  }
}

/**
 * Rebuilds a {@link YoloError} from its wire form (see {@link YoloError.toJSON}) as an instance of the class
 * registered under its `name` (see {@link registerErrorClasses}), or else of the core class of its code, with
 * its code, message and every field. The class's constructor does not run (its arguments are not on the wire);
 * the fields come from the wire as they were.
 */
export function deserializeError(serialized: SerializedYoloError): YoloError {
  const errorClass = errorClasses.get(serialized.name) ?? classOfCode(serialized.code);
  const error = Reflect.construct(Error, [serialized.message], errorClass) as YoloError;
  const fields = error as unknown as Record<string | symbol, unknown>;
  fields[marker] = true;
  for (const [key, value] of Object.entries(serialized)) {
    if (key !== 'message') fields[key] = value;
  }
  // The stack's first line was written before the name was known.
  if (typeof error.stack === 'string') error.stack = error.stack.replace(/^Error\b/, serialized.name);
  return error;
}

/**
 * Any thrown value in wire form (see {@link deserializeError}): a yolokit error as its `toJSON` (with its
 * cause's message as `causeMessage`), anything else as an `InferenceError` (`INFERENCE_FAILED`) saying
 * `<context>: <its message>`, with its stack as `workerStack`.
 */
export function serializeError(error: unknown, context = 'the worker failed'): SerializedYoloError {
  if (YoloError.isInstance(error)) {
    const serialized = error.toJSON();
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? { ...serialized, causeMessage: cause.message } : serialized;
  }
  const message = error instanceof Error ? error.message : String(error);
  const wrapped = new InferenceError(`${context}: ${message}`);
  return { ...wrapped.toJSON(), ...(error instanceof Error && error.stack ? { workerStack: error.stack } : {}) };
}

registerErrorClasses(
  YoloError,
  ImageDecodeError,
  ModelLoadError,
  UnsupportedOutputError,
  InvalidOptionError,
  BackendUnavailableError,
  InferenceError,
  DisposedError,
  AbortError,
);
