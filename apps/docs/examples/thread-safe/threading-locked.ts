import { AsyncLock, threadingLocked } from '@yolokit/concurrency';
import type { YoloModel } from '@yolokit/core';

declare const model: YoloModel;

// #region function
// A locked wrapper: calls run one at a time, in call order. timeoutMs bounds the wait (TIMEOUT), never the call.
const lockedPredict = threadingLocked((image: string) => model.predict(image), { timeoutMs: 10_000 });
const [a, b] = await Promise.all([lockedPredict('a.jpg'), lockedPredict('b.jpg')]);
// #endregion function

// #region decorator
// A TC39 decorator (TypeScript 5, without experimentalDecorators): one lock per instance.
class Tracker {
  private lastSeen = new Map<string, number>();

  @threadingLocked
  async update(camera: string, image: string): Promise<number> {
    const before = this.lastSeen.get(camera) ?? 0; // read...
    const result = await model.predict(image); // ...await...
    this.lastSeen.set(camera, before + result.detections.length); // ...write: no lost update
    return this.lastSeen.get(camera)!;
  }
}
// #endregion decorator

// #region lock
// The lock itself, shared by whatever must not interleave; waits can time out or be aborted.
const lock = new AsyncLock();
const controller = new AbortController();
const count = await lock.run(async () => (await model.predict('c.jpg')).detections.length, { timeoutMs: 5_000, signal: controller.signal });
console.log(a.detections.length, b.detections.length, count, lock.locked, lock.pending);
// #endregion lock

console.log(await new Tracker().update('gate', 'd.jpg'));
