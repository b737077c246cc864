import { describeValue, InvalidOptionError } from '@yolokit/core';
import { redactUrl } from '@yolokit/core/internal';
import { Redis, type RedisOptions } from 'ioredis';

/**
 * Where Redis is: a URL (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS), or ioredis options
 * (`{ host, port, password, db, tls, ... }`).
 */
export type RedisTarget = string | RedisOptions;

/** Checks a {@link RedisTarget} and returns it, or throws `InvalidOptionError` naming `option`. */
export function validateRedisTarget(value: unknown, option: string): RedisTarget {
  if (typeof value === 'string') {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new InvalidOptionError(option, `${option} must be a Redis URL such as redis://127.0.0.1:6379 (or ioredis options), got ${describeValue(value)}`);
    }
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
      throw new InvalidOptionError(option, `${option} must use redis:// or rediss:// (TLS), got ${url.protocol}// in ${redactRedis(value)}`);
    }
    return value;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as RedisOptions;
  throw new InvalidOptionError(option, `${option} is required: a Redis URL such as redis://127.0.0.1:6379, or ioredis options { host, port, ... }; got ${describeValue(value)}`);
}

/** The target as text for messages and logs, without its password. */
export function redactRedis(target: RedisTarget): string {
  if (typeof target === 'string') return redactUrl(target, '<invalid redis URL>');
  const scheme = target.tls ? 'rediss' : 'redis';
  return `${scheme}://${target.host ?? '127.0.0.1'}:${target.port ?? 6379}${target.db ? `/${target.db}` : ''}`;
}

/**
 * A new ioredis client for BullMQ. BullMQ's ESM build cannot load ioredis by itself (it would `require` it), so
 * yolokit always hands it clients. Commands wait through a disconnection (`maxRetriesPerRequest: null`, which
 * BullMQ's blocking connections require anyway); reconnection is attempted every 0.1 to 2 s, so a restarted
 * Redis is picked up within about 2 s.
 * @internal
 */
export function openRedis(target: RedisTarget, connectionName: string): Redis {
  const options: RedisOptions = {
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    connectionName,
    retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
  };
  const client = typeof target === 'string' ? new Redis(target, options) : new Redis({ ...target, ...options });
  // Connection errors are reported through the owner's own listeners (and its connection state); without a
  // listener here ioredis would print every refused reconnection attempt.
  client.on('error', () => {});
  return client;
}

/** Resolves once `client` is ready; rejects after `timeoutMs` with the last connection error. @internal */
export function waitUntilReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError: unknown;
    const onError = (error: unknown): void => {
      lastError = error;
    };
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(lastError ?? new Error(`not ready after ${timeoutMs} ms (status ${client.status})`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
    };
    client.on('ready', onReady);
    client.on('error', onError);
  });
}

/** Quits politely when connected, disconnects otherwise; never rejects. @internal */
export async function closeRedis(client: Redis): Promise<void> {
  try {
    if (client.status === 'ready') await client.quit();
    else client.disconnect();
  } catch {
    client.disconnect();
  }
}
