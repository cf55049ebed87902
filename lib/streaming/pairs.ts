/**
 * Pair DStream operators: the batch-wise pair RDD methods. Typed for
 * `DStream<[K, V]>` through their `this` parameter, as the RDD's are. Shuffles
 * default to `sc.defaultParallelism` partitions, as PySpark's DStream methods.
 */
import * as args from '../args.js';
import { ArgumentError } from '../errors.js';
import type { RDD } from '../rdd.js';
import type { PartitionFunc } from '../rdd-pairs.js';
import { checkSameSlide, DStream, defaultPartitions } from './dstream.js';

declare module './dstream.js' {
  interface DStream<T> {
    /** Applies `f` to each value, keeping the keys. */
    mapValues<K, V, U>(this: DStream<[K, V]>, f: (v: V) => U): DStream<[K, U]>;
    /** Applies `f` to each value and pairs each element of its result with the key. */
    flatMapValues<K, V, U>(this: DStream<[K, V]>, f: (v: V) => Iterable<U>): DStream<[K, U]>;
    /** `reduceByKey` on each batch. */
    reduceByKey<K, V>(this: DStream<[K, V]>, f: (a: V, b: V) => V, numPartitions?: number): DStream<[K, V]>;
    /** `combineByKey` on each batch. */
    combineByKey<K, V, C>(
      this: DStream<[K, V]>,
      createCombiner: (v: V) => C,
      mergeValue: (c: C, v: V) => C,
      mergeCombiners: (a: C, b: C) => C,
      numPartitions?: number,
    ): DStream<[K, C]>;
    /** `groupByKey` on each batch: the values of each key as an array. */
    groupByKey<K, V>(this: DStream<[K, V]>, numPartitions?: number): DStream<[K, V[]]>;
    /** `partitionBy` on each batch. */
    partitionBy<K, V>(
      this: DStream<[K, V]>,
      numPartitions: number,
      partitionFunc?: PartitionFunc<K>,
    ): DStream<[K, V]>;
    /** `cogroup` of each batch with the same batch of `other`. */
    cogroup<K, V, W>(
      this: DStream<[K, V]>,
      other: DStream<[K, W]>,
      numPartitions?: number,
    ): DStream<[K, [V[], W[]]]>;
    /** Inner `join` of each batch with the same batch of `other`. */
    join<K, V, W>(
      this: DStream<[K, V]>,
      other: DStream<[K, W]>,
      numPartitions?: number,
    ): DStream<[K, [V, W]]>;
    /** `leftOuterJoin` of each batch with the same batch of `other` (`undefined` for a missing right value). */
    leftOuterJoin<K, V, W>(
      this: DStream<[K, V]>,
      other: DStream<[K, W]>,
      numPartitions?: number,
    ): DStream<[K, [V, W | undefined]]>;
    /** `rightOuterJoin` of each batch with the same batch of `other`. */
    rightOuterJoin<K, V, W>(
      this: DStream<[K, V]>,
      other: DStream<[K, W]>,
      numPartitions?: number,
    ): DStream<[K, [V | undefined, W]]>;
    /** `fullOuterJoin` of each batch with the same batch of `other`. */
    fullOuterJoin<K, V, W>(
      this: DStream<[K, V]>,
      other: DStream<[K, W]>,
      numPartitions?: number,
    ): DStream<[K, [V | undefined, W | undefined]]>;
  }
}

type Pairs = RDD<[unknown, unknown]>;
type AnyPairs = DStream<[unknown, unknown]>;
type F1 = (x: unknown) => unknown;
type F2 = (a: unknown, b: unknown) => unknown;
const proto = DStream.prototype as unknown as Record<string, unknown>;

proto.mapValues = function (this: AnyPairs, f: F1) {
  args.func('f', f);
  return this._derive('mapValues', (_t, [rdd]) => (rdd as Pairs).mapValues(f));
};

proto.flatMapValues = function (this: AnyPairs, f: (v: unknown) => Iterable<unknown>) {
  args.func('f', f);
  return this._derive('flatMapValues', (_t, [rdd]) => (rdd as Pairs).flatMapValues(f));
};

proto.reduceByKey = function (this: AnyPairs, f: F2, numPartitions?: number) {
  args.func('f', f);
  const n = defaultPartitions(this as DStream<unknown>, numPartitions);
  return this._derive('reduceByKey', (_t, [rdd]) => (rdd as Pairs).reduceByKey(f, n));
};

proto.combineByKey = function (
  this: AnyPairs,
  createCombiner: F1,
  mergeValue: F2,
  mergeCombiners: F2,
  numPartitions?: number,
) {
  args.func('createCombiner', createCombiner);
  args.func('mergeValue', mergeValue);
  args.func('mergeCombiners', mergeCombiners);
  const n = defaultPartitions(this as DStream<unknown>, numPartitions);
  return this._derive('combineByKey', (_t, [rdd]) =>
    (rdd as Pairs).combineByKey(createCombiner, mergeValue, mergeCombiners, n),
  );
};

proto.groupByKey = function (this: AnyPairs, numPartitions?: number) {
  const n = defaultPartitions(this as DStream<unknown>, numPartitions);
  return this._derive('groupByKey', (_t, [rdd]) => (rdd as Pairs).groupByKey(n));
};

proto.partitionBy = function (this: AnyPairs, numPartitions: number, partitionFunc?: PartitionFunc<unknown>) {
  const n = args.positiveInt('numPartitions', numPartitions);
  args.optionalFunc('partitionFunc', partitionFunc);
  return this._derive('partitionBy', (_t, [rdd]) =>
    partitionFunc === undefined || partitionFunc === null
      ? (rdd as Pairs).partitionBy(n)
      : (rdd as Pairs).partitionBy(n, partitionFunc),
  );
};

type JoinName = 'cogroup' | 'join' | 'leftOuterJoin' | 'rightOuterJoin' | 'fullOuterJoin';

function joinOf(self: AnyPairs, name: JoinName, other: unknown, numPartitions: unknown): DStream<unknown> {
  if (!(other instanceof DStream)) throw new ArgumentError(`${name}: other must be a DStream`);
  checkSameSlide(name, [self as DStream<unknown>, other as DStream<unknown>]);
  const n = defaultPartitions(self as DStream<unknown>, numPartitions);
  return self._derive(name, (_t, [a, b]) => (a as Pairs)[name](b as Pairs, n) as RDD<unknown>, [
    other as DStream<unknown>,
  ]);
}

for (const name of ['cogroup', 'join', 'leftOuterJoin', 'rightOuterJoin', 'fullOuterJoin'] as const) {
  proto[name] = function (this: AnyPairs, other: unknown, numPartitions?: number) {
    return joinOf(this, name, other, numPartitions);
  };
}
