/** Axis helpers for the site's SVG charts. */

/**
 * "Nice" ticks from 0 to at least `max`: steps of 1, 2 or 5 × 10^k, about `count` of them. The axis ends at
 * the last tick, so the highest value never touches the frame.
 */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const rough = max / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= rough) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let value = 0; value < max + step * 1e-9; value += step) ticks.push(round(value, step));
  if (ticks[ticks.length - 1] < max) ticks.push(round(ticks[ticks.length - 1] + step, step));
  return ticks;
}

/** `value` rounded to the precision of `step`, so that 0.1 + 0.2 prints as 0.3. */
function round(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(value.toFixed(decimals));
}

/** A linear map from `[domainMin, domainMax]` to `[rangeMin, rangeMax]`. */
export function linearScale(domainMin: number, domainMax: number, rangeMin: number, rangeMax: number): (value: number) => number {
  const span = domainMax - domainMin || 1;
  return (value) => rangeMin + ((value - domainMin) / span) * (rangeMax - rangeMin);
}

/**
 * Positions for categorical x values (concurrencies such as 1, 4, 16): evenly spaced in their order, so a
 * doubling sweep reads like a log axis and no point crowds another.
 */
export function bandPositions(values: readonly number[], rangeMin: number, rangeMax: number): Map<number, number> {
  const positions = new Map<number, number>();
  if (values.length === 1) positions.set(values[0], (rangeMin + rangeMax) / 2);
  else {
    for (const [index, value] of values.entries()) positions.set(value, rangeMin + (index / (values.length - 1)) * (rangeMax - rangeMin));
  }
  return positions;
}

/** A tick label: integers as they are, others with up to 2 significant decimals. */
export function formatTick(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Number(value.toPrecision(3)).toString();
}

/** Colours for up to 8 series, distinguishable in light and dark themes and by most colour-blind readers (Okabe-Ito). */
export const SERIES_COLOURS: readonly string[] = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];

/** Dash patterns to tell series apart without colour. */
export const SERIES_DASHES: readonly string[] = ['', '6 3', '2 3', '8 3 2 3', '1 2', '10 4', '4 4', '3 6'];
