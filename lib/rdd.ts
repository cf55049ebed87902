/**
 * `RDD<T>`: the façade. A method checks its arguments, appends a plan node
 * and carries the documentation; the work happens in `lib/exec` and
 * `lib/ops`. Transformations are synchronous and lazy; actions (in
 * `rdd-actions.ts`, `rdd-numeric.ts`, `rdd-pairs.ts`) return Promises.
 */
import * as args from './args.js';
import type { Context } from './context.js';
import { ArgumentError } from './errors.js';
import { zipPartitionsError } from './exec/compute.js';
import { elements, toBatches } from './exec/iter.js';
import * as ops from './ops/map.js';
import { pipePartition, splitCommand } from './ops/pipe.js';
import { normalizeSplitWeights, rangeSampleOp, sampleOp } from './ops/sample.js';
import type { BatchOpFactory, Kernel } from './ops/types.js';
import { explain } from './plan/explain.js';
import { type Attrs, knownPartitions, type NarrowOp, type PlanNode, type TaskEnv } from './plan/nodes.js';
import { type CallSite, callSite } from './util/call-site.js';
import { randomSeed } from './util/random.js';

/** What a partition function may return: an array, an Iterable, an AsyncIterable, or a Promise of one. */
export type PartitionResult<U> =
  | U[]
  | Iterable<U>
  | AsyncIterable<U>
  | Promise<U[] | Iterable<U> | AsyncIterable<U> | undefined>
  | undefined;

export class RDD<T> {
  /** The Context this RDD belongs to. */
  readonly context: Context;
  /** @internal The plan node this RDD stands for. */
  readonly _node: PlanNode;
  /** @internal Where the user's code made this RDD (printed by `toString()`). */
  readonly _createdAt: CallSite;
  private _name: string | undefined;

  /** @internal RDDs are made by a Context and by transformations, not by `new`. */
  constructor(context: Context, node: PlanNode) {
    this.context = context;
    this._node = node;
    this._createdAt = callSite();
  }

  /** @internal A new RDD over `node`. */
  protected _derive<U>(node: PlanNode): RDD<U> {
    return new RDD<U>(this.context, node);
  }

  /** @internal Appends a narrow operator; `keepsPartitioning` keeps this RDD's partitioner. */
  _narrow<U>(label: string, op: NarrowOp, keepsPartitioning = false, attrs: Attrs = []): RDD<U> {
    return this._derive<U>({
      kind: 'narrow',
      id: this.context._newId(),
      label,
      attrs,
      parent: this._node,
      op,
      partitioner: keepsPartitioning ? this._node.partitioner : undefined,
    });
  }

  /** @internal Appends an element-wise kernel. */
  _kernel<U>(label: string, kernel: Kernel, keepsPartitioning = false, attrs: Attrs = []): RDD<U> {
    return this._narrow<U>(label, { type: 'kernel', kernel }, keepsPartitioning, attrs);
  }

  /** @internal Appends a fusible per-batch operator with per-partition state. */
  _batch<U>(label: string, make: BatchOpFactory<T, U>, keepsPartitioning = false, attrs: Attrs = []): RDD<U> {
    return this._narrow<U>(
      label,
      { type: 'batch', make: make as BatchOpFactory<unknown, unknown> },
      keepsPartitioning,
      attrs,
    );
  }

  // ---------------------------------------------------------------- identity

  /**
   * The RDD's id, unique within its Context.
   * @example
   * sc.parallelize([1]).id() >= 0;
   * // => true
   */
  id(): number {
    return this._node.id;
  }

  /**
   * The name given by `setName`, or `undefined`.
   * @example
   * sc.parallelize([1]).name();
   * // => undefined
   */
  name(): string | undefined {
    return this._name;
  }

  /**
   * Names this RDD (shown nowhere else; PySpark's `setName`). Returns this RDD.
   * @example
   * sc.parallelize([1]).setName('numbers').name();
   * // => 'numbers'
   */
  setName(name: string): this {
    if (typeof name !== 'string') throw new ArgumentError(`name must be a string, got ${String(name)}`);
    this._name = name;
    return this;
  }

