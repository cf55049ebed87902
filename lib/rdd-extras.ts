/**
 * PySpark's less common RDD methods: stratified sampling (`sampleByKey`),
 * `reduceByKeyLocally`, the approximate actions (`countApprox`, `sumApprox`,
 * `meanApprox`, `countApproxDistinct`), `mapPartitionsWithSplit` and
 * `is_cached`.
 */
import * as args from './args.js';
import type { BoundedFloat } from './bounded-float.js';
import { ArgumentError } from './errors.js';
import type { PartitionFold } from './exec/folds.js';
import { type ActionOptions, runFold, runJob, signalOf } from './exec/job.js';
import { describe } from './exec/pairs.js';
import { countEstimate, meanEstimate, sumEstimate } from './ops/approx.js';
import { HyperLogLog, precisionFor } from './ops/hyperloglog.js';
import { type PartitionResult, RDD } from './rdd.js';
import { StatCounter } from './stat-counter.js';
import { freshCopy } from './util/clone.js';
import { makeRng, partitionSeed, randomSeed } from './util/random.js';
import { ValueMap } from './values/value-map.js';

declare module './rdd.js' {
  interface RDD<T> {
    /**
     * A sample of each key's pairs at that key's rate: `fractions` maps every
     * key to its fraction (a `Map`, compared by value, or an object for string
     * keys). Without replacement each pair is kept with its key's
     * probability; with replacement it appears a Poisson(fraction) number of
     * times. A key missing from `fractions` fails the job, as in PySpark.
     * @example
     * const r = sc.parallelize([['a', 1], ['b', 2], ['a', 3], ['b', 4]], 2);
     * await r.sampleByKey(false, { a: 1, b: 0 }, 42).collect();
     * // => [['a', 1], ['a', 3]]
     */
    sampleByKey<K, V>(
      this: RDD<[K, V]>,
      withReplacement: boolean,
      fractions: ReadonlyMap<K, number> | Readonly<Record<string, number>>,
      seed?: number,
    ): RDD<[K, V]>;
    /**
     * Merges the values of each key with `f`, like `reduceByKey`, but returns
     * the result to the caller as a by-value `ValueMap` instead of an RDD.
     * @example
     * const m = await sc.parallelize([['a', 1], ['b', 1], ['a', 1]], 2).reduceByKeyLocally((x, y) => x + y);
     * [...m];
     * // => [['a', 2], ['b', 1]]
     */
    reduceByKeyLocally<K, V>(
      this: RDD<[K, V]>,
      f: (a: V, b: V) => V,
      options?: ActionOptions,
    ): Promise<ValueMap<K, V>>;
    /**
     * The number of elements, counted for at most `timeout` milliseconds: the
     * exact count when every partition finished in time (PySpark waits for
     * it), otherwise an estimate from the partitions that did (the rest are
     * cancelled). An integer, as PySpark's.
     * @example
     * await sc.parallelize([...Array(1000).keys()], 10).countApprox(1000, 1.0);
     * // => 1000
     */
    countApprox(timeout: number, confidence?: number, options?: ActionOptions): Promise<number>;
    /**
     * The sum, within `timeout` milliseconds, as a `BoundedFloat`: exact
     * (`confidence` 1, `low === high`) when every partition finished in
     * time, else an estimate with a `confidence` interval.
     * @example
     * const s = await sc.parallelize([...Array(1000).keys()], 10).sumApprox(1000);
     * [+s, s.confidence, s.low, s.high];
     * // => [499500, 1, 499500, 499500]
     */
    sumApprox(
      this: RDD<number>,
      timeout: number,
      confidence?: number,
      options?: ActionOptions,
    ): Promise<BoundedFloat>;
    /**
     * The mean, within `timeout` milliseconds, as a `BoundedFloat` (see `sumApprox`).
     * @example
     * (await sc.parallelize([...Array(1000).keys()], 10).meanApprox(1000)).valueOf();
     * // => 499.5
     */
    meanApprox(
      this: RDD<number>,
      timeout: number,
      confidence?: number,
      options?: ActionOptions,
    ): Promise<BoundedFloat>;
    /**
     * The approximate number of distinct elements, by HyperLogLog with
     * 2^p registers, p = ceil(2·log2(1.054 / relativeSD)) as Spark sizes it
     * (relativeSD between 0.00027 and 0.37; default 0.05). Elements equal by
     * value count once.
     * @example
     * await sc.parallelize([...Array(1000).keys()].map((i) => i % 20), 7).countApproxDistinct();
     * // => 19
     */
    countApproxDistinct(relativeSD?: number, options?: ActionOptions): Promise<number>;
    /**
     * PySpark's deprecated name of `mapPartitionsWithIndex`.
     * @example
     * await sc.parallelize([1, 2, 3, 4], 2).mapPartitionsWithSplit((i, it) => [i]).collect();
     * // => [0, 1]
     */
    mapPartitionsWithSplit<U>(
      f: (index: number, partition: AsyncIterable<T>) => PartitionResult<U>,
      preservesPartitioning?: boolean,
    ): RDD<U>;
    /**
     * Whether `cache()`/`persist()` was called: PySpark's attribute name for `isCached`.
     * @example
     * sc.parallelize([1]).cache().is_cached;
     * // => true
     */
    readonly is_cached: boolean;
  }
}

