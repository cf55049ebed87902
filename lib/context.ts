/**
 * `Context`: the entry point (PySpark's `SparkContext`). Makes source RDDs,
 * broadcasts and accumulators, and owns the runtime state (cache, ids).
 */
import { availableParallelism } from 'node:os';
import { Accumulator, type AccumulatorParam } from './accumulator.js';
import * as args from './args.js';
import { Broadcast } from './broadcast.js';
import { ArgumentError, SparklingError } from './errors.js';
import { chunks } from './exec/iter.js';
import { Job, Runtime } from './exec/job.js';
import { rangeBatches, rangeLength, sliceBounds } from './ops/parallelize.js';
import type { Attrs, PlanNode, SourceImpl } from './plan/nodes.js';
import { samePartitioner } from './plan/partitioner.js';
import { RDD } from './rdd.js';

/** Options of `new Context(...)`. */
export interface ContextOptions {
  /** Default number of partitions for `parallelize`, `range` ... (default: the number of CPUs). */
  defaultParallelism?: number;
  /** How many partitions an action computes at once (default: `max(2, defaultParallelism)`). */
  concurrency?: number;
}

export class Context {
  /** Default number of partitions for sources made without an explicit count. */
  readonly defaultParallelism: number;
  /** @internal */
  readonly _runtime: Runtime;
  private nextId = 0;
  private stopped = false;

  /**
   * @example
   * new Context({ defaultParallelism: 3 }).defaultParallelism;
   * // => 3
   */
  constructor(options: ContextOptions = {}) {
    this.defaultParallelism =
      args.optionalPositiveInt('defaultParallelism', options.defaultParallelism) ?? availableParallelism();
    const concurrency =
      args.optionalPositiveInt('concurrency', options.concurrency) ?? Math.max(2, this.defaultParallelism);
    this._runtime = new Runtime(concurrency);
  }

  /** @internal The next RDD id. */
  _newId(): number {
    if (this.stopped) throw new SparklingError('this Context was stopped');
    return this.nextId++;
  }

  /** @internal The partition count of a node, resolving sources as needed. */
  async _partitions(node: PlanNode): Promise<number> {
    const job = new Job(this._runtime);
    try {
      return await job.numPartitions(node);
    } finally {
      job.end();
    }
  }

  /** @internal */
  _source<T>(label: string, source: SourceImpl, attrs: Attrs = []): RDD<T> {
    return new RDD<T>(this, {
      kind: 'source',
      id: this._newId(),
      label,
      attrs,
      source,
      partitioner: undefined,
    });
  }

  /**
   * Distributes a collection into `numSlices` partitions (default
   * `defaultParallelism`), slicing like PySpark: partition i holds the
   * elements at indexes floor(i·len/n) up to floor((i+1)·len/n).
   * @example
   * await sc.parallelize([1, 2, 3, 4, 5, 6, 7, 8], 5).glom().collect();
   * // => [[1], [2, 3], [4], [5, 6], [7, 8]]
   */
  parallelize<K, V>(data: Iterable<[K, V]>, numSlices?: number): RDD<[K, V]>;
  parallelize<T>(data: Iterable<T>, numSlices?: number): RDD<T>;
  parallelize<T>(data: Iterable<T>, numSlices?: number): RDD<T> {
    const n = args.optionalPositiveInt('numSlices', numSlices) ?? this.defaultParallelism;
    if (data === null || data === undefined || typeof (data as Iterable<T>)[Symbol.iterator] !== 'function')
      throw new ArgumentError(`data must be an Iterable, got ${String(data)}`);
    const items = Array.from(data);
    return this._source<T>('parallelize', {
      knownPartitions: n,
      partitions: async () => n,
      async *open(split) {
        const [from, to] = sliceBounds(items.length, n, split);
        yield* chunks(from === 0 && to === items.length ? items : items.slice(from, to));
      },
    });
  }

