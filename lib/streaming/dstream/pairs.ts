/**
 * Pair DStream operators: the batch-wise pair RDD methods. Typed for
 * `DStream<[K, V]>` through their `this` parameter, as the RDD's are, so
 * calling one on a DStream of non-pairs is a compile error. Shuffles default
 * to `sc.defaultParallelism` partitions, as PySpark's DStream methods.
 */
import * as args from '../../args.js';
import { ArgumentError } from '../../errors.js';
import type { PartitionFunc, RDD } from '../../rdd.js';
import type { DStream } from '../dstream.js';
import { checkSameSlide, DStreamCore, defaultPartitions } from './core.js';
import { DStreamTransforms } from './transforms.js';

type JoinName = 'cogroup' | 'join' | 'leftOuterJoin' | 'rightOuterJoin' | 'fullOuterJoin';

/** A batch-wise join of `self` with `other` by the RDD method `name`. */
function joined<K, V, W, R>(
  self: DStream<[K, V]>,
  name: JoinName,
  other: DStream<[K, W]>,
  numPartitions: number | undefined,
  join: (a: RDD<[K, V]>, b: RDD<[K, W]>, n: number) => RDD<R>,
): DStream<R> {
  if (!(other instanceof DStreamCore)) throw new ArgumentError(`${name}: other must be a DStream`);
  checkSameSlide(name, [self, other]);
  const n = defaultPartitions(self, numPartitions);
  return self._derive(name, (_t, [a, b]) => join(a as RDD<[K, V]>, b as RDD<[K, W]>, n), [
    other as DStream<unknown>,
  ]);
}

export class DStreamPairs<T> extends DStreamTransforms<T> {
  /** Applies `f` to each value, keeping the keys. */
  mapValues<K, V, U>(this: DStream<[K, V]>, f: (v: V) => U): DStream<[K, U]> {
    args.func('f', f);
    return this._derive('mapValues', (_t, [rdd]) => (rdd as RDD<[K, V]>).mapValues(f));
  }

  /** Applies `f` to each value and pairs each element of its result with the key. */
  flatMapValues<K, V, U>(this: DStream<[K, V]>, f: (v: V) => Iterable<U>): DStream<[K, U]> {
    args.func('f', f);
    return this._derive('flatMapValues', (_t, [rdd]) => (rdd as RDD<[K, V]>).flatMapValues(f));
  }

  /** `reduceByKey` on each batch. */
  reduceByKey<K, V>(this: DStream<[K, V]>, f: (a: V, b: V) => V, numPartitions?: number): DStream<[K, V]> {
    args.func('f', f);
    const n = defaultPartitions(this, numPartitions);
    return this._derive('reduceByKey', (_t, [rdd]) => (rdd as RDD<[K, V]>).reduceByKey(f, n));
  }

  /** `combineByKey` on each batch. */
  combineByKey<K, V, C>(
    this: DStream<[K, V]>,
    createCombiner: (v: V) => C,
    mergeValue: (c: C, v: V) => C,
    mergeCombiners: (a: C, b: C) => C,
    numPartitions?: number,
  ): DStream<[K, C]> {
    args.func('createCombiner', createCombiner);
    args.func('mergeValue', mergeValue);
    args.func('mergeCombiners', mergeCombiners);
    const n = defaultPartitions(this, numPartitions);
    return this._derive('combineByKey', (_t, [rdd]) =>
      (rdd as RDD<[K, V]>).combineByKey(createCombiner, mergeValue, mergeCombiners, n),
    );
  }

  /** `groupByKey` on each batch: the values of each key as an array. */
  groupByKey<K, V>(this: DStream<[K, V]>, numPartitions?: number): DStream<[K, V[]]> {
    const n = defaultPartitions(this, numPartitions);
    return this._derive('groupByKey', (_t, [rdd]) => (rdd as RDD<[K, V]>).groupByKey(n));
  }

  /** `partitionBy` on each batch. */
  partitionBy<K, V>(
    this: DStream<[K, V]>,
    numPartitions: number,
    partitionFunc?: PartitionFunc<K>,
  ): DStream<[K, V]> {
    const n = args.positiveInt('numPartitions', numPartitions);
    args.optionalFunc('partitionFunc', partitionFunc);
    return this._derive('partitionBy', (_t, [rdd]) =>
      partitionFunc === undefined || partitionFunc === null
        ? (rdd as RDD<[K, V]>).partitionBy(n)
        : (rdd as RDD<[K, V]>).partitionBy(n, partitionFunc),
    );
  }

  /** `cogroup` of each batch with the same batch of `other`. */
  cogroup<K, V, W>(
    this: DStream<[K, V]>,
    other: DStream<[K, W]>,
    numPartitions?: number,
  ): DStream<[K, [V[], W[]]]> {
    return joined(this, 'cogroup', other, numPartitions, (a, b, n) => a.cogroup(b, n));
  }

  /** Inner `join` of each batch with the same batch of `other`. */
  join<K, V, W>(this: DStream<[K, V]>, other: DStream<[K, W]>, numPartitions?: number): DStream<[K, [V, W]]> {
    return joined(this, 'join', other, numPartitions, (a, b, n) => a.join(b, n));
  }

  /** `leftOuterJoin` of each batch with the same batch of `other` (`undefined` for a missing right value). */
  leftOuterJoin<K, V, W>(
    this: DStream<[K, V]>,
    other: DStream<[K, W]>,
    numPartitions?: number,
  ): DStream<[K, [V, W | undefined]]> {
    return joined(this, 'leftOuterJoin', other, numPartitions, (a, b, n) => a.leftOuterJoin(b, n));
  }

  /** `rightOuterJoin` of each batch with the same batch of `other`. */
  rightOuterJoin<K, V, W>(
    this: DStream<[K, V]>,
    other: DStream<[K, W]>,
    numPartitions?: number,
  ): DStream<[K, [V | undefined, W]]> {
    return joined(this, 'rightOuterJoin', other, numPartitions, (a, b, n) => a.rightOuterJoin(b, n));
  }

  /** `fullOuterJoin` of each batch with the same batch of `other`. */
  fullOuterJoin<K, V, W>(
    this: DStream<[K, V]>,
    other: DStream<[K, W]>,
    numPartitions?: number,
  ): DStream<[K, [V | undefined, W | undefined]]> {
    return joined(this, 'fullOuterJoin', other, numPartitions, (a, b, n) => a.fullOuterJoin(b, n));
  }
}
