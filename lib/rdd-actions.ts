/**
 * Actions on any RDD. Each returns a Promise and runs one job (two for
 * `zipWithIndex` parents, `takeSample`): see `lib/exec/job.ts` for how
 * partitions are pulled.
 */
import * as args from './args.js';
import { ArgumentError, EmptyRDDError } from './errors.js';
import { taskFailure } from './exec/failures.js';
import type { NamedFold, PartitionFold } from './exec/folds.js';
import { elements } from './exec/iter.js';
import {
  type ActionOptions,
  type Job,
  outcome,
  pullInOrder,
  runFold,
  runJob,
  startJob,
  withRetries,
} from './exec/job.js';
import { asTaskCode, taskCode } from './exec/nesting.js';
import { takeSampleFraction } from './ops/sample.js';
import { mergeSmallest, Smallest } from './ops/take-ordered.js';
import { RDD } from './rdd.js';
import { arrayGrowth } from './util/growth.js';
import { makeRng, randomSeed } from './util/random.js';
import { compare } from './values/compare.js';
import { ValueMap } from './values/value-map.js';

declare module './rdd.js' {
  interface RDD<T> {
    /**
     * All elements, in partition order.
     * @example
     * await sc.parallelize([1, 2, 3], 2).collect();
     * // => [1, 2, 3]
     */
    collect(options?: ActionOptions): Promise<T[]>;
    /**
     * The number of elements.
     * @example
     * await sc.parallelize([1, 2, 3], 2).count();
     * // => 3
     */
    count(options?: ActionOptions): Promise<number>;
    /**
     * The first element; rejects with `EmptyRDDError` ("RDD is empty") on an empty RDD.
     * Computes only the first non-empty partition, and only its start.
     * @example
     * await sc.parallelize([5, 6, 7], 3).first();
     * // => 5
     */
    first(options?: ActionOptions): Promise<T>;
    /**
     * The first `num` elements, pulling partitions one by one and no more than needed.
     * @example
     * await sc.parallelize([1, 2, 3, 4, 5], 3).take(2);
     * // => [1, 2]
     */
    take(num: number, options?: ActionOptions): Promise<T[]>;
    /**
     * The `num` largest elements, largest first (natural order, or by `key`).
     * @example
     * await sc.parallelize([3, 1, 5, 2], 2).top(2);
     * // => [5, 3]
     */
    top(num: number, key?: (x: T) => unknown, options?: ActionOptions): Promise<T[]>;
    /**
     * The `num` smallest elements, smallest first (natural order, or by `key`).
     * @example
     * await sc.parallelize([3, 1, 5, 2], 2).takeOrdered(3, (x) => -x);
     * // => [5, 3, 2]
     */
    takeOrdered(num: number, key?: (x: T) => unknown, options?: ActionOptions): Promise<T[]>;
    /**
     * A random sample of `num` elements (all of them, shuffled, when `num` is at
     * least the count and there is no replacement). The same `seed` gives the same sample.
     * @example
     * (await sc.parallelize([1, 2, 3, 4, 5], 2).takeSample(false, 10, 1)).sort();
     * // => [1, 2, 3, 4, 5]
     */
    takeSample(withReplacement: boolean, num: number, seed?: number, options?: ActionOptions): Promise<T[]>;
    /**
     * Combines the elements with an associative, commutative `f`; rejects with
     * `EmptyRDDError` ("Can not reduce() empty RDD") on an empty RDD.
     * @example
     * await sc.parallelize([1, 2, 3, 4], 2).reduce((a, b) => a + b);
     * // => 10
     */
    reduce(f: (a: T, b: T) => T, options?: ActionOptions): Promise<T>;
    /**
     * `reduce` combining partial results in a tree of the given depth (same result for an associative `f`).
     * @example
     * await sc.parallelize([1, 2, 3, 4, 5, 6], 3).treeReduce((a, b) => a + b);
     * // => 21
     */
    treeReduce(f: (a: T, b: T) => T, depth?: number, options?: ActionOptions): Promise<T>;
    /**
     * Folds each partition starting from a copy of `zeroValue`, then the partial
     * results starting from `zeroValue` again (PySpark's semantics).
     * @example
     * await sc.parallelize([1, 2, 3], 3).fold(0, (a, b) => a + b);
     * // => 6
     */
    fold(zeroValue: T, op: (a: T, b: T) => T, options?: ActionOptions): Promise<T>;
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
    ): Promise<U>;
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
      depth?: number,
      options?: ActionOptions,
    ): Promise<U>;
    /**
     * The largest element (natural order, or by `key`); rejects on an empty RDD.
     * @example
     * await sc.parallelize([3, 7, 2]).max();
     * // => 7
     */
    max(key?: (x: T) => unknown, options?: ActionOptions): Promise<T>;
    /**
     * The smallest element (natural order, or by `key`); rejects on an empty RDD.
     * @example
     * await sc.parallelize(['b', 'a', 'c']).min();
     * // => 'a'
     */
    min(key?: (x: T) => unknown, options?: ActionOptions): Promise<T>;
    /**
     * How many times each distinct value occurs, as a by-value `ValueMap`.
     * @example
     * [...(await sc.parallelize([1, 2, 1, 1]).countByValue())];
     * // => [[1, 3], [2, 1]]
     */
    countByValue(options?: ActionOptions): Promise<ValueMap<T, number>>;
    /**
     * Whether the RDD has no element (computes at most up to the first element).
     * @example
     * await sc.parallelize([], 3).isEmpty();
     * // => true
     */
    isEmpty(options?: ActionOptions): Promise<boolean>;
    /**
     * Runs `f` on every element (awaiting it when it returns a Promise).
     * @example
     * const seen = []; await sc.parallelize([1, 2, 3], 1).foreach((x) => { seen.push(x); }); seen;
     * // => [1, 2, 3]
     */
    foreach(f: (x: T) => unknown, options?: ActionOptions): Promise<void>;
    /**
     * Runs `f` on each partition, given as an `AsyncIterable`.
     * @example
     * const sizes = []; await sc.parallelize([1, 2, 3], 2).foreachPartition(async (it) => { let n = 0; for await (const _ of it) n++; sizes.push(n); }); sizes.sort();
     * // => [1, 2]
     */
    foreachPartition(f: (partition: AsyncIterable<T>) => unknown, options?: ActionOptions): Promise<void>;
    /**
     * The elements as an `AsyncIterable`, computing one partition at a time, in order
     * (memory: one partition).
     * @example
     * const xs = []; for await (const x of sc.parallelize([1, 2, 3], 2).toLocalIterator()) xs.push(x); xs;
     * // => [1, 2, 3]
     */
    toLocalIterator(options?: ActionOptions): AsyncIterable<T>;
  }
}

