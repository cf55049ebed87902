/**
 * Running count, mean, variance, min and max of numbers, mergeable across
 * partitions: the result type of `rdd.stats()`. Mirrors PySpark's
 * `pyspark.statcounter.StatCounter` (itself a port of Spark's
 * `StatCounter.scala`): Welford's update per value, Chan et al.'s formula to
 * merge two counters.
 */

import { ArgumentError } from './errors.js';
import { printsAsString } from './util/call-site.js';

/** The plain object `StatCounter.asDict()` returns (PySpark's keys). */
export interface StatCounterDict {
  count: number;
  mean: number;
  sum: number;
  min: number;
  max: number;
  stdev: number;
  variance: number;
}

/**
 * Count, mean, variance, min and max of the numbers merged into it.
 * @example
 * new StatCounter([1, 2, 3, 4]).toString();
 * // => '(count: 4, mean: 2.5, stdev: 1.118033988749895, max: 4.0, min: 1.0)'
 */
export class StatCounter {
  /** Number of values merged. */
  private n = 0;
  /** Running mean. */
  private mu = 0;
  /** Running sum of squared deviations from the mean. */
  private m2 = 0;
  private maxValue = Number.NEGATIVE_INFINITY;
  private minValue = Number.POSITIVE_INFINITY;

  /**
   * A counter over `values` (none if left out).
   * @example
   * new StatCounter([2, 4]).mean();
   * // => 3
   */
  constructor(values?: Iterable<number>) {
    if (values !== undefined) for (const v of values) this.merge(v);
  }

  /**
   * Add one value (Welford's update); returns this counter.
   * @example
   * new StatCounter().merge(1).merge(3).mean();
   * // => 2
   */
  merge(value: number): this {
    // Python's arithmetic: booleans are 0 and 1, integers (bigints) become floats, anything else is a TypeError.
    if (typeof value !== 'number') value = asNumber(value);
    const delta = value - this.mu;
    this.n += 1;
    this.mu += delta / this.n;
    this.m2 += delta * (value - this.mu);
    // Python's max/min, as PySpark's StatCounter uses them: a NaN never wins a comparison.
    if (value > this.maxValue) this.maxValue = value;
    if (value < this.minValue) this.minValue = value;
    return this;
  }

  /**
   * Add all the values another counter has seen (Chan et al.'s parallel
   * formula); returns this counter. Merging a counter into itself doubles it.
   * @example
   * new StatCounter([1, 2]).mergeStats(new StatCounter([3, 4])).variance();
   * // => 1.25
   */
  mergeStats(other: StatCounter): this {
    if (!(other instanceof StatCounter)) {
      throw new ArgumentError(`Can only merge StatCounter but got ${typeof other}`);
    }
    if (other === this) return this.mergeStats(other.copy());
    if (this.n === 0) {
      this.mu = other.mu;
      this.m2 = other.m2;
      this.n = other.n;
      this.maxValue = other.maxValue;
      this.minValue = other.minValue;
    } else if (other.n !== 0) {
      const delta = other.mu - this.mu;
      const total = this.n + other.n;
      if (other.n * 10 < this.n) {
        this.mu = this.mu + (delta * other.n) / total;
      } else if (this.n * 10 < other.n) {
        this.mu = other.mu - (delta * this.n) / total;
      } else {
        this.mu = (this.mu * this.n + other.mu * other.n) / total;
      }
      if (other.maxValue > this.maxValue) this.maxValue = other.maxValue;
      if (other.minValue < this.minValue) this.minValue = other.minValue;
      this.m2 += other.m2 + (delta * delta * this.n * other.n) / total;
      this.n = total;
    }
    return this;
  }

  /** @internal The state as plain numbers (count, mean, m2, max, min), for a transport that carries JSON. */
  _state(): [number, number, number, number, number] {
    return [this.n, this.mu, this.m2, this.maxValue, this.minValue];
  }

  /** @internal A counter from `_state()`. */
  static _fromState(state: readonly number[]): StatCounter {
    const c = new StatCounter();
    [c.n, c.mu, c.m2, c.maxValue, c.minValue] = state as [number, number, number, number, number];
    return c;
  }

  /**
   * An independent counter with the same state.
   * @example
   * const a = new StatCounter([1]);
   * const b = a.copy().merge(3);
   * [a.count(), b.count()];
   * // => [1, 2]
   */
  copy(): StatCounter {
    const c = new StatCounter();
    c.n = this.n;
    c.mu = this.mu;
    c.m2 = this.m2;
    c.maxValue = this.maxValue;
    c.minValue = this.minValue;
    return c;
  }

