import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { InvalidOptionError } from '@yolokit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { benchRedisPlan, diesWithThisProcess, findExecutable, findRedisServer, findSetpriv, startPrivateRedis } from './private-redis.js';

const folder = mkdtempSync(join(tmpdir(), 'yolokit-private-redis-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('benchRedisPlan', () => {
  it('takes --redis when given, else the redis-server found', () => {
    expect(benchRedisPlan('redis://10.0.0.5:6379', '/usr/bin/redis-server')).toEqual({ kind: 'given', url: 'redis://10.0.0.5:6379' });
    expect(benchRedisPlan('redis://10.0.0.5:6379', undefined)).toEqual({ kind: 'given', url: 'redis://10.0.0.5:6379' });
    expect(benchRedisPlan(undefined, '/usr/bin/redis-server')).toEqual({ kind: 'private', binary: '/usr/bin/redis-server' });
  });

  it('refuses with an InvalidOptionError naming --redis when neither is there', () => {
    let caught: unknown;
    try {
      benchRedisPlan(undefined, undefined);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidOptionError);
    expect((caught as InvalidOptionError).option).toBe('--redis');
    expect((caught as Error).message).toBe(
      '--strategies queue needs a Redis: --redis redis://host:port, or redis-server on the PATH to start a private one (apt-get install redis-server); neither was found',
    );
  });
});

describe('findRedisServer', () => {
  it('finds the first executable redis-server on the PATH, and nothing where there is none', () => {
    const empty = join(folder, 'empty');
    const plain = join(folder, 'plain');
    const executable = join(folder, 'bin');
    for (const dir of [empty, plain, executable]) mkdirSync(dir, { recursive: true });
    writeFileSync(join(plain, 'redis-server'), '#!/bin/sh\n');
    chmodSync(join(plain, 'redis-server'), 0o644);
    writeFileSync(join(executable, 'redis-server'), '#!/bin/sh\n');
    chmodSync(join(executable, 'redis-server'), 0o755);
    expect(findRedisServer([empty, plain, executable].join(delimiter))).toBe(join(executable, 'redis-server'));
    expect(findRedisServer([empty, plain].join(delimiter))).toBeUndefined();
    expect(findRedisServer('')).toBeUndefined();
  });
});

/** Whether `pid` runs (a zombie, dead but not yet reaped by whoever adopted it, does not). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

describe('diesWithThisProcess', () => {
  it('runs the binary as it is where there is no setpriv, and under setpriv --pdeathsig SIGKILL where there is', () => {
    expect(diesWithThisProcess('/usr/bin/redis-server', undefined, ['--port', '7000'])).toEqual(['/usr/bin/redis-server', ['--port', '7000']]);
    expect(diesWithThisProcess('/usr/bin/redis-server', '/usr/bin/setpriv', ['--port', '7000'])).toEqual([
      '/usr/bin/setpriv',
      ['--pdeathsig', 'SIGKILL', '--', '/usr/bin/redis-server', '--port', '7000'],
    ]);
  });

  const setpriv = findSetpriv();
  it.skipIf(setpriv === undefined)(
    'on Linux: what it starts is killed when its parent is killed by SIGKILL, which no exit handler of the parent sees',
    { timeout: 30_000 },
    async () => {
      const [command, args] = diesWithThisProcess(findExecutable('sleep') ?? '/bin/sleep', setpriv, ['120']);
      // A shell stands in for the bench: it starts the command, prints its pid, and is then SIGKILLed.
      const parent = spawn('/bin/sh', ['-c', '"$0" "$@" & echo $!; wait', command, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
      const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (line) => resolve(Number(String(line).trim()))));
      try {
        // setpriv sets the signal and then becomes sleep: once it is sleep, the signal is set.
        const started = Date.now() + 10_000;
        while (commandOf(pid) !== 'sleep' && Date.now() < started) await new Promise((resolve) => setTimeout(resolve, 20));
        expect(running(pid)).toBe(true);
        parent.kill('SIGKILL');
        const deadline = Date.now() + 10_000;
        while (running(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        expect(running(pid)).toBe(false);
      } finally {
        if (running(pid)) process.kill(pid, 'SIGKILL');
      }
    },
  );
});

const binary = findRedisServer();
describe.skipIf(!binary)('startPrivateRedis (needs redis-server)', () => {
  it('answers PING on its loopback port, and is gone once stopped', async () => {
    const redis = await startPrivateRedis(binary as string);
    try {
      expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
      const port = Number(new URL(redis.url).port);
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
        socket.once('data', (data) => {
          resolve(String(data));
          socket.end();
        });
        socket.once('error', reject);
      });
      expect(reply).toBe('+PONG\r\n');
    } finally {
      await redis.stop();
    }
    expect(() => process.kill(redis.pid, 0)).toThrow();
    await redis.stop(); // idempotent
  });

  it('reports a server that cannot start, with its output', async () => {
    const failing = join(folder, 'failing-redis-server');
    writeFileSync(failing, '#!/bin/sh\necho "bad config" >&2\nexit 1\n');
    chmodSync(failing, 0o755);
    await expect(startPrivateRedis(failing)).rejects.toThrow(/could not start a private redis-server for --strategies queue \(.*failing-redis-server\): redis-server exited \(1\)[\s\S]*bad config/);
  });
});
