/** Numeric actions on `RDD<number>` (PySpark's `sum`, `stats`, `histogram` ...). */
import { ArgumentError, EmptyRDDError } from './errors.js';
import { type ActionOptions, runFold, runJob } from './exec/job.js';
import {
  checkBuckets,
  evenBuckets,
  type HistogramSpec,
  histogramCounter,
  mergeCounts,
} from './ops/histogram.js';
import { RDD } from './rdd.js';
import { StatCounter } from './stat-counter.js';

declare module './rdd.js' {
  interface RDD<T> {
    /**
     * The sum of the elements (0 for an empty RDD).
     * @example
     * await sc.parallelize([1, 2, 3, 4], 2).sum();
     * // => 10
     */
    sum(this: RDD<number>, options?: ActionOptions): Promise<number>;
    /**
     * Count, mean, variance, min and max in one pass, merged across partitions
     * with PySpark's numerically stable `StatCounter` (whose `asDict()`, like
     * PySpark's, reports the sample stdev and variance).
     * @example
     * (await sc.parallelize([1, 2, 3, 4], 2).stats()).asDict();
     * // => { count: 4, mean: 2.5, sum: 10, min: 1, max: 4, stdev: 1.2909944487358056, variance: 1.6666666666666667 }
     */
    stats(this: RDD<number>, options?: ActionOptions): Promise<StatCounter>;
    /**
     * The mean (0 for an RDD with partitions but no element, like PySpark).
     * @example
     * await sc.parallelize([1, 2, 3, 4]).mean();
     * // => 2.5
     */
    mean(this: RDD<number>, options?: ActionOptions): Promise<number>;
    /**
     * The population variance.
     * @example
     * await sc.parallelize([1, 2, 3, 4]).variance();
     * // => 1.25
     */
    variance(this: RDD<number>, options?: ActionOptions): Promise<number>;
    /**
     * The population standard deviation.
     * @example
     * await sc.parallelize([1, 2, 3, 4]).stdev();
     * // => 1.118033988749895
     */
    stdev(this: RDD<number>, options?: ActionOptions): Promise<number>;
    /**
     * The sample variance (divides by n - 1).
     * @example
     * await sc.parallelize([1, 2, 3, 4]).sampleVariance();
     * // => 1.6666666666666667
     */
    sampleVariance(this: RDD<number>, options?: ActionOptions): Promise<number>;
    /**
     * The sample standard deviation (divides by n - 1).
     * @example
     * await sc.parallelize([1, 2, 3, 4]).sampleStdev();
     * // => 1.2909944487358056
     */
    sampleStdev(this: RDD<number>, options?: ActionOptions): Promise<number>;
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
    ): Promise<[number[], number[]]>;
  }
}

const proto = RDD.prototype as RDD<number>;

proto.sum = async function (this: RDD<number>, options?: ActionOptions) {
  const parts = await runFold<number>(this.context._runtime, this._node, { name: 'sum', args: [] }, options);
  return parts.reduce((a, b) => a + b, 0);
};

proto.stats = async function (this: RDD<number>, options?: ActionOptions) {
  const start = () => {
    const s = new StatCounter();
    return { add: (x: unknown) => s.merge(x as number), result: () => s };
  };
  const parts = await runFold(this.context._runtime, this._node, start, options);
  if (parts.length === 0) throw new EmptyRDDError('Can not reduce() empty RDD');
  return parts.reduce((a, b) => a.mergeStats(b));
};

proto.mean = async function (this: RDD<number>, options?: ActionOptions) {
  return (await this.stats(options)).mean();
};
proto.variance = async function (this: RDD<number>, options?: ActionOptions) {
  return (await this.stats(options)).variance();
};
proto.stdev = async function (this: RDD<number>, options?: ActionOptions) {
  return (await this.stats(options)).stdev();
};
proto.sampleVariance = async function (this: RDD<number>, options?: ActionOptions) {
  return (await this.stats(options)).sampleVariance();
};
proto.sampleStdev = async function (this: RDD<number>, options?: ActionOptions) {
  return (await this.stats(options)).sampleStdev();
};

const comparable = (x: unknown): boolean => x !== undefined && x !== null && !Number.isNaN(x);

proto.histogram = async function (
  this: RDD<number>,
  buckets: number | readonly number[],
  options?: ActionOptions,
) {
  let spec: HistogramSpec<number>;
  if (typeof buckets === 'number') {
    if (!Number.isInteger(buckets))
      throw new ArgumentError('buckets should be a list or tuple or number(int or long)');
    if (buckets < 1) throw new ArgumentError('number of buckets must be >= 1');
    const filtered = this.filter(comparable);
    const minmax = await runJob(
      this.context._runtime,
      filtered._node,
      async (p, job) => {
        const batches = job.open(filtered._node, p);
        let lo = Number.POSITIVE_INFINITY;
        let hi = Number.NEGATIVE_INFINITY;
        let n = 0;
        for await (const b of batches)
          for (const x of b as unknown[]) {
            if (typeof x !== 'number')
              throw new ArgumentError('Can not generate buckets with non-number in RDD');
            if (x < lo) lo = x;
            if (x > hi) hi = x;
            n++;
          }
        return { lo, hi, n };
      },
      options,
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
  const counts = await runJob(
    this.context._runtime,
    this._node,
    async (p, job) => {
      const batches = job.open<number>(this._node, p);
      const c = histogramCounter(spec);
      for await (const b of batches) c.add(b);
      return c.counts();
    },
    options,
  );
  return [spec.buckets, counts.reduce(mergeCounts, new Array(spec.buckets.length - 1).fill(0))];
};
