/**
 * The wide transformations of `RDD` (one shuffle each). Pair methods are
 * typed for `RDD<[K, V]>` through their `this` parameter, so calling one on
 * an RDD of non-pairs is a compile error.
 */
import * as args from '../args.js';
import { type PartitionFunc as AnyPartitionFunc, isDefaultPartitionFunc } from '../ops/shuffle-op.js';
import type { RDD } from '../rdd.js';
import { RDDTransforms } from './transforms.js';

/** A partition function: key to partition number (taken modulo the partition count, PySpark's `partitionFunc`). */
export type PartitionFunc<K> = (key: K) => number;

/** The value types of the RDDs given to `groupWith`, each as an array. */
export type GroupedValues<K, O extends readonly RDD<[K, unknown]>[]> = {
  [I in keyof O]: O[I] extends RDD<[K, infer W]> ? W[] : never;
};

type F1 = (x: unknown) => unknown;
type F2 = (a: unknown, b: unknown) => unknown;

/** `numPartitions` and `partitionFunc`, checked: PySpark's default partition function means the hash partitioner. */
function partitioning(
  numPartitions: unknown,
  partitionFunc: unknown,
): { numPartitions: number | undefined; partitionFunc: AnyPartitionFunc | undefined } {
  const n = args.optionalPositiveInt('numPartitions', numPartitions);
  if (isDefaultPartitionFunc(partitionFunc)) return { numPartitions: n, partitionFunc: undefined };
  args.func('partitionFunc', partitionFunc);
  return { numPartitions: n, partitionFunc: partitionFunc as AnyPartitionFunc };
}

export class RDDPairs<T> extends RDDTransforms<T> {
  /** @internal Checks that the other RDDs of a shuffle belong to this Context; their nodes, this one's first. */
  protected _parents(others: readonly unknown[]): RDD<unknown>['_node'][] {
    for (const o of others) this._checkSameContext(o, 'other');
    return [this._node, ...others.map((o) => (o as RDD<unknown>)._node)];
  }

  /**
   * Generic per-key aggregation: `createCombiner` turns a key's first value
   * into a combiner, `mergeValue` adds a value, `mergeCombiners` merges two
   * combiners. Combines map-side before the shuffle.
   * @example
   * await sc.parallelize([['a', 1], ['b', 2], ['a', 3]], 2).combineByKey((v) => [v], (c, v) => [...c, v], (a, b) => [...a, ...b]).sortByKey().collect();
   * // => [['a', [1, 3]], ['b', [2]]]
   */
  combineByKey<K, V, C>(
    this: RDD<[K, V]>,
    createCombiner: (v: V) => C,
    mergeValue: (c: C, v: V) => C,
    mergeCombiners: (a: C, b: C) => C,
    numPartitions?: number,
    partitionFunc?: PartitionFunc<K>,
  ): RDD<[K, C]> {
    args.func('createCombiner', createCombiner);
    args.func('mergeValue', mergeValue);
    args.func('mergeCombiners', mergeCombiners);
    return this._make('combineByKey', {
      createCombiner: createCombiner as F1,
      mergeValue: mergeValue as F2,
      mergeCombiners: mergeCombiners as F2,
      ...partitioning(numPartitions, partitionFunc),
    });
  }

  /**
   * Merges the values of each key with an associative, commutative `f`,
   * combining map-side first. Wide: `numPartitions` defaults to this RDD's.
   * @example
   * await sc.parallelize([['a', 1], ['b', 1], ['a', 1]], 2).reduceByKey((x, y) => x + y).sortByKey().collect();
   * // => [['a', 2], ['b', 1]]
   */
  reduceByKey<K, V>(
    this: RDD<[K, V]>,
    f: (a: V, b: V) => V,
    numPartitions?: number,
    partitionFunc?: PartitionFunc<K>,
  ): RDD<[K, V]> {
    args.func('f', f);
    return this._make('reduceByKey', { f: f as F2, ...partitioning(numPartitions, partitionFunc) });
  }

