/**
 * Linear assignment with a cost limit, as Ultralytics' `matching.linear_assignment(cost, thresh)` with
 * `lap.lapjv(cost, extend_cost=True, cost_limit=thresh)` (ultralytics 8.3, `trackers/utils/matching.py`): the
 * matrix is extended so that leaving a row and a column unmatched costs `thresh / 2` each, and the assignment of
 * least total cost is taken. A pair is then matched only when its cost is below `thresh` and matching it beats
 * every other arrangement. Solved by the Hungarian method (shortest augmenting paths with potentials), one
 * connected component of the pairs cheaper than `thresh` at a time: tracks and detections far apart never
 * interact, so 50 scattered objects cost 50 tiny problems, not one of 100 × 100.
 */

/** What {@link linearAssignment} returns: index pairs `[row, column]` and what stayed unmatched, each ascending. */
export interface Assignment {
  readonly matches: Array<[number, number]>;
  readonly unmatchedRows: number[];
  readonly unmatchedColumns: number[];
}

/**
 * Assigns rows to columns at least total cost, leaving unmatched what costs `threshold` or more.
 *
 * @param cost - `cost[row][column]`; `NaN` and infinities mean "never".
 * @param threshold - the cost limit (Ultralytics' `thresh`): a pair costing this much or more is never matched.
 * @param columns - the number of columns, needed when there are no rows.
 *
 * @example
 * ```ts
 * import { linearAssignment } from '@yolokit/stream/track';
 * linearAssignment([[0.1, 0.9], [0.2, 0.3]], 0.8).matches; // [[0, 0], [1, 1]]
 * ```
 */
export function linearAssignment(cost: readonly ArrayLike<number>[], threshold: number, columns = cost[0]?.length ?? 0): Assignment {
  if (!Number.isFinite(threshold)) throw new RangeError(`linearAssignment: threshold must be a finite number, got ${threshold}`);
  const rows = cost.length;
  for (let i = 0; i < rows; i++) {
    if (cost[i].length !== columns) throw new RangeError(`linearAssignment: row ${i} has ${cost[i].length} costs, expected ${columns}`);
  }
  // Union-find over rows (0..rows-1) and columns (rows..rows+columns-1), joined by pairs cheaper than the limit.
  const parent = Int32Array.from({ length: rows + columns }, (_, i) => i);
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root];
    while (parent[i] !== root) {
      const next = parent[i];
      parent[i] = root;
      i = next;
    }
    return root;
  };
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < columns; j++) {
      if (cost[i][j] < threshold) parent[find(i)] = find(rows + j);
    }
  }
  const components = new Map<number, { rows: number[]; columns: number[] }>();
  for (let k = 0; k < rows + columns; k++) {
    const root = find(k);
    let component = components.get(root);
    if (!component) {
      component = { rows: [], columns: [] };
      components.set(root, component);
    }
    if (k < rows) component.rows.push(k);
    else component.columns.push(k - rows);
  }
  const columnOfRow = new Int32Array(rows).fill(-1);
  const rowOfColumn = new Int32Array(columns).fill(-1);
  for (const component of components.values()) {
    if (component.rows.length === 0 || component.columns.length === 0) continue;
    const solved = solveExtended(cost, component.rows, component.columns, threshold);
    for (let r = 0; r < component.rows.length; r++) {
      const c = solved[r];
      if (c < 0) continue;
      const i = component.rows[r];
      const j = component.columns[c];
      // Ties with "both unmatched" (cost exactly at the limit) stay unmatched, as with lap's strict limit.
      if (cost[i][j] < threshold) {
        columnOfRow[i] = j;
        rowOfColumn[j] = i;
      }
    }
  }
  const matches: Array<[number, number]> = [];
  const unmatchedRows: number[] = [];
  const unmatchedColumns: number[] = [];
  for (let i = 0; i < rows; i++) {
    if (columnOfRow[i] >= 0) matches.push([i, columnOfRow[i]]);
    else unmatchedRows.push(i);
  }
  for (let j = 0; j < columns; j++) if (rowOfColumn[j] < 0) unmatchedColumns.push(j);
  return { matches, unmatchedRows, unmatchedColumns };
}

/**
 * lap's extended problem for one component: `r + c` square, real costs top left, `threshold / 2` for a row or a
 * column left alone, 0 for dummy against dummy. Returns the column (within the component) of each real row, or -1.
 */
function solveExtended(cost: readonly ArrayLike<number>[], rows: readonly number[], columns: readonly number[], threshold: number): Int32Array {
  const r = rows.length;
  const c = columns.length;
  const n = r + c;
  const half = threshold / 2;
  // Anything at or above the limit can never beat leaving both alone; a finite stand-in keeps the arithmetic exact.
  const never = Math.abs(threshold) * 2 + 1;
  const matrix = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let value: number;
      if (i < r && j < c) {
        const v = cost[rows[i]][columns[j]];
        value = v < threshold ? v : never;
      } else if (i < r || j < c) value = half;
      else value = 0;
      matrix[i * n + j] = value;
    }
  }
  const assigned = hungarian(matrix, n);
  const result = new Int32Array(r);
  for (let i = 0; i < r; i++) result[i] = assigned[i] < c ? assigned[i] : -1;
  return result;
}

/** The Hungarian method on a square matrix (row-major), O(n³): the column of each row in a least-cost assignment. */
export function hungarian(matrix: Float64Array, n: number): Int32Array {
  // Potentials u (rows), v (columns); p[j] is the row (1-based) matched to column j; column 0 is the virtual start.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const p = new Int32Array(n + 1);
  const way = new Int32Array(n + 1);
  const minv = new Float64Array(n + 1);
  const used = new Uint8Array(n + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Number.POSITIVE_INFINITY);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Number.POSITIVE_INFINITY;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const current = matrix[(i0 - 1) * n + (j - 1)] - u[i0] - v[j];
        if (current < minv[j]) {
          minv[j] = current;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const columnOfRow = new Int32Array(n);
  for (let j = 1; j <= n; j++) columnOfRow[p[j] - 1] = j - 1;
  return columnOfRow;
}
