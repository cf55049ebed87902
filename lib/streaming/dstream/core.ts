/**
 * The base of `DStream`: a node of the streaming graph and the RDDs it made.
 * Every DStream is one instance of the one `DStream` class (lib/streaming/
 * dstream.ts, assembled from the families in lib/streaming/dstream/*.ts by
 * plain inheritance, as `RDD` is); what kind of stream it is (an input, a
 * function of its parents' RDDs, a window, a state) is its `StreamNode`,
 * plain behaviour the class delegates to. A method checks its arguments and
 * makes a new DStream over a new node through its StreamingContext.
 */
import { inspect } from 'node:util';
import * as args from '../../args.js';
import type { Context } from '../../context.js';
import { ArgumentError } from '../../errors.js';
import { RDD } from '../../rdd.js';
import type { StreamingContext } from '../context.js';
import type { DStream } from '../dstream.js';
import { checkMultiple, millis } from '../duration.js';
import { materialize } from '../materialize.js';

/**
 * What kind of stream a DStream is: its parents, its slide, and how its RDD
 * of a batch time is made. Kept by the DStream, which owns the RDDs made.
 */
export interface StreamNode<T> {
  /** The DStreams this one is computed from. */
  readonly parents: readonly DStream<unknown>[];
  /** Interval between this stream's RDDs, ms. */
  readonly slideMs: number;
  /** Window durations a parent must remember beyond this stream's own memory, ms (0 by default). */
  readonly parentExtraMs?: number;
  /**
   * When the RDD of a time may be computed: `input` never (its RDDs come
   * from receiving), `state` only for the batch being generated (it is made
   * from its previous RDD, which must exist, and is computed and kept before
   * the outputs run), otherwise any time up to the batch being generated.
   */
  readonly mode?: 'input' | 'state';
  /** Makes the RDD for a valid batch time (undefined: none at that time). `self` is the stream owning this node. */
  compute(time: number, self: DStream<T>): RDD<T> | undefined;
  /** The streams and batch times whose RDDs a checkpoint of `time` must hold to resume this stream. */
  checkpointRDDs?(time: number, self: DStream<T>): [DStream<unknown>, number[]][];
}

