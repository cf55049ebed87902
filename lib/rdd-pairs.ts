/**
 * Wide operations (one shuffle each) and the pair-RDD actions. Pair methods
 * are typed for `RDD<[K, V]>` through their `this` parameter, so calling one
 * on an RDD of non-pairs is a compile error.
 */
import * as args from './args.js';
import { taskFailure } from './exec/failures.js';
import { type ActionOptions, runJob, signalOf } from './exec/job.js';
import { customRouter } from './exec/shuffle.js';
import { cogroupPairs, joinGroups, keysOut, pairsOut, sortedValues, sortPairs } from './ops/group.js';
import type { Attrs, ShuffleSpec, SortSpec } from './plan/nodes.js';
import { defaultShufflePartitions, knownPartitions } from './plan/nodes.js';
import type { Partitioner } from './plan/partitioner.js';
import { RDD } from './rdd.js';
import { freshCopy } from './util/clone.js';
import { partitionOf, portableHash } from './values/hash.js';
import { equals } from './values/key.js';
import { ValueMap } from './values/value-map.js';

/** A partition function: key to partition number (taken modulo the partition count, PySpark's `partitionFunc`). */
export type PartitionFunc<K> = (key: K) => number;

/** The value types of the RDDs given to `groupWith`, each as an array. */
export type GroupedValues<K, O extends readonly RDD<[K, unknown]>[]> = {
  [I in keyof O]: O[I] extends RDD<[K, infer W]> ? W[] : never;
};

