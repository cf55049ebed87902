/**
 * The actions of `RDD`: each returns a Promise (or an AsyncIterable) and
 * runs its jobs through lib/exec/run.ts, the one entry every job starts
 * from. Each begins with `guard(name)` (an action called from task code
 * throws there and then, see guard.ts).
 */
import * as args from '../args.js';
import { ArgumentError, EmptyRDDError } from '../errors.js';
import { BadResult, isThenable, taskFailure } from '../exec/failures.js';
import type { NamedFold, PartitionFold } from '../exec/folds.js';
import type { Job } from '../exec/job.js';
import { asTaskCode, taskCode } from '../exec/nesting.js';
import {
  type ActionOptions,
  collectAll,
  countAll,
  forOperator,
  iteratePartitions,
  pullInOrder,
  runFold,
  runJob,
  signalOf,
  withJob,
} from '../exec/run.js';
import { customRouter } from '../exec/shuffle.js';
import {
  iterateElements,
  type NodeReadable,
  nodeStream,
  type StreamOptions,
  webStream,
} from '../exec/streams-out.js';
import { type CompressionCodec, openTextOutput, outputCodecName } from '../io/index.js';
import { elements } from '../ops/iter.js';
import { takeSampleFraction } from '../ops/sample.js';
import { mergeSmallest, Smallest } from '../ops/take-ordered.js';
import { BATCH_SIZE } from '../ops/types.js';
import type { PlanNode } from '../plan/nodes.js';
import type { RDD } from '../rdd.js';
import { arrayGrowth, tableGrowth } from '../util/growth.js';
import { makeRng, randomSeed } from '../util/random.js';
import { compare } from '../values/compare.js';
import { partitionOf } from '../values/hash.js';
import { ValueMap } from '../values/value-map.js';
import { guard } from './guard.js';
import { RDDPairs } from './pairs.js';

type Step = (acc: unknown, x: unknown) => unknown;

/** Runs `perPartition` over every partition's batches; a failure is reported for `operator`. */
function each<R>(
  rdd: RDDCoreLike,
  operator: string,
  perPartition: (
    batches: AsyncIterable<unknown[]>,
    partition: number,
    signal: AbortSignal,
    job: Job,
  ) => Promise<R>,
  options?: ActionOptions,
): Promise<R[]> {
  const node = rdd._node;
  return runJob(
    rdd.context._runtime,
    node,
    async (p, job) => {
      try {
        return await perPartition(job.open(node, p), p, job.signal, job);
      } catch (e) {
        throw taskFailure(operator, node.id, p, e);
      }
    },
    forOperator(options, operator),
  );
}

/** What the helpers below need of an RDD. */
interface RDDCoreLike {
  readonly context: RDD<unknown>['context'];
  readonly _node: PlanNode;
}

/** `runFold` over the RDD, failures reported for `operator`; `buffering`: how it keeps data (a memory budget check). */
function fold<R>(
  rdd: RDDCoreLike,
  operator: string,
  start: ((partition: number) => PartitionFold<R>) | NamedFold,
  options?: ActionOptions,
  buffering?: string,
): Promise<R[]> {
  return runFold(rdd.context._runtime, rdd._node, start, options, operator, buffering);
}

/** Folds each partition from its own copy of `zeroValue`. */
function foldPartitions<U>(
  rdd: RDDCoreLike,
  operator: string,
  zeroValue: U,
  step: Step,
  options?: ActionOptions,
) {
  return fold<U>(rdd, operator, { name: 'fold', args: [zeroValue, step] }, options);
}

/** Per-partition reduce, an empty partition left out; each starts from a copy of its first element (`f` may mutate its first argument). */
async function reducePartitions(rdd: RDDCoreLike, operator: string, f: Step, options?: ActionOptions) {
  const parts = await fold<unknown[]>(rdd, operator, { name: 'reduce', args: [f] }, options);
  return parts.flat(1);
}

function keyComparator(key: unknown, operator: string): (a: unknown, b: unknown) => number {
  if (key === undefined || key === null) return compare;
  args.keyFunc('key', key, operator);
  const k = key as (x: unknown) => unknown;
  return (a, b) => compare(k(a), k(b));
}

