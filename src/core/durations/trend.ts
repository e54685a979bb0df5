/**
 * A robust trend over time: the Theil–Sen estimator (the median of the slopes between every pair
 * of points, and the median of the residual intercepts), which ignores up to ~29 % of outliers.
 * Pure. Quadratic in the number of points, which the history bounds (at most {@link MAX_POINTS}).
 */

/** One observation: a time (days since some origin) and a value (seconds). */
export interface Point {
  t: number;
  y: number;
}

/** A fitted line `y = intercept + slope * t` and the points it rests on. */
export interface Trend {
  /** Seconds per day. */
  slope: number;
  /** Seconds at t = 0. */
  intercept: number;
  points: number;
}

/** The history is bounded: more points than this are cut to the most recent by the caller. */
export const MAX_POINTS = 200;

/** The median of a non-empty list (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The Theil–Sen fit, or null with fewer than two points at distinct times (no slope can be
 * measured).
 */
export function theilSen(points: readonly Point[]): Trend | null {
  const pts = points.slice(-MAX_POINTS);
  const slopes: number[] = [];
  for (let i = 0; i < pts.length; i++)
    for (let j = i + 1; j < pts.length; j++) {
      const dt = pts[j]!.t - pts[i]!.t;
      if (dt !== 0) slopes.push((pts[j]!.y - pts[i]!.y) / dt);
    }
  if (slopes.length === 0) return null;
  const slope = median(slopes);
  const intercept = median(pts.map((p) => p.y - slope * p.t));
  return { slope, intercept, points: pts.length };
}

/** The fitted value at time t. */
export function fitted(trend: Trend, t: number): number {
  return trend.intercept + trend.slope * t;
}

/**
 * When the fitted line reaches `limit`, as a time on the same axis: null when it never does
 * going forward (flat or falling). When the line is already at or above the limit at `from`,
 * the answer is `from`.
 */
export function crossing(trend: Trend, limit: number, from: number): number | null {
  if (fitted(trend, from) >= limit) return from;
  if (trend.slope <= 0) return null;
  return (limit - trend.intercept) / trend.slope;
}
