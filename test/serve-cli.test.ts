/**
 * `yolokit serve` as a user runs it (the built bin in a child process): the API key on every route but health,
 * pino request logs carrying the request id that the answer carries, and a graceful SIGTERM (an in-flight
 * request still gets its 200, then the process exits 0 with its pools closed).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { defaultModelPath } from '@yolokit/default-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './queue-support.js';
import { repoRoot } from './support/fixtures.js';
import { call, largeSceneJpeg, scenePng } from './support/serve-client.js';

const KEY = 'test-key-0123456789';

describe('yolokit serve (the CLI)', () => {
  let child: ChildProcess;
  let stdout = '';
  let base: string;
  let png: Buffer;

  beforeAll(async () => {
    png = await scenePng(7301);
    child = spawn(
      process.execPath,
      [join(repoRoot, 'packages/cli/dist/bin.js'), 'serve', '--model', defaultModelPath(), '--name', 'shapes', '--strategy', 'locked', '--port', '0', '--shutdown-timeout', '60000'],
      { env: { ...process.env, YOLOKIT_API_KEY: KEY }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stdout += chunk));
    await until(() => /listening on (\S+):/.test(stdout) || child.exitCode !== null, 60_000);
    const match = /yolokit serve listening on (\S+): shapes \(locked × 1\), API key required/.exec(stdout);
    if (!match) throw new Error(`yolokit serve did not start:\n${stdout}`);
    base = match[1];
  });

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('asks for the API key on every route but health', async () => {
    const image = { body: png, headers: { 'content-type': 'image/png' } };
    expect((await call(`${base}/v2/health/live`)).status).toBe(200);
    expect((await call(`${base}/v2/health/ready`)).status).toBe(200);
    for (const [url, init] of [[`${base}/v1/predict`, image], [`${base}/metrics`, {}], [`${base}/v2/models/shapes`, {}]] as const) {
      const refused = await call(url, init);
      expect([refused.status, refused.json.code], url).toEqual([401, 'UNAUTHORIZED']);
    }
    const wrong = await call(`${base}/v1/predict`, { ...image, headers: { ...image.headers, authorization: 'Bearer test-key-0123456780' } });
    expect(wrong.status).toBe(401);
    const bearer = await call(`${base}/v1/predict`, { ...image, headers: { ...image.headers, authorization: `Bearer ${KEY}`, 'x-request-id': 'cli-req-1' } });
    const header = await call(`${base}/v1/predict`, { ...image, headers: { ...image.headers, 'x-api-key': KEY } });
    expect([bearer.status, header.status]).toEqual([200, 200]);
    expect(bearer.json.detections).toEqual(header.json.detections);
    expect(bearer.json.requestId).toBe('cli-req-1');
    // pino's JSON lines: the request and its completion carry the same id as the answer.
    const lines = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    const logged = lines.filter((line) => line.reqId === 'cli-req-1');
    expect(logged.map((line) => line.msg)).toEqual(['incoming request', 'request completed']);
    expect(logged[1].res.statusCode).toBe(200);
  });

  it('finishes an in-flight request on SIGTERM, then exits 0', async () => {
    const big = await largeSceneJpeg(7302);
    const auth = { 'x-api-key': KEY };
    const inFlight = async () => /^yolokit_predictor_in_flight\{model="shapes"\} 1$/m.test((await call(`${base}/metrics`, { headers: auth })).bytes.toString('utf8'));
    const running = call(`${base}/v1/predict`, { body: big, headers: { ...auth, 'content-type': 'image/jpeg' } });
    let seen = false;
    while (!seen) seen = await inFlight();
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const answer = await running;
    expect(answer.status).toBe(200);
    expect(answer.json.width).toBe(4000);
    const [code] = await exited;
    expect(code).toBe(0);
    expect(stdout).toContain('yolokit serve stopped');
  });
});