  /**
   * The integers from `start` (inclusive) to `end` (exclusive) by `step`,
   * like Python's `range`: with one argument, from 0 to it. Generated lazily
   * per partition, never materialised.
   * @example
   * await sc.range(0, 10, 3, 2).glom().collect();
   * // => [[0, 3], [6, 9]]
   */
  range(start: number, end?: number, step = 1, numSlices?: number): RDD<number> {
    let from = args.integer('start', start);
    let to: number;
    if (end === undefined || end === null) {
      to = from;
      from = 0;
    } else to = args.integer('end', end);
    const by = args.integer('step', step ?? 1);
    if (by === 0) throw new ArgumentError('step must not be zero');
    const n = args.optionalPositiveInt('numSlices', numSlices) ?? this.defaultParallelism;
    const size = rangeLength(from, to, by);
    return this._source<number>(
      'range',
      {
        knownPartitions: n,
        partitions: async () => n,
        open: (split) =>
          (async function* () {
            yield* rangeBatches(from, by, size, n, split);
          })(),
      },
      [['range', `${from}..${to}${by === 1 ? '' : ` step ${by}`}`]],
    );
  }

  /**
   * An RDD with no partitions and no elements.
   * @example
   * await sc.emptyRDD().getNumPartitions();
   * // => 0
   */
  emptyRDD<T = never>(): RDD<T> {
    return this._source<T>('emptyRDD', {
      knownPartitions: 0,
      partitions: async () => 0,
      async *open() {},
    });
  }

  /**
   * The partitions of all `rdds`, one RDD after another. When all of them are
   * partitioned alike (same partitioner and partition count, e.g. by
   * `partitionBy(n)`), partition i holds partition i of each, and the result
   * keeps that partitioning, as in Spark.
   * @example
   * await sc.union([sc.parallelize([1]), sc.parallelize([2, 3])]).collect();
   * // => [1, 2, 3]
   */
  union<T>(rdds: RDD<T>[]): RDD<T> {
    if (!Array.isArray(rdds) || rdds.length === 0)
      throw new ArgumentError('rdds must be a non-empty array of RDDs');
    rdds.forEach((r, i) => {
      if (!(r instanceof RDD)) throw new ArgumentError(`rdds[${i}] is not an RDD`);
      if (r.context !== this) throw new ArgumentError(`rdds[${i}] belongs to another Context`);
    });
    const first = (rdds[0] as RDD<T>)._node.partitioner;
    const aligned = rdds.every((r) => samePartitioner(r._node.partitioner, first));
    return new RDD<T>(this, {
      kind: 'union',
      id: this._newId(),
      label: 'union',
      attrs: [],
      parents: rdds.map((r) => r._node),
      partitioner: aligned ? first : undefined,
      ...(aligned ? { aligned } : {}),
    });
  }

  /**
   * A read-only value to share with tasks.
   * @example
   * sc.broadcast({ a: 1 }).value;
   * // => { a: 1 }
   */
  broadcast<T>(value: T): Broadcast<T> {
    return new Broadcast(value);
  }

  /**
   * A variable tasks add to; numbers add with `+`, other types need a `param`.
   * @example
   * const acc = sc.accumulator(0); await sc.parallelize([1, 2, 3]).foreach((x) => acc.add(x)); acc.value;
   * // => 6
   */
  accumulator<T>(initial: T, param?: AccumulatorParam<T>): Accumulator<T> {
    return new Accumulator(initial, param);
  }

  /**
   * Drops cached partitions; the Context can make no new RDDs after this.
   * @example
   * const c = new Context(); c.stop(); c.isStopped;
   * // => true
   */
  stop(): void {
    this.stopped = true;
    this._runtime.clear();
  }

  /**
   * Whether `stop()` was called.
   * @example
   * new Context().isStopped;
   * // => false
   */
  get isStopped(): boolean {
    return this.stopped;
  }
}
