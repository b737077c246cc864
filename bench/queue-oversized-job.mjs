#!/usr/bin/env node
// What a job far over maxImageBytes costs a queue worker (issue 15): a 100 MB image sent by value (133 MB of
// base64), written to Redis directly as anyone who can write to it can (the producer refuses it before it is
// enqueued), then a `yolokit worker` process takes it. BullMQ's moveToActive returns the job's whole data with the
// job and parses it before the processor runs, so the worker's length check comes after that cost. Measured: the
// worker's peak RSS (VmHWM in /proc/<pid>/status, Linux) once ready and once the job has failed, with redis-server
// as it comes and with `--proto-max-bulk-len 16mb` (the Redis setting the queue docs recommend), which refuses the
// write itself. One redis-server and one worker per configuration and round; rounds alternate the configurations.
//
//   node bench/queue-oversized-job.mjs [--mb 100] [--rounds 3] [--bulk-limit 16mb]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultModelPath } from '@yolokit/default-model';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

const { values } = parseArgs({
  options: { mb: { type: 'string', default: '100' }, rounds: { type: 'string', default: '3' }, 'bulk-limit': { type: 'string', default: '16mb' } },
});
const megabytes = Number(values.mb);
const rounds = Number(values.rounds);
const cli = resolve(import.meta.dirname, '../packages/cli/dist/bin.js');
const MiB = 1024 * 1024;

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

async function stopProcess(proc) {
  const exited = once(proc, 'exit');
  proc.kill('SIGTERM');
  await exited;
}

async function startRedis(extra) {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.on('data', (chunk) => (out += chunk));
  while (!out.includes('Ready to accept connections')) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `redis://127.0.0.1:${port}`, stop: () => stopProcess(proc) };
}

async function startWorker(redis, queue) {
  const proc = spawn(process.execPath, [cli, 'worker', '--queue', queue, '--redis', redis, '--model', defaultModelPath(), '--workers', '1', '--threads-per-worker', '1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (chunk) => (out += chunk));
  proc.stderr.on('data', (chunk) => (out += chunk));
  while (!/^worker \S+ ready:/m.test(out)) {
    if (proc.exitCode !== null) throw new Error(`worker exited:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { proc, stop: () => stopProcess(proc) };
}

/** Peak resident set size of `pid` so far, in MiB. */
function peakMiB(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return Number(/(\d+)/.exec(line)[1]) / 1024;
}

const base64 = Buffer.alloc(megabytes * 1_000_000, 7).toString('base64');
const configurations = { 'redis as it comes': [], [`--proto-max-bulk-len ${values['bulk-limit']}`]: ['--proto-max-bulk-len', values['bulk-limit']] };
const rows = [];
for (let round = 1; round <= rounds; round++) {
  for (const [name, flags] of Object.entries(configurations)) {
    const redis = await startRedis(flags);
    const queue = `oversized-${round}`;
    const worker = await startWorker(redis.url, queue);
    const ready = peakMiB(worker.proc.pid);
    const connection = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    connection.on('error', () => {});
    const bull = new Queue(queue, { connection, prefix: 'yolokit' });
    bull.on('error', () => {}); // Redis drops the connection on a bulk string over its limit; the add's rejection says so
    let outcome;
    try {
      const job = await bull.add('predict', { v: 1, image: { kind: 'bytes', base64 } });
      for (let state = ''; state !== 'failed' && state !== 'completed'; ) {
        await new Promise((r) => setTimeout(r, 100));
        state = await bull.getJobState(job.id);
        outcome = `job ${state}`;
      }
      outcome += `: ${(await bull.getJob(job.id)).failedReason?.slice(0, 60)}…`;
    } catch (error) {
      outcome = `refused by Redis: ${error.message.slice(0, 60)}`;
    }
    const peak = peakMiB(worker.proc.pid);
    rows.push({ round, name, ready, peak, outcome });
    console.log(`round ${round} ${name}: worker peak RSS ${ready.toFixed(0)} MiB when ready, ${peak.toFixed(0)} MiB after (+${(peak - ready).toFixed(0)}); ${outcome}`);
    await bull.close().catch(() => {});
    connection.disconnect();
    await worker.stop();
    await redis.stop();
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`\n${megabytes} MB image by value (${(base64.length / MiB).toFixed(0)} MiB of base64), ${rounds} rounds, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (const name of Object.keys(configurations)) {
  const mine = rows.filter((row) => row.name === name);
  console.log(`${name}: median peak RSS increase ${median(mine.map((r) => r.peak - r.ready)).toFixed(0)} MiB (ready ${median(mine.map((r) => r.ready)).toFixed(0)} MiB)`);
}
