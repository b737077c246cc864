import type { EventEmitter } from 'node:events';
import { InvalidOptionError } from '@yolokit/core';
import { oneOf } from '@yolokit/core/internal';
import { type Command, Option } from 'commander';
import { backendSpecOf } from './backend-spec-of.js';
import { BACKEND_NAMES, type BackendName, resolveModelPath } from './image-predictor.js';
import type { CliIo } from './run-predict.js';
import { collect, positiveIntegerFlag } from './flag-values.js';

/** The flags of `yolokit serve` as commander hands them over. */
export interface ServeCommandFlags {
  readonly model: readonly string[];
  readonly name: readonly string[];
  readonly backend: BackendName;
  readonly strategy: string;
  readonly queue: readonly string[];
  readonly redis: string;
  readonly workers?: string;
  readonly threadsPerWorker?: string;
  readonly maxQueue?: string;
  readonly retryOnWorkerDeath?: boolean;
  readonly host: string;
  readonly port: string;
  readonly apiKey?: string;
  readonly allowUrlOrigin: readonly string[];
  readonly maxBodyBytes?: string;
  readonly timeoutMs?: string;
  readonly shutdownTimeout?: string;
  readonly logLevel: string;
}

/** The pools `--strategy` can choose for each model. */
export const SERVE_STRATEGY_NAMES = ['locked', 'threads', 'processes', 'auto', 'queue'] as const;

/** The environment variable that holds the API key when `--api-key` is not given (keeps it out of `ps`). */
export const API_KEY_ENV = 'YOLOKIT_API_KEY';


/**
 * `@yolokit/serve`, an optional peer, as far as this command uses it. Named by a variable so that the CLI's
 * build and types never need the package (it is loaded only when `yolokit serve` runs).
 */
const SERVE_MODULE = '@yolokit/serve';
interface ServeModule {
  createServer(options: object): Promise<{
    readonly models: ReadonlyMap<string, { readonly name: string; readonly predictor: { readonly strategy: string; stats(): { readonly workers: readonly unknown[] } } }>;
    listen(options: { host: string; port: number }): Promise<string>;
    close(): Promise<void>;
  }>;
}


/** Adds `yolokit serve` to `program`. */
export function registerServeCommand(program: Command, io: CliIo, environment: NodeJS.ProcessEnv = process.env): void {
  program
    .command('serve')
    .summary('serve models over HTTP: REST, the Open Inference Protocol (KServe v2) and Prometheus metrics')
    .description(
      'Serve one or more models over HTTP (@yolokit/serve on Fastify) until SIGTERM or SIGINT: POST /v1/predict, the Open Inference ' +
        'Protocol under /v2, GET /metrics and GET /openapi.json. The first signal stops taking connections and lets in-flight requests ' +
        'finish (up to --shutdown-timeout); request logs (pino JSON, with request ids) go to stdout.',
    )
    .option('-m, --model <file>', 'a model to serve (repeat for several; the first is the one /v1/predict uses)', collect, [])
    .option('--name <name>', "the model's name in URLs, by position with --model or --queue (default: the file name without extension, or the queue's name)", collect, [])
    .addOption(new Option('--backend <name>', 'the runtime of every model instance').choices(BACKEND_NAMES).default('onnx'))
    .addOption(new Option('--strategy <name>', 'where each model runs (auto measures a short sweep at start)').choices(SERVE_STRATEGY_NAMES).default('threads'))
    .option('--queue <name>', 'with --strategy queue: a queue that `yolokit worker` processes serve, one model per queue (repeat for several); the server only enqueues', collect, [])
    .option('--redis <url>', "with --strategy queue: the queues' Redis, redis://[user:password@]host:port[/db] or rediss://", 'redis://127.0.0.1:6379')
    .option('--workers <count>', 'model instances per model for threads|processes (default: cores / threads per worker)')
    .option('--threads-per-worker <count>', "the runtime's intra-op threads in each instance (default: cores / workers)")
    .option('--max-queue <count>', 'requests that may wait per model; one more is answered 429 with Retry-After (default: 64)')
    .option('--retry-on-worker-death', 'run a request once more on another worker when its worker dies (instead of 503 WORKER_DIED)')
    .option('--host <host>', 'the address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option('--port <port>', 'the port to listen on (0: any free port)', '8080')
    .option('--api-key <key>', `require this key on every route but /v2/health (Authorization: Bearer or X-API-Key); default: $${API_KEY_ENV}`)
    .option('--allow-url-origin <origin>', 'fetch {"url": ...} images from this origin (repeat for several; default: no URL fetching)', collect, [])
    .option('--max-body-bytes <bytes>', 'largest request body; larger is 413 (default: 33554432)')
    .option('--timeout-ms <ms>', 'longest a prediction may take, queue wait included; then 504 (default: 30000)')
    .option('--shutdown-timeout <ms>', 'on SIGTERM, how long in-flight requests may take before they are aborted (default: 10000)')
    .addOption(new Option('--log-level <level>', 'request log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'))
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  yolokit serve --model yolov8n.onnx --port 8080',
        '  curl --data-binary @bus.jpg -H "Content-Type: image/jpeg" "http://127.0.0.1:8080/v1/predict?conf=0.4"',
        '  yolokit serve -m yolov8n.onnx -m yolov8n-seg.onnx --name seg --strategy processes --workers 2 --max-queue 32',
        '  yolokit serve --strategy queue --queue detect --name yolov8n --redis redis://10.0.0.5:6379   # workers: yolokit worker --queue detect ...',
        '',
        'Exit codes: 0 stopped by a signal; 1 a model failed to load or the port is taken; 2 the command line is wrong.',
      ].join('\n'),
    )
    .action((flags: ServeCommandFlags) => runServeCommand(flags, io, process, environment));
}

