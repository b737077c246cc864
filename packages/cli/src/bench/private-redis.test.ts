import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { InvalidOptionError } from '@yolokit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { benchRedisPlan, findRedisServer, startPrivateRedis } from './private-redis.js';

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
