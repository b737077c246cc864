import { describeValue, InvalidOptionError } from '@yolokit/core';
import { optionsObject, rejectUnknown } from '@yolokit/core/internal';
import type { InferenceSession } from 'onnxruntime-common';

/**
 * An onnxruntime execution provider: a name (`'cpu'`, `'cuda'`, `'wasm'`, ...) or onnxruntime's options
 * object for it (`{ name: 'cuda', deviceId: 1 }`), passed to onnxruntime unchanged.
 */
export type OnnxExecutionProvider = InferenceSession.ExecutionProviderConfig;

/**
 * `{}` for `undefined`, else `options` as a plain object whose keys are all in `known`: the message names the
 * factory (`onnx(options): options must be an object, got 42`) and, for an unknown key, the known ones.
 */
export function checkOptionsObject(options: unknown, factory: string, known: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  const given = optionsObject(options, 'options', { call: `${factory}(options)` });
  rejectUnknown(given, known, `${/^[aeiou]/i.test(factory) ? 'an' : 'a'} ${factory}()`);
  return given;
}

/** A non-empty list of provider names or `{ name }` objects; returns it copied, with the names. */
export function executionProviderList(
  value: unknown,
  option: string,
  fallback: readonly OnnxExecutionProvider[],
): { providers: OnnxExecutionProvider[]; names: string[] } {
  if (value === undefined) return { providers: [...fallback], names: fallback.map(providerName) };
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidOptionError(option, `${option} must be a non-empty array of execution providers such as ['cpu'], got ${describeValue(value)}`);
  }
  const names = value.map((provider, index) => {
    const at = `${option}[${index}]`;
    if (typeof provider === 'string') {
      if (provider.trim() === '') throw new InvalidOptionError(at, `${at} must be a provider name such as 'cpu', got an empty string`);
      return provider;
    }
    if (typeof provider === 'object' && provider !== null && !Array.isArray(provider)) {
      const name = (provider as { name?: unknown }).name;
      if (typeof name === 'string' && name.trim() !== '') return name;
      throw new InvalidOptionError(at, `${at} is an object without a provider name: it needs a string name such as { name: 'cuda' }, got ${describeValue(provider)}`);
    }
    throw new InvalidOptionError(at, `${at} must be a provider name such as 'cpu' or an options object such as { name: 'cuda' }, got ${describeValue(provider)}`);
  });
  return { providers: [...value] as OnnxExecutionProvider[], names };
}

export function providerName(provider: OnnxExecutionProvider): string {
  return typeof provider === 'string' ? provider : provider.name;
}
