/**
 * PySpark's `RDD.histogram` in pure pieces: bucket boundaries from a count
 * (`evenBuckets`) or validated from a list (`checkBuckets`), a
 * per-partition counter (`histogramCounter`) and the merge of two
 * partitions' counts (`mergeCounts`). Buckets are open on the right except
 * the last, which is closed: `[1, 10, 20, 50]` means [1, 10) [10, 20) [20, 50].
 */

import { ArgumentError, InternalError } from '../errors.js';

/** Validated bucket boundaries. `even` buckets are found by arithmetic (`inc` wide), the others by binary search. */
export interface HistogramSpec<B extends number | string = number> {
  buckets: B[];
  even: boolean;
  inc?: number;
}

/** Counts one partition's elements into buckets. */
export interface HistogramCounter {
  /** Counts a batch; skips `null`, `undefined`, `NaN` and values outside the buckets. */
  add(batch: readonly unknown[]): void;
  /** One count per bucket (`buckets.length - 1` of them), the last bucket closed. */
  counts(): number[];
}

/**
 * `count` evenly spaced buckets from `min` to `max`, as `rdd.histogram(count)`
 * makes them (PySpark's rule): one bucket `[min, max]` when `min == max` or
 * `count == 1`; integer steps when the range divides evenly; the last
 * boundary is `max` itself, free of accumulated rounding.
 * @example
 * evenBuckets(0, 50, 2);
 * // => { buckets: [0, 25, 50], even: true }
 */
export function evenBuckets(min: number, max: number, count: number): { buckets: number[]; even: true } {
  if (typeof count !== 'number' || !Number.isInteger(count)) {
    throw new ArgumentError(`buckets should be a list or tuple or number(int or long), got ${String(count)}`);
  }
  if (count < 1) throw new ArgumentError('number of buckets must be >= 1');
  if (typeof min !== 'number' || typeof max !== 'number') {
    throw new ArgumentError('Can not generate buckets with non-number in RDD');
  }
  if (Number.isNaN(min) || Number.isNaN(max)) throw new ArgumentError('Can not generate buckets from NaN');
  if (min > max) throw new ArgumentError(`Can not generate buckets: min ${min} is greater than max ${max}`);
  if (min === max || count === 1) return { buckets: [min, max], even: true };
  let inc = (max - min) / count;
  if (!Number.isFinite(inc)) throw new ArgumentError('Can not generate buckets with infinite value');
  // Keep integer steps when they divide the range exactly.
  inc = Math.trunc(inc);
  if (inc * count !== max - min) inc = (max - min) / count;
  const buckets: number[] = [];
  for (let i = 0; i < count; i++) buckets.push(i * inc + min);
  buckets.push(max);
  return { buckets, even: true };
}

/**
 * Validates the boundaries given to `rdd.histogram(buckets)` with PySpark's
 * rules and messages: at least two, no `null`/`undefined`/`NaN`, sorted, no
 * duplicates; all numbers or all strings (strings compare by code point).
 * Numeric boundaries whose steps agree within 1e-10 are `even`.
 * @example
 * checkBuckets([0, 15, 30, 45, 60]);
 * // => { buckets: [0, 15, 30, 45, 60], even: true, inc: 15 }
 */
export function checkBuckets(buckets: readonly number[]): HistogramSpec<number>;
export function checkBuckets(buckets: readonly string[]): HistogramSpec<string>;
export function checkBuckets(
  buckets: readonly (number | string)[],
): HistogramSpec<number> | HistogramSpec<string>;
export function checkBuckets(
  buckets: readonly (number | string)[],
): HistogramSpec<number> | HistogramSpec<string> {
  if (!Array.isArray(buckets)) {
    throw new ArgumentError('buckets should be a list or tuple or number(int or long)');
  }
  if (buckets.length < 2) throw new ArgumentError('buckets should have more than one value');
  if (buckets.some((b) => b === null || b === undefined || Number.isNaN(b))) {
    throw new ArgumentError('can not have None or NaN in buckets');
  }
  const kind = typeof buckets[0];
  if ((kind !== 'number' && kind !== 'string') || buckets.some((b) => typeof b !== kind)) {
    throw new ArgumentError('buckets should be all numbers or all strings');
  }
  if (kind === 'string') {
    const strings = buckets as readonly string[];
    for (let i = 1; i < strings.length; i++) {
      if (compareCodePoints(strings[i - 1]!, strings[i]!) > 0)
        throw new ArgumentError('buckets should be sorted');
    }
    for (let i = 1; i < strings.length; i++) {
      if (strings[i - 1] === strings[i])
        throw new ArgumentError('buckets should not contain duplicated values');
    }
    return { buckets: [...strings], even: false };
  }
  const numbers = buckets as readonly number[];
  for (let i = 1; i < numbers.length; i++) {
    if (numbers[i - 1]! > numbers[i]!) throw new ArgumentError('buckets should be sorted');
  }
  for (let i = 1; i < numbers.length; i++) {
    // Sorted, so duplicates are neighbours; 0 and -0 are duplicates, as in Python.
    if (numbers[i - 1] === numbers[i])
      throw new ArgumentError('buckets should not contain duplicated values');
  }
  let minStep = Number.POSITIVE_INFINITY;
  let maxStep = Number.NEGATIVE_INFINITY;
  for (let i = 1; i < numbers.length; i++) {
    const step = numbers[i]! - numbers[i - 1]!;
    minStep = Math.min(minStep, step);
    maxStep = Math.max(maxStep, step);
  }
  const min = numbers[0]!;
  const max = numbers[numbers.length - 1]!;
  // Infinite boundaries give an infinite or NaN spread, hence uneven buckets.
  if (maxStep - minStep < 1e-10)
    return { buckets: [...numbers], even: true, inc: (max - min) / (numbers.length - 1) };
  return { buckets: [...numbers], even: false };
}