type Proto<T> = RDD<T> & { _node: RDD<T>['_node'] };
const proto = RDD.prototype as Proto<unknown>;

/** Runs `perPartition` over every partition; a user function's failure is reported for `operator`. */
function each<T, R>(
  rdd: RDD<T>,
  operator: string,
  perPartition: (batches: AsyncIterable<T[]>, partition: number, job: Job) => Promise<R>,
  options?: ActionOptions,
): Promise<R[]> {
  return runJob(
    rdd.context._runtime,
    rdd._node,
    async (p, job) => {
      try {
        return await perPartition(job.open<T>(rdd._node, p), p, job);
      } catch (e) {
        throw taskFailure(operator, rdd._node.id, p, e);
      }
    },
    options,
  );
}

/** `runFold` over the RDD, failures reported for `operator`. */
function fold<R>(
  rdd: RDD<unknown>,
  operator: string,
  start: ((partition: number) => PartitionFold<R>) | NamedFold,
  options?: ActionOptions,
  buffering?: string,
): Promise<R[]> {
  return runFold(rdd.context._runtime, rdd._node, start, options, operator, buffering);
}

/** Folds each partition from its own copy of `zeroValue`. */
function foldPartitions<T, U>(
  rdd: RDD<T>,
  operator: string,
  zeroValue: U,
  step: (acc: U, x: T) => U,
  options?: ActionOptions,
): Promise<U[]> {
  return fold<U>(rdd as RDD<unknown>, operator, { name: 'fold', args: [zeroValue, step] }, options);
}

/** Per-partition reduce, an empty partition left out; each starts from a copy of its first element (`f` may mutate its first argument). */
async function reducePartitions<T>(
  rdd: RDD<T>,
  operator: string,
  f: (a: T, b: T) => T,
  options?: ActionOptions,
): Promise<T[]> {
  const parts = await fold<T[]>(rdd as RDD<unknown>, operator, { name: 'reduce', args: [f] }, options);
  return parts.flat(1) as T[];
}

function keyComparator<T>(key: ((x: T) => unknown) | undefined): (a: T, b: T) => number {
  if (key === undefined || key === null) return compare as (a: T, b: T) => number;
  args.func('key', key);
  return (a, b) => compare(key(a), key(b));
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
function onDriver<R>(rdd: RDD<unknown>, operator: string, combine: () => R): R {
  try {
    return combine();
  } catch (e) {
    throw taskFailure(operator, rdd._node.id, -1, e);
  }
}

function checkDepth(depth: number): void {
  if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 1)
    throw new ArgumentError(`Depth cannot be smaller than 1 but got ${String(depth)}.`);
}

/** PySpark's bound: sys.maxsize - int(10·sqrt(sys.maxsize)). */
const MAX_SAMPLE_SIZE = 2 ** 63 - 1 - 30370004999;