/** Spark combines tree levels while there are more partials than `scale + n/scale`. */
const NONE: unique symbol = Symbol('none');

function treeCombine<U>(partials: U[], depth: number, combine: (a: U, b: U) => U): U[] {
  let level = partials;
  let n = level.length;
  const scale = Math.max(Math.ceil(n ** (1 / depth)), 2);
  while (n > scale + n / scale) {
    n /= scale;
    const width = Math.trunc(n);
    const next: (U | typeof NONE)[] = new Array(width).fill(NONE);
    level.forEach((x, i) => {
      const slot = i % width;
      const cur = next[slot] as U | typeof NONE;
      next[slot] = cur === NONE ? x : combine(cur, x);
    });
    level = next.filter((x): x is U => x !== NONE);
  }
  return level;
}

/**
 * Combines the partitions' partial results on the driver: a user function
 * failing there is a TaskError for partition -1 (no partition), like one
 * failing inside a partition, never the bare error.
 */
function onDriver<R>(rdd: RDDCoreLike, operator: string, combine: () => R): R {
  try {
    return combine();
  } catch (e) {
    throw taskFailure(operator, rdd._node.id, -1, e);
  }
}

/** `f` refusing a Promise result on the driver, as the partitions' folds refuse it (see BadResult). */
function synchronous<A, B>(f: (a: A, b: B) => A): (a: A, b: B) => A {
  return (a, b) => {
    const r = f(a, b);
    if (isThenable(r)) throw new BadResult('promise', r);
    return r;
  };
}

function checkDepth(depth: number): void {
  if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 1)
    throw new ArgumentError(`Depth cannot be smaller than 1 but got ${String(depth)}.`);
}

/** PySpark's bound: sys.maxsize - int(10·sqrt(sys.maxsize)). */
const MAX_SAMPLE_SIZE = 2 ** 63 - 1 - 30370004999;

/** The `num` smallest elements under `cmp`, in order: per partition, then merged on the driver. */
async function smallest(
  rdd: RDDCoreLike,
  operator: string,
  num: number,
  cmp: (a: unknown, b: unknown) => number,
  options?: ActionOptions,
  cluster?: { readonly sign: number; readonly key: unknown },
): Promise<unknown[]> {
  if (rdd.context._runtime.cluster !== undefined && cluster !== undefined) {
    // A named fold, which a cluster runs where the partitions are (a comparator made here would not travel).
    const parts = await fold<unknown[]>(
      rdd,
      operator,
      { name: 'smallest', args: [num, cluster.sign, cluster.key ?? undefined] },
      options,
    );
    return mergeSmallest(parts, num, cmp);
  }
  const parts = await each(
    rdd,
    operator,
    async (batches, p, _signal, job) => {
      const s = new Smallest(num, cmp);
      // Up to 2·num + 1,024 elements are kept: a budget check once they may be many.
      const watch =
        num > BATCH_SIZE ? job.watch(operator, rdd._node.id, p, 'keeping its smallest') : undefined;
      for await (const b of batches) {
        asTaskCode(() => s.addAll(b));
        watch?.(arrayGrowth(2 * num));
      }
      return s.result();
    },
    options,
  );
  return mergeSmallest(parts, num, cmp);
}

/** The first `num` elements, pulling partitions one by one and no more than needed. */
async function take(rdd: RDDCoreLike, num: number, options?: ActionOptions): Promise<unknown[]> {
  args.integer('num', num);
  const out: unknown[] = [];
  if (num <= 0) return out;
  await pullInOrder(
    rdd.context._runtime,
    rdd._node,
    (batch) => {
      for (let i = 0; i < batch.length && out.length < num; i++) out.push(batch[i]);
      return out.length < num;
    },
    options,
    'take',
    num,
  );
  return out;
}

/** The elements of a partition as lines. */
async function* asLines(batches: AsyncIterable<unknown[]>): AsyncGenerator<string[]> {
  for await (const batch of batches) {
    const lines: string[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const x = batch[i];
      lines[i] = typeof x === 'string' ? x : String(x);
    }
    yield lines;
  }
}

