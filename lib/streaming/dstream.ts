/**
 * `DStream<T>`: a discretized stream, one RDD per batch interval (PySpark's
 * `pyspark.streaming.DStream`). A DStream is a node of the streaming graph:
 * it knows its parents, its slide duration, and how to make its RDD for a
 * batch time from its parents' RDDs. The RDDs are ordinary lazy RDDs of the
 * StreamingContext's `Context`, so every batch job runs on the RDD engine
 * (worker threads included). The operators here are the element-wise ones,
 * `transform`, `union`, `slice` and the output operations; pair operators
 * are in `pairs.ts`, windows in `window.ts`, state in `state.ts`.
 */
import { inspect } from 'node:util';
import * as args from '../args.js';
import type { Context } from '../context.js';
import { ArgumentError, PathExistsError, SparklingError } from '../errors.js';
import type { PartitionResult } from '../rdd.js';
import { RDD } from '../rdd.js';
import type { StreamingContext } from './context.js';
import { checkMultiple, millis, pythonDateTime, timeArgument } from './duration.js';

/** What an output operation does with one batch's RDD. */
export interface OutputOperation {
  /** The operation's name in errors: `foreachRDD`, `pprint`, `saveAsTextFiles`. */
  readonly name: string;
  readonly stream: DStream<unknown>;
  run(time: number, rdd: RDD<unknown>, signal: AbortSignal): unknown;
}

/** A function over a batch's RDD, optionally given the batch time first (PySpark's one-or-two-parameter rule). */
export type RDDFunction<T, R> = ((rdd: RDD<T>) => R) | ((time: Date, rdd: RDD<T>) => R);

/** A function over two batches' RDDs, optionally given the batch time first. */
export type RDDFunction2<T, U, R> = ((a: RDD<T>, b: RDD<U>) => R) | ((time: Date, a: RDD<T>, b: RDD<U>) => R);

/** The number of partitions shuffles of a DStream use by default: PySpark's `sc.defaultParallelism`. */
export function defaultPartitions(stream: DStream<unknown>, numPartitions: unknown): number {
  return (
    args.optionalPositiveInt('numPartitions', numPartitions) ?? stream._ssc.sparkContext.defaultParallelism
  );
}

/** Checks what a transform function returned: an RDD of this Context, or nothing (no RDD for this batch). */
export function checkRDD(sc: Context, value: unknown, what: string): RDD<unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!(value instanceof RDD))
    throw new ArgumentError(`${what} must return an RDD, got ${inspect(value, { depth: 0 })}`);
  if (value.context !== sc) throw new ArgumentError(`${what} returned an RDD of another Context`);
  return value;
}

export abstract class DStream<T> {
  /** @internal */
  readonly _ssc: StreamingContext;
  /** @internal Position in the StreamingContext's graph (creation order, so parents come first). */
  readonly _id: number;
  /** @internal The method that made this DStream (`map`, `window`, `socketTextStream` ...). */
  readonly _label: string;
  /** @internal The RDD made for each batch time still remembered. */
  readonly _generated = new Map<number, RDD<T>>();
  /** @internal How long generated RDDs are kept (ms); set when the context starts. */
  _rememberMs = 0;
  /** @internal Whether generated RDDs are cached (`cache()`/`persist()`, or reused by windows). */
  _cached = false;
  /** @internal Checkpoint interval asked for with `checkpoint(interval)`, ms. */
  _checkpointMs: number | undefined;

  /** @internal DStreams are made by a StreamingContext and by operators, not by `new`. */
  constructor(ssc: StreamingContext, label: string) {
    this._ssc = ssc;
    this._label = label;
    this._id = ssc._register(this as DStream<unknown>, label);
  }

  /** @internal Interval between this stream's RDDs, ms. */
  abstract get _slideMs(): number;
  /** @internal The DStreams this one is computed from. */
  abstract get _parents(): readonly DStream<unknown>[];
  /** @internal Makes the RDD for a valid batch time (undefined: none at that time). */
  protected abstract _compute(time: number): RDD<T> | undefined;

  /** @internal Window durations a parent must remember beyond this stream's own memory, ms. */
  get _parentExtraMs(): number {
    return 0;
  }

  /**
   * @internal May this stream compute its RDD for `time` now? Inputs never
   * (their RDDs come from receiving), stateful streams only for the batch
   * being generated (their previous RDD must exist), others up to it.
   */
  _computable(time: number): boolean {
    const latest = this._ssc._latestTime;
    return latest !== undefined && time <= latest;
  }

