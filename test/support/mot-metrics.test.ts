import { describe, expect, it } from 'vitest';
import { type Box, type MotFrame, motMetrics } from './mot-metrics.js';

const at = (x: number): Box => [x, 0, x + 10, 10];

describe('motMetrics (hand-made sequences)', () => {
  it('a perfect tracker: MOTA 1, IDF1 1, no switches', () => {
    const frames: MotFrame[] = [0, 1, 2].map((f) => ({
      truth: [{ id: 1, box: at(f) }, { id: 2, box: at(50 + f) }],
      hypotheses: [{ id: 7, box: at(f) }, { id: 9, box: at(50 + f) }],
    }));
    expect(motMetrics(frames)).toMatchObject({ truthCount: 6, matches: 6, misses: 0, falsePositives: 0, idSwitches: 0, mota: 1, idtp: 6, idf1: 1 });
  });

  it('one object whose hypothesis id changes after 2 of 4 frames: 1 switch, MOTA 0.75, IDF1 2·2 / (4 + 4) = 0.5', () => {
    const frames: MotFrame[] = [0, 1, 2, 3].map((f) => ({ truth: [{ id: 1, box: at(f) }], hypotheses: [{ id: f < 2 ? 5 : 6, box: at(f) }] }));
    expect(motMetrics(frames)).toMatchObject({ idSwitches: 1, mota: 0.75, idtp: 2, idf1: 0.5 });
  });

  it('a miss and a false positive: MOTA 1 − 2/4 = 0.5, IDF1 2·3 / (4 + 4) = 0.75', () => {
    const frames: MotFrame[] = [0, 1, 2, 3].map((f) => ({
      truth: [{ id: 1, box: at(f) }],
      hypotheses: f < 3 ? [{ id: 5, box: at(f) }] : [{ id: 8, box: at(200) }],
    }));
    expect(motMetrics(frames)).toMatchObject({ misses: 1, falsePositives: 1, idSwitches: 0, mota: 0.5, idtp: 3, idf1: 0.75 });
  });

  it('IoU below the threshold is no match (IoU 1/3 at a 5 px shift of a 10 px box): a miss and a false positive', () => {
    const frames: MotFrame[] = [{ truth: [{ id: 1, box: at(0) }], hypotheses: [{ id: 1, box: at(5) }] }];
    expect(motMetrics(frames)).toMatchObject({ matches: 0, misses: 1, falsePositives: 1, mota: -1, idf1: 0 });
    expect(motMetrics(frames, 0.3)).toMatchObject({ matches: 1, mota: 1, idf1: 1 });
  });

  it('two objects swapping hypothesis ids at frame 2 of 3: 2 switches; a switch back counts again', () => {
    const swap: MotFrame[] = [0, 1, 2].map((f) => ({
      truth: [{ id: 1, box: at(0) }, { id: 2, box: at(100) }],
      hypotheses: [{ id: f < 2 ? 1 : 2, box: at(0) }, { id: f < 2 ? 2 : 1, box: at(100) }],
    }));
    // IDTP: each truth keeps its frame-0/1 partner for 2 frames: 4 of 6 + 6.
    expect(motMetrics(swap)).toMatchObject({ idSwitches: 2, mota: 1 - 2 / 6, idtp: 4, idf1: (2 * 4) / 12 });
    const back: MotFrame[] = [0, 1, 2].map((f) => ({ truth: [{ id: 1, box: at(0) }], hypotheses: [{ id: f === 1 ? 2 : 1, box: at(0) }] }));
    expect(motMetrics(back).idSwitches).toBe(2);
  });

  it('keeps an existing correspondence over a slightly better new one (CLEAR MOT), so no switch', () => {
    // Frame 1: hyp 5 on the truth (IoU 0.82 at a 1 px shift), hyp 6 exactly on it: 5 is kept.
    const frames: MotFrame[] = [
      { truth: [{ id: 1, box: at(0) }], hypotheses: [{ id: 5, box: at(0) }] },
      { truth: [{ id: 1, box: at(0) }], hypotheses: [{ id: 5, box: at(1) }, { id: 6, box: at(0) }] },
    ];
    expect(motMetrics(frames)).toMatchObject({ idSwitches: 0, matches: 2, falsePositives: 1 });
  });
});
