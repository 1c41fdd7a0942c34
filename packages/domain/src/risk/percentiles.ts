// Percentiles that behave on real data: ties, groups of one or two, and "everyone but me".

/**
 * The p-quantile (0 ≤ p ≤ 1) of values sorted ascending, by linear interpolation between the two
 * closest ranks (position (n − 1) · p, the common "type 7" definition): ties need no special case,
 * one value is its own percentile at every p, and an empty list has none (null).
 * `skipIndex` leaves one element out (the user compared with the rest of their group) without
 * copying the array.
 */
export function percentileOfSorted(sorted: readonly number[], p: number, skipIndex?: number): number | null {
  const skip = skipIndex !== undefined && skipIndex >= 0 && skipIndex < sorted.length ? skipIndex : -1;
  const n = sorted.length - (skip >= 0 ? 1 : 0);
  if (n <= 0) return null;
  const q = Number.isFinite(p) ? Math.min(1, Math.max(0, p)) : 0.5;
  const at = (i: number): number => sorted[skip >= 0 && i >= skip ? i + 1 : i]!;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return at(lo) + (h - lo) * (at(hi) - at(lo));
}

/** The p-quantile of any list of numbers (non-finite values are ignored); null when none is left. */
export function percentile(values: readonly number[], p: number): number | null {
  return percentileOfSorted(sortedFinite(values), p);
}

export function median(values: readonly number[]): number | null {
  return percentile(values, 0.5);
}

/** The finite values, sorted ascending (a new array). */
export function sortedFinite(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
}

/** Index of the first element ≥ value in a sorted array (binary search). */
export function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