  /** @internal True for a time on this stream's grid after the context's zero time. */
  _isValidTime(time: number): boolean {
    const zero = this._ssc._zeroTime;
    return zero !== undefined && time > zero && (time - zero) % this._slideMs === 0;
  }

  /** @internal The RDD for `time`: remembered, or computed now (and remembered), or undefined. */
  _getOrCompute(time: number): RDD<T> | undefined {
    const have = this._generated.get(time);
    if (have !== undefined) return have;
    if (!this._isValidTime(time) || !this._computable(time)) return undefined;
    const rdd = this._compute(time);
    if (rdd !== undefined) this._remember(time, rdd);
    return rdd;
  }

  /** @internal Keeps `rdd` as this stream's RDD for `time` (cached if this stream caches). */
  _remember(time: number, rdd: RDD<T>): void {
    if (this._cached && !rdd.isCached) rdd.cache();
    const old = this._generated.get(time);
    if (old !== undefined && old !== rdd && this._cached) old.unpersist();
    this._generated.set(time, rdd);
  }

  /** @internal Forgets RDDs older than the remember duration (Spark's clearMetadata). */
  _forget(time: number): void {
    for (const [t, rdd] of this._generated) {
      if (t > time - this._rememberMs) continue;
      this._generated.delete(t);
      if (this._cached) rdd.unpersist();
    }
  }

  /** @internal Called when the context stops. */
  _clear(): void {
    if (this._cached) for (const rdd of this._generated.values()) rdd.unpersist();
    this._generated.clear();
  }

  /** @internal A derived stream whose RDD is `f(time, parentRDDs)` on this stream's grid. */
  _derive<U>(
    label: string,
    f: (time: number, rdds: RDD<unknown>[]) => RDD<U> | undefined,
    others: readonly DStream<unknown>[] = [],
  ): DStream<U> {
    return new TransformedDStream<U>(this._ssc, label, [this as DStream<unknown>, ...others], f);
  }

  /**
   * The StreamingContext this DStream belongs to.
   * @example
   * const ssc = new StreamingContext(sc, 1);
   * ssc.queueStream([[1]]).context() === ssc;
   * // => true
   */
  context(): StreamingContext {
    return this._ssc;
  }

  // ------------------------------------------------------- element-wise

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
    const n = defaultPartitions(this as DStream<unknown>, numPartitions);
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
    checkSameSlide('union', [this as DStream<unknown>, other as DStream<unknown>]);
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
    if (!(other instanceof DStream)) throw new ArgumentError('other must be a DStream');
    checkSameSlide('transformWith', [this as DStream<unknown>, other as DStream<unknown>]);
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

  // ------------------------------------------------------ persistence

  /** Caches each batch's RDD (it is computed once however many operations use it). Returns this DStream. */
  cache(): this {
    this._ssc._checkMutable('cache');
    this._cached = true;
    return this;
  }

  /** Same as `cache()` (sparkling keeps partitions in memory only). */
  persist(_storageLevel?: unknown): this {
    return this.cache();
  }

  /**
   * Saves this stream's state to the context's checkpoint directory at least
   * every `interval` seconds (a multiple of the slide duration). Stateful
   * streams are checkpointed every batch by default once
   * `ssc.checkpoint(dir)` is set; this makes it less often.
   */
  checkpoint(interval: number): this {
    const ms = millis('interval', interval);
    checkMultiple('interval', ms, this._slideMs, "this DStream's slide duration");
    this._ssc._checkMutable('checkpoint');
    this._checkpointMs = ms;
    return this;
  }

  // ------------------------------------------------------ outputs

  /**
   * Runs `f(rdd)`, or `f(time, rdd)` when `f` declares two parameters, for
   * every batch, on the main thread, one batch after another; a Promise it
   * returns is awaited before the next output operation or batch. If it
   * throws or rejects, the context stops and `awaitTermination` rejects with
   * a `TaskError` naming `foreachRDD` and the batch time.
   */
  foreachRDD(f: (rdd: RDD<T>) => unknown): void;
  foreachRDD(f: (time: Date, rdd: RDD<T>) => unknown): void;
  foreachRDD(f: RDDFunction<T, unknown>): void {
    args.func('func', f);
    const two = f.length >= 2;
    this._ssc._addOutput({
      name: 'foreachRDD',
      stream: this as DStream<unknown>,
      run: (time, rdd) =>
        two
          ? (f as (time: Date, rdd: RDD<T>) => unknown)(new Date(time), rdd as RDD<T>)
          : (f as (rdd: RDD<T>) => unknown)(rdd as RDD<T>),
    });
  }