declare module './rdd.js' {
  interface RDD<T> {
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
    ): RDD<[K, C]>;
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
    ): RDD<[K, V]>;
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
    ): RDD<[K, V]>;
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
    ): RDD<[K, U]>;
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
    ): RDD<[K, V[]]>;
    /**
     * Groups the elements by `f(x)`: `[key, elements]`.
     * @example
     * await sc.parallelize([1, 2, 3, 4, 5]).groupBy((x) => x % 2).sortByKey().collect();
     * // => [[0, [2, 4]], [1, [1, 3, 5]]]
     */
    groupBy<K>(f: (x: T) => K, numPartitions?: number, partitionFunc?: PartitionFunc<K>): RDD<[K, T[]]>;
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
    ): RDD<[K, V]>;
    /**
     * Sorts by key (natural order, or by `keyfunc(key)`), range-partitioned:
     * partition i holds keys ordered before partition i+1's.
     * @example
     * await sc.parallelize([['b', 1], ['c', 2], ['a', 3]], 2).sortByKey().collect();
     * // => [['a', 3], ['b', 1], ['c', 2]]
     */
    sortByKey<K, V>(
      this: RDD<[K, V]>,
      ascending?: boolean,
      numPartitions?: number,
      keyfunc?: (k: K) => unknown,
    ): RDD<[K, V]>;
    /**
     * Sorts the elements by `keyfunc(x)`.
     * @example
     * await sc.parallelize([3, 1, 2], 2).sortBy((x) => x, false).collect();
     * // => [3, 2, 1]
     */
    sortBy<K>(keyfunc: (x: T) => K, ascending?: boolean, numPartitions?: number): RDD<T>;
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
      ascending?: boolean,
      keyfunc?: (k: K) => unknown,
    ): RDD<[K, V]>;
    /**
     * Inner join: `[k, [v, w]]` for every pair of values with equal keys (duplicates give every pair).
     * @example
     * await sc.parallelize([['a', 1], ['b', 4]]).join(sc.parallelize([['a', 2], ['a', 3]])).collect();
     * // => [['a', [1, 2]], ['a', [1, 3]]]
     */
    join<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions?: number): RDD<[K, [V, W]]>;
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
    ): RDD<[K, [V, W | undefined]]>;
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
    ): RDD<[K, [V | undefined, W]]>;
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
    ): RDD<[K, [V | undefined, W | undefined]]>;
    /**
     * For each key of either RDD: `[k, [values here, values in other]]`.
     * @example
     * await sc.parallelize([['a', 1], ['b', 4]]).cogroup(sc.parallelize([['a', 2]])).sortByKey().collect();
     * // => [['a', [[1], [2]]], ['b', [[4], []]]]
     */
    cogroup<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions?: number): RDD<[K, [V[], W[]]]>;
    /**
     * `cogroup` of any number of RDDs.
     * @example
     * await sc.parallelize([['a', 1]]).groupWith(sc.parallelize([['a', 2]]), sc.parallelize([['b', 3]])).sortByKey().collect();
     * // => [['a', [[1], [2], []]], ['b', [[], [], [3]]]]
     */
    groupWith<K, V, O extends RDD<[K, unknown]>[]>(
      this: RDD<[K, V]>,
      ...others: O
    ): RDD<[K, [V[], ...GroupedValues<K, O>]]>;
    /**
     * The pairs whose key is not in `other`.
     * @example
     * await sc.parallelize([['a', 1], ['b', 4], ['b', 5]]).subtractByKey(sc.parallelize([['a', 2]])).collect();
     * // => [['b', 4], ['b', 5]]
     */
    subtractByKey<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions?: number): RDD<[K, V]>;
    /**
     * The elements not in `other` (duplicates kept, compared by value).
     * @example
     * (await sc.parallelize([1, 2, 2, 3]).subtract(sc.parallelize([3])).collect()).sort();
     * // => [1, 2, 2]
     */
    subtract(other: RDD<T>, numPartitions?: number): RDD<T>;
    /**
     * The distinct elements present in both RDDs.
     * @example
     * (await sc.parallelize([1, 2, 2, 3]).intersection(sc.parallelize([2, 3, 4])).collect()).sort();
     * // => [2, 3]
     */
    intersection(other: RDD<T>, numPartitions?: number): RDD<T>;
    /**
     * The distinct elements (by value: `[1, 'a']` and another `[1, 'a']` are one).
     * @example
     * (await sc.parallelize([1, 2, 1, 3, 2]).distinct().collect()).sort();
     * // => [1, 2, 3]
     */
    distinct(numPartitions?: number): RDD<T>;
    /**
     * Redistributes the elements evenly over `numPartitions` partitions (a shuffle).
     * @example
     * await sc.parallelize([1, 2, 3, 4, 5, 6], 2).repartition(3).getNumPartitions();
     * // => 3
     */
    repartition(numPartitions: number): RDD<T>;
    /**
     * How many pairs each key has, as a by-value `ValueMap`.
     * @example
     * [...(await sc.parallelize([['a', 1], ['b', 1], ['a', 1]]).countByKey())];
     * // => [['a', 2], ['b', 1]]
     */
    countByKey<K, V>(this: RDD<[K, V]>, options?: ActionOptions): Promise<ValueMap<K, number>>;
    /**
     * The pairs as a by-value `ValueMap` (a later value for a key wins).
     * @example
     * (await sc.parallelize([[[1, 'a'], 2], [[3, 'b'], 4]]).collectAsMap()).get([1, 'a']);
     * // => 2
     */
    collectAsMap<K, V>(this: RDD<[K, V]>, options?: ActionOptions): Promise<ValueMap<K, V>>;
    /**
     * The values for `key`; reads only the partition that can hold it when the RDD is hash-partitioned.
     * @example
     * await sc.parallelize([['a', 1], ['b', 2], ['a', 3]]).lookup('a');
     * // => [1, 3]
     */
    lookup<K, V>(this: RDD<[K, V]>, key: K, options?: ActionOptions): Promise<V[]>;
  }
}

type Any = RDD<unknown>;
type AnyPairs = RDD<[unknown, unknown]>;
type F1 = (x: unknown) => unknown;
type F2 = (a: unknown, b: unknown) => unknown;
type PF = PartitionFunc<unknown> | undefined;
type N = number | undefined;
/** The implementations below are typed loosely; the declarations above carry the public types. */
const proto = RDD.prototype as unknown as Record<string, unknown>;

function partitionerFor(
  numPartitions: number | undefined,
  partitionFunc: PartitionFunc<unknown> | undefined,
): Partitioner {
  // PySpark's default partitionFunc is portable_hash: passing it is the default hash partitioner.
  if (
    partitionFunc === undefined ||
    partitionFunc === null ||
    partitionFunc === partitionOf ||
    partitionFunc === portableHash
  )
    return { kind: 'hash', numPartitions };
  args.func('partitionFunc', partitionFunc);
  return { kind: 'custom', numPartitions, fn: partitionFunc };
}

