import { describe, expect, it } from 'vitest';
import { decodeRleCounts, encodeRleCounts } from './mask-rle.js';

// Expected strings are derived by hand from pycocotools' `rleToString` (maskApi.c):
//   x = cnts[i], minus cnts[i-2] when i > 2 (from the fourth count on); then repeatedly
//   c = x & 0x1f; x >>= 5 (arithmetic); more = (c & 0x10) ? x != -1 : x != 0; if more, c |= 0x20; emit c + 48.
// Each derivation is written beside its case.

describe('encodeRleCounts / decodeRleCounts (pycocotools compressed RLE)', () => {
  it('writes small counts as one character each', () => {
    // An all-ones 5-pixel mask: runs [0 zeros, 5 ones]. 0 → c 0, x 0 → '0' (48); 5 → '5' (53).
    expect(encodeRleCounts([0, 5])).toBe('05');
    // All zeros, 6 pixels: one run of 6 → '6'.
    expect(encodeRleCounts([6])).toBe('6');
    // First pixel set: the zero run that always comes first is empty. [0, 1, 2] → '0', '1', '2'.
    expect(encodeRleCounts([0, 1, 2])).toBe('012');
    expect(decodeRleCounts('05')).toEqual([0, 5]);
    expect(decodeRleCounts('012')).toEqual([0, 1, 2]);
  });

  it('continues a count in further 5-bit groups when it needs them (bit 5 of a character marks "more")', () => {
    // 15 = 0b01111: bit 4 clear, x becomes 0 → one character, 15 + 48 = 63 '?'.
    expect(encodeRleCounts([15])).toBe('?');
    // 16 = 0b10000: bit 4 set, so a lone group would read as negative: more = (x=0) != -1 → c = 16|32 = 48 → '`';
    // then c 0, x 0 → '0'.
    expect(encodeRleCounts([16])).toBe('`0');
    // 100 = 0b11_00100: c 4, x 3 → more → 36 + 48 = 'T'; c 3, x 0 → '3'.
    expect(encodeRleCounts([100])).toBe('T3');
    // 305 = 0b1001_10001: c 17 (bit 4 set), x 9 → more (9 != -1) → 49 + 48 = 'a'; c 9, x 0 → '9'.
    expect(encodeRleCounts([305])).toBe('a9');
    // 805 = 0b11001_00101: c 5, x 25 → more → 37 + 48 = 'U'; c 25 (bit 4 set), x 0 → more (0 != -1) → 57 + 48 = 'i';
    // c 0, x 0 → '0'.
    expect(encodeRleCounts([805])).toBe('Ui0');
    // 2^20 + 1 = 1048577: groups (low first) 1, 0, 0, 0, 1 → '1' | 32 → 'Q', 'P', 'P', 'P', then '1'.
    expect(encodeRleCounts([1048577])).toBe('QPPP1');
    for (const n of [15, 16, 100, 305, 805, 1048577]) expect(decodeRleCounts(encodeRleCounts([n]))).toEqual([n]);
  });

  it('stores counts from the fourth on as differences to the count two before, negative ones included', () => {
    // [2, 10, 3, 4, 1]: '2'; 10 → ':' (58); 3 → '3'; 4 - 10 = -6 → c = -6 & 31 = 26 (bit 4 set), x = -1 → no more
    // → 26 + 48 = 'J'; 1 - 3 = -2 → c 30, x -1 → 'N'.
    expect(encodeRleCounts([2, 10, 3, 4, 1])).toBe('2:3JN');
    // The third count is not a difference (index 2 is not > 2): [0, 2, 3, 2, 4, 1] → '0', '2', '3', 2-2 = 0 → '0',
    // 4-3 = 1 → '1', 1-2 = -1 → c 31, x -1 → 'O'.
    expect(encodeRleCounts([0, 2, 3, 2, 4, 1])).toBe('02301O');
    // -100 = -4·32 + 28: c 28 (bit 4 set), x -4 → more (-4 != -1) → 60 + 48 = 'l'; c = -4 & 31 = 28, x -1 → 'L'.
    // [0, 150, 7, 50]: '0'; 150 = 0b100_10110: c 22 (bit 4), x 4 → more → 'f', c 4 → '4'; 7 → '7'; 50 - 150 = -100 → 'lL'.
    expect(encodeRleCounts([0, 150, 7, 50])).toBe('0f47lL');
    expect(decodeRleCounts('2:3JN')).toEqual([2, 10, 3, 4, 1]);
    expect(decodeRleCounts('02301O')).toEqual([0, 2, 3, 2, 4, 1]);
    expect(decodeRleCounts('0f47lL')).toEqual([0, 150, 7, 50]);
  });

  it('round-trips random run lengths, with large counts and large negative differences', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let trial = 0; trial < 200; trial++) {
      const counts = Array.from({ length: 1 + Math.floor(random() * 12) }, (_, i) =>
        // Mix tiny and huge runs (up to a 4000x4000 image) so differences swing both ways.
        i === 0 && random() < 0.3 ? 0 : random() < 0.5 ? 1 + Math.floor(random() * 20) : Math.floor(random() * 16_000_000),
      );
      expect(decodeRleCounts(encodeRleCounts(counts))).toEqual(counts);
    }
  });

  it('rejects a string cut in the middle of a count', () => {
    // 'T' has bit 5 set: another character must follow.
    expect(() => decodeRleCounts('0T')).toThrow(/truncated/);
  });
});
