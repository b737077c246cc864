import { describeValue, InvalidOptionError } from '@yolokit/core';
import type { InferenceSession } from 'onnxruntime-common';

/**
 * An onnxruntime execution provider: a name (`'cpu'`, `'cuda'`, `'wasm'`, ...) or onnxruntime's options
 * object for it (`{ name: 'cuda', deviceId: 1 }`), passed to onnxruntime unchanged.
 */
export type OnnxExecutionProvider = InferenceSession.ExecutionProviderConfig;

/** Throws unless `options` is `undefined` or a plain object whose keys are all in `known`. */
export function checkOptionsObject(options: unknown, factory: string, known: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionError('options', `${factory}(options): options must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      const suggestion = closest(key, known);
      throw new InvalidOptionError(
        `options.${key}`,
        `options.${key} is not an option of ${factory}()${suggestion ? `; did you mean options.${suggestion}?` : '.'} Known options: ${known.join(', ')}`,
      );
    }
  }
  return options as Record<string, unknown>;
}

/** `undefined`, or an integer ≥ 1. */
export function positiveInteger(value: unknown, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidOptionError(option, `${option} must be a positive integer, got ${describeValue(value)}`);
  }
  return value;
}

/** `undefined`, `true` or `false`. */
export function optionalBoolean(value: unknown, option: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new InvalidOptionError(option, `${option} must be true or false, got ${describeValue(value)}`);
}

/** `undefined`, or one of `allowed`. */
export function oneOf<T extends string>(value: unknown, option: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidOptionError(option, `${option} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describeValue(value)}`);
  }
  return value as T;
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

/** The known option nearest to a misspelt one (edit distance ≤ 3 or case-insensitive match). */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