  /**
   * Folds the values of each key, starting each partition's fold from a copy of `zeroValue`.
   * @example
   * await sc.parallelize([['a', 1], ['b', 1], ['a', 1]]).foldByKey(0, (x, y) => x + y).sortByKey().collect();
   * // => [['a', 2], ['b', 1]]
   */
  foldByKey<K, V>(
    this: RDD<[K, V]>,
    zeroValue: V,
    f: (a: V, b: V) => V,
    numPartitions?: number,
    partitionFunc?: PartitionFunc<K>,
  ): RDD<[K, V]> {
    args.func('f', f);
    return this._make('foldByKey', { zeroValue, f: f as F2, ...partitioning(numPartitions, partitionFunc) });
  }

  /**
   * Aggregates the values of each key: `seqFunc` folds values into a copy of
   * `zeroValue`, `combFunc` merges the partial results.
   * @example
   * await sc.parallelize([['a', 1], ['a', 2], ['b', 5]], 2).aggregateByKey(0, (acc, v) => acc + v, (a, b) => a + b).sortByKey().collect();
   * // => [['a', 3], ['b', 5]]
   */
  aggregateByKey<K, V, U>(
    this: RDD<[K, V]>,
    zeroValue: U,
    seqFunc: (acc: U, v: V) => U,
    combFunc: (a: U, b: U) => U,
    numPartitions?: number,
    partitionFunc?: PartitionFunc<K>,
  ): RDD<[K, U]> {
    args.func('seqFunc', seqFunc);
    args.func('combFunc', combFunc);
    return this._make('aggregateByKey', {
      zeroValue,
      seqFunc: seqFunc as F2,
      combFunc: combFunc as F2,
      ...partitioning(numPartitions, partitionFunc),
    });
  }

  /**
   * Groups the values of each key into an array (in arrival order).
   * @example
   * await sc.parallelize([['a', 1], ['b', 2], ['a', 3]], 2).groupByKey().sortByKey().collect();
   * // => [['a', [1, 3]], ['b', [2]]]
   */
  groupByKey<K, V>(
    this: RDD<[K, V]>,
    numPartitions?: number,
    partitionFunc?: PartitionFunc<K>,
  ): RDD<[K, V[]]> {
    return this._make('groupByKey', partitioning(numPartitions, partitionFunc));
  }

  /**
   * Groups the elements by `f(x)`: `[key, elements]`.
   * @example
   * await sc.parallelize([1, 2, 3, 4, 5]).groupBy((x) => x % 2).sortByKey().collect();
   * // => [[0, [2, 4]], [1, [1, 3, 5]]]
   */
  groupBy<K>(f: (x: T) => K, numPartitions?: number, partitionFunc?: PartitionFunc<K>): RDD<[K, T[]]> {
    args.func('f', f);
    return this._make('groupBy', { f: f as F1, ...partitioning(numPartitions, partitionFunc) });
  }

  /**
   * Shuffles the pairs into `numPartitions` partitions by key (`partitionFunc`, or the portable hash).
   * @example
   * await sc.parallelize([[1, 'a'], [2, 'b'], [3, 'c'], [4, 'd']]).partitionBy(2).glom().collect();
   * // => [[[2, 'b'], [4, 'd']], [[1, 'a'], [3, 'c']]]
   */
  partitionBy<K, V>(
    this: RDD<[K, V]>,
    numPartitions?: number,
    partitionFunc?: PartitionFunc<K>,
  ): RDD<[K, V]> {
    return this._make('partitionBy', partitioning(numPartitions, partitionFunc));
  }