type Any = RDD<unknown>;
type AnyPairs = RDD<[unknown, unknown]>;
const proto = RDD.prototype as unknown as Record<string, unknown>;

/** `fractions` as a by-value map, every fraction checked (PySpark: "Negative fraction value"). */
function fractionsArgument(fractions: unknown): ValueMap<unknown, number> {
  const out = new ValueMap<unknown, number>();
  let entries: Iterable<[unknown, unknown]>;
  if (fractions instanceof Map) entries = fractions.entries();
  else if (typeof fractions === 'object' && fractions !== null && !Array.isArray(fractions))
    entries = Object.entries(fractions);
  else
    throw new ArgumentError(
      `fractions must be a Map or an object of key -> fraction, got ${describe(fractions)}`,
    );
  for (const [k, f] of entries) {
    if (typeof f !== 'number' || Number.isNaN(f) || !Number.isFinite(f))
      throw new ArgumentError(
        `fractions: the fraction of key ${describe(k)} must be a number, got ${describe(f)}`,
      );
    if (f < 0) throw new ArgumentError(`Negative fraction value: ${f}`);
    out.set(k, f);
  }
  return out;
}

/** A key without a fraction: PySpark's KeyError, reported as the task's failure (a TaskError naming the partition). */
function missingFraction(key: unknown): Error {
  const e = new Error(`no fraction for key ${describe(key)}`);
  e.name = 'KeyError';
  return e;
}

proto.sampleByKey = function (this: AnyPairs, withReplacement: boolean, fractions: unknown, seed?: number) {
  const rates = fractionsArgument(fractions);
  const s = seed === undefined || seed === null ? randomSeed() : args.integer('seed', seed);
  const replace = Boolean(withReplacement);
  return this._batch<[unknown, unknown]>(
    'sampleByKey',
    (p) => {
      const rng = makeRng(partitionSeed(s, p));
      return {
        step(batch, out) {
          for (const kv of batch) {
            const f = rates.get(kv[0]);
            if (f === undefined) throw missingFraction(kv[0]);
            if (replace) for (let k = rng.poisson(f); k > 0; k--) out.push(kv);
            else if (rng.next() < f) out.push(kv);
          }
        },
      };
    },
    true,
    [['withReplacement', String(replace)]],
  );
};

proto.reduceByKeyLocally = async function (
  this: AnyPairs,
  f: (a: unknown, b: unknown) => unknown,
  options?: ActionOptions,
) {
  args.func('f', f);
  const start = (): PartitionFold<ValueMap<unknown, unknown>> => {
    const m = new ValueMap<unknown, unknown>();
    return {
      add: (x) => {
        const [k, v] = x as [unknown, unknown];
        // The first value is copied: `f` may mutate its first argument (as reduceByKey).
        m.set(k, m.has(k) ? f(m.get(k), v) : freshCopy(v));
      },
      result: () => m,
    };
  };
  const parts = await runFold(this.context._runtime, this._node, start, options, 'reduceByKeyLocally');
  const out = new ValueMap<unknown, unknown>();
  for (const m of parts) for (const [k, v] of m) out.set(k, out.has(k) ? f(out.get(k), v) : v);
  return out;
};

/** `timeout` in milliseconds and `confidence` in [0, 1], checked as Spark checks them. */
function approxArguments(timeout: unknown, confidence: unknown): [number, number] {
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0)
    throw new ArgumentError(
      `timeout must be a non-negative number of milliseconds, got ${describe(timeout)}`,
    );
  const c = confidence ?? 0.95;
  if (typeof c !== 'number' || !(c >= 0 && c <= 1))
    throw new ArgumentError(`confidence (${describe(c)}) must be in [0,1]`);
  return [timeout, c];
}

