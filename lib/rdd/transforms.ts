/** The narrow transformations of `RDD`: element-wise, per partition, combining RDDs, sampling, piping. */
import * as args from '../args.js';
import { ArgumentError } from '../errors.js';
import { MAP_ASYNC_DEFAULTS, type MapAsyncContext, type MapAsyncOptions } from '../ops/map-async.js';
import { splitCommand } from '../ops/pipe.js';
import { normalizeSplitWeights, sampleOp } from '../ops/sample.js';
import type { RDD } from '../rdd.js';
import { randomSeed } from '../util/random.js';
import { RDDCore } from './core.js';

/** What a partition function may return: an array, an Iterable, an AsyncIterable, or a Promise of one. */
export type PartitionResult<U> =
  | U[]
  | Iterable<U>
  | AsyncIterable<U>
  | Promise<U[] | Iterable<U> | AsyncIterable<U> | undefined>
  | undefined;

type F = (x: unknown) => unknown;

export class RDDTransforms<T> extends RDDCore<T> {
  // ------------------------------------------------------ element-wise ops

  /**
   * Applies `f` to every element.
   * @example
   * await sc.parallelize([1, 2, 3]).map((x) => x * 2).collect();
   * // => [2, 4, 6]
   */
  map<K, V>(f: (x: T) => [K, V]): RDD<[K, V]>;
  map<U>(f: (x: T) => U): RDD<U>;
  map<U>(f: (x: T) => U): RDD<U> {
    args.func('f', f);
    return this._make('map', { f: f as F });
  }

  /**
   * Applies `f` to every element and flattens the Iterables it returns.
   * @example
   * await sc.parallelize(['a b', 'c']).flatMap((s) => s.split(' ')).collect();
   * // => ['a', 'b', 'c']
   */
  flatMap<U>(f: (x: T) => Iterable<U>): RDD<U> {
    args.func('f', f);
    return this._make('flatMap', { f: f as F });
  }

  /**
   * Keeps the elements for which `f` returns a truthy value.
   * @example
   * await sc.parallelize([1, 2, 3, 4]).filter((x) => x % 2 === 0).collect();
   * // => [2, 4]
   */
  filter(f: (x: T) => unknown): RDD<T> {
    args.func('f', f);
    return this._make('filter', { f: f as F });
  }

  /**
   * Applies an async function to every element: `f` is awaited for up to
   * `concurrency` elements of each partition at once (default 8), results
   * keep the input order. A call that throws or rejects is made again, for
   * that element alone, up to `retries` times (default 0), `retryWaitMs`
   * apart (default 0); after the last, the task fails with a `TaskError`
   * whose `cause` is `f`'s last error. `f` gets `{ signal }` too, aborted
   * when the task ends early (cancellation, a failure, `take` having enough).
   * Functions of `map` and the other element-wise operators must be
   * synchronous; this is the one that awaits.
   * @example
   * await sc.parallelize([1, 2, 3, 4], 2).mapAsync(async (x) => x * 10, { concurrency: 2 }).collect();
   * // => [10, 20, 30, 40]
   */
  mapAsync<U>(
    f: (x: T, context: MapAsyncContext) => U | PromiseLike<U>,
    options: MapAsyncOptions = {},
  ): RDD<U> {
    args.func('f', f);
    return this._make('mapAsync', {
      f: f as (x: unknown, context: MapAsyncContext) => unknown,
      ...mapAsyncOptions(options),
    });
  }

  /**
   * Applies `f` to each whole partition, given as an `AsyncIterable`; `f` may
   * return an array, an Iterable, an AsyncIterable or a Promise of an array.
   * @example
   * await sc.parallelize([1, 2, 3, 4], 2).mapPartitions(async (it) => { let s = 0; for await (const x of it) s += x; return [s]; }).collect();
   * // => [3, 7]
   */
  mapPartitions<U>(
    f: (partition: AsyncIterable<T>) => PartitionResult<U>,
    preservesPartitioning = false,
  ): RDD<U> {
    args.func('f', f);
    return this._make('mapPartitions', {
      f: f as (partition: AsyncIterable<unknown>) => unknown,
      preservesPartitioning: Boolean(preservesPartitioning),
    });
  }

  /**
   * Like `mapPartitions`, with the partition's index as the first argument.
   * @example
   * await sc.parallelize([1, 2, 3, 4], 2).mapPartitionsWithIndex((i, it) => [i]).collect();
   * // => [0, 1]
   */
  mapPartitionsWithIndex<U>(
    f: (index: number, partition: AsyncIterable<T>) => PartitionResult<U>,
    preservesPartitioning = false,
  ): RDD<U> {
    args.func('f', f);
    return this._make('mapPartitionsWithIndex', {
      f: f as (index: number, partition: AsyncIterable<unknown>) => unknown,
      preservesPartitioning: Boolean(preservesPartitioning),
    });
  }