  /**
   * Prints the first `num` elements of every batch as PySpark does: a line
   * of 43 dashes, `Time: <batch time>` (local time, as Python prints a
   * `datetime`), 43 dashes, one line per element (`String(x)` for
   * primitives, `util.inspect` otherwise), `...` when there are more, and an
   * empty line.
   */
  pprint(num = 10): void {
    const n = args.nonNegativeInt('num', num);
    this._ssc._addOutput({
      name: 'pprint',
      stream: this as DStream<unknown>,
      run: async (time, rdd, signal) => {
        const taken = await rdd.take(n + 1, { signal });
        for (const line of pprintLines(time, taken, n)) console.log(line);
      },
    });
  }

  /**
   * Saves every batch with `saveAsTextFile` under `prefix-<batch time in
   * epoch ms>[.suffix]`, one atomic directory per batch, empty batches
   * included. As in PySpark, a directory that exists already (a batch run
   * again after recovery) is left as it is.
   */
  saveAsTextFiles(prefix: string, suffix?: string): void {
    if (typeof prefix !== 'string' || prefix === '')
      throw new ArgumentError(`prefix must be a non-empty string, got ${String(prefix)}`);
    if (suffix !== undefined && suffix !== null && typeof suffix !== 'string')
      throw new ArgumentError(`suffix must be a string, got ${String(suffix)}`);
    this._ssc._addOutput({
      name: 'saveAsTextFiles',
      stream: this as DStream<unknown>,
      run: async (time, rdd, signal) => {
        try {
          await rdd.saveAsTextFile(batchPath(prefix, suffix ?? undefined, time), undefined, { signal });
        } catch (e) {
          if (!(e instanceof PathExistsError)) throw e;
        }
      },
    });
  }
}

/** The output directory of one batch: `prefix-<time>[.suffix]` (PySpark's `rddToFileName`). */
export function batchPath(prefix: string, suffix: string | undefined, time: number): string {
  return suffix === undefined || suffix === '' ? `${prefix}-${time}` : `${prefix}-${time}.${suffix}`;
}

/**
 * The lines `pprint` prints for a batch: `taken` holds up to `num + 1` elements.
 * @example
 * pprintLines(new Date(2024, 0, 1, 0, 0, 2).getTime(), ['a', [1, 2]], 1);
 * // => ['-------------------------------------------', 'Time: 2024-01-01 00:00:02', '-------------------------------------------', 'a', '...', '']
 */
export function pprintLines(time: number, taken: readonly unknown[], num: number): string[] {
  const dashes = '-'.repeat(43);
  const lines = [dashes, `Time: ${pythonDateTime(new Date(time))}`, dashes];
  for (const x of taken.slice(0, num)) lines.push(printable(x));
  if (taken.length > num) lines.push('...');
  lines.push('');
  return lines;
}

function printable(x: unknown): string {
  return (typeof x === 'object' && x !== null) || typeof x === 'function' ? inspect(x) : String(x);
}

/** The streams must all have the same slide duration (Spark's rule for union, transformWith, transform). */
export function checkSameSlide(op: string, streams: readonly DStream<unknown>[]): void {
  for (const s of streams)
    if (!(s instanceof DStream)) throw new ArgumentError(`${op}: every argument must be a DStream`);
  const first = streams[0];
  if (first === undefined) return;
  for (const s of streams) {
    if (s._ssc !== first._ssc)
      throw new ArgumentError(`${op}: the DStreams belong to different StreamingContexts`);
    if (s._slideMs !== first._slideMs)
      throw new ArgumentError(
        `${op}: the DStreams must have the same slide duration, got ${first._slideMs / 1000} s and ${s._slideMs / 1000} s`,
      );
  }
}

/** A DStream computed from its parents' RDDs at the same time by a function (Spark's TransformedDStream). */
export class TransformedDStream<T> extends DStream<T> {
  private readonly parents: readonly DStream<unknown>[];
  private readonly f: (time: number, rdds: RDD<unknown>[]) => RDD<T> | undefined;

  constructor(
    ssc: StreamingContext,
    label: string,
    parents: readonly DStream<unknown>[],
    f: (time: number, rdds: RDD<unknown>[]) => RDD<T> | undefined,
  ) {
    super(ssc, label);
    this.parents = parents;
    this.f = f;
  }

  get _slideMs(): number {
    return (this.parents[0] as DStream<unknown>)._slideMs;
  }

  get _parents(): readonly DStream<unknown>[] {
    return this.parents;
  }

  protected _compute(time: number): RDD<T> | undefined {
    const rdds: RDD<unknown>[] = [];
    for (const p of this.parents) {
      const rdd = p._getOrCompute(time);
      if (rdd === undefined) return undefined;
      rdds.push(rdd);
    }
    return this.f(time, rdds);
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