/**
 * A counter for one partition. Even buckets index by
 * `Math.trunc((x - min) / inc)`, others by binary search (Python's
 * `bisect_right`); a value equal to the last boundary counts in the last
 * bucket. Elements of another type than the buckets are an error.
 * @example
 * const c = histogramCounter(checkBuckets([0, 5, 25, 50]));
 * c.add([0, 4, 5, 24, 25, 50, 51, null, Number.NaN]);
 * c.counts();
 * // => [2, 2, 2]
 */
export function histogramCounter(spec: HistogramSpec<number> | HistogramSpec<string>): HistogramCounter {
  const buckets = spec.buckets;
  const n = buckets.length;
  if (n < 2) throw new ArgumentError('buckets should have more than one value');
  // One slot per boundary; the last (values equal to max) folds into the one before.
  const counters = new Array<number>(n).fill(0);
  const counts = (): number[] => {
    const out = counters.slice(0, n - 1);
    out[n - 2]! += counters[n - 1]!;
    return out;
  };
  if (isStringSpec(spec)) {
    const bounds = spec.buckets;
    const min = bounds[0]!;
    const max = bounds[n - 1]!;
    return {
      add(batch) {
        for (const x of batch) {
          if (x === null || x === undefined || (typeof x === 'number' && Number.isNaN(x))) continue;
          if (typeof x !== 'string') throw notComparable(x, 'string');
          if (compareCodePoints(x, min) < 0 || compareCodePoints(x, max) > 0) continue;
          let lo = 0;
          let hi = n;
          while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (compareCodePoints(x, bounds[mid]!) < 0) hi = mid;
            else lo = mid + 1;
          }
          counters[lo - 1]! += 1;
        }
      },
      counts,
    };
  }
  const bounds = spec.buckets;
  const min = bounds[0]!;
  const max = bounds[n - 1]!;
  if (spec.even) {
    const inc = spec.inc ?? (max - min) / (n - 1);
    return {
      add(batch) {
        for (const x of batch) {
          if (x === null || x === undefined) continue;
          if (typeof x !== 'number') throw notComparable(x, 'number');
          if (Number.isNaN(x) || x > max || x < min) continue;
          // A single bucket [min, min] has inc 0: everything in range goes to it.
          const t = inc === 0 ? 0 : Math.trunc((x - min) / inc);
          counters[t < n ? t : n - 1]! += 1;
        }
      },
      counts,
    };
  }
  return {
    add(batch) {
      for (const x of batch) {
        if (x === null || x === undefined) continue;
        if (typeof x !== 'number') throw notComparable(x, 'number');
        if (Number.isNaN(x) || x > max || x < min) continue;
        let lo = 0;
        let hi = n;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (x < bounds[mid]!) hi = mid;
          else lo = mid + 1;
        }
        counters[lo - 1]! += 1;
      }
    },
    counts,
  };
}

/**
 * Adds two partitions' counts bucket by bucket.
 * @example
 * mergeCounts([1, 2, 3], [10, 20, 30]);
 * // => [11, 22, 33]
 */
export function mergeCounts(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) {
    throw new InternalError(`histogram counts of different lengths: ${a.length} and ${b.length}`);
  }
  return a.map((x, i) => x + b[i]!);
}

function isStringSpec(spec: HistogramSpec<number> | HistogramSpec<string>): spec is HistogramSpec<string> {
  return typeof spec.buckets[0] === 'string';
}

function notComparable(x: unknown, kind: string): ArgumentError {
  const shown = typeof x === 'string' ? `'${x}'` : typeof x === 'bigint' ? `${x}n` : String(x);
  return new ArgumentError(`histogram: can not compare ${typeof x} ${shown} with ${kind} buckets`);
}

/**
 * Orders strings by Unicode code point, as Python does (JavaScript's `<`
 * compares UTF-16 units, which puts U+E000..U+FFFF after astral characters).
 */
function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Moves surrogates (U+D800..U+DFFF) above U+E000..U+FFFF, keeping each group's order. */
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit <= 0xdfff ? unit + 0x2000 : unit - 0x800;
}
