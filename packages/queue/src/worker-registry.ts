/**
 * Workers announce themselves in Redis (one key each, expiring unless refreshed), so that producers can say
 * which model serves a queue and who is listening. BullMQ's own `getWorkers()` knows connection names only.
 * @internal
 */
import type { ModelInfo } from '@yolokit/core';
import type { Redis } from 'ioredis';

/** What a running worker says about itself. */
export interface QueueWorkerInfo {
  /** The worker's name (stored by BullMQ on every job it processes, as `processedBy`). */
  readonly name: string;
  readonly host: string;
  readonly pid: number;
  /** The strategy of its inner pool. */
  readonly strategy: 'threads' | 'processes';
  /** Model instances (threads or processes) in its pool. */
  readonly workers: number;
  /** Jobs it holds at once. */
  readonly concurrency: number;
  /** The model as the worker loaded it. */
  readonly info: ModelInfo;
  /** When it started (ms since the epoch, its clock). */
  readonly startedAt: number;
}

export const HEARTBEAT_MS = 10_000;

const keyPrefix = (prefix: string, queue: string): string => `${prefix}:${queue}:yolokit-worker:`;

export async function announceWorker(client: Redis, prefix: string, queue: string, worker: QueueWorkerInfo): Promise<void> {
  await client.set(keyPrefix(prefix, queue) + worker.name, JSON.stringify(worker), 'PX', HEARTBEAT_MS * 3);
}

export async function withdrawWorker(client: Redis, prefix: string, queue: string, name: string): Promise<void> {
  await client.del(keyPrefix(prefix, queue) + name);
}

/** The workers that announced themselves within the last 30 s, by name. */
export async function listWorkers(client: Redis, prefix: string, queue: string): Promise<QueueWorkerInfo[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${keyPrefix(prefix, queue)}*`, 'COUNT', 200);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await client.mget(...keys);
  const workers: QueueWorkerInfo[] = [];
  for (const value of values) {
    if (value === null) continue;
    try {
      workers.push(JSON.parse(value) as QueueWorkerInfo);
    } catch {
      // Not ours: ignore.
    }
  }
  return workers.sort((a, b) => a.name.localeCompare(b.name));
}