/** The options of `createServer` for `flags`, validated; flag names in messages. */
export function serveOptionsFromFlags(flags: ServeCommandFlags, cwd: string, environment: NodeJS.ProcessEnv = {}) {
  const strategy = oneOf(flags.strategy, '--strategy', SERVE_STRATEGY_NAMES);
  const optional = <T>(key: string, value: T | undefined): Record<string, T> => (value === undefined ? {} : { [key]: value });
  const queue = flags.queue ?? [];
  if (strategy === 'queue') {
    // The server is a producer only: the models are loaded by the `yolokit worker` processes of each queue.
    if (queue.length === 0) {
      throw new InvalidOptionError('--queue', 'yolokit serve --strategy queue needs --queue <name>: the queue its `yolokit worker` processes serve (repeat it for several)');
    }
    if (flags.model.length > 0) {
      throw new InvalidOptionError('--model', '--model does not apply to --strategy queue: the workers load the model (yolokit worker --queue NAME --model FILE); give --queue NAME here');
    }
    for (const [flag, given] of [['--workers', flags.workers], ['--threads-per-worker', flags.threadsPerWorker], ['--retry-on-worker-death', flags.retryOnWorkerDeath]] as const) {
      if (given !== undefined) throw new InvalidOptionError(flag, `${flag} does not apply to --strategy queue: set it on the workers (yolokit worker ${flag} ...)`);
    }
  } else if (queue.length > 0) {
    throw new InvalidOptionError('--queue', `--queue applies to --strategy queue, got --strategy ${strategy}`);
  }
  const sources = strategy === 'queue' ? queue : flags.model;
  if (sources.length === 0) throw new InvalidOptionError('--model', 'yolokit serve needs --model <file>: the model to serve (repeat it for several)');
  if (flags.name.length > sources.length) {
    const what = strategy === 'queue' ? '--queue' : '--model';
    throw new InvalidOptionError('--name', `--name was given ${flags.name.length} times for ${sources.length} ${what}; give at most one name per model, in the same order`);
  }
  const workers = positiveIntegerFlag(flags.workers, '--workers');
  if (workers !== undefined && (strategy === 'locked' || strategy === 'auto')) {
    throw new InvalidOptionError('--workers', `--workers applies to --strategy threads or processes; ${strategy} chooses its own`);
  }
  // A server answers 429 rather than letting requests pile up: a short queue by default.
  const maxQueue = positiveIntegerFlag(flags.maxQueue, '--max-queue') ?? 64;
  const models: Array<Record<string, unknown>> =
    strategy === 'queue'
      ? queue.map((name, i) => ({ name: flags.name[i] ?? name, strategy, queue: { name, redis: flags.redis }, maxQueue }))
      : flags.model.map((model, i) => ({
          ...optional('name', flags.name[i]),
          strategy,
          model: { backend: backendSpecOf(flags.backend), model: resolveModelPath(model, cwd) },
          ...optional('workers', workers),
          ...optional('threadsPerWorker', positiveIntegerFlag(flags.threadsPerWorker, '--threads-per-worker')),
          maxQueue,
          ...optional('retryOnWorkerDeath', flags.retryOnWorkerDeath),
          // The one instance runs off the event loop, so health checks and other requests keep being answered.
          ...(strategy === 'locked' ? { offMainThread: true } : {}),
        }));
  const port = Number(flags.port);
  if (!/^\d+$/.test(flags.port) || port > 65535) throw new InvalidOptionError('--port', `--port must be an integer from 0 to 65535, got ${JSON.stringify(flags.port)}`);
  const apiKey = flags.apiKey ?? environment[API_KEY_ENV];
  return {
    listen: { host: flags.host, port },
    apiKeyRequired: apiKey !== undefined && apiKey !== '',
    server: {
      models,
      ...optional('apiKey', apiKey === '' ? undefined : apiKey),
      ...(flags.allowUrlOrigin.length > 0 ? { urlFetch: { allowedOrigins: flags.allowUrlOrigin } } : {}),
      ...optional('maxBodyBytes', positiveIntegerFlag(flags.maxBodyBytes, '--max-body-bytes')),
      ...optional('requestTimeoutMs', positiveIntegerFlag(flags.timeoutMs, '--timeout-ms')),
      ...optional('shutdownTimeoutMs', positiveIntegerFlag(flags.shutdownTimeout, '--shutdown-timeout')),
    },
  };
}