  /**
   * The logical plan, one line per operator, in Spark's `toDebugString` layout:
   * `(n)` partitions (`?` when it needs I/O), `[k]` the RDD id, `+-` a shuffle,
   * and the lines on one `|` rail are fused into one per-partition pipeline.
   * @example
   * sc.parallelize([1, 2, 3], 2).map((x) => x * 2).filter((x) => x > 2).explain();
   * // => '(2) filter[2]\n |  map[1]\n |  parallelize[0]'
   */
  explain(): string {
    const runtime = this.context._runtime;
    const stages = runtime.executor?.describe(this._node);
    return explain(this._node, {
      isCached: (id) => runtime.isPersisted(id),
      ...(stages === undefined ? {} : { stages }),
    });
  }

  /**
   * PySpark's name for `explain()`.
   * @example
   * sc.parallelize([1, 2], 2).toDebugString();
   * // => '(2) parallelize[0]'
   */
  toDebugString(): string {
    return this.explain();
  }

  /**
   * The number of partitions (a file source may list files to know it).
   * @example
   * await sc.parallelize([1, 2, 3], 3).getNumPartitions();
   * // => 3
   */
  getNumPartitions(): Promise<number> {
    return this.context._partitions(this._node);
  }

  // ---------------------------------------------------------------- caching

  /**
   * Keeps partitions in memory once computed: each is computed whole the first
   * time an action touches it, once, and later actions read it from memory.
   * Marks this RDD (like PySpark) and returns it.
   * @example
   * const rdd = sc.parallelize([1, 2, 3]).map((x) => x + 1).cache();
   * await rdd.collect();
   * // => [2, 3, 4]
   */
  cache(): this {
    this.context._runtime.persist(this._node.id);
    return this;
  }

  /**
   * Same as `cache()`: sparkling keeps partitions in memory only, so the storage level is accepted and ignored.
   * @example
   * sc.parallelize([1]).persist().isCached;
   * // => true
   */
  persist(_storageLevel?: unknown): this {
    return this.cache();
  }

  /**
   * Drops the cached partitions and stops caching. Returns this RDD.
   * @example
   * sc.parallelize([1]).cache().unpersist().isCached;
   * // => false
   */
  unpersist(_blocking?: boolean): this {
    this.context._runtime.unpersist(this._node.id);
    return this;
  }