  /**
   * Puts each element in a pair `[f(x), x]`.
   * @example
   * await sc.parallelize([1, 2]).keyBy((x) => x * 10).collect();
   * // => [[10, 1], [20, 2]]
   */
  keyBy<K>(f: (x: T) => K): RDD<[K, T]> {
    args.func('f', f);
    return this._make('keyBy', { f: f as F });
  }

  /**
   * Each partition as one array (an empty partition gives `[]`).
   * @example
   * await sc.parallelize([1, 2, 3, 4, 5], 2).glom().collect();
   * // => [[1, 2], [3, 4, 5]]
   */
  glom(): RDD<T[]> {
    return this._make('glom', {});
  }

  // --------------------------------------------------------- pair, narrow

  /**
   * Applies `f` to each value of a pair RDD, keeping keys and partitioning.
   * @example
   * await sc.parallelize([['a', 1], ['b', 2]]).mapValues((v) => v * 10).collect();
   * // => [['a', 10], ['b', 20]]
   */
  mapValues<K, V, U>(this: RDD<[K, V]>, f: (v: V) => U): RDD<[K, U]> {
    args.func('f', f);
    return this._make('mapValues', { f: f as F });
  }

  /**
   * Applies `f` to each value and flattens, keeping keys and partitioning.
   * @example
   * await sc.parallelize([['a', [1, 2]], ['b', [3]]]).flatMapValues((v) => v).collect();
   * // => [['a', 1], ['a', 2], ['b', 3]]
   */
  flatMapValues<K, V, U>(this: RDD<[K, V]>, f: (v: V) => Iterable<U>): RDD<[K, U]> {
    args.func('f', f);
    return this._make('flatMapValues', { f: f as F });
  }

  /**
   * The keys of a pair RDD.
   * @example
   * await sc.parallelize([['a', 1], ['b', 2]]).keys().collect();
   * // => ['a', 'b']
   */
  keys<K, V>(this: RDD<[K, V]>): RDD<K> {
    return this._make('keys', {});
  }

  /**
   * The values of a pair RDD.
   * @example
   * await sc.parallelize([['a', 1], ['b', 2]]).values().collect();
   * // => [1, 2]
   */
  values<K, V>(this: RDD<[K, V]>): RDD<V> {
    return this._make('values', {});
  }

  // ---------------------------------------------------- combining RDDs

  /**
   * The partitions of this RDD followed by those of `other` (duplicates kept).
   * @example
   * await sc.parallelize([1, 2]).union(sc.parallelize([2, 3])).collect();
   * // => [1, 2, 2, 3]
   */
  union<U>(other: RDD<U>): RDD<T | U> {
    this._checkSameContext(other, 'other');
    return this.context.union<T | U>([this as unknown as RDD<T | U>, other as RDD<T | U>]);
  }

  /**
   * Pairs the i-th element of this RDD with the i-th of `other`. Both must
   * have the same number of partitions and of elements in each partition.
   * @example
   * await sc.parallelize([1, 2, 3], 2).zip(sc.parallelize(['a', 'b', 'c'], 2)).collect();
   * // => [[1, 'a'], [2, 'b'], [3, 'c']]
   */
  zip<U>(other: RDD<U>): RDD<[T, U]> {
    this._checkSameContext(other, 'other');
    return this._make('zip', {}, [this._node, other._node]);
  }

  /**
   * Pairs each element with its index (ordered by partition, then position).
   * Counts the elements of all but the last partition first, as Spark does.
   * @example
   * await sc.parallelize(['a', 'b', 'c'], 2).zipWithIndex().collect();
   * // => [['a', 0], ['b', 1], ['c', 2]]
   */
  zipWithIndex(): RDD<[T, number]> {
    return this._make('zipWithIndex', {});
  }

  /**
   * Pairs each element with a unique id: element i of partition k of n gets
   * `i·n + k` (no counting job, ids may have gaps).
   * @example
   * await sc.parallelize(['a', 'b', 'c', 'd', 'e'], 3).zipWithUniqueId().collect();
   * // => [['a', 0], ['b', 1], ['c', 4], ['d', 2], ['e', 5]]
   */
  zipWithUniqueId(): RDD<[T, number]> {
    return this._make('zipWithUniqueId', {});
  }

  /**
   * Every pair `[x, y]` of an element of this RDD and one of `other`
   * (partition i·m + j pairs partition i with `other`'s partition j, in
   * order of x). As in Spark, `other` is streamed: a partition of it of up
   * to 65,536 elements is kept while it is paired, a bigger one is read again
   * for each element of this RDD, so memory stays bounded.
   * @example
   * await sc.parallelize([1, 2]).cartesian(sc.parallelize(['a', 'b'])).collect();
   * // => [[1, 'a'], [1, 'b'], [2, 'a'], [2, 'b']]
   */
  cartesian<U>(other: RDD<U>): RDD<[T, U]> {
    this._checkSameContext(other, 'other');
    return this._make('cartesian', {}, [this._node, other._node]);
  }

  // ------------------------------------------------------ partitioning