  /**
   * Sorts by key (natural order, or by `keyfunc(key)`), range-partitioned:
   * partition i holds keys ordered before partition i+1's.
   * @example
   * await sc.parallelize([['b', 1], ['c', 2], ['a', 3]], 2).sortByKey().collect();
   * // => [['a', 3], ['b', 1], ['c', 2]]
   */
  sortByKey<K, V>(
    this: RDD<[K, V]>,
    ascending = true,
    numPartitions?: number,
    keyfunc?: (k: K) => unknown,
  ): RDD<[K, V]> {
    args.optionalKeyFunc('keyfunc', keyfunc, 'sortByKey');
    return this._make('sortByKey', {
      ascending: ascending !== false,
      numPartitions: args.optionalPositiveInt('numPartitions', numPartitions),
      keyfunc: (keyfunc ?? undefined) as F1 | undefined,
    });
  }

  /**
   * Sorts the elements by `keyfunc(x)`.
   * @example
   * await sc.parallelize([3, 1, 2], 2).sortBy((x) => x, false).collect();
   * // => [3, 2, 1]
   */
  sortBy<K>(keyfunc: (x: T) => K, ascending = true, numPartitions?: number): RDD<T> {
    args.keyFunc('keyfunc', keyfunc, 'sortBy');
    return this._make('sortBy', {
      keyfunc: keyfunc as F1,
      ascending: ascending !== false,
      numPartitions: args.optionalPositiveInt('numPartitions', numPartitions),
    });
  }

  /**
   * Partitions by key (`partitionFunc` or the portable hash), then sorts each partition by key.
   * @example
   * await sc.parallelize([[3, 'c'], [1, 'a'], [2, 'b'], [4, 'd']]).repartitionAndSortWithinPartitions(2).glom().collect();
   * // => [[[2, 'b'], [4, 'd']], [[1, 'a'], [3, 'c']]]
   */
  repartitionAndSortWithinPartitions<K, V>(
    this: RDD<[K, V]>,
    numPartitions?: number,
    partitionFunc?: PartitionFunc<K>,
    ascending = true,
    keyfunc?: (k: K) => unknown,
  ): RDD<[K, V]> {
    const p = partitioning(numPartitions, partitionFunc);
    args.optionalKeyFunc('keyfunc', keyfunc, 'repartitionAndSortWithinPartitions');
    return this._make('repartitionAndSortWithinPartitions', {
      ...p,
      ascending: ascending !== false,
      keyfunc: (keyfunc ?? undefined) as F1 | undefined,
    });
  }

