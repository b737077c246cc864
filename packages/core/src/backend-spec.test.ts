import { describe, expect, it } from 'vitest';
import { checkBackendSpec, defineBackendSpec } from './backend-spec.js';
import { InvalidOptionError } from './errors.js';

function rejection(run: () => unknown): InvalidOptionError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    return error as InvalidOptionError;
  }
  throw new Error('expected an InvalidOptionError');
}

describe('defineBackendSpec', () => {
  it('returns the description it was given, which survives structuredClone unchanged', () => {
    const spec = defineBackendSpec({ module: '@acme/yolokit-tiny', export: 'tiny', options: { threads: 2, names: ['a'] }, threadsOption: 'threads' });
    expect(spec).toEqual({ module: '@acme/yolokit-tiny', export: 'tiny', options: { threads: 2, names: ['a'] }, threadsOption: 'threads' });
    expect(structuredClone(spec)).toEqual(spec);
  });

  it.each([
    [undefined, 'tiny', 'tiny must be { module, export?, options?, threadsOption? }'],
    [{ module: '' }, 'tiny.module', "tiny.module must be a non-empty module specifier such as '@yolokit/backend-onnx', got \"\""],
    [{ module: './tiny.js' }, 'tiny.module', 'tiny.module must not be relative (./tiny.js)'],
    [{ module: 'x', export: '' }, 'tiny.export', 'tiny.export must be the name of an export of x, got ""'],
    [{ module: 'x', threadsOption: 4 }, 'tiny.threadsOption', 'tiny.threadsOption must be an option name or null, got 4'],
    [{ module: 'x', thread: 'n' }, 'tiny.thread', 'tiny.thread is not a backend spec field; known fields: module, export, options, threadsOption'],
    [{ module: 'x', options: { run: () => 1 } }, 'tiny.options', 'tiny.options must be plain data that can cross to a worker (structuredClone failed:'],
  ])('refuses %j naming %s', (value, option, message) => {
    const error = rejection(() => defineBackendSpec(value as never, 'tiny'));
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.option).toBe(option);
    expect(error.message.startsWith(message)).toBe(true);
  });

  it('accepts threadsOption null (a runtime without a thread setting) and a file: URL module', () => {
    expect(() => checkBackendSpec({ module: 'file:///opt/tiny/index.js', threadsOption: null })).not.toThrow();
  });
});
