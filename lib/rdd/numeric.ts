/** The numeric actions of `RDD<number>`: PySpark's `sum`, `stats` and its parts, `histogram`. */
import { ArgumentError, EmptyRDDError } from '../errors.js';
import { taskFailure } from '../exec/failures.js';
import { type SumPartial, sumPartials } from '../exec/folds.js';
import { type ActionOptions, forOperator, runFold, runJob } from '../exec/run.js';
import {
  checkBuckets,
  evenBuckets,
  type HistogramSpec,
  histogramCounter,
  mergeCounts,
} from '../ops/histogram.js';
import type { RDD } from '../rdd.js';
import { StatCounter } from '../stat-counter.js';
import { RDDActions } from './actions.js';
import { guard } from './guard.js';

/** The StatCounter of an RDD, for the action `operator` (a non-number rejects naming it). */
async function statsOf(rdd: RDD<number>, operator: string, options?: ActionOptions): Promise<StatCounter> {
  const start = () => {
    const s = new StatCounter();
    return { add: (x: unknown) => s.merge(x as number), result: () => s };
  };
  const runtime = rdd.context._runtime;
  // On a cluster, a named fold whose partials travel as plain numbers.
  const parts =
    runtime.cluster === undefined
      ? await runFold(runtime, rdd._node, start, options, operator)
      : (await runFold<number[]>(runtime, rdd._node, { name: 'stats', args: [] }, options, operator)).map(
          (state) => StatCounter._fromState(state),
        );
  if (parts.length === 0) throw new EmptyRDDError('Can not reduce() empty RDD');
  return parts.reduce((a, b) => a.mergeStats(b));
}

const comparable = (x: unknown): boolean => x !== undefined && x !== null && !Number.isNaN(x);

export class RDDNumeric<T> extends RDDActions<T> {
  /**
   * The sum of the elements (the number 0 for an empty RDD). Booleans count
   * as 0 and 1, as in Python; bigints add up exactly, to a bigint (with
   * numbers whose sum is an integer); anything else rejects with a `TaskError`.
   * @example
   * await sc.parallelize([1n, 2n, 2n ** 64n], 2).sum();
   * // => 18446744073709551619n
   */
  sum(this: RDD<bigint>, options?: ActionOptions): Promise<bigint | 0>;
  /**
   * The sum of the elements (0 for an empty RDD).
   * @example
   * await sc.parallelize([1, 2, 3, 4], 2).sum();
   * // => 10
   */
  sum(this: RDD<number>, options?: ActionOptions): Promise<number>;
  sum(this: RDD<number> | RDD<bigint>, options?: ActionOptions): Promise<number | bigint> {
    guard('sum');
    const node = this._node;
    return runFold<SumPartial>(this.context._runtime, node, { name: 'sum', args: [] }, options, 'sum').then(
      (parts) => {
        try {
          return sumPartials(parts);
        } catch (e) {
          throw taskFailure('sum', node.id, -1, e);
        }
      },
    );
  }

  /**
   * Count, mean, variance, min and max in one pass, merged across partitions
   * with PySpark's numerically stable `StatCounter` (whose `asDict()`, like
   * PySpark's, reports the sample stdev and variance). As PySpark's, its
   * max and min start from -Infinity and Infinity and a NaN never wins a
   * comparison; booleans count as 0 and 1, bigints as numbers, and anything
   * else rejects with a `TaskError`.
   * @example
   * (await sc.parallelize([1, 2, 3, 4], 2).stats()).asDict();
   * // => { count: 4, mean: 2.5, sum: 10, min: 1, max: 4, stdev: 1.2909944487358056, variance: 1.6666666666666667 }
   */
  stats(this: RDD<number>, options?: ActionOptions): Promise<StatCounter> {
    guard('stats');
    return statsOf(this, 'stats', options);
  }

  /**
   * The mean (0 for an RDD with partitions but no element, like PySpark).
   * @example
   * await sc.parallelize([1, 2, 3, 4]).mean();
   * // => 2.5
   */
  mean(this: RDD<number>, options?: ActionOptions): Promise<number> {
    guard('mean');
    return statsOf(this, 'mean', options).then((s) => s.mean());
  }

  /**
   * The population variance.
   * @example
   * await sc.parallelize([1, 2, 3, 4]).variance();
   * // => 1.25
   */
  variance(this: RDD<number>, options?: ActionOptions): Promise<number> {
    guard('variance');
    return statsOf(this, 'variance', options).then((s) => s.variance());
  }

