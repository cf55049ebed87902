/**
 * The batch-wise transformations of `DStream`: each batch's RDD goes through
 * the RDD method of the same name. Also `transform`, `transformWith`,
 * `union` and `slice`.
 */
import * as args from '../../args.js';
import type { Context } from '../../context.js';
import { ArgumentError, SparklingError } from '../../errors.js';
import type { PartitionResult, RDD } from '../../rdd.js';
import type { DStream } from '../dstream.js';
import { timeArgument } from '../duration.js';
import { checkRDD, checkSameSlide, DStreamCore, defaultPartitions } from './core.js';

/** A function over a batch's RDD, optionally given the batch time first (PySpark's one-or-two-parameter rule). */
export type RDDFunction<T, R> = ((rdd: RDD<T>) => R) | ((time: Date, rdd: RDD<T>) => R);

/** A function over two batches' RDDs, optionally given the batch time first. */
export type RDDFunction2<T, U, R> = ((a: RDD<T>, b: RDD<U>) => R) | ((time: Date, a: RDD<T>, b: RDD<U>) => R);

export class DStreamTransforms<T> extends DStreamCore<T> {
  /**
   * Applies `f` to every element of every batch.
   * @example
   * const clock = new ManualClock();
   * const ssc = new StreamingContext(sc, 1, { clock });
   * const out = [];
   * ssc.queueStream([[1, 2], [3]]).map((x) => x * 10).foreachRDD(async (rdd) => { out.push(await rdd.collect()); });
   * ssc.start();
   * await clock.advance(2000);
   * await ssc.stop(false);
   * out;
   * // => [[10, 20], [30]]
   */
  map<K, V>(f: (x: T) => [K, V], preservesPartitioning?: boolean): DStream<[K, V]>;
  map<U>(f: (x: T) => U, preservesPartitioning?: boolean): DStream<U>;
  map<U>(f: (x: T) => U, _preservesPartitioning?: boolean): DStream<U> {
    args.func('f', f);
    return this._derive('map', (_t, [rdd]) => (rdd as RDD<T>).map(f));
  }

  /**
   * Applies `f` to every element and flattens the Iterables it returns.
   * (`preservesPartitioning` is accepted for PySpark's signature; the result is the same without it.)
   */
  flatMap<U>(f: (x: T) => Iterable<U>, _preservesPartitioning?: boolean): DStream<U> {
    args.func('f', f);
    return this._derive('flatMap', (_t, [rdd]) => (rdd as RDD<T>).flatMap(f));
  }

  /** Keeps the elements for which `f` returns a truthy value. */
  filter(f: (x: T) => unknown): DStream<T> {
    args.func('f', f);
    return this._derive('filter', (_t, [rdd]) => (rdd as RDD<T>).filter(f));
  }

  /** Applies `f` to each partition of each batch (as `RDD.mapPartitions`). */
  mapPartitions<U>(
    f: (partition: AsyncIterable<T>) => PartitionResult<U>,
    preservesPartitioning = false,
  ): DStream<U> {
    args.func('f', f);
    return this._derive('mapPartitions', (_t, [rdd]) =>
      (rdd as RDD<T>).mapPartitions(f, preservesPartitioning),
    );
  }

  /** Applies `f(index, partition)` to each partition of each batch (as `RDD.mapPartitionsWithIndex`). */
  mapPartitionsWithIndex<U>(
    f: (index: number, partition: AsyncIterable<T>) => PartitionResult<U>,
    preservesPartitioning = false,
  ): DStream<U> {
    args.func('f', f);
    return this._derive('mapPartitionsWithIndex', (_t, [rdd]) =>
      (rdd as RDD<T>).mapPartitionsWithIndex(f, preservesPartitioning),
    );
  }

  /** Each partition of each batch as one array. */
  glom(): DStream<T[]> {
    return this._derive('glom', (_t, [rdd]) => (rdd as RDD<T>).glom());
  }

  /**
   * Each batch reduced to one element by `f` (no element for an empty batch),
   * as PySpark's: one partition holding the result.
   */
  reduce(f: (a: T, b: T) => T): DStream<T> {
    args.func('f', f);
    return this._derive('reduce', (_t, [rdd]) =>
      (rdd as RDD<T>)
        .map(keyedByUndefined)
        .reduceByKey(f, 1)
        .map(secondOf as (kv: [undefined, T]) => T),
    );
  }

  /**
   * The number of elements of each batch, as the batch's single element
   * (PySpark's documented behaviour, and Spark's: `0` for an empty batch).
   */
  count(): DStream<number> {
    const sc = this._ssc.sparkContext;
    return this._derive('count', (_t, [rdd]) => countOf(sc, rdd as RDD<unknown>));
  }

  /** The count of each distinct element of each batch, as `[value, count]` pairs. */
  countByValue(numPartitions?: number): DStream<[T, number]> {
    const n = defaultPartitions(this, numPartitions);
    return this._derive('countByValue', (_t, [rdd]) => (rdd as RDD<T>).map(withOne).reduceByKey(add, n));
  }

