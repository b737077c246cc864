import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CLASS_NAMES } from './class-names.js';
import { generatePicture } from './generate-picture.js';

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('generatePicture', () => {
  it('is deterministic per seed, 64×64 unless told, any size asked for', () => {
    expect(sha(generatePicture(3).data)).toBe(sha(generatePicture(3).data));
    expect(generatePicture(3).className).toBe(generatePicture(3).className);
    const p = generatePicture(3);
    expect([p.width, p.height, p.channels, p.data.length]).toEqual([64, 64, 3, 64 * 64 * 3]);
    const wide = generatePicture(3, { size: { width: 96, height: 48 } });
    expect([wide.width, wide.height, wide.data.length]).toEqual([96, 48, 96 * 48 * 3]);
  });

  it('labels each picture with one of the four classes, about evenly', () => {
    const counts = CLASS_NAMES.map(() => 0);
    for (let seed = 0; seed < 400; seed++) {
      const p = generatePicture(seed);
      expect(p.className).toBe(CLASS_NAMES[p.classId]);
      counts[p.classId]++;
    }
    for (const count of counts) expect(count).toBeGreaterThan(70);
  });

  it("draws a shape: a good part of the picture differs from the background's corners", () => {
    for (let seed = 0; seed < 20; seed++) {
      const p = generatePicture(seed);
      const at = (x: number, y: number) => [...p.data.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3)];
      const corners = [at(0, 0), at(63, 0), at(0, 63), at(63, 63)];
      let differing = 0;
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 64; x++) {
          const c = at(x, y);
          if (corners.every((k) => Math.abs(k[0] - c[0]) + Math.abs(k[1] - c[1]) + Math.abs(k[2] - c[2]) > 60)) differing++;
        }
      }
      // The smallest shape (a ring 35% across) covers some 2% of the picture; the largest square 64%.
      expect(differing, `seed ${seed}`).toBeGreaterThan(64 * 64 * 0.015);
    }
  });
});
