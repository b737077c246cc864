import { createRequire } from 'node:module';
import { type BackendSpec, BackendUnavailableError } from '@yolokit/core';
import { onnxSpec, onnxWebSpec } from '@yolokit/backend-onnx/spec';
import type { BackendName } from './image-predictor.js';

/**
 * The backend of `--backend <name>` as data, for the strategies that build their model in worker threads,
 * processes or queue workers. Each backend package describes itself (its module, export and thread option) with
 * its spec helper; the CLI only maps its flag's names to those helpers.
 *
 * @throws `BackendUnavailableError` (code `BACKEND_UNAVAILABLE`) naming the package to install when
 * `@yolokit/backend-tfjs`, an optional peer of the CLI, is missing.
 */
export function backendSpecOf(name: BackendName): BackendSpec {
  switch (name) {
    case 'onnx':
      return onnxSpec();
    case 'onnx-web':
      return onnxWebSpec();
    case 'tfjs':
      return requireSpecModule<typeof import('@yolokit/backend-tfjs/spec')>('@yolokit/backend-tfjs/spec').tfjsSpec();
  }
}

// Synchronous on purpose: the flags are turned into library options by synchronous functions. The spec entries
// load no runtime, so requiring one is cheap.
function requireSpecModule<T>(specifier: string): T {
  try {
    return createRequire(import.meta.url)(specifier) as T;
  } catch (error) {
    const name = specifier.split('/').slice(0, 2).join('/');
    throw new BackendUnavailableError(`cannot load ${specifier} (${(error as Error).message}); install it beside @yolokit/cli: npm install ${name}`, [], { cause: error });
  }
}
