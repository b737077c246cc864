/**
 * onnxruntime's telemetry, off unless asked for.
 *
 * Since 1.29 the official onnxruntime binaries for Linux and macOS (onnxruntime-node included) carry Microsoft's
 * 1DS telemetry client, on by default: the first session a process creates starts it, and it writes
 * `mat-debug-<pid>.log` and a `.ses` file into the temp folder, an event store (`onnxruntime.db`) and a device id
 * under `$XDG_CACHE_HOME` or `~/.cache/Microsoft/DeveloperTools/.onnxruntime/`, and uploads events over HTTPS.
 * onnxruntime's documented switch (docs/Privacy.md, "Disabling Telemetry") is the environment variable
 * `ORT_DISABLE_TELEMETRY=1`, read from the process environment when the runtime creates its environment, which
 * onnxruntime-node does on the first `InferenceSession.create` of the process; with it, no uploader, event,
 * device id or cache is created, and the decision holds for the process's lifetime. onnxruntime-node exposes
 * no API for it (the C API's `DisableTelemetryEvents` only silences later, non-essential events), so this
 * module sets that variable just before each session is created.
 * @internal
 */

/** onnxruntime's switch: a value of `1`, `true`, `yes`, `on` or `y` (any case, spaces trimmed) turns telemetry off. */
export const ORT_TELEMETRY_SWITCH = 'ORT_DISABLE_TELEMETRY';

/**
 * The environments in which yolokit wrote the switch itself (so `telemetry: true` may take it back), in a set
 * kept on `globalThis` so that the ESM and the CJS build of this package share it.
 */
const WROTE_SWITCH = Symbol.for('@yolokit/backend-onnx/telemetry-switch-written');

function written(): WeakSet<object> {
  const holder = globalThis as typeof globalThis & { [WROTE_SWITCH]?: WeakSet<object> };
  holder[WROTE_SWITCH] ??= new WeakSet();
  return holder[WROTE_SWITCH];
}

/** Whether onnxruntime reads `value` as "telemetry off" (the same test as onnxruntime 1.30's). */
export function switchesTelemetryOff(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes', 'on', 'y'].includes(value.trim().toLowerCase());
}

/**
 * Sets `ORT_DISABLE_TELEMETRY` in the process environment for the choice of one backend, before one of its sessions
 * is created. `optIn` is the `telemetry` option:
 * - `undefined`: the environment decides when it sets `ORT_DISABLE_TELEMETRY` to something other than spaces
 *   (`ORT_DISABLE_TELEMETRY=0` opts in); otherwise telemetry is turned off.
 * - `false`: off, whatever the environment says.
 * - `true`: onnxruntime's own default (on), unless the environment turns it off: an operator's
 *   `ORT_DISABLE_TELEMETRY=1` wins over code. Only a value yolokit wrote itself is removed.
 *
 * onnxruntime reads the variable once per process, at its first session, so the first session's choice holds for
 * every later one. Native code sees `process.env` only on the main thread or in a worker started with
 * `env: SHARE_ENV` (as `@yolokit/concurrency`'s thread pool does).
 */
export function applyTelemetryChoice(optIn: boolean | undefined, env: NodeJS.ProcessEnv = process.env): 'wrote' | 'unchanged' {
  const current = env[ORT_TELEMETRY_SWITCH];
  const ours = written();
  if (optIn === true) {
    if (ours.has(env) && current === '1') delete env[ORT_TELEMETRY_SWITCH];
    ours.delete(env);
    return 'unchanged';
  }
  const environmentDecides = optIn === undefined && current !== undefined && current.trim() !== '';
  if (environmentDecides || switchesTelemetryOff(current)) return 'unchanged';
  env[ORT_TELEMETRY_SWITCH] = '1';
  ours.add(env);
  return 'wrote';
}

/**
 * Whether the process environment that native code reads (not this thread's `process.env`, which in a worker
 * thread is a copy unless the worker was started with `env: SHARE_ENV`) turns telemetry off. Node's diagnostic
 * report lists that environment; `undefined` when it cannot be read.
 */
export function nativeEnvironmentSwitchesTelemetryOff(): boolean | undefined {
  const report = process.report?.getReport() as { environmentVariables?: Record<string, string> } | undefined;
  if (!report?.environmentVariables) return undefined;
  return switchesTelemetryOff(report.environmentVariables[ORT_TELEMETRY_SWITCH]);
}

/**
 * Warns, once per thread, when yolokit wrote the switch in a worker thread whose `process.env` is its own copy:
 * onnxruntime would not see it. yolokit's own thread pools share the environment, so this is for workers a
 * program starts itself.
 */
export function warnUnlessSwitchReachesRuntime(): void {
  if (nativeEnvironmentSwitchesTelemetryOff() !== false) return;
  process.emitWarning(
    `onnxruntime's telemetry could not be turned off from this worker thread: its process.env is a copy that onnxruntime (native code) does not read. Set ${ORT_TELEMETRY_SWITCH}=1 in the process environment (or in the main thread before the worker starts), or start the worker with { env: SHARE_ENV } from node:worker_threads.`,
    { code: 'YOLOKIT_ORT_TELEMETRY' },
  );
}