/** Appends a shuffle node reading `parents`, laid out by `partitioner` (hash by default). */
function shuffle<U>(
  parents: readonly Any[],
  label: string,
  numPartitions: number | undefined,
  spec: ShuffleSpec,
  options: {
    partitionFunc?: PartitionFunc<unknown>;
    range?: boolean;
    keepsPartitioner?: boolean;
    attrs?: Attrs;
  } = {},
): RDD<U> {
  const first = parents[0] as Any;
  parents.forEach((p, i) => {
    if (i > 0) first._checkSameContext(p, 'other');
  });
  const n = args.optionalPositiveInt('numPartitions', numPartitions);
  const ctx = first.context;
  const id = ctx._newId();
  const nodes = parents.map((p) => p._node);
  // PySpark's default: the parent's count; for several parents their sum, or
  // the shared count when all are partitioned alike (so none is shuffled again)
  // and the shuffle keeps their keys.
  const count = n ?? defaultShufflePartitions(nodes.map(knownPartitions), nodes, spec.prepare !== undefined);
  const partitioner: Partitioner = options.range
    ? { kind: 'range', numPartitions: count, id }
    : partitionerFor(count, options.partitionFunc);
  const attrs: Attrs = [
    ['numPartitions', count === undefined ? '?' : String(count)],
    ['partitioner', partitioner.kind],
    ...(options.attrs ?? []),
  ];
  return new RDD<U>(ctx, {
    kind: 'shuffle',
    id,
    label,
    attrs,
    parents: nodes,
    numPartitions: count ?? n,
    route: partitioner,
    spec,
    partitioner: options.keepsPartitioner === false ? undefined : partitioner,
  });
}

/** Map-side pairs from elements: `[f(x), v(x)]`. */
function keyed(f: (x: unknown) => unknown, v: (x: unknown) => unknown): ShuffleSpec['prepare'] {
  return () => (x) => [f(x), v(x)];
}

const pairs: ShuffleSpec['reduce'] = ({ records }) => pairsOut(records);
const identity = (x: unknown): unknown => x;

function combineSpec(
  create: (v: unknown) => unknown,
  merge: (c: unknown, v: unknown) => unknown,
  mergeCombiners: (a: unknown, b: unknown) => unknown,
): ShuffleSpec {
  return { combine: { create, merge, mergeCombiners, mapSide: true }, reduce: pairs };
}

proto.combineByKey = function (
  this: AnyPairs,
  createCombiner: F1,
  mergeValue: F2,
  mergeCombiners: F2,
  numPartitions: N,
  partitionFunc: PF,
) {
  args.func('createCombiner', createCombiner);
  args.func('mergeValue', mergeValue);
  args.func('mergeCombiners', mergeCombiners);
  return shuffle(
    [this],
    'combineByKey',
    numPartitions,
    combineSpec(createCombiner, mergeValue, mergeCombiners),
    {
      partitionFunc,
    },
  );
};

proto.reduceByKey = function (this: AnyPairs, f: F2, numPartitions: N, partitionFunc: PF) {
  args.func('f', f);
  // The combiner starts from a copy of the key's first value: `f` may mutate its first argument.
  return shuffle([this], 'reduceByKey', numPartitions, combineSpec(freshCopy, f, f), { partitionFunc });
};

proto.foldByKey = function (this: AnyPairs, zeroValue: unknown, f: F2, numPartitions: N, partitionFunc: PF) {
  args.func('f', f);
  return shuffle(
    [this],
    'foldByKey',
    numPartitions,
    combineSpec((v) => f(freshCopy(zeroValue), v), f, f),
    {
      partitionFunc,
    },
  );
};

proto.aggregateByKey = function (
  this: AnyPairs,
  zeroValue: unknown,
  seqFunc: F2,
  combFunc: F2,
  numPartitions: N,
  partitionFunc: PF,
) {
  args.func('seqFunc', seqFunc);
  args.func('combFunc', combFunc);
  return shuffle(
    [this],
    'aggregateByKey',
    numPartitions,
    combineSpec((v) => seqFunc(freshCopy(zeroValue), v), seqFunc, combFunc),
    { partitionFunc },
  );
};

const groupSpec = (prepare?: ShuffleSpec['prepare']): ShuffleSpec => ({
  ...(prepare === undefined ? {} : { prepare }),
  combine: {
    create: (v) => [v],
    merge: (c, v) => {
      (c as unknown[]).push(v);
      return c;
    },
    mergeCombiners: (a, b) => {
      for (const x of b as unknown[]) (a as unknown[]).push(x);
      return a;
    },
    // As Spark: grouping map-side saves no memory, so values are grouped once, on the reduce side.
    mapSide: false,
  },
  reduce: pairs,
});

