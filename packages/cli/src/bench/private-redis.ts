import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { InvalidOptionError } from '@yolokit/core';
import { waitUntilReady } from './child-ready.js';

/** Where the Redis of `--strategies queue` comes from: `--redis`, or a private `redis-server` started for the run. */
export type BenchRedisPlan = { readonly kind: 'given'; readonly url: string } | { readonly kind: 'private'; readonly binary: string };

/**
 * The Redis plan of a bench that measures `queue`: `--redis` when given, else the `redis-server` found on the
 * PATH (`binary`), else an `InvalidOptionError` naming `--redis`.
 */
export function benchRedisPlan(redis: string | undefined, binary: string | undefined): BenchRedisPlan {
  if (redis !== undefined) return { kind: 'given', url: redis };
  if (binary !== undefined) return { kind: 'private', binary };
  throw new InvalidOptionError(
    '--redis',
    '--strategies queue needs a Redis: --redis redis://host:port, or redis-server on the PATH to start a private one (apt-get install redis-server); neither was found',
  );
}

/** The first executable `redis-server` on `path` (the PATH's folders), or `undefined`. */
export function findRedisServer(path = process.env.PATH ?? ''): string | undefined {
  return findExecutable('redis-server', path);
}

/** The first executable called `name` on `path` (the PATH's folders), or `undefined`. */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const folder of path.split(delimiter)) {
    if (folder === '') continue;
    const candidate = join(folder, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** A `redis-server` of this run's own, on a free loopback port, keeping nothing on disk. */
export interface PrivateRedis {
  readonly url: string;
  readonly pid: number;
  /** Stops it (SIGTERM, SIGKILL after 5 s) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts `binary --port <free port> --bind 127.0.0.1 --save '' --appendonly no` and resolves once it accepts
 * connections. It is killed if this process exits first, and on Linux even if this process is killed by
 * SIGKILL, which no exit handler sees (see {@link diesWithThisProcess}).
 */
export async function startPrivateRedis(binary: string, timeoutMs = 10_000): Promise<PrivateRedis> {
  const port = await freePort();
  const [command, args] = diesWithThisProcess(binary, findSetpriv(), ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes']);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const unhook = killOnExit(child);
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk).slice(-4096);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  try {
    await waitUntilReady(child, () => output.includes('Ready to accept connections'), timeoutMs, {
      timedOut: () => `redis-server did not start on port ${port} within ${timeoutMs} ms:\n${output}`,
      exited: (codeOrSignal) => `redis-server exited (${codeOrSignal}) on port ${port}:\n${output}`,
    });
  } catch (error) {
    await stopChild(child, 5_000);
    unhook();
    throw new Error(`could not start a private redis-server for --strategies queue (${binary}): ${(error as Error).message}`, { cause: error });
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      await stopChild(child, 5_000);
      unhook();
    },
  };
}

/**
 * The command that runs `binary args` so that the kernel kills it when this process dies, however it dies:
 * util-linux's `setpriv --pdeathsig SIGKILL` sets the parent-death signal and then becomes `binary` (same pid).
 * redis-server has no lifeline of its own (a `yolokit worker` has its IPC channel), so without this a bench killed
 * by SIGKILL would leave it running. Where `setpriv` is missing (not Linux), `binary` runs as it is and only the
 * exit and signal handlers of {@link killOnExit} stop it.
 */
export function diesWithThisProcess(binary: string, setpriv: string | undefined, args: readonly string[]): [string, string[]] {
  return setpriv === undefined ? [binary, [...args]] : [setpriv, ['--pdeathsig', 'SIGKILL', '--', binary, ...args]];
}

/** util-linux's `setpriv` on Linux, where it is on the PATH; else `undefined`. */
export function findSetpriv(): string | undefined {
  return process.platform === 'linux' ? findExecutable('setpriv') : undefined;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once `child` has exited. */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Children to kill if this process exits first; one `exit` listener for all (a sweep may start dozens). */
const orphans = new Set<ChildProcess>();
let exitHooked = false;

/** Kills `child` if this process exits first, so that no server or worker outlives the bench; returns the undo. */
export function killOnExit(child: ChildProcess): () => void {
  orphans.add(child);
  if (!exitHooked) {
    exitHooked = true;
    const killAll = (): void => {
      for (const orphan of orphans) if (orphan.exitCode === null && orphan.signalCode === null) orphan.kill('SIGKILL');
    };
    process.once('exit', killAll);
    // A bench stopped by `kill` (not Ctrl-C, which reaches the whole process group) still takes its children
    // along; it then exits as the signal would have made it.
    for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
      process.once(signal, () => {
        killAll();
        process.exit(code);
      });
    }
  }
  return () => void orphans.delete(child);
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}