  /**
   * Number of values merged.
   * @example
   * new StatCounter([5, 5, 5]).count();
   * // => 3
   */
  count(): number {
    return this.n;
  }

  /**
   * Sum of the values, computed as PySpark does: `count * mean`.
   * @example
   * new StatCounter([1, 2, 3, 4]).sum();
   * // => 10
   */
  sum(): number {
    return this.n * this.mu;
  }

  /**
   * Mean of the values (0 when there are none, as in PySpark).
   * @example
   * new StatCounter([1, 2, 3, 4]).mean();
   * // => 2.5
   */
  mean(): number {
    return this.mu;
  }

  /**
   * Smallest value (`Infinity` when there are none).
   * @example
   * new StatCounter([3, 1, 2]).min();
   * // => 1
   */
  min(): number {
    return this.minValue;
  }

  /**
   * Largest value (`-Infinity` when there are none).
   * @example
   * new StatCounter([3, 1, 2]).max();
   * // => 3
   */
  max(): number {
    return this.maxValue;
  }

  /**
   * Population variance of the values merged so far (`NaN` when there are none).
   * @example
   * new StatCounter([1, 2, 3, 4]).variance();
   * // => 1.25
   */
  variance(): number {
    return this.n === 0 ? Number.NaN : this.m2 / this.n;
  }

  /**
   * Sample variance, dividing by `count - 1` (`NaN` for fewer than two values).
   * @example
   * new StatCounter([1, 2, 3, 4]).sampleVariance();
   * // => 1.6666666666666667
   */
  sampleVariance(): number {
    return this.n <= 1 ? Number.NaN : this.m2 / (this.n - 1);
  }

  /**
   * Population standard deviation.
   * @example
   * new StatCounter([1, 2, 3, 4]).stdev();
   * // => 1.118033988749895
   */
  stdev(): number {
    return Math.sqrt(this.variance());
  }

  /**
   * Sample standard deviation, dividing by `count - 1`.
   * @example
   * new StatCounter([1, 2, 3, 4]).sampleStdev();
   * // => 1.2909944487358056
   */
  sampleStdev(): number {
    return Math.sqrt(this.sampleVariance());
  }

  /**
   * The statistics as a plain object with PySpark's keys. As in PySpark,
   * `stdev` and `variance` are the *sample* ones by default and the
   * population ones when `sample` is true (PySpark's flag reads backwards;
   * kept for compatibility).
   * @example
   * new StatCounter([1, 2, 3, 4]).asDict();
   * // => { count: 4, mean: 2.5, sum: 10, min: 1, max: 4, stdev: 1.2909944487358056, variance: 1.6666666666666667 }
   */
  asDict(sample = false): StatCounterDict {
    return {
      count: this.count(),
      mean: this.mean(),
      sum: this.sum(),
      min: this.min(),
      max: this.max(),
      stdev: sample ? this.stdev() : this.sampleStdev(),
      variance: sample ? this.variance() : this.sampleVariance(),
    };
  }

  /**
   * PySpark's repr: count, mean, population stdev, max and min, numbers
   * printed as Python prints floats.
   * @example
   * new StatCounter([1, 2, 3]).toString();
   * // => '(count: 3, mean: 2.0, stdev: 0.816496580927726, max: 3.0, min: 1.0)'
   */
  toString(): string {
    return (
      `(count: ${this.count()}, mean: ${pyFloat(this.mean())}, stdev: ${pyFloat(this.stdev())}, ` +
      `max: ${pyFloat(this.max())}, min: ${pyFloat(this.min())})`
    );
  }
}

printsAsString(StatCounter);

function asNumber(x: unknown): number {
  if (typeof x === 'boolean') return x ? 1 : 0;
  if (typeof x === 'bigint') return Number(x);
  let shown: string;
  try {
    shown = typeof x === 'string' ? JSON.stringify(x) : String(x);
  } catch {
    shown = 'a value';
  }
  const kind = x === null ? 'null' : typeof x === 'object' ? 'an object' : typeof x;
  throw new TypeError(`StatCounter takes numbers, bigints or booleans, got ${shown} (${kind})`);
}

/**
 * Formats a number as Python's `repr(float)` does: shortest round-trip
 * digits (which JavaScript computes too), fixed notation with a trailing
 * `.0` when the decimal exponent is in [-4, 16), scientific (`1e+16`,
 * `1e-05`) otherwise; `nan`, `inf`, `-inf`.
 */
function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mantissa = '', exponent = '0'] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(exponent);
  const decpt = exp + 1; // value = 0.<digits> * 10^decpt
  if (decpt > 16 || decpt <= -4) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const e = Math.abs(exp);
    return `${sign}${digits[0]}${frac}e${exp < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}