/**
 * Runs `yolokit serve` until the first of `signals` (`SIGTERM`, `SIGINT`) arrives, then shuts down gracefully
 * (in-flight requests finish, up to the shutdown timeout; the pools close). Resolves when the server has stopped.
 */
export async function runServeCommand(
  flags: ServeCommandFlags,
  io: CliIo,
  signals: Pick<EventEmitter, 'on' | 'off'> = process,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const options = serveOptionsFromFlags(flags, io.cwd, environment);
  let serve: ServeModule;
  try {
    serve = (await import(SERVE_MODULE)) as ServeModule;
  } catch (error) {
    throw new InvalidOptionError('serve', `yolokit serve needs @yolokit/serve: npm install @yolokit/serve (${(error as Error).message})`);
  }
  const server = await serve.createServer({ ...options.server, logger: { level: flags.logLevel, stream: io.stdout } });
  let address: string;
  try {
    address = await server.listen(options.listen);
  } catch (error) {
    await server.close();
    throw error;
  }
  // A queue's workers run elsewhere: the count of this process's own (none) would mislead.
  const models = [...server.models.values()].map((m) =>
    m.predictor.strategy === 'queue' ? `${m.name} (queue)` : `${m.name} (${m.predictor.strategy} × ${m.predictor.stats().workers.length})`,
  );
  io.stdout.write(`yolokit serve listening on ${address}: ${models.join(', ')}${options.apiKeyRequired ? ', API key required' : ''}\n`);
  await new Promise<void>((resolve, reject) => {
    let stops = 0;
    const onSignal = (signal: string): void => {
      stops += 1;
      if (stops > 1) return;
      io.stderr.write(`yolokit serve: ${signal}: finishing in-flight requests, then stopping\n`);
      signals.off('SIGTERM', onSignal);
      signals.off('SIGINT', onSignal);
      server.close().then(resolve, reject);
    };
    signals.on('SIGTERM', onSignal);
    signals.on('SIGINT', onSignal);
  });
  io.stdout.write('yolokit serve stopped\n');
}