/** Copies arrays end to end into one new array (one copy, no per-element push). */
function flatten(arrays: readonly (readonly unknown[])[]): unknown[] {
  let total = 0;
  for (const a of arrays) total += a.length;
  const out: unknown[] = new Array(total);
  let j = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) out[j++] = a[i];
  return out;
}

/** Whether a node ends in a fused chain of kernels (so an action can be that loop's last step). */
const endsInKernels = (rdd: RDD<unknown>): boolean =>
  rdd._node.kind === 'narrow' && rdd._node.op.type === 'kernel';

proto.collect = async function (this: RDD<unknown>, options?: ActionOptions) {
  // A fused chain collects in its loop (no last batch is built); anything else hands over its batches.
  const parts = endsInKernels(this)
    ? await fold<unknown[]>(this, 'collect', { name: 'collect', args: [] }, options)
    : ((
        await each(
          this,
          'collect',
          async (batches, p, job) => {
            const watch = job.watch('collect', this._node.id, p, 'collecting it');
            const all: unknown[][] = [];
            for await (const b of batches) {
              all.push(b);
              watch();
            }
            return all;
          },
          options,
        )
      ).flat(1) as unknown[][]);
  return flatten(parts);
};

proto.count = async function (this: RDD<unknown>, options?: ActionOptions) {
  // A fused chain of kernels counts in its loop (no last batch is built); anything else counts batch lengths.
  const counts = endsInKernels(this)
    ? await fold<number>(this, 'count', { name: 'count', args: [] }, options)
    : await each(
        this,
        'count',
        async (batches) => {
          let n = 0;
          for await (const b of batches) n += b.length;
          return n;
        },
        options,
      );
  return counts.reduce((a, b) => a + b, 0);
};

proto.take = async function (this: RDD<unknown>, num: number, options?: ActionOptions) {
  args.integer('num', num);
  const out: unknown[] = [];
  if (num <= 0) return out;
  await pullInOrder(
    this.context._runtime,
    this._node,
    (batch) => {
      for (let i = 0; i < batch.length && out.length < num; i++) out.push(batch[i]);
      return out.length < num;
    },
    options,
  );
  return out;
};

proto.first = async function (this: RDD<unknown>, options?: ActionOptions) {
  const xs = await this.take(1, options);
  if (xs.length === 0) throw new EmptyRDDError('RDD is empty');
  return xs[0];
};

proto.isEmpty = async function (this: RDD<unknown>, options?: ActionOptions) {
  return (await this.take(1, options)).length === 0;
};

/** The `num` smallest elements under `cmp`, in order: per partition, then merged on the driver. */
async function smallest(
  rdd: RDD<unknown>,
  operator: string,
  num: number,
  cmp: (a: unknown, b: unknown) => number,
  options?: ActionOptions,
): Promise<unknown[]> {
  const parts = await each(
    rdd,
    operator,
    async (batches) => {
      const s = new Smallest(num, cmp);
      for await (const b of batches) asTaskCode(() => s.addAll(b));
      return s.result();
    },
    options,
  );
  return mergeSmallest(parts, num, cmp);
}

proto.takeOrdered = async function (
  this: RDD<unknown>,
  num: number,
  key?: (x: unknown) => unknown,
  options?: ActionOptions,
) {
  args.nonNegativeInt('num', num);
  return smallest(this, 'takeOrdered', num, keyComparator(key), options);
};

proto.top = async function (
  this: RDD<unknown>,
  num: number,
  key?: (x: unknown) => unknown,
  options?: ActionOptions,
) {
  const cmp = keyComparator(key);
  args.nonNegativeInt('num', num);
  return smallest(this, 'top', num, (a, b) => cmp(b, a), options);
};

proto.takeSample = async function (
  this: RDD<unknown>,
  withReplacement: boolean,
  num: number,
  seed?: number,
  options?: ActionOptions,
) {
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
  const shuffle = (xs: unknown[]): unknown[] => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = rng.nextInt(i + 1);
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  };
  if (!withReplacement && want >= total) return shuffle(await this.collect(options));
  const fraction = takeSampleFraction(want, total, Boolean(withReplacement));
  let samples = await this.sample(Boolean(withReplacement), fraction, s).collect(options);
  while (samples.length < want)
    samples = await this.sample(Boolean(withReplacement), fraction, rng.nextInt(2 ** 31)).collect(options);
  return shuffle(samples).slice(0, want);
};

proto.reduce = async function (
  this: RDD<unknown>,
  f: (a: unknown, b: unknown) => unknown,
  options?: ActionOptions,
) {
  args.func('f', f);
  const parts = await reducePartitions(this, 'reduce', f, options);
  if (parts.length === 0) throw new EmptyRDDError('Can not reduce() empty RDD');
  return onDriver(this, 'reduce', () => parts.reduce((a, b) => f(a, b)));
};