  /**
   * Merges partitions into at most `numPartitions` without a shuffle
   * (consecutive partitions are concatenated). With `shuffle` true, it is
   * `repartition(numPartitions)`.
   * @example
   * await sc.parallelize([1, 2, 3, 4, 5], 5).coalesce(2).glom().collect();
   * // => [[1, 2], [3, 4, 5]]
   */
  coalesce(numPartitions: number, shuffle = false): RDD<T> {
    args.positiveInt('numPartitions', numPartitions);
    if (shuffle) return this._make('repartition', { numPartitions, partitionFunc: undefined });
    return this._make('coalesce', { numPartitions });
  }

  // ---------------------------------------------------------- sampling

  /**
   * A random sample: each element kept with probability `fraction` (without
   * replacement), or repeated a Poisson(`fraction`) number of times (with
   * replacement). The same `seed` gives the same sample; without one, a seed
   * is drawn once, when the RDD is made, so every action and every thread
   * sees the same sample.
   * @example
   * (await sc.parallelize([1, 2, 3, 4, 5, 6], 2).sample(false, 1, 7).collect()).length;
   * // => 6
   */
  sample(withReplacement: boolean, fraction: number, seed?: number): RDD<T> {
    if (typeof fraction !== 'number' || !(fraction >= 0))
      throw new ArgumentError('Fraction must be nonnegative.');
    const s = seed === undefined || seed === null ? randomSeed() : args.integer('seed', seed);
    const w = Boolean(withReplacement);
    sampleOp(w, fraction, s); // checks the arguments now
    return this._make('sample', { withReplacement: w, fraction, seed: s });
  }

  /**
   * Splits this RDD at random into RDDs whose sizes follow `weights`
   * (normalised); together they hold every element exactly once (the seed,
   * given or drawn once now, is shared by the splits).
   * @example
   * const [a, b] = sc.parallelize([1, 2, 3, 4, 5, 6, 7, 8], 2).randomSplit([1, 1], 42);
   * [...(await a.collect()), ...(await b.collect())].sort((x, y) => x - y);
   * // => [1, 2, 3, 4, 5, 6, 7, 8]
   */
  randomSplit(weights: number[], seed?: number): RDD<T>[] {
    if (!Array.isArray(weights) || weights.length === 0)
      throw new ArgumentError('weights must be a non-empty array of non-negative numbers');
    const s = seed === undefined || seed === null ? randomSeed() : args.integer('seed', seed);
    return normalizeSplitWeights(weights).map(([lower, upper]) =>
      this._make<T, 'randomSplit'>('randomSplit', {
        lower: lower as number,
        upper: upper as number,
        seed: s,
      }),
    );
  }

  // -------------------------------------------------------- external

  /**
   * Streams each partition through an external command (split like a shell
   * would, run without a shell): each element is written as one line to its
   * stdin, each line of its stdout is an element. With `checkCode`, a non-zero
   * exit status fails the task.
   * @example
   * await sc.parallelize(['b', 'a', 'c'], 1).pipe('sort').collect();
   * // => ['a', 'b', 'c']
   */
  pipe(command: string, env?: Record<string, string>, checkCode = false): RDD<string> {
    if (typeof command !== 'string' || command.trim() === '')
      throw new ArgumentError(`command must be a non-empty string, got ${String(command)}`);
    try {
      splitCommand(command);
    } catch (e) {
      throw new ArgumentError(`command: ${(e as Error).message}`);
    }
    if (env !== undefined && env !== null && (typeof env !== 'object' || Array.isArray(env)))
      throw new ArgumentError(`env must be an object of environment variables, got ${String(env)}`);
    return this._make('pipe', { command, env: env ?? undefined, checkCode: Boolean(checkCode) });
  }
}

/** mapAsync's options with their defaults; an ArgumentError for a bad or unknown one. */
function mapAsyncOptions(options: unknown): Required<MapAsyncOptions> {
  if (options === undefined || options === null) return MAP_ASYNC_DEFAULTS;
  if (typeof options !== 'object' || Array.isArray(options))
    throw new ArgumentError(`options must be an object such as { concurrency: 8 }, got ${String(options)}`);
  const unknown = Object.keys(options).filter((k) => !(k in MAP_ASYNC_DEFAULTS));
  if (unknown.length > 0)
    throw new ArgumentError(
      `unknown mapAsync option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: concurrency, retries, retryWaitMs)`,
    );
  const o = options as MapAsyncOptions;
  const retryWaitMs = o.retryWaitMs ?? MAP_ASYNC_DEFAULTS.retryWaitMs;
  if (typeof retryWaitMs !== 'number' || !Number.isFinite(retryWaitMs) || retryWaitMs < 0)
    throw new ArgumentError(`retryWaitMs must be a non-negative number, got ${String(retryWaitMs)}`);
  return {
    concurrency: args.positiveInt('concurrency', o.concurrency ?? MAP_ASYNC_DEFAULTS.concurrency),
    retries: args.nonNegativeInt('retries', o.retries ?? MAP_ASYNC_DEFAULTS.retries),
    retryWaitMs,
  };
}
