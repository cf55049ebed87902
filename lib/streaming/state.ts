/**
 * `updateStateByKey`: a state per key, carried from batch to batch. Each
 * batch's state is computed once from the previous batch's state and the
 * batch's values, and kept (see materialize.ts), so neither lineage nor
 * memory grows with the number of batches.
 */
import * as args from '../args.js';
import { ArgumentError } from '../errors.js';
import { RDD } from '../rdd.js';
import { freshCopy } from '../util/clone.js';
import { DStream, defaultPartitions } from './dstream.js';
import { materialize } from './materialize.js';
import './pairs.js';

/** PySpark's update function: the key's new values of this batch and its state (undefined for a new key); return undefined to drop the key. */
export type UpdateFunc<V, S> = (values: V[], state: S | undefined) => S | undefined;

declare module './dstream.js' {
  interface DStream<T> {
    /**
     * A stream of `[key, state]`: every batch, `updateFunc(values, state)`
     * gives each key's new state from the values the batch has for it (an
     * empty array when it has none) and its previous state (`undefined` for a
     * key not seen before, or the `initialRDD`'s value). A key whose new state
     * is `undefined` is dropped. `updateFunc` gets its own copy of the state,
     * so it may change it in place and return it. `initialRDD` (an RDD or an
     * array of pairs) gives states to start from.
     */
    updateStateByKey<K, V, S>(
      this: DStream<[K, V]>,
      updateFunc: UpdateFunc<V, S>,
      numPartitions?: number,
      initialRDD?: RDD<[K, S]> | Iterable<[K, S]>,
    ): DStream<[K, S]>;
  }
}

/** Spark's StateDStream. */
class StateDStream<K, V, S> extends DStream<[K, S]> {
  /** Whether a state RDD exists (computed, or restored from a checkpoint): the initial RDD is for the first batch only. */
  private started = false;

  constructor(
    private readonly parent: DStream<[K, V]>,
    private readonly updateFunc: UpdateFunc<V, S>,
    private readonly numPartitions: number,
    private readonly initial: RDD<[K, S]> | undefined,
  ) {
    super(parent._ssc, 'updateStateByKey');
  }

  get _slideMs(): number {
    return this.parent._slideMs;
  }

  get _parents(): readonly DStream<unknown>[] {
    return [this.parent as DStream<unknown>];
  }

  /** Computed only for the batch being run: it needs the previous state, kept by `_materialize`. */
  override _computable(time: number): boolean {
    return time === this._ssc._latestTime;
  }

  override _remember(time: number, rdd: RDD<[K, S]>): void {
    super._remember(time, rdd);
    this.started = true;
  }

  protected _compute(time: number): RDD<[K, S]> | undefined {
    const update = this.updateFunc;
    const n = this.numPartitions;
    const previous = this._generated.get(time - this._slideMs) ?? (this.started ? undefined : this.initial);
    const batch = this.parent._getOrCompute(time);
    if (previous === undefined) {
      if (batch === undefined) return undefined;
      return batch.groupByKey(n).flatMapValues((values) => present(update(values, undefined)));
    }
    const values = batch ?? this._ssc.sparkContext.emptyRDD<[K, V]>();
    return previous
      .cogroup(values, n)
      .flatMapValues(([states, vs]) =>
        present(update(vs, states.length > 0 ? freshCopy(states[0]) : undefined)),
      );
  }

  async _materialize(time: number, signal: AbortSignal): Promise<void> {
    const rdd = this._getOrCompute(time);
    if (rdd !== undefined) this._remember(time, await materialize(rdd, { signal }));
  }

  /** The state kept now (the latest batch's). */
  _checkpointRDDs(): [DStream<unknown>, number[]][] {
    return [[this as DStream<unknown>, [...this._generated.keys()]]];
  }
}

const present = <S>(s: S | undefined): S[] => (s === undefined ? [] : [s]);

(DStream.prototype as unknown as Record<string, unknown>).updateStateByKey = function (
  this: DStream<[unknown, unknown]>,
  updateFunc: UpdateFunc<unknown, unknown>,
  numPartitions?: number,
  initialRDD?: RDD<[unknown, unknown]> | Iterable<[unknown, unknown]>,
) {
  args.func('updateFunc', updateFunc);
  const n = defaultPartitions(this as DStream<unknown>, numPartitions);
  const sc = this._ssc.sparkContext;
  let initial: RDD<[unknown, unknown]> | undefined;
  if (initialRDD instanceof RDD) {
    if (initialRDD.context !== sc) throw new ArgumentError('initialRDD belongs to another Context');
    initial = initialRDD;
  } else if (initialRDD !== undefined && initialRDD !== null) {
    if (typeof (initialRDD as Iterable<unknown>)[Symbol.iterator] !== 'function')
      throw new ArgumentError(`initialRDD must be an RDD or an array of pairs, got ${String(initialRDD)}`);
    initial = sc.parallelize(initialRDD);
  }
  return new StateDStream(this, updateFunc, n, initial);
};
