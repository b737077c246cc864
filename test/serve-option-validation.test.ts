import { InvalidOptionError } from '@yolokit/core';
import { resolveServerOptions, type ServerOptions } from '@yolokit/serve';
import { describe, expect, it } from 'vitest';

/** The InvalidOptionError resolveServerOptions throws for `options`, as { code, option, message }. */
function rejection(options: unknown): { code: string; option: string; message: string } {
  try {
    resolveServerOptions(options as ServerOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    const { code, option, message } = error as InvalidOptionError;
    return { code, option, message };
  }
  throw new Error(`resolveServerOptions accepted ${JSON.stringify(options)}`);
}

// The server's own options (the models are openServedModels' to check): one case per message, each naming the
// option and the value it got, as core's option checks word them for every package.
describe('createServer option validation', () => {
  const models: ServerOptions['models'] = [];

  it('fills the defaults', () => {
    expect(resolveServerOptions({ models })).toMatchObject({ maxBodyBytes: 32 * 1024 * 1024, requestTimeoutMs: 30_000, shutdownTimeoutMs: 10_000, metrics: true });
  });

  it.each([
    ['options itself', 'models', 'options', 'options must be an object, got "models"'],
    ['an unknown option', { models, maxBody: 1 }, 'options.maxBody', 'options.maxBody is not a server option; known options: models, maxBodyBytes, requestTimeoutMs, urlFetch, apiKey, logger, shutdownTimeoutMs, metrics'],
    ['a misspelt option', { models, metric: false }, 'options.metric', 'options.metric is not a server option (did you mean options.metrics?); known options: models, maxBodyBytes, requestTimeoutMs, urlFetch, apiKey, logger, shutdownTimeoutMs, metrics'],
    ['maxBodyBytes 0', { models, maxBodyBytes: 0 }, 'options.maxBodyBytes', 'options.maxBodyBytes must be a positive integer, got 0'],
    ['requestTimeoutMs as text', { models, requestTimeoutMs: '30s' }, 'options.requestTimeoutMs', 'options.requestTimeoutMs must be a positive integer, got "30s"'],
    ['a fractional shutdownTimeoutMs', { models, shutdownTimeoutMs: 1.5 }, 'options.shutdownTimeoutMs', 'options.shutdownTimeoutMs must be a positive integer, got 1.5'],
    ['metrics as text', { models, metrics: 'no' }, 'options.metrics', 'options.metrics must be a boolean, got "no"'],
    ['urlFetch.timeoutMs', { models, urlFetch: { allowedOrigins: ['http://127.0.0.1:8080'], timeoutMs: -1 } }, 'options.urlFetch.timeoutMs', 'options.urlFetch.timeoutMs must be a positive integer, got -1'],
  ])('%s', (_name, options, option, message) => {
    expect(rejection(options)).toEqual({ code: 'INVALID_OPTION', option, message });
  });
});