proto.treeReduce = async function (
  this: RDD<unknown>,
  f: (a: unknown, b: unknown) => unknown,
  depth = 2,
  options?: ActionOptions,
) {
  args.func('f', f);
  checkDepth(depth);
  const parts = await reducePartitions(this, 'treeReduce', f, options);
  if (parts.length === 0) throw new EmptyRDDError('Cannot reduce empty RDD.');
  return onDriver(this, 'treeReduce', () => treeCombine(parts, depth, f).reduce((a, b) => f(a, b)));
};

proto.fold = async function (
  this: RDD<unknown>,
  zeroValue: unknown,
  op: (a: unknown, b: unknown) => unknown,
  options?: ActionOptions,
) {
  args.func('op', op);
  const parts = await foldPartitions(this, 'fold', zeroValue, op, options);
  return onDriver(this, 'fold', () => parts.reduce((a, b) => op(a, b), zeroValue));
};

proto.aggregate = async function <U>(
  this: RDD<unknown>,
  zeroValue: U,
  seqOp: (acc: U, x: unknown) => U,
  combOp: (a: U, b: U) => U,
  options?: ActionOptions,
) {
  args.func('seqOp', seqOp);
  args.func('combOp', combOp);
  const parts = await foldPartitions(this, 'aggregate', zeroValue, seqOp, options);
  return onDriver(this, 'aggregate', () => parts.reduce((a, b) => combOp(a, b), zeroValue));
};

proto.treeAggregate = async function <U>(
  this: RDD<unknown>,
  zeroValue: U,
  seqOp: (acc: U, x: unknown) => U,
  combOp: (a: U, b: U) => U,
  depth = 2,
  options?: ActionOptions,
) {
  args.func('seqOp', seqOp);
  args.func('combOp', combOp);
  checkDepth(depth);
  const parts = await foldPartitions(this, 'treeAggregate', zeroValue, seqOp, options);
  if (parts.length === 0) return zeroValue;
  return onDriver(this, 'treeAggregate', () =>
    treeCombine(parts, depth, combOp).reduce((a, b) => combOp(a, b)),
  );
};

proto.max = async function (this: RDD<unknown>, key?: (x: unknown) => unknown, options?: ActionOptions) {
  const cmp = keyComparator(key);
  return this.reduce((a, b) => (cmp(b, a) > 0 ? b : a), options);
};

proto.min = async function (this: RDD<unknown>, key?: (x: unknown) => unknown, options?: ActionOptions) {
  const cmp = keyComparator(key);
  return this.reduce((a, b) => (cmp(b, a) < 0 ? b : a), options);
};

proto.countByValue = async function (this: RDD<unknown>, options?: ActionOptions) {
  const start = () => {
    const counts = new ValueMap<unknown, number>();
    return { add: (x: unknown) => counts.set(x, (counts.get(x) ?? 0) + 1), result: () => counts };
  };
  const parts = await fold(this, 'countByValue', start, options, 'counting it');
  const total = new ValueMap<unknown, number>();
  for (const m of parts) for (const [k, n] of m) total.set(k, (total.get(k) ?? 0) + n);
  return total;
};

proto.foreach = async function (this: RDD<unknown>, f: (x: unknown) => unknown, options?: ActionOptions) {
  args.func('f', f);
  await each(
    this,
    'foreach',
    async (batches, _p, { signal }) => {
      for await (const b of batches)
        for (let i = 0; i < b.length; i++) {
          taskCode.depth++;
          let r: unknown;
          try {
            r = f(b[i]);
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
};

proto.foreachPartition = async function (
  this: RDD<unknown>,
  f: (partition: AsyncIterable<unknown>) => unknown,
  options?: ActionOptions,
) {
  args.func('f', f);
  await each(
    this,
    'foreachPartition',
    async (batches, _p, { signal }) => {
      await asTaskCode(() => f(elements(batches, signal)));
    },
    options,
  );
};

proto.toLocalIterator = function (this: RDD<unknown>, options?: ActionOptions) {
  const rdd = this;
  return {
    async *[Symbol.asyncIterator]() {
      // One partition at a time, like PySpark: fetched whole (and retried whole), then handed out.
      const job = startJob(rdd.context._runtime, rdd._node, options);
      try {
        const n = await outcome(job, job.numPartitions(rdd._node));
        for (let p = 0; p < n; p++) {
          const part = await outcome(
            job,
            withRetries(job, async () => {
              const all: unknown[] = [];
              const watch = job.watch('toLocalIterator', rdd._node.id, p, 'fetching it');
              await job.drain(
                rdd._node,
                p,
                (x) => all.push(x),
                undefined,
                () => watch(arrayGrowth(all.length)),
              );
              return all;
            }),
          );
          yield* part;
        }
      } finally {
        job.end();
      }
    },
  };
};