  /**
   * Inner join: `[k, [v, w]]` for every pair of values with equal keys (duplicates give every pair).
   * @example
   * await sc.parallelize([['a', 1], ['b', 4]]).join(sc.parallelize([['a', 2], ['a', 3]])).collect();
   * // => [['a', [1, 2]], ['a', [1, 3]]]
   */
  join<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions?: number): RDD<[K, [V, W]]> {
    return this._make('join', partitioning(numPartitions, undefined), this._parents([other]));
  }

  /**
   * Left outer join: keys of this RDD missing from `other` get `undefined`.
   * @example
   * await sc.parallelize([['a', 1], ['b', 4]]).leftOuterJoin(sc.parallelize([['a', 2]])).sortByKey().collect();
   * // => [['a', [1, 2]], ['b', [4, undefined]]]
   */
  leftOuterJoin<K, V, W>(
    this: RDD<[K, V]>,
    other: RDD<[K, W]>,
    numPartitions?: number,
  ): RDD<[K, [V, W | undefined]]> {
    return this._make('leftOuterJoin', partitioning(numPartitions, undefined), this._parents([other]));
  }

  /**
   * Right outer join: keys of `other` missing from this RDD get `undefined`.
   * @example
   * await sc.parallelize([['a', 2]]).rightOuterJoin(sc.parallelize([['a', 1], ['b', 4]])).sortByKey().collect();
   * // => [['a', [2, 1]], ['b', [undefined, 4]]]
   */
  rightOuterJoin<K, V, W>(
    this: RDD<[K, V]>,
    other: RDD<[K, W]>,
    numPartitions?: number,
  ): RDD<[K, [V | undefined, W]]> {
    return this._make('rightOuterJoin', partitioning(numPartitions, undefined), this._parents([other]));
  }

  /**
   * Full outer join: a missing side is `undefined`.
   * @example
   * await sc.parallelize([['a', 1], ['b', 4]]).fullOuterJoin(sc.parallelize([['a', 2], ['c', 8]])).sortByKey().collect();
   * // => [['a', [1, 2]], ['b', [4, undefined]], ['c', [undefined, 8]]]
   */
  fullOuterJoin<K, V, W>(
    this: RDD<[K, V]>,
    other: RDD<[K, W]>,
    numPartitions?: number,
  ): RDD<[K, [V | undefined, W | undefined]]> {
    return this._make('fullOuterJoin', partitioning(numPartitions, undefined), this._parents([other]));
  }

  /**
   * For each key of either RDD: `[k, [values here, values in other]]`.
   * @example
   * await sc.parallelize([['a', 1], ['b', 4]]).cogroup(sc.parallelize([['a', 2]])).sortByKey().collect();
   * // => [['a', [[1], [2]]], ['b', [[4], []]]]
   */
  cogroup<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions?: number): RDD<[K, [V[], W[]]]> {
    return this._make('cogroup', partitioning(numPartitions, undefined), this._parents([other]));
  }

  /**
   * `cogroup` of any number of RDDs.
   * @example
   * await sc.parallelize([['a', 1]]).groupWith(sc.parallelize([['a', 2]]), sc.parallelize([['b', 3]])).sortByKey().collect();
   * // => [['a', [[1], [2], []]], ['b', [[], [], [3]]]]
   */
  groupWith<K, V, O extends RDD<[K, unknown]>[]>(
    this: RDD<[K, V]>,
    ...others: O
  ): RDD<[K, [V[], ...GroupedValues<K, O>]]> {
    return this._make('groupWith', partitioning(undefined, undefined), this._parents(others));
  }

  /**
   * The pairs whose key is not in `other`.
   * @example
   * await sc.parallelize([['a', 1], ['b', 4], ['b', 5]]).subtractByKey(sc.parallelize([['a', 2]])).collect();
   * // => [['b', 4], ['b', 5]]
   */
  subtractByKey<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions?: number): RDD<[K, V]> {
    return this._make('subtractByKey', partitioning(numPartitions, undefined), this._parents([other]));
  }

  /**
   * The elements not in `other` (duplicates kept, compared by value).
   * @example
   * (await sc.parallelize([1, 2, 2, 3]).subtract(sc.parallelize([3])).collect()).sort();
   * // => [1, 2, 2]
   */
  subtract(other: RDD<T>, numPartitions?: number): RDD<T> {
    return this._make('subtract', partitioning(numPartitions, undefined), this._parents([other]));
  }

  /**
   * The distinct elements present in both RDDs.
   * @example
   * (await sc.parallelize([1, 2, 2, 3]).intersection(sc.parallelize([2, 3, 4])).collect()).sort();
   * // => [2, 3]
   */
  intersection(other: RDD<T>, numPartitions?: number): RDD<T> {
    return this._make('intersection', partitioning(numPartitions, undefined), this._parents([other]));
  }

  /**
   * The distinct elements (by value: `[1, 'a']` and another `[1, 'a']` are one).
   * @example
   * (await sc.parallelize([1, 2, 1, 3, 2]).distinct().collect()).sort();
   * // => [1, 2, 3]
   */
  distinct(numPartitions?: number): RDD<T> {
    return this._make('distinct', partitioning(numPartitions, undefined));
  }

  /**
   * Redistributes the elements evenly over `numPartitions` partitions (a shuffle).
   * @example
   * await sc.parallelize([1, 2, 3, 4, 5, 6], 2).repartition(3).getNumPartitions();
   * // => 3
   */
  repartition(numPartitions: number): RDD<T> {
    const n = args.positiveInt('numPartitions', numPartitions);
    return this._make('repartition', { numPartitions: n, partitionFunc: undefined });
  }
}