/** The codec Spark compresses text output with: Hadoop's gzip and bzip2; xz and zstd by the bridge's own codecs (Hadoop has no xz, and its zstd needs a native library). */
function sparkCodec(
  codec: CompressionCodec | undefined,
  cluster: { unsupported(op: string, why?: string): Error },
) {
  const name = outputCodecName(codec);
  if (name === null) return null;
  if (name === 'gzip' || name === 'bzip2' || name === 'xz' || name === 'zstd') return name;
  throw cluster.unsupported(
    'saveAsTextFile',
    `compression '${String(codec)}' (gzip, bzip2, xz and zstd are)`,
  );
}

/**
 * `max` (sign 1) or `min` (-1) as a named fold, which a cluster runs where
 * the partitions are (a comparator made here would not travel); the same
 * element as `reduce` with the comparator gives, the first of equals kept.
 */
async function extreme(
  rdd: RDDCoreLike,
  operator: string,
  sign: number,
  cmp: (a: unknown, b: unknown) => number,
  key: unknown,
  options?: ActionOptions,
): Promise<unknown> {
  const parts = (
    await fold<unknown[]>(rdd, operator, { name: 'extreme', args: [sign, key ?? undefined] }, options)
  ).flat(1);
  if (parts.length === 0) throw new EmptyRDDError('Can not reduce() empty RDD');
  return onDriver(rdd, operator, () => parts.reduce((a, b) => (sign * cmp(b, a) > 0 ? b : a)));
}

/**
 * `foreach`'s work as a partition function that a cluster runs on its
 * executors: it travels with `f` (its only capture) and gives no elements.
 */
function onEach<T>(f: (x: T) => unknown): (it: AsyncIterable<T>) => Promise<never[]> {
  return async (it) => {
    for await (const x of it) {
      const r = f(x);
      if (r instanceof Promise) await r;
    }
    return [];
  };
}

/** `foreachPartition`'s work as a partition function, for a cluster. */
function onPartition<T>(f: (it: AsyncIterable<T>) => unknown): (it: AsyncIterable<T>) => Promise<never[]> {
  return async (it) => {
    await f(it);
    return [];
  };
}

const _comparable = (x: unknown): boolean => x !== undefined && x !== null && !Number.isNaN(x);

export class RDDActions<T> extends RDDPairs<T> {
  /**
   * All elements, in partition order.
   * @example
   * await sc.parallelize([1, 2, 3], 2).collect();
   * // => [1, 2, 3]
   */
  collect(options?: ActionOptions): Promise<T[]> {
    guard('collect');
    return collectAll(this.context._runtime, this._node, options) as Promise<T[]>;
  }

  /**
   * The number of elements.
   * @example
   * await sc.parallelize([1, 2, 3], 2).count();
   * // => 3
   */
  count(options?: ActionOptions): Promise<number> {
    guard('count');
    return countAll(this.context._runtime, this._node, options);
  }

  /**
   * The first element; rejects with `EmptyRDDError` ("RDD is empty") on an empty RDD.
   * Computes only the first non-empty partition, and only its start.
   * @example
   * await sc.parallelize([5, 6, 7], 3).first();
   * // => 5
   */
  first(options?: ActionOptions): Promise<T> {
    guard('first');
    return take(this, 1, options).then((xs) => {
      if (xs.length === 0) throw new EmptyRDDError('RDD is empty');
      return xs[0] as T;
    });
  }

  /**
   * The first `num` elements, pulling partitions one by one and no more than needed.
   * @example
   * await sc.parallelize([1, 2, 3, 4, 5], 3).take(2);
   * // => [1, 2]
   */
  take(num: number, options?: ActionOptions): Promise<T[]> {
    guard('take');
    return take(this, num, options) as Promise<T[]>;
  }

  /**
   * Whether the RDD has no element (computes at most up to the first element).
   * @example
   * await sc.parallelize([], 3).isEmpty();
   * // => true
   */
  isEmpty(options?: ActionOptions): Promise<boolean> {
    guard('isEmpty');
    return take(this, 1, options).then((xs) => xs.length === 0);
  }