  /**
   * Whether `cache()`/`persist()` was called (PySpark's `is_cached`).
   * @example
   * sc.parallelize([1]).isCached;
   * // => false
   */
  get isCached(): boolean {
    return this.context._runtime.isPersisted(this._node.id);
  }

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
    return this._kernel('map', ops.map(f));
  }

  /**
   * Applies `f` to every element and flattens the Iterables it returns.
   * @example
   * await sc.parallelize(['a b', 'c']).flatMap((s) => s.split(' ')).collect();
   * // => ['a', 'b', 'c']
   */
  flatMap<K, V>(f: (x: T) => Iterable<[K, V]>): RDD<[K, V]>;
  flatMap<U>(f: (x: T) => Iterable<U>): RDD<U>;
  flatMap<U>(f: (x: T) => Iterable<U>): RDD<U> {
    args.func('f', f);
    return this._kernel('flatMap', ops.flatMap(f));
  }

  /**
   * Keeps the elements for which `f` returns a truthy value.
   * @example
   * await sc.parallelize([1, 2, 3, 4]).filter((x) => x % 2 === 0).collect();
   * // => [2, 4]
   */
  filter(f: (x: T) => unknown): RDD<T> {
    args.func('f', f);
    return this._kernel('filter', ops.filter(f), true);
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
    return this.mapPartitionsWithIndex((_i, it) => f(it), preservesPartitioning, 'mapPartitions');
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
    /** @internal */ label = 'mapPartitionsWithIndex',
  ): RDD<U> {
    args.func('f', f);
    return this._narrow<U>(
      label,
      {
        type: 'partition',
        run: (input, partition, env) =>
          toBatches(f(partition, elements(input as AsyncIterable<T[]>, env.signal)), label, env.signal),
      },
      preservesPartitioning,
    );
  }

  /**
   * Puts each element in a pair `[f(x), x]`.
   * @example
   * await sc.parallelize([1, 2]).keyBy((x) => x * 10).collect();
   * // => [[10, 1], [20, 2]]
   */
  keyBy<K>(f: (x: T) => K): RDD<[K, T]> {
    args.func('f', f);
    return this._kernel(
      'keyBy',
      ops.map((x: T): [K, T] => [f(x), x]),
    );
  }

  /**
   * Each partition as one array (an empty partition gives `[]`).
   * @example
   * await sc.parallelize([1, 2, 3, 4, 5], 2).glom().collect();
   * // => [[1, 2], [3, 4, 5]]
   */
  glom(): RDD<T[]> {
    return this._batch('glom', ops.glom<T>());
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
    return this._kernel('mapValues', ops.mapValues<K, V, U>(f), true);
  }

  /**
   * Applies `f` to each value and flattens, keeping keys and partitioning.
   * @example
   * await sc.parallelize([['a', [1, 2]], ['b', [3]]]).flatMapValues((v) => v).collect();
   * // => [['a', 1], ['a', 2], ['b', 3]]
   */
  flatMapValues<K, V, U>(this: RDD<[K, V]>, f: (v: V) => Iterable<U>): RDD<[K, U]> {
    args.func('f', f);
    return this._kernel('flatMapValues', ops.flatMapValues<K, V, U>(f), true);
  }

  /**
   * The keys of a pair RDD.
   * @example
   * await sc.parallelize([['a', 1], ['b', 2]]).keys().collect();
   * // => ['a', 'b']
   */
  keys<K, V>(this: RDD<[K, V]>): RDD<K> {
    return this._kernel(
      'keys',
      ops.map((kv: [K, V]) => kv[0]),
    );
  }

  /**
   * The values of a pair RDD.
   * @example
   * await sc.parallelize([['a', 1], ['b', 2]]).values().collect();
   * // => [1, 2]
   */
  values<K, V>(this: RDD<[K, V]>): RDD<V> {
    return this._kernel(
      'values',
      ops.map((kv: [K, V]) => kv[1]),
    );
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
    return this.context.union<T | U>([this as RDD<T | U>, other as RDD<T | U>]);
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
    const a = knownPartitions(this._node);
    const b = knownPartitions(other._node);
    if (a !== undefined && b !== undefined && a !== b) throw zipPartitionsError();
    return this._derive({
      kind: 'zip',
      id: this.context._newId(),
      label: 'zip',
      attrs: [],
      parents: [this._node, other._node],
      partitioner: undefined,
    });
  }

  /**
   * Pairs each element with its index (ordered by partition, then position).
   * Counts the elements of all but the last partition first, as Spark does.
   * @example
   * await sc.parallelize(['a', 'b', 'c'], 2).zipWithIndex().collect();
   * // => [['a', 0], ['b', 1], ['c', 2]]
   */
  zipWithIndex(): RDD<[T, number]> {
    const parent = this._node;
    const offsets = async (env: TaskEnv): Promise<number[]> => {
      const n = await env.numPartitions(parent);
      const counts = await Promise.all(
        Array.from({ length: Math.max(0, n - 1) }, async (_, p) => {
          let c = 0;
          for await (const b of env.open(parent, p)) c += b.length;
          return c;
        }),
      );
      const starts = [0];
      for (const c of counts) starts.push((starts[starts.length - 1] as number) + c);
      return starts;
    };
    const key = {};
    return this._narrow('zipWithIndex', {
      type: 'partition',
      run: async function* (input, partition, env) {
        const starts = await env.memo(key, () => offsets(env));
        const { step } = ops.withIndex<unknown>(starts[partition] as number)(partition);
        for await (const batch of input) {
          const out: unknown[] = [];
          step(batch, out as [unknown, number][]);
          yield out;
        }
      },
    });
  }

  /**
   * Pairs each element with a unique id: element i of partition k of n gets
   * `i·n + k` (no counting job, ids may have gaps).
   * @example
   * await sc.parallelize(['a', 'b', 'c', 'd', 'e'], 3).zipWithUniqueId().collect();
   * // => [['a', 0], ['b', 1], ['c', 4], ['d', 2], ['e', 5]]
   */
  zipWithUniqueId(): RDD<[T, number]> {
    const parent = this._node;
    return this._narrow('zipWithUniqueId', {
      type: 'partition',
      run: async function* (input, partition, env) {
        const n = await env.numPartitions(parent);
        const { step } = ops.withUniqueId<unknown>(n)(partition);
        for await (const batch of input) {
          const out: unknown[] = [];
          step(batch, out as [unknown, number][]);
          yield out;
        }
      },
    });
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
    return this._derive({
      kind: 'cartesian',
      id: this.context._newId(),
      label: 'cartesian',
      attrs: [],
      parents: [this._node, other._node],
      partitioner: undefined,
    });
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
    if (shuffle) return this.repartition(numPartitions);
    return this._derive({
      kind: 'coalesce',
      id: this.context._newId(),
      label: 'coalesce',
      attrs: [['numPartitions', String(numPartitions)]],
      parent: this._node,
      numPartitions,
      partitioner: undefined,
    });
  }

  // ---------------------------------------------------------- sampling

  /**
   * A random sample: each element kept with probability `fraction` (without
   * replacement), or repeated a Poisson(`fraction`) number of times (with
   * replacement). The same `seed` gives the same sample.
   * @example
   * (await sc.parallelize([1, 2, 3, 4, 5, 6], 2).sample(false, 1, 7).collect()).length;
   * // => 6
   */
  sample(withReplacement: boolean, fraction: number, seed?: number): RDD<T> {
    if (typeof fraction !== 'number' || !(fraction >= 0))
      throw new ArgumentError('Fraction must be nonnegative.');
    const s = seed === undefined || seed === null ? randomSeed() : args.integer('seed', seed);
    return this._batch('sample', sampleOp<T>(Boolean(withReplacement), fraction, s), true, [
      ['fraction', String(fraction)],
      ['withReplacement', String(Boolean(withReplacement))],
    ]);
  }

  /**
   * Splits this RDD at random into RDDs whose sizes follow `weights`
   * (normalised); together they hold every element exactly once.
   * @example
   * const [a, b] = sc.parallelize([1, 2, 3, 4, 5, 6, 7, 8], 2).randomSplit([1, 1], 42);
   * [...(await a.collect()), ...(await b.collect())].sort((x, y) => x - y);
   * // => [1, 2, 3, 4, 5, 6, 7, 8]
   */
  randomSplit(weights: number[], seed?: number): RDD<T>[] {
    if (!Array.isArray(weights) || weights.length === 0)
      throw new ArgumentError('weights must be a non-empty array of non-negative numbers');
    const s = seed === undefined || seed === null ? randomSeed() : args.integer('seed', seed);
    return normalizeSplitWeights(weights).map(([lo, hi]) =>
      this._batch('randomSplit', rangeSampleOp<T>(lo as number, hi as number, s), true, [
        ['range', `[${lo}, ${hi})`],
      ]),
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
    return this._narrow('pipe', {
      type: 'partition',
      run: (input, _partition, taskEnv) => pipePartition(command, env, checkCode, input, taskEnv.signal),
    });
  }

  /** @internal */
  _checkSameContext(other: RDD<unknown>, name: string): void {
    if (!(other instanceof RDD)) throw new ArgumentError(`${name} must be an RDD`);
    if (other.context !== this.context) throw new ArgumentError(`${name} belongs to another Context`);
  }
}
