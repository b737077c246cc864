import { describe, expect, it } from 'vitest';
import { hungarian, linearAssignment } from './linear-assignment.js';

describe('hungarian', () => {
  it('finds the least-cost permutation of a 3 × 3 matrix (checked against all 6 permutations by hand)', () => {
    // Rows x columns: [4 1 3; 2 0 5; 3 2 2]. Permutations: (0,1,2)=4+0+2=6, (0,2,1)=4+5+2=11, (1,0,2)=1+2+2=5,
    // (1,2,0)=1+5+3=9, (2,0,1)=3+2+2=7, (2,1,0)=3+0+3=6. Least: rows → columns 1, 0, 2 at 5.
    const m = Float64Array.from([4, 1, 3, 2, 0, 5, 3, 2, 2]);
    expect(Array.from(hungarian(m, 3))).toEqual([1, 0, 2]);
  });
});

describe('linearAssignment (lap.lapjv with cost_limit, as Ultralytics)', () => {
  it('matches the cheap diagonal and leaves nothing unmatched', () => {
    expect(linearAssignment([[0.1, 0.9], [0.2, 0.3]], 0.8)).toEqual({ matches: [[0, 0], [1, 1]], unmatchedRows: [], unmatchedColumns: [] });
  });

  it('one cheap match can beat two middling ones: the extended cost counts leftovers at thresh / 2 each', () => {
    // {0→0} alone = 0.1 + 0.4 (row 1 left) + 0.4 (column 1 left) = 0.9 < {0→1, 1→0} = 0.5 + 0.5 = 1.0.
    expect(linearAssignment([[0.1, 0.5], [0.5, 0.9]], 0.8).matches).toEqual([[0, 0]]);
    // With (1,1) at 0.6: {0→0, 1→1} = 0.7, the least of all: both matched.
    expect(linearAssignment([[0.1, 0.5], [0.5, 0.6]], 0.8).matches).toEqual([[0, 0], [1, 1]]);
  });

  it('never matches a pair at or above the threshold; NaN and Infinity mean never', () => {
    const result = linearAssignment([[0.8, 0.95], [Number.NaN, Number.POSITIVE_INFINITY]], 0.8);
    expect(result).toEqual({ matches: [], unmatchedRows: [0, 1], unmatchedColumns: [0, 1] });
  });

  it('solves a 3 × 4 problem with one column left over and the optimum not greedy', () => {
    // Greedy on the cheapest pair (0,0)=0.1 would force row 1 to 0.7; the optimum is 0→1 (0.2), 1→0 (0.2), 2→3 (0.3).
    const cost = [
      [0.1, 0.2, 0.9, 0.9],
      [0.2, 0.7, 0.9, 0.9],
      [0.9, 0.9, 0.9, 0.3],
    ];
    expect(linearAssignment(cost, 0.8)).toEqual({ matches: [[0, 1], [1, 0], [2, 3]], unmatchedRows: [], unmatchedColumns: [2] });
  });

  it('handles empty sides: no rows, no columns', () => {
    expect(linearAssignment([], 0.8, 3)).toEqual({ matches: [], unmatchedRows: [], unmatchedColumns: [0, 1, 2] });
    expect(linearAssignment([[], []], 0.8, 0)).toEqual({ matches: [], unmatchedRows: [0, 1], unmatchedColumns: [] });
  });

  it('equals brute force over every assignment on 200 random matrices up to 5 × 5', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let trial = 0; trial < 200; trial++) {
      const rows = 1 + Math.floor(random() * 5);
      const columns = 1 + Math.floor(random() * 5);
      const cost = Array.from({ length: rows }, () => Array.from({ length: columns }, () => random()));
      const threshold = 0.5;
      const got = linearAssignment(cost, threshold);
      const total = (matches: Array<[number, number]>) => matches.reduce((s, [i, j]) => s + cost[i][j], 0) + (rows + columns - 2 * matches.length) * (threshold / 2);
      expect(total(got.matches)).toBeCloseTo(bruteForce(cost, threshold), 12);
      for (const [i, j] of got.matches) expect(cost[i][j]).toBeLessThan(threshold);
    }
  });
});

/** The least extended cost by trying every partial matching of pairs under the threshold. */
function bruteForce(cost: number[][], threshold: number): number {
  const rows = cost.length;
  const columns = cost[0].length;
  const used = new Array<boolean>(columns).fill(false);
  let best = Number.POSITIVE_INFINITY;
  const walk = (i: number, sum: number, matched: number) => {
    if (i === rows) {
      best = Math.min(best, sum + (rows + columns - 2 * matched) * (threshold / 2));
      return;
    }
    walk(i + 1, sum, matched);
    for (let j = 0; j < columns; j++) {
      if (used[j] || !(cost[i][j] < threshold)) continue;
      used[j] = true;
      walk(i + 1, sum + cost[i][j], matched + 1);
      used[j] = false;
    }
  };
  walk(0, 0, 0);
  return best;
}