const TIMED_OUT = Symbol('timed out');

/**
 * Runs one fold per partition until every partition is done or `timeout`
 * milliseconds have passed, whichever comes first: the finished partitions'
 * results and counts. At the timeout the job is cancelled and the answer
 * given at once, without waiting for the running partitions to stop.
 */
async function withinTimeout<R>(
  rdd: Any,
  timeout: number,
  start: () => PartitionFold<R>,
  options: ActionOptions | undefined,
): Promise<{ results: R[]; done: number; total: number }> {
  const external = signalOf(options);
  const controller = new AbortController();
  const onAbort = () => controller.abort(external?.reason);
  if (external?.aborted) onAbort();
  external?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    const total = await rdd.getNumPartitions();
    const results: R[] = [];
    const job = runJob(
      rdd.context._runtime,
      rdd._node,
      async (p, job) => {
        const acc = start();
        await job.drain(rdd._node, p, acc.add);
        if (!controller.signal.aborted) results.push(acc.result());
      },
      { signal: controller.signal },
    ).then(
      () => undefined,
      (e: unknown) => ({ failure: e }),
    );
    const timedOut = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), Math.min(timeout, 2 ** 31 - 1));
    });
    const first = await Promise.race([job, timedOut]);
    if (first === TIMED_OUT) {
      controller.abort(TIMED_OUT);
      return { results: results.slice(), done: results.length, total };
    }
    if (first !== undefined) throw first.failure;
    return { results, done: results.length, total };
  } finally {
    clearTimeout(timer);
    external?.removeEventListener('abort', onAbort);
  }
}

const counting = (): PartitionFold<number> => {
  let n = 0;
  return {
    add: () => {
      n++;
    },
    result: () => n,
  };
};

const statsOf = (): PartitionFold<StatCounter> => {
  const s = new StatCounter();
  return { add: (x) => s.merge(Number(x)), result: () => s };
};

proto.countApprox = async function (
  this: Any,
  timeout: number,
  confidence?: number,
  options?: ActionOptions,
) {
  const [t, c] = approxArguments(timeout, confidence);
  const { results, done, total } = await withinTimeout(this, t, counting, options);
  return Math.trunc(
    countEstimate(
      results.reduce((a, b) => a + b, 0),
      done,
      total,
      c,
    ).value,
  );
};

proto.sumApprox = async function (
  this: RDD<number>,
  timeout: number,
  confidence?: number,
  options?: ActionOptions,
) {
  const [t, c] = approxArguments(timeout, confidence);
  const { results, done, total } = await withinTimeout(this as Any, t, statsOf, options);
  return sumEstimate(
    results.reduce((a, b) => a.mergeStats(b), new StatCounter()),
    done,
    total,
    c,
  );
};

proto.meanApprox = async function (
  this: RDD<number>,
  timeout: number,
  confidence?: number,
  options?: ActionOptions,
) {
  const [t, c] = approxArguments(timeout, confidence);
  const { results, done, total } = await withinTimeout(this as Any, t, statsOf, options);
  return meanEstimate(
    results.reduce((a, b) => a.mergeStats(b), new StatCounter()),
    done,
    total,
    c,
  );
};

proto.countApproxDistinct = async function (this: Any, relativeSD = 0.05, options?: ActionOptions) {
  const p = precisionFor(relativeSD ?? 0.05);
  const start = (): PartitionFold<Uint8Array> => {
    const h = new HyperLogLog(p);
    return { add: (x) => h.add(x), result: () => h.registers };
  };
  const parts = await runFold(this.context._runtime, this._node, start, options, 'countApproxDistinct');
  const all = new HyperLogLog(p);
  for (const r of parts) all.merge(r);
  return all.estimate();
};

proto.mapPartitionsWithSplit = function (
  this: Any,
  f: (index: number, partition: AsyncIterable<unknown>) => PartitionResult<unknown>,
  preservesPartitioning = false,
) {
  args.func('f', f);
  return this.mapPartitionsWithIndex(f, preservesPartitioning, 'mapPartitionsWithSplit');
};

Object.defineProperty(RDD.prototype, 'is_cached', {
  get(this: Any) {
    return this.isCached;
  },
  configurable: true,
});
