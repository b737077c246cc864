import { BackendUnavailableError } from '@yolokit/core';

/** The runtimes this package loads, each an optional peer dependency: a user installs the one they use. */
export type OnnxRuntimePackage = 'onnxruntime-node' | 'onnxruntime-web';

/** The range of each runtime this version of the package is built and tested against (its peer range). */
const TESTED_RANGE = '~1.30.0';

/**
 * Imports a runtime with `load`; when it is not installed, rejects with a `BackendUnavailableError`
 * (`BACKEND_UNAVAILABLE`) that names the package and the command that installs it. The runtimes are optional
 * peer dependencies, so that a Node program does not download onnxruntime-web and a browser bundle does not
 * pull onnxruntime-node: the first `load()` is where a missing one shows.
 *
 * `load` is the seam: each entry passes its own `import()` (bundlers must see the literal specifier).
 */
export async function importRuntime<T>(name: OnnxRuntimePackage, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /cannot find (package|module)|failed to resolve module/i.test(detail);
    const message = missing
      ? `${name} is not installed: @yolokit/backend-onnx leaves the runtime to you (an optional peer dependency). Install it beside it: npm install ${name}@${TESTED_RANGE} (${detail})`
      : `${name} is installed but could not be loaded: ${detail}`;
    throw new BackendUnavailableError(message, [], { cause: error });
  }
}