proto.groupByKey = function (this: AnyPairs, numPartitions: N, partitionFunc: PF) {
  return shuffle([this], 'groupByKey', numPartitions, groupSpec(), { partitionFunc });
};

proto.groupBy = function (this: Any, f: F1, numPartitions: N, partitionFunc: PF) {
  args.func('f', f);
  return shuffle([this], 'groupBy', numPartitions, groupSpec(keyed(f, identity)), { partitionFunc });
};

proto.partitionBy = function (this: AnyPairs, numPartitions: N, partitionFunc: PF) {
  return shuffle([this], 'partitionBy', numPartitions, { reduce: pairs }, { partitionFunc });
};

proto.sortByKey = function (this: AnyPairs, ascending = true, numPartitions: N, keyfunc: F1 | undefined) {
  args.optionalFunc('keyfunc', keyfunc);
  const asc = ascending !== false;
  const kf = keyfunc ?? undefined;
  const sort: SortSpec = {
    ascending: asc,
    keyfunc: kf ?? identity,
    finish: (keys, values) => sortPairs(keys, values, asc, kf),
  };
  return shuffle(
    [this],
    'sortByKey',
    numPartitions,
    { sort },
    { range: true, attrs: [['ascending', String(asc)]] },
  );
};

proto.sortBy = function (this: Any, keyfunc: F1, ascending = true, numPartitions: N) {
  args.func('keyfunc', keyfunc);
  const asc = ascending !== false;
  const sort: SortSpec = {
    ascending: asc,
    keyfunc: identity,
    keyOfElement: keyfunc,
    finish: (keys, values) => sortedValues(keys, values, asc),
  };
  return shuffle(
    [this],
    'sortBy',
    numPartitions,
    { sort },
    {
      range: true,
      keepsPartitioner: false,
      attrs: [['ascending', String(asc)]],
    },
  );
};

proto.repartitionAndSortWithinPartitions = function (
  this: AnyPairs,
  numPartitions: N,
  partitionFunc: PF,
  ascending = true,
  keyfunc: F1 | undefined,
) {
  args.optionalFunc('keyfunc', keyfunc);
  const kf = keyfunc ?? undefined;
  const asc = ascending !== false;
  return shuffle(
    [this],
    'repartitionAndSortWithinPartitions',
    numPartitions,
    {
      reduce: ({ records }) => {
        const pairs = records[0] ?? [];
        return [
          sortPairs(
            pairs.map((kv) => kv[0]),
            pairs.map((kv) => kv[1]),
            asc,
            kf,
          ),
        ];
      },
    },
    { partitionFunc },
  );
};

/** A cogroup-shaped shuffle of several pair RDDs; `finish` turns the groups into output. */
function cogroupShuffle<U>(
  parents: readonly Any[],
  label: string,
  numPartitions: number | undefined,
  finish: (groups: [unknown, unknown[][]][], watch: (extra?: number) => void) => unknown[],
  prepare?: ShuffleSpec['prepare'],
): RDD<U> {
  return shuffle<U>(
    parents,
    label,
    numPartitions,
    {
      ...(prepare === undefined ? {} : { prepare }),
      reduce: ({ records, watch }) => [finish(cogroupPairs(records, watch), watch)],
    },
    // Output keyed afresh (subtract, intersection: whole elements) is not laid out by its elements' first item.
    { keepsPartitioner: prepare === undefined },
  );
}

proto.join = function (this: AnyPairs, other: AnyPairs, numPartitions: N) {
  return cogroupShuffle([this, other], 'join', numPartitions, (g, watch) =>
    joinGroups(g, false, false, watch),
  );
};
proto.leftOuterJoin = function (this: AnyPairs, other: AnyPairs, numPartitions: N) {
  return cogroupShuffle([this, other], 'leftOuterJoin', numPartitions, (g, watch) =>
    joinGroups(g, true, false, watch),
  );
};
proto.rightOuterJoin = function (this: AnyPairs, other: AnyPairs, numPartitions: N) {
  return cogroupShuffle([this, other], 'rightOuterJoin', numPartitions, (g, watch) =>
    joinGroups(g, false, true, watch),
  );
};
proto.fullOuterJoin = function (this: AnyPairs, other: AnyPairs, numPartitions: N) {
  return cogroupShuffle([this, other], 'fullOuterJoin', numPartitions, (g, watch) =>
    joinGroups(g, true, true, watch),
  );
};
proto.cogroup = function (this: AnyPairs, other: AnyPairs, numPartitions: N) {
  return cogroupShuffle([this, other], 'cogroup', numPartitions, (g) => g);
};
proto.groupWith = function (this: AnyPairs, ...others: AnyPairs[]) {
  return cogroupShuffle([this, ...others], 'groupWith', undefined, (g) => g);
};