/** The number of partitions shuffles of a DStream use by default: PySpark's `sc.defaultParallelism`. */
export function defaultPartitions(stream: DStreamCore<unknown>, numPartitions: unknown): number {
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

/** The streams must all have the same slide duration (Spark's rule for union, transformWith, transform). */
export function checkSameSlide(op: string, streams: readonly unknown[]): void {
  for (const s of streams)
    if (!(s instanceof DStreamCore)) throw new ArgumentError(`${op}: every argument must be a DStream`);
  const all = streams as readonly DStreamCore<unknown>[];
  const first = all[0];
  if (first === undefined) return;
  for (const s of all) {
    if (s._ssc !== first._ssc)
      throw new ArgumentError(`${op}: the DStreams belong to different StreamingContexts`);
    if (s._slideMs !== first._slideMs)
      throw new ArgumentError(
        `${op}: the DStreams must have the same slide duration, got ${first._slideMs / 1000} s and ${s._slideMs / 1000} s`,
      );
  }
}

/** Spark's TransformedDStream: the RDD of a time is `f(time, parentRDDs)`, none when a parent has none. */
export function transformedNode<T>(
  parents: readonly DStream<unknown>[],
  f: (time: number, rdds: RDD<unknown>[]) => RDD<T> | undefined,
): StreamNode<T> {
  const first = parents[0] as DStream<unknown>;
  return {
    parents,
    slideMs: first._slideMs,
    compute(time) {
      const rdds: RDD<unknown>[] = [];
      for (const p of parents) {
        const rdd = p._getOrCompute(time);
        if (rdd === undefined) return undefined;
        rdds.push(rdd);
      }
      return f(time, rdds);
    },
  };
}

export class DStreamCore<T> {
  /** @internal */
  readonly _ssc: StreamingContext;
  /** @internal Position in the StreamingContext's graph (creation order, so parents come first). */
  readonly _id: number;
  /** @internal The method that made this DStream (`map`, `window`, `socketTextStream` ...). */
  readonly _label: string;
  /** @internal What kind of stream this is. */
  readonly _node: StreamNode<T>;
  /** @internal The RDD made for each batch time still remembered. */
  readonly _generated = new Map<number, RDD<T>>();
  /** @internal How long generated RDDs are kept (ms); set when the context starts. */
  _rememberMs = 0;
  /** @internal Whether generated RDDs are cached (`cache()`/`persist()`, or reused by windows). */
  _cached = false;
  /** @internal Checkpoint interval asked for with `checkpoint(interval)`, ms. */
  _checkpointMs: number | undefined;
  /** @internal Whether an RDD was ever kept (computed, or restored from a checkpoint). */
  _started = false;

  /** @internal DStreams are made by a StreamingContext and by operators, not by `new`. */
  constructor(ssc: StreamingContext, label: string, node: StreamNode<T>) {
    this._ssc = ssc;
    this._label = label;
    this._node = node;
    this._id = ssc._register(this as unknown as DStream<unknown>, label);
  }

  /** @internal Interval between this stream's RDDs, ms. */
  get _slideMs(): number {
    return this._node.slideMs;
  }

  /** @internal The DStreams this one is computed from. */
  get _parents(): readonly DStream<unknown>[] {
    return this._node.parents;
  }

  /** @internal Window durations a parent must remember beyond this stream's own memory, ms. */
  get _parentExtraMs(): number {
    return this._node.parentExtraMs ?? 0;
  }

  /** @internal Whether this stream's RDD is computed and kept before the outputs run (state, incremental windows). */
  get _isStateful(): boolean {
    return this._node.mode === 'state';
  }

  /** @internal May this stream compute its RDD for `time` now? (See `StreamNode.mode`.) */
  _computable(time: number): boolean {
    const latest = this._ssc._latestTime;
    switch (this._node.mode) {
      case 'input':
        return false;
      case 'state':
        return time === latest;
      default:
        return latest !== undefined && time <= latest;
    }
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
    const rdd = this._node.compute(time, this as unknown as DStream<T>);
    if (rdd !== undefined) this._remember(time, rdd);
    return rdd;
  }

  /** @internal Keeps `rdd` as this stream's RDD for `time` (cached if this stream caches). */
  _remember(time: number, rdd: RDD<T>): void {
    if (this._cached && !rdd.isCached) rdd.cache();
    const old = this._generated.get(time);
    if (old !== undefined && old !== rdd && this._cached) old.unpersist();
    this._generated.set(time, rdd);
    this._started = true;
  }

  /**
   * @internal A stateful stream's RDD of `time`, computed once and kept as
   * an RDD over its computed partitions, so the next batch's lineage starts
   * there (see materialize.ts).
   */
  async _materialize(time: number, signal: AbortSignal): Promise<void> {
    const rdd = this._getOrCompute(time);
    if (rdd !== undefined) this._remember(time, await materialize(rdd, { signal }));
  }

  /** @internal The streams and batch times whose RDDs a checkpoint of `time` must hold for this stream. */
  _checkpointRDDs(time: number): [DStream<unknown>, number[]][] {
    return this._node.checkpointRDDs?.(time, this as unknown as DStream<T>) ?? [];
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

  /** @internal A new DStream of this context over `node`. */
  protected _make<U>(label: string, node: StreamNode<U>): DStream<U> {
    return this._ssc._stream(label, node);
  }

  /** @internal A derived stream whose RDD is `f(time, parentRDDs)` on this stream's grid. */
  _derive<U>(
    label: string,
    f: (time: number, rdds: RDD<unknown>[]) => RDD<U> | undefined,
    others: readonly DStream<unknown>[] = [],
  ): DStream<U> {
    return this._make(label, transformedNode([this as unknown as DStream<unknown>, ...others], f));
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
}
