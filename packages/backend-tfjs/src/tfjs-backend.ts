import * as tf from '@tensorflow/tfjs-core';
import { GraphModel } from '@tensorflow/tfjs-converter';
import {
  BACKEND_CONTRACT_VERSION,
  type Backend,
  type LoadOptions,
  ModelLoadError,
  type ModelSource,
  parseUltralyticsMetadata,
  resolveLoadOptions,
  throwIfAborted,
  YoloError,
} from '@yolokit/core';
import { modelInputSize } from '@yolokit/core/internal';
import { readModelFiles } from './model-files.js';
import { describeSource, type LocateModel } from './model-location.js';
import { resolveTfjsOptions, type ResolvedTfjsBackendOptions, type TfjsBackendOptions } from './options.js';
import { type Platform, type RuntimeSelection, selectRuntime } from './runtimes.js';
import { TfjsSession } from './tfjs-session.js';

/** A {@link Backend} running TF.js graph models, with the runtime it chose. */
export interface TfjsBackend extends Backend {
  readonly name: 'tfjs';
  /** The options in effect, defaults applied. */
  readonly options: ResolvedTfjsBackendOptions;
  /**
   * Picks and initialises the TF.js runtime (once; `load` does it too) and says which one runs and which
   * `'auto'` passed over. Rejects with `BackendUnavailableError` when a forced runtime is not available.
   */
  selectRuntime(): Promise<RuntimeSelection>;
  load(source: ModelSource, options?: LoadOptions): Promise<TfjsSession>;
}

/** Ops after which `GraphModel.execute` cannot be used (from tfjs-converter's model analysis). */
const ASYNC_OPS = new Set([
  'Switch',
  'Merge',
  'Enter',
  'Exit',
  'NextIteration',
  'StatelessIf',
  'StatelessWhile',
  'If',
  'if',
  'While',
  'HashTable',
  'HashTableV2',
  'LookupTableImport',
  'LookupTableImportV2',
  'LookupTableFind',
  'LookupTableFindV2',
  'LookupTableSize',
  'LookupTableSizeV2',
]);
/** Ops whose output size depends on the input's values. */
const DYNAMIC_SHAPE_OPS = new Set(['NonMaxSuppressionV2', 'NonMaxSuppressionV3', 'NonMaxSuppressionV4', 'NonMaxSuppressionV5', 'Where']);

/** Builds the backend for one platform (Node or browser). @internal */
export function createTfjsBackend(options: TfjsBackendOptions | undefined, platform: Platform, locate: LocateModel): TfjsBackend {
  const resolved = resolveTfjsOptions(options);
  let selection: Promise<RuntimeSelection> | undefined;
  const select = (): Promise<RuntimeSelection> => {
    selection ??= selectRuntime(resolved, platform).catch((error) => {
      selection = undefined; // let a later call try again (a package may have been installed meanwhile)
      throw error;
    });
    return selection;
  };

  return Object.freeze({
    name: 'tfjs' as const,
    contractVersion: BACKEND_CONTRACT_VERSION,
    options: resolved,
    selectRuntime: select,
    async load(source: ModelSource, loadOptions: LoadOptions = {}): Promise<TfjsSession> {
      const limits = resolveLoadOptions(loadOptions);
      const { signal } = limits;
      throwIfAborted(signal);
      const runtime = await select();
      throwIfAborted(signal);
      const files = await readModelFiles(await locate(source, resolved.requestInit, limits));
      throwIfAborted(signal);

      if (tf.getBackend() !== runtime.tfBackend) await tf.setBackend(runtime.tfBackend);
      const where = describeSource(source);
      const model = new GraphModel(tf.io.fromMemory(files.artifacts));
      try {
        // Decoding the weights creates one tensor per weight; inside tidy, a model that fails halfway
        // (an unsupported op, a bad shape) leaves none behind, and the ones it keeps are marked with keep().
        tf.tidy(() => {
          model.loadSync(files.artifacts);
          for (const tensors of Object.values(model.weights)) for (const tensor of tensors) tf.keep(tensor);
        });
      } catch (error) {
        throw new ModelLoadError('MODEL_INVALID', where, `${where} is not a graph model TF.js can load: ${(error as Error).message}`, {
          cause: error,
        });
      }

      let session: TfjsSession;
      try {
        session = new TfjsSession({
          model,
          tfBackend: runtime.tfBackend,
          runtime: runtime.description,
          metadata: files.metadata,
          needsAsync: [...files.ops].some((op) => ASYNC_OPS.has(op) || DYNAMIC_SHAPE_OPS.has(op)) || files.artifacts.modelInitializer != null,
          dynamicOutputs: [...files.ops].some((op) => DYNAMIC_SHAPE_OPS.has(op)),
        });
      } catch (error) {
        model.dispose();
        throw new ModelLoadError('MODEL_INVALID', where, `${where} has no usable image input: ${(error as Error).message}`, { cause: error });
      }
      const imgsz = parseUltralyticsMetadata(files.metadata).imgsz;
      try {
        // Before the warm-up allocates an input of that size (core checks the same when the model is created).
        modelInputSize(session.inputs[0], session.layout, imgsz, where);
      } catch (error) {
        await session.dispose();
        throw error;
      }
      try {
        if (resolved.warmup) await session.warmup(imgsz);
        throwIfAborted(signal);
      } catch (error) {
        await session.dispose();
        if (YoloError.isInstance(error) && error.code === 'ABORTED') throw error;
        throw new ModelLoadError(
          'MODEL_INVALID',
          where,
          `${where} loaded but ${runtime.description} could not run it: ${(error as Error).message}. Another runtime (options.runtime) may support its ops.`,
          { cause: error },
        );
      }
      return session;
    },
  });
}
