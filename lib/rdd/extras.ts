/**
 * PySpark's less common RDD methods: stratified sampling (`sampleByKey`),
 * `reduceByKeyLocally`, the approximate actions (`countApprox`, `sumApprox`,
 * `meanApprox`, `countApproxDistinct`), `mapPartitionsWithSplit` and
 * `is_cached`.
 */
import * as args from '../args.js';
import type { BoundedFloat } from '../bounded-float.js';
import { ArgumentError } from '../errors.js';
import type { NamedFold, PartitionFold } from '../exec/folds.js';
import { type ActionOptions, runFold, runJob, signalOf } from '../exec/run.js';
import { countEstimate, meanEstimate, sumEstimate } from '../ops/approx.js';
import { HyperLogLog, precisionFor } from '../ops/hyperloglog.js';
import { describe } from '../ops/pairs.js';
import type { RDD } from '../rdd.js';
import { StatCounter } from '../stat-counter.js';
import { freshCopy } from '../util/clone.js';
import { tableGrowth } from '../util/growth.js';
import { randomSeed } from '../util/random.js';
import { ValueMap } from '../values/value-map.js';
import { guard } from './guard.js';
import { RDDNumeric } from './numeric.js';
import type { PartitionResult } from './transforms.js';

/** `fractions` as by-value entries, every fraction checked (PySpark: "Negative fraction value"). */
function fractionsArgument(fractions: unknown): [unknown, number][] {
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
  return [...out];
}

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
  rdd: RDD<unknown>,
  timeout: number,
  start: () => PartitionFold<R>,
  options: ActionOptions | undefined,
  named: { readonly fold: NamedFold; readonly decode: (part: unknown) => R },
): Promise<{ results: R[]; done: number; total: number }> {
  const runtime = rdd.context._runtime;
  if (runtime.cluster !== undefined) {
    // On a cluster the job runs to its end (its partial results are not streamed back): the exact answer.
    const parts = await runFold(runtime, rdd._node, named.fold, options, named.fold.name);
    return { results: parts.map(named.decode), done: parts.length, total: parts.length };
  }
  const external = signalOf(options);
  const controller = new AbortController();
  const onAbort = () => controller.abort(external?.reason);
  if (external?.aborted) onAbort();
  external?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    const total = await rdd.getNumPartitions();
    const results: R[] = [];
    const node = rdd._node;
    const job = runJob(
      rdd.context._runtime,
      node,
      async (p, job) => {
        const acc = start();
        await job.drain(node, p, acc.add);
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

const COUNT = { fold: { name: 'count', args: [] }, decode: (n: unknown) => n as number } as const;
const STATS = {
  fold: { name: 'stats', args: [] },
  decode: (s: unknown) => StatCounter._fromState(s as number[]),
} as const;

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

export class RDDExtras<T> extends RDDNumeric<T> {
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
  ): RDD<[K, V]> {
    const rates = fractionsArgument(fractions);
    const s = seed === undefined || seed === null ? randomSeed() : args.integer('seed', seed);
    return this._make('sampleByKey', {
      withReplacement: Boolean(withReplacement),
      fractions: rates,
      seed: s,
    });
  }

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
  ): Promise<ValueMap<K, V>> {
    guard('reduceByKeyLocally');
    return (async () => {
      args.func('f', f);
      const start = (): PartitionFold<ValueMap<K, V>> => {
        const m = new ValueMap<K, V>();
        return {
          add: (x) => {
            const [k, v] = x as [K, V];
            // The first value is copied: `f` may mutate its first argument (as reduceByKey).
            m.set(k, m.has(k) ? f(m.get(k) as V, v) : freshCopy(v));
          },
          result: () => m,
          // A ValueMap is a Map and an index of the keys that are not primitives.
          grows: () => 2 * tableGrowth(m.size),
        };
      };
      const runtime = this.context._runtime;
      // On a cluster, a named fold (f runs on the executors) whose partials travel as entries.
      const parts =
        runtime.cluster === undefined
          ? await runFold(runtime, this._node, start, options, 'reduceByKeyLocally', 'reducing it')
          : (
              await runFold<[K, V][]>(
                runtime,
                this._node,
                { name: 'reduceByKey', args: [f] },
                options,
                'reduceByKeyLocally',
              )
            ).map((entries) => new ValueMap<K, V>(entries));
      const out = new ValueMap<K, V>();
      for (const m of parts) for (const [k, v] of m) out.set(k, out.has(k) ? f(out.get(k) as V, v) : v);
      return out;
    })();
  }

  /**
   * The number of elements, counted for at most `timeout` milliseconds: the
   * exact count when every partition finished in time (PySpark waits for
   * it), otherwise an estimate from the partitions that did (the rest are
   * cancelled). An integer, as PySpark's.
   * @example
   * await sc.parallelize([...Array(1000).keys()], 10).countApprox(1000, 1.0);
   * // => 1000
   */
  countApprox(timeout: number, confidence?: number, options?: ActionOptions): Promise<number> {
    guard('countApprox');
    return (async () => {
      const [t, c] = approxArguments(timeout, confidence);
      const { results, done, total } = await withinTimeout(
        this as unknown as RDD<unknown>,
        t,
        counting,
        options,
        COUNT,
      );
      return Math.trunc(
        countEstimate(
          results.reduce((a, b) => a + b, 0),
          done,
          total,
          c,
        ).value,
      );
    })();
  }

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
  ): Promise<BoundedFloat> {
    guard('sumApprox');
    return (async () => {
      const [t, c] = approxArguments(timeout, confidence);
      const { results, done, total } = await withinTimeout(this as RDD<unknown>, t, statsOf, options, STATS);
      return sumEstimate(
        results.reduce((a, b) => a.mergeStats(b), new StatCounter()),
        done,
        total,
        c,
      );
    })();
  }

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
  ): Promise<BoundedFloat> {
    guard('meanApprox');
    return (async () => {
      const [t, c] = approxArguments(timeout, confidence);
      const { results, done, total } = await withinTimeout(this as RDD<unknown>, t, statsOf, options, STATS);
      return meanEstimate(
        results.reduce((a, b) => a.mergeStats(b), new StatCounter()),
        done,
        total,
        c,
      );
    })();
  }

  /**
   * The approximate number of distinct elements, by HyperLogLog with
   * 2^p registers, p = ceil(2·log2(1.054 / relativeSD)) as Spark sizes it
   * (relativeSD between 0.00027 and 0.37; default 0.05). Elements equal by
   * value count once.
   * @example
   * await sc.parallelize([...Array(1000).keys()].map((i) => i % 20), 7).countApproxDistinct();
   * // => 19
   */
  countApproxDistinct(relativeSD = 0.05, options?: ActionOptions): Promise<number> {
    guard('countApproxDistinct');
    return (async () => {
      const p = precisionFor(relativeSD ?? 0.05);
      const start = (): PartitionFold<Uint8Array> => {
        const h = new HyperLogLog(p);
        return { add: (x) => h.add(x), result: () => h.registers };
      };
      const runtime = this.context._runtime;
      const parts =
        runtime.cluster === undefined
          ? await runFold(runtime, this._node, start, options, 'countApproxDistinct')
          : await runFold<Uint8Array>(
              runtime,
              this._node,
              { name: 'hyperLogLog', args: [p] },
              options,
              'countApproxDistinct',
            );
      const all = new HyperLogLog(p);
      for (const r of parts) all.merge(r);
      return all.estimate();
    })();
  }

  /**
   * PySpark's deprecated name of `mapPartitionsWithIndex`.
   * @example
   * await sc.parallelize([1, 2, 3, 4], 2).mapPartitionsWithSplit((i, it) => [i]).collect();
   * // => [0, 1]
   */
  mapPartitionsWithSplit<U>(
    f: (index: number, partition: AsyncIterable<T>) => PartitionResult<U>,
    preservesPartitioning = false,
  ): RDD<U> {
    args.func('f', f);
    return this._make('mapPartitionsWithSplit', {
      f: f as (index: number, partition: AsyncIterable<unknown>) => unknown,
      preservesPartitioning: Boolean(preservesPartitioning),
    });
  }

  /**
   * Whether `cache()`/`persist()` was called: PySpark's attribute name for `isCached`.
   * @example
   * sc.parallelize([1]).cache().is_cached;
   * // => true
   */
  get is_cached(): boolean {
    return this.isCached;
  }
}