  /**
   * The `num` largest elements, largest first (natural order, or by `key`).
   * @example
   * await sc.parallelize([3, 1, 5, 2], 2).top(2);
   * // => [5, 3]
   */
  top(num: number, key?: (x: T) => unknown, options?: ActionOptions): Promise<T[]> {
    guard('top');
    return (async () => {
      const cmp = keyComparator(key, 'top');
      args.nonNegativeInt('num', num);
      return smallest(this, 'top', num, (a, b) => cmp(b, a), options, { sign: -1, key }) as Promise<T[]>;
    })();
  }

  /**
   * The `num` smallest elements, smallest first (natural order, or by `key`).
   * @example
   * await sc.parallelize([3, 1, 5, 2], 2).takeOrdered(3, (x) => -x);
   * // => [5, 3, 2]
   */
  takeOrdered(num: number, key?: (x: T) => unknown, options?: ActionOptions): Promise<T[]> {
    guard('takeOrdered');
    return (async () => {
      args.nonNegativeInt('num', num);
      return smallest(this, 'takeOrdered', num, keyComparator(key, 'takeOrdered'), options, {
        sign: 1,
        key,
      }) as Promise<T[]>;
    })();
  }

  /**
   * A random sample of `num` elements (all of them, shuffled, when `num` is at
   * least the count and there is no replacement). The same `seed` gives the same sample.
   * @example
   * (await sc.parallelize([1, 2, 3, 4, 5], 2).takeSample(false, 10, 1)).sort();
   * // => [1, 2, 3, 4, 5]
   */
  takeSample(withReplacement: boolean, num: number, seed?: number, options?: ActionOptions): Promise<T[]> {
    guard('takeSample');
    return (async () => {
      if (typeof num !== 'number' || Number.isNaN(num))
        throw new ArgumentError(`num must be a number, got ${String(num)}`);
      if (num < 0) throw new ArgumentError('Sample size cannot be negative.');
      if (num > MAX_SAMPLE_SIZE)
        throw new ArgumentError(`Sample size cannot be greater than ${MAX_SAMPLE_SIZE}.`);
      const want = Math.floor(num);
      if (withReplacement && want > 2 ** 32 - 1)
        throw new ArgumentError(`Sample size ${want} is too large to hold in an array`);
      const s = seed === undefined || seed === null ? randomSeed() : args.integer('seed', seed);
      if (want === 0 || (await this.getNumPartitions()) === 0) return [];
      const total = await this.count(options);
      if (total === 0) return [];
      const rng = makeRng(s);
      const shuffle = (xs: T[]): T[] => {
        for (let i = xs.length - 1; i > 0; i--) {
          const j = rng.nextInt(i + 1);
          [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
        }
        return xs;
      };
      if (!withReplacement && want >= total) return shuffle(await this.collect(options));
      const fraction = takeSampleFraction(want, total, Boolean(withReplacement));
      let samples = await this.sample(Boolean(withReplacement), fraction, s).collect(options);
      while (samples.length < want)
        samples = await this.sample(Boolean(withReplacement), fraction, rng.nextInt(2 ** 31)).collect(
          options,
        );
      return shuffle(samples).slice(0, want);
    })();
  }

  /**
   * Combines the elements with an associative, commutative `f`; rejects with
   * `EmptyRDDError` ("Can not reduce() empty RDD") on an empty RDD.
   * @example
   * await sc.parallelize([1, 2, 3, 4], 2).reduce((a, b) => a + b);
   * // => 10
   */
  reduce(f: (a: T, b: T) => T, options?: ActionOptions): Promise<T> {
    guard('reduce');
    return (async () => {
      args.func('f', f);
      const parts = await reducePartitions(this, 'reduce', f as Step, options);
      if (parts.length === 0) throw new EmptyRDDError('Can not reduce() empty RDD');
      const g = synchronous(f);
      return onDriver(this, 'reduce', () => (parts as T[]).reduce((a, b) => g(a, b)));
    })();
  }

  /**
   * `reduce` combining partial results in a tree of the given depth (same result for an associative `f`).
   * @example
   * await sc.parallelize([1, 2, 3, 4, 5, 6], 3).treeReduce((a, b) => a + b);
   * // => 21
   */
  treeReduce(f: (a: T, b: T) => T, depth = 2, options?: ActionOptions): Promise<T> {
    guard('treeReduce');
    return (async () => {
      args.func('f', f);
      checkDepth(depth);
      const parts = (await reducePartitions(this, 'treeReduce', f as Step, options)) as T[];
      if (parts.length === 0) throw new EmptyRDDError('Cannot reduce empty RDD.');
      const g = synchronous(f);
      return onDriver(this, 'treeReduce', () => treeCombine(parts, depth, g).reduce((a, b) => g(a, b)));
    })();
  }

  /**
   * Folds each partition starting from a copy of `zeroValue`, then the partial
   * results starting from `zeroValue` again (PySpark's semantics).
   * @example
   * await sc.parallelize([1, 2, 3], 3).fold(0, (a, b) => a + b);
   * // => 6
   */
  fold(zeroValue: T, op: (a: T, b: T) => T, options?: ActionOptions): Promise<T> {
    guard('fold');
    return (async () => {
      args.func('op', op);
      const parts = await foldPartitions(this, 'fold', zeroValue, op as Step, options);
      const g = synchronous(op);
      return onDriver(this, 'fold', () => parts.reduce((a, b) => g(a, b), zeroValue));
    })();
  }

  /**
   * Aggregates each partition with `seqOp` from a copy of `zeroValue`, then
   * combines the partial results with `combOp`, starting from `zeroValue`.
   * @example
   * await sc.parallelize([1, 2, 3, 4], 2).aggregate([0, 0], (acc, x) => [acc[0] + x, acc[1] + 1], (a, b) => [a[0] + b[0], a[1] + b[1]]);
   * // => [10, 4]
   */
  aggregate<U>(
    zeroValue: U,
    seqOp: (acc: U, x: T) => U,
    combOp: (a: U, b: U) => U,
    options?: ActionOptions,
  ): Promise<U> {
    guard('aggregate');
    return (async () => {
      args.func('seqOp', seqOp);
      args.func('combOp', combOp);
      const parts = await foldPartitions(this, 'aggregate', zeroValue, seqOp as Step, options);
      const g = synchronous(combOp);
      return onDriver(this, 'aggregate', () => parts.reduce((a, b) => g(a, b), zeroValue));
    })();
  }

  /**
   * `aggregate` combining partial results in a tree (PySpark: the partials are
   * reduced with `combOp`, without another `zeroValue`).
   * @example
   * await sc.parallelize([1, 2, 3, 4], 2).treeAggregate(0, (a, x) => a + x, (a, b) => a + b);
   * // => 10
   */
  treeAggregate<U>(
    zeroValue: U,
    seqOp: (acc: U, x: T) => U,
    combOp: (a: U, b: U) => U,
    depth = 2,
    options?: ActionOptions,
  ): Promise<U> {
    guard('treeAggregate');
    return (async () => {
      args.func('seqOp', seqOp);
      args.func('combOp', combOp);
      checkDepth(depth);
      const parts = await foldPartitions(this, 'treeAggregate', zeroValue, seqOp as Step, options);
      if (parts.length === 0) return zeroValue;
      const g = synchronous(combOp);
      return onDriver(this, 'treeAggregate', () => treeCombine(parts, depth, g).reduce((a, b) => g(a, b)));
    })();
  }

  /**
   * The largest element (natural order, or by `key`); rejects on an empty RDD.
   * @example
   * await sc.parallelize([3, 7, 2]).max();
   * // => 7
   */
  max(key?: (x: T) => unknown, options?: ActionOptions): Promise<T> {
    guard('max');
    return (async () => {
      const cmp = keyComparator(key, 'max');
      if (this.context._runtime.cluster !== undefined)
        return extreme(this, 'max', 1, cmp, key, options) as Promise<T>;
      return this.reduce((a, b) => (cmp(b, a) > 0 ? b : a), options);
    })();
  }

  /**
   * The smallest element (natural order, or by `key`); rejects on an empty RDD.
   * @example
   * await sc.parallelize(['b', 'a', 'c']).min();
   * // => 'a'
   */
  min(key?: (x: T) => unknown, options?: ActionOptions): Promise<T> {
    guard('min');
    return (async () => {
      const cmp = keyComparator(key, 'min');
      if (this.context._runtime.cluster !== undefined)
        return extreme(this, 'min', -1, cmp, key, options) as Promise<T>;
      return this.reduce((a, b) => (cmp(b, a) < 0 ? b : a), options);
    })();
  }

  /**
   * How many times each distinct value occurs, as a by-value `ValueMap`.
   * @example
   * [...(await sc.parallelize([1, 2, 1, 1]).countByValue())];
   * // => [[1, 3], [2, 1]]
   */
  countByValue(options?: ActionOptions): Promise<ValueMap<T, number>> {
    guard('countByValue');
    return (async () => {
      const start = () => {
        const counts = new ValueMap<T, number>();
        return {
          add: (x: unknown) => counts.set(x as T, (counts.get(x as T) ?? 0) + 1),
          result: () => counts,
          // A ValueMap is a Map and an index of the keys that are not primitives.
          grows: () => 2 * tableGrowth(counts.size),
        };
      };
      // On a cluster, a named fold: each partition's counts travel as pairs.
      const parts: Iterable<[T, number]>[] =
        this.context._runtime.cluster === undefined
          ? await fold(this, 'countByValue', start, options, 'counting it')
          : await fold<[T, number][]>(this, 'countByValue', { name: 'countByValue', args: [] }, options);
      const memory = this.context._runtime.memory;
      const total = new ValueMap<T, number>();
      for (const m of parts)
        for (const [k, n] of m) {
          if ((total.size & 4095) === 4095)
            memory.check(
              'countByValue',
              this._node.id,
              -1,
              'merging the partitions',
              2 * tableGrowth(total.size),
            );
          total.set(k, (total.get(k) ?? 0) + n);
        }
      return total;
    })();
  }

  /**
   * Runs `f` on every element (awaiting it when it returns a Promise).
   * @example
   * const seen = []; await sc.parallelize([1, 2, 3], 1).foreach((x) => { seen.push(x); }); seen;
   * // => [1, 2, 3]
   */
  foreach(f: (x: T) => unknown, options?: ActionOptions): Promise<void> {
    guard('foreach');
    return (async () => {
      args.func('f', f);
      if (this.context._runtime.cluster !== undefined) {
        // On the executors, as in Spark: a partition function that returns nothing, counted.
        await this.mapPartitions(onEach(f)).count(options);
        return;
      }
      await each(
        this,
        'foreach',
        async (batches, _p, signal) => {
          for await (const b of batches)
            for (let i = 0; i < b.length; i++) {
              taskCode.depth++;
              let r: unknown;
              try {
                r = f(b[i] as T);
              } finally {
                taskCode.depth--;
              }
              if (r instanceof Promise) {
                await r;
                signal.throwIfAborted();
              }
            }
        },
        options,
      );
    })();
  }

  /**
   * Runs `f` on each partition, given as an `AsyncIterable`.
   * @example
   * const sizes = []; await sc.parallelize([1, 2, 3], 2).foreachPartition(async (it) => { let n = 0; for await (const _ of it) n++; sizes.push(n); }); sizes.sort();
   * // => [1, 2]
   */
  foreachPartition(f: (partition: AsyncIterable<T>) => unknown, options?: ActionOptions): Promise<void> {
    guard('foreachPartition');
    return (async () => {
      args.func('f', f);
      if (this.context._runtime.cluster !== undefined) {
        await this.mapPartitions(onPartition(f)).count(options);
        return;
      }
      await each(
        this,
        'foreachPartition',
        async (batches, _p, signal) => {
          await asTaskCode(() => f(elements(batches as AsyncIterable<T[]>, signal)));
        },
        options,
      );
    })();
  }

  /**
   * The elements as an `AsyncIterable`, computing one partition at a time, in order
   * (memory: one partition).
   * @example
   * const xs = []; for await (const x of sc.parallelize([1, 2, 3], 2).toLocalIterator()) xs.push(x); xs;
   * // => [1, 2, 3]
   */
  toLocalIterator(options?: ActionOptions): AsyncIterable<T> {
    guard('toLocalIterator');
    return iteratePartitions(this.context._runtime, this._node, options) as AsyncIterable<T>;
  }

  /**
   * The elements, in partition order, pulled one batch at a time as the
   * loop asks (`break` stops the job and closes its sources). Same as
   * iterating `toLocalIterator()`, without reading a partition whole first.
   * @example
   * const xs = []; for await (const x of sc.parallelize([1, 2, 3], 2)) xs.push(x); xs;
   * // => [1, 2, 3]
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return iterateElements<T>(this.context._runtime, this._node);
  }

  /**
   * A Node `Readable` of the elements: object mode, or text lines with
   * `{ encoding: 'utf8' }`. It pulls as it is read (back-pressure): a slow
   * reader keeps the job a batch ahead and memory flat. `destroy()` or the
   * `signal` stops the job and closes its sources. `null` cannot travel in
   * an object-mode stream: an element `null` fails the stream.
   * @example
   * const { text } = await import('node:stream/consumers');
   * await text(sc.parallelize(['a', 'b'], 2).toNodeStream({ encoding: 'utf8' }));
   * // => 'a\nb\n'
   */
  toNodeStream(options?: StreamOptions & { encoding?: undefined }): NodeReadable<T>;
  toNodeStream(options: StreamOptions & { encoding: 'utf8' | 'utf-8' }): NodeReadable<string>;
  toNodeStream(options?: StreamOptions): NodeReadable<T> | NodeReadable<string> {
    return nodeStream(this.context._runtime, this._node, options) as NodeReadable<T>;
  }

  /**
   * A web `ReadableStream` of the elements (of text lines, as strings, with
   * `{ encoding: 'utf8' }`; `.pipeThrough(new TextEncoderStream())` makes
   * bytes). It pulls as it is read; `cancel()` or the `signal` stops the
   * job and closes its sources.
   * @example
   * const got = []; for await (const x of sc.parallelize([1, 2, 3]).toWebStream()) got.push(x); got;
   * // => [1, 2, 3]
   */
  toWebStream(options?: StreamOptions & { encoding?: undefined }): ReadableStream<T>;
  toWebStream(options: StreamOptions & { encoding: 'utf8' | 'utf-8' }): ReadableStream<string>;
  toWebStream(options?: StreamOptions): ReadableStream<T> | ReadableStream<string> {
    return webStream(this.context._runtime, this._node, options) as ReadableStream<T>;
  }

  /**
   * Writes each partition as a text file `part-NNNNN` under the directory
   * `path` (compressed with a `compressionCodec` of `'gzip'`, `'bzip2'`,
   * `'xz'` or `'zstd'`: `part-NNNNN.gz`, `.bz2`, `.xz`, `.zst`; Hadoop's
   * class names `org.apache.hadoop.io.compress.GzipCodec`, `BZip2Codec`
   * and `ZStandardCodec` are accepted too). bzip2 and xz need their
   * programs on PATH, zstd Node's zlib zstd or the `zstd` program; without
   * them the action rejects before writing anything.
   * one element per line (`String(x)`), then `_SUCCESS`, Hadoop-style.
   * Streamed with backpressure; atomic: parts appear only when every
   * partition is written, and a failed job leaves nothing under `path`.
   * Refuses an existing `path` (`PathExistsError`). Local, `s3://`, `gs://` and `hdfs://`.
   * @example
   * const dir = `${tmpdir()}/sparkling-doc-${process.pid}-${Date.now()}`;
   * await sc.parallelize(['a', 'b', 'c'], 2).saveAsTextFile(dir);
   * await sc.textFile(dir).collect();
   * // => ['a', 'b', 'c']
   */
  saveAsTextFile(path: string, compressionCodec?: CompressionCodec, options?: ActionOptions): Promise<void> {
    guard('saveAsTextFile');
    return (async () => {
      if (typeof path !== 'string' || path.trim() === '')
        throw new ArgumentError(`path must be a non-empty string, got ${String(path)}`);
      outputCodecName(compressionCodec); // checked before the output directory is created
      signalOf(options); // checked before the output directory is created
      const node = this._node;
      const cluster = this.context._runtime.cluster;
      if (cluster !== undefined) {
        // Spark's output committer writes the parts (part-NNNNN[.gz|.bz2]) and _SUCCESS.
        const codec = sparkCodec(compressionCodec, cluster);
        await withJob(
          this.context._runtime,
          node,
          options,
          (job) => cluster.save(job, node, path, codec),
          false,
        );
        return;
      }
      const out = await openTextOutput(path, compressionCodec ?? null, this.context._io);
      try {
        await runJob(
          this.context._runtime,
          node,
          (p, job) => out.writePart(p, asLines(job.open(node, p))),
          options,
        );
      } catch (e) {
        await out.abort();
        throw e;
      }
      await out.commit();
    })();
  }

  // ------------------------------------------------------------ pairs

  /**
   * How many pairs each key has, as a by-value `ValueMap`.
   * @example
   * [...(await sc.parallelize([['a', 1], ['b', 1], ['a', 1]]).countByKey())];
   * // => [['a', 2], ['b', 1]]
   */
  countByKey<K, V>(this: RDD<[K, V]>, options?: ActionOptions): Promise<ValueMap<K, number>> {
    guard('countByKey');
    // Its own node: an element that is not a pair fails naming countByKey.
    return (this._make('countByKey', {}) as unknown as RDD<K>).countByValue(options);
  }

  /**
   * The pairs as a by-value `ValueMap` (a later value for a key wins).
   * @example
   * (await sc.parallelize([[[1, 'a'], 2], [[3, 'b'], 4]]).collectAsMap()).get([1, 'a']);
   * // => 2
   */
  collectAsMap<K, V>(this: RDD<[K, V]>, options?: ActionOptions): Promise<ValueMap<K, V>> {
    guard('collectAsMap');
    return this.collect(options).then((pairs) => {
      const m = new ValueMap<K, V>();
      for (const [k, v] of pairs) m.set(k, v);
      return m;
    });
  }

  /**
   * The values for `key`; reads only the partition that can hold it when the RDD is hash-partitioned.
   * @example
   * await sc.parallelize([['a', 1], ['b', 2], ['a', 3]]).lookup('a');
   * // => [1, 3]
   */
  lookup<K, V>(this: RDD<[K, V]>, key: K, options?: ActionOptions): Promise<V[]> {
    guard('lookup');
    return (async () => {
      const cluster = this.context._runtime.cluster;
      // Its own node: an element that is not a pair fails naming lookup.
      const values = (this._make('lookup', { key }) as unknown as RDD<[K, V]>).values();
      const p = this._node.partitioner;
      if (p !== undefined && p.numPartitions !== undefined && p.kind !== 'range') {
        const n = p.numPartitions;
        let target: number;
        try {
          target = p.kind === 'hash' ? partitionOf(key, n) : customRouter(p.fn, n)(key);
        } catch (e) {
          throw taskFailure('lookup', this._node.id, -1, e);
        }
        const node = values._node;
        // On a cluster: a job over that one partition.
        if (cluster !== undefined)
          return (await withJob(
            this.context._runtime,
            node,
            options,
            (job) => cluster.collect(job, node, [target]),
            false,
          )) as V[];
        const [found] = await runJob(
          this.context._runtime,
          node,
          async (part, job) => {
            const all: V[] = [];
            await job.drain(node, part, (x) => all.push(x as V));
            return all;
          },
          { signal: signalOf(options), partitions: [target], operator: 'lookup' },
        );
        return found ?? [];
      }
      return values.collect(options);
    })();
  }
}
