import { describe, expect, it } from 'vitest';
import { generateMovingScenes } from './generate-moving-scenes.js';

describe('generateMovingScenes', () => {
  it('same seed, same bytes; objects keep their ids and class and move in straight lines at constant speed', () => {
    const a = generateMovingScenes(5, { frames: 9, objects: 3, size: 96 });
    const b = generateMovingScenes(5, { frames: 9, objects: 3, size: 96 });
    expect(a.frames.map((f) => Buffer.from(f.data).toString('base64'))).toEqual(b.frames.map((f) => Buffer.from(f.data).toString('base64')));
    expect(a.frames).toHaveLength(9);
    for (const frame of a.frames) {
      expect(frame.objects.map((o) => o.id)).toEqual([1, 2, 3]);
      expect(frame.objects.map((o) => o.classId)).toEqual(a.frames[0].objects.map((o) => o.classId));
      expect(frame.data.length).toBe(96 * 96 * 3);
    }
    for (let id = 0; id < 3; id++) {
      const xs = a.frames.map((f) => f.objects[id].box[0]);
      const step = xs[1] - xs[0];
      for (let i = 1; i < xs.length; i++) expect(xs[i] - xs[i - 1]).toBeCloseTo(step, 9);
      // Even ids go right, odd ids left; every box stays inside the frame.
      expect(Math.sign(step)).toBe(id % 2 === 0 ? 1 : -1);
      for (const f of a.frames) {
        const [x1, y1, x2, y2] = f.objects[id].box;
        expect(x1 >= 0 && y1 >= 0 && x2 <= 96 && y2 <= 96).toBe(true);
      }
    }
  });

  it('refuses bad options by name', () => {
    expect(() => generateMovingScenes(1, { frames: 0 })).toThrow('options.frames must be a positive integer, got 0');
    expect(() => generateMovingScenes(1, { objects: 9 })).toThrow('options.objects must be an integer from 1 to 8, got 9');
  });
});