proto.subtractByKey = function (this: AnyPairs, other: AnyPairs, numPartitions: N) {
  return cogroupShuffle([this, other], 'subtractByKey', numPartitions, (groups) => {
    const out: unknown[] = [];
    for (let g = 0; g < groups.length; g++) {
      const [k, sides] = groups[g] as [unknown, unknown[][]];
      const vs = sides[0] ?? [];
      if ((sides[1] ?? []).length === 0) for (let i = 0; i < vs.length; i++) out.push([k, vs[i]]);
    }
    return out;
  });
};

const asKeys = keyed(identity, () => true);

proto.subtract = function (this: Any, other: Any, numPartitions?: number) {
  return cogroupShuffle(
    [this, other],
    'subtract',
    numPartitions,
    (groups) => {
      const out: unknown[] = [];
      for (let g = 0; g < groups.length; g++) {
        const [k, sides] = groups[g] as [unknown, unknown[][]];
        if ((sides[1] ?? []).length === 0) for (let i = 0; i < (sides[0] ?? []).length; i++) out.push(k);
      }
      return out;
    },
    asKeys,
  );
};

proto.intersection = function (this: Any, other: Any, numPartitions?: number) {
  return cogroupShuffle(
    [this, other],
    'intersection',
    numPartitions,
    (groups) => groups.filter(([, [vs = [], ws = []]]) => vs.length > 0 && ws.length > 0).map(([k]) => k),
    asKeys,
  );
};

proto.distinct = function (this: Any, numPartitions?: number) {
  return shuffle(
    [this],
    'distinct',
    numPartitions,
    {
      prepare: asKeys,
      combine: {
        create: identity,
        merge: (c) => c,
        mergeCombiners: (a) => a,
        mapSide: true,
        keepsFirst: true,
      },
      reduce: ({ records }) => keysOut(records),
    },
    // Laid out by the hash of whole elements, not of their first item: a later join must shuffle it.
    { keepsPartitioner: false },
  );
};

proto.repartition = function (this: Any, numPartitions: number) {
  const n = args.positiveInt('numPartitions', numPartitions);
  // Round-robin from a per-map-partition start, like Spark's coalesce with shuffle.
  const prepare: ShuffleSpec['prepare'] = (_parent, mapPartition) => {
    let next = mapPartition % n;
    return (x) => {
      const kv: [unknown, unknown] = [next, x];
      next = next + 1 === n ? 0 : next + 1;
      return kv;
    };
  };
  return shuffle(
    [this],
    'repartition',
    n,
    { prepare, reduce: ({ records }) => [(records[0] ?? []).map((kv) => kv[1])] },
    {
      partitionFunc: (k) => k as number,
      keepsPartitioner: false,
    },
  );
};

proto.countByKey = function (this: AnyPairs, options?: ActionOptions) {
  return this.keys().countByValue(options);
};

proto.collectAsMap = async function (this: AnyPairs, options?: ActionOptions) {
  const m = new ValueMap<unknown, unknown>();
  for (const [k, v] of await this.collect(options)) m.set(k, v);
  return m;
};

proto.lookup = async function (this: AnyPairs, key: unknown, options?: ActionOptions) {
  const values = this.filter((kv) => equals(kv[0], key)).values();
  const p = this._node.partitioner;
  if (p !== undefined && p.numPartitions !== undefined && p.kind !== 'range') {
    const n = p.numPartitions;
    let target: number;
    try {
      target = p.kind === 'hash' ? partitionOf(key, n) : customRouter(p.fn, n)(key);
    } catch (e) {
      throw taskFailure('lookup', this._node.id, -1, e);
    }
    const [found] = await runJob(
      this.context._runtime,
      values._node,
      async (p, job) => {
        const all: unknown[] = [];
        await job.drain(values._node, p, (x) => all.push(x));
        return all;
      },
      { signal: signalOf(options), partitions: [target] },
    );
    return found ?? [];
  }
  return values.collect(options);
};