  /** Each batch reshuffled into `numPartitions` partitions. */
  repartition(numPartitions: number): DStream<T> {
    const n = args.positiveInt('numPartitions', numPartitions);
    return this._derive('repartition', (_t, [rdd]) => (rdd as RDD<T>).repartition(n));
  }

  // ------------------------------------------------------ combinators

  /**
   * The elements of this stream and `other` in each batch; both must have
   * the same slide duration.
   */
  union<U>(other: DStream<U>): DStream<T | U> {
    checkSameSlide('union', [this, other]);
    return this._derive<T | U>('union', (_t, [a, b]) => (a as RDD<T | U>).union(b as RDD<T | U>), [
      other as DStream<unknown>,
    ]);
  }

  /**
   * A DStream whose RDDs are `f(rdd)`, or `f(time, rdd)` when `f` declares two
   * parameters (PySpark's rule). `f` runs on the main thread once per batch
   * and may use any RDD method (joins with a static RDD, sampling ...).
   * Returning `undefined` gives no RDD for that batch.
   */
  transform<U>(f: (rdd: RDD<T>) => RDD<U> | undefined): DStream<U>;
  transform<U>(f: (time: Date, rdd: RDD<T>) => RDD<U> | undefined): DStream<U>;
  transform<U>(f: RDDFunction<T, RDD<U> | undefined>): DStream<U> {
    args.func('func', f);
    const sc = this._ssc.sparkContext;
    const two = f.length >= 2;
    return this._derive('transform', (t, [rdd]) => {
      const out = two
        ? (f as (time: Date, rdd: RDD<T>) => unknown)(new Date(t), rdd as RDD<T>)
        : (f as (rdd: RDD<T>) => unknown)(rdd as RDD<T>);
      return checkRDD(sc, out, 'the function given to transform') as RDD<U> | undefined;
    });
  }

  /**
   * A DStream whose RDDs are `f(rdd, otherRdd)`, or `f(time, rdd, otherRdd)`
   * when `f` declares three parameters. Both streams must have the same slide duration.
   */
  transformWith<U, V>(f: (a: RDD<T>, b: RDD<U>) => RDD<V> | undefined, other: DStream<U>): DStream<V>;
  transformWith<U, V>(
    f: (time: Date, a: RDD<T>, b: RDD<U>) => RDD<V> | undefined,
    other: DStream<U>,
  ): DStream<V>;
  transformWith<U, V>(f: RDDFunction2<T, U, RDD<V> | undefined>, other: DStream<U>): DStream<V> {
    args.func('func', f);
    if (!(other instanceof DStreamCore)) throw new ArgumentError('other must be a DStream');
    checkSameSlide('transformWith', [this, other]);
    const sc = this._ssc.sparkContext;
    const three = f.length >= 3;
    return this._derive(
      'transformWith',
      (t, [a, b]) => {
        const out = three
          ? (f as (time: Date, a: RDD<T>, b: RDD<U>) => unknown)(new Date(t), a as RDD<T>, b as RDD<U>)
          : (f as (a: RDD<T>, b: RDD<U>) => unknown)(a as RDD<T>, b as RDD<U>);
        return checkRDD(sc, out, 'the function given to transformWith') as RDD<V> | undefined;
      },
      [other as DStream<unknown>],
    );
  }

  /**
   * The RDDs of the batches from `begin` to `end` (both included; `Date`s or
   * epoch milliseconds) that this stream still remembers or can compute from
   * what its parents remember (see `StreamingContext.remember`).
   */
  slice(begin: Date | number, end: Date | number): RDD<T>[] {
    const from = timeArgument('begin', begin);
    const to = timeArgument('end', end);
    const zero = this._ssc._zeroTime;
    if (zero === undefined) throw new SparklingError('slice() needs a started StreamingContext');
    const slide = this._slideMs;
    const first = zero + Math.ceil((from - zero) / slide) * slide;
    const out: RDD<T>[] = [];
    for (let t = first; t <= to; t += slide) {
      const rdd = this._getOrCompute(t);
      if (rdd !== undefined) out.push(rdd);
    }
    return out;
  }
}

// Small functions without captured variables, so the stages using them can run on worker threads.
const keyedByUndefined = <T>(x: T): [undefined, T] => [undefined, x];
const secondOf = <V>(kv: [unknown, V]): V => kv[1];
const withOne = <T>(x: T): [T, number] => [x, 1];
const add = (a: number, b: number): number => a + b;
const keyedOne = (): [undefined, number] => [undefined, 1];

/** An RDD holding the number of elements of `rdd` (0 when it is empty): map-side counts, one partition. */
export function countOf(sc: Context, rdd: RDD<unknown>): RDD<number> {
  const counted = rdd.map(keyedOne);
  return sc
    .union([counted, sc.parallelize<[undefined, number]>([[undefined, 0]], 1)])
    .reduceByKey(add, 1)
    .map(secondOf);
}