  /**
   * The population standard deviation.
   * @example
   * await sc.parallelize([1, 2, 3, 4]).stdev();
   * // => 1.118033988749895
   */
  stdev(this: RDD<number>, options?: ActionOptions): Promise<number> {
    guard('stdev');
    return statsOf(this, 'stdev', options).then((s) => s.stdev());
  }

  /**
   * The sample variance (divides by n - 1).
   * @example
   * await sc.parallelize([1, 2, 3, 4]).sampleVariance();
   * // => 1.6666666666666667
   */
  sampleVariance(this: RDD<number>, options?: ActionOptions): Promise<number> {
    guard('sampleVariance');
    return statsOf(this, 'sampleVariance', options).then((s) => s.sampleVariance());
  }

  /**
   * The sample standard deviation (divides by n - 1).
   * @example
   * await sc.parallelize([1, 2, 3, 4]).sampleStdev();
   * // => 1.2909944487358056
   */
  sampleStdev(this: RDD<number>, options?: ActionOptions): Promise<number> {
    guard('sampleStdev');
    return statsOf(this, 'sampleStdev', options).then((s) => s.sampleStdev());
  }

  /**
   * A histogram: with a number, that many even buckets between the min and
   * the max; with sorted bucket bounds, those buckets. Every bucket is
   * `[lo, hi)` except the last, `[lo, hi]`. Returns `[buckets, counts]`.
   * @example
   * await sc.parallelize([1, 2, 3, 4]).histogram(3);
   * // => [[1, 2, 3, 4], [1, 1, 2]]
   */
  histogram(
    this: RDD<number>,
    buckets: number | readonly number[],
    options?: ActionOptions,
  ): Promise<[number[], number[]]> {
    guard('histogram');
    return (async (): Promise<[number[], number[]]> => {
      const runtime = this.context._runtime;
      let spec: HistogramSpec<number>;
      if (typeof buckets === 'number') {
        if (!Number.isInteger(buckets))
          throw new ArgumentError('buckets should be a list or tuple or number(int or long)');
        if (buckets < 1) throw new ArgumentError('number of buckets must be >= 1');
        const filtered = this.filter(comparable)._node;
        // On a cluster, named folds (they run on the executors); here, the same passes as tasks.
        const minmax =
          runtime.cluster !== undefined
            ? await runFold<{ lo: number; hi: number; n: number }>(
                runtime,
                filtered,
                { name: 'minmax', args: [] },
                options,
                'histogram',
              )
            : await runJob(
                runtime,
                filtered,
                async (p, job) => {
                  let lo = Number.POSITIVE_INFINITY;
                  let hi = Number.NEGATIVE_INFINITY;
                  let n = 0;
                  for await (const b of job.open(filtered, p))
                    for (const x of b) {
                      if (typeof x !== 'number')
                        throw new ArgumentError('Can not generate buckets with non-number in RDD');
                      if (x < lo) lo = x;
                      if (x > hi) hi = x;
                      n++;
                    }
                  return { lo, hi, n };
                },
                forOperator(options, 'histogram'),
              );
        const n = minmax.reduce((a, m) => a + m.n, 0);
        if (n === 0) throw new EmptyRDDError('Can not reduce() empty RDD');
        const lo = Math.min(...minmax.map((m) => m.lo));
        const hi = Math.max(...minmax.map((m) => m.hi));
        if (lo === hi || buckets === 1) return [[lo, hi], [n]];
        spec = evenBuckets(lo, hi, buckets);
      } else if (Array.isArray(buckets)) {
        spec = checkBuckets(buckets as readonly number[]);
      } else {
        throw new ArgumentError('buckets should be a list or tuple or number(int or long)');
      }
      const node = this._node;
      const counts =
        runtime.cluster !== undefined
          ? await runFold<number[]>(runtime, node, { name: 'histogram', args: [spec] }, options, 'histogram')
          : await runJob(
              runtime,
              node,
              async (p, job) => {
                const c = histogramCounter(spec);
                for await (const b of job.open<number>(node, p)) c.add(b);
                return c.counts();
              },
              forOperator(options, 'histogram'),
            );
      return [spec.buckets, counts.reduce(mergeCounts, new Array(spec.buckets.length - 1).fill(0))];
    })();
  }
}
