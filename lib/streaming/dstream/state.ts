/**
 * `updateStateByKey`: a state per key, carried from batch to batch. Each
 * batch's state is computed once from the previous batch's state and the
 * batch's values, and kept (see materialize.ts), so neither lineage nor
 * memory grows with the number of batches.
 */
import * as args from '../../args.js';
import { ArgumentError } from '../../errors.js';
import { RDD } from '../../rdd.js';
import { freshCopy } from '../../util/clone.js';
import type { DStream } from '../dstream.js';
import { defaultPartitions, type StreamNode } from './core.js';
import { DStreamWindows } from './windows.js';

/** PySpark's update function: the key's new values of this batch and its state (undefined for a new key); return undefined to drop the key. */
export type UpdateFunc<V, S> = (values: V[], state: S | undefined) => S | undefined;

const present = <S>(s: S | undefined): S[] => (s === undefined ? [] : [s]);

/** Spark's StateDStream: computed only for the batch being run, from the previous batch's state. */
function stateNode<K, V, S>(
  parent: DStream<[K, V]>,
  update: UpdateFunc<V, S>,
  n: number,
  initial: RDD<[K, S]> | undefined,
): StreamNode<[K, S]> {
  return {
    parents: [parent as DStream<unknown>],
    slideMs: parent._slideMs,
    mode: 'state',
    compute(time, self) {
      // The initial RDD is for the first batch only (not after a restore from a checkpoint).
      const previous = self._generated.get(time - self._slideMs) ?? (self._started ? undefined : initial);
      const batch = parent._getOrCompute(time);
      if (previous === undefined) {
        if (batch === undefined) return undefined;
        return batch.groupByKey(n).flatMapValues((values) => present(update(values, undefined)));
      }
      const values = batch ?? self._ssc.sparkContext.emptyRDD<[K, V]>();
      return previous
        .cogroup(values, n)
        .flatMapValues(([states, vs]) =>
          present(update(vs, states.length > 0 ? freshCopy(states[0]) : undefined)),
        );
    },
    /** The state kept now (the latest batch's). */
    checkpointRDDs: (_time, self) => [[self as DStream<unknown>, [...self._generated.keys()]]],
  };
}

export class DStreamState<T> extends DStreamWindows<T> {
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
  ): DStream<[K, S]> {
    args.func('updateFunc', updateFunc);
    const n = defaultPartitions(this, numPartitions);
    const sc = this._ssc.sparkContext;
    let initial: RDD<[K, S]> | undefined;
    if (initialRDD instanceof RDD) {
      if (initialRDD.context !== sc) throw new ArgumentError('initialRDD belongs to another Context');
      initial = initialRDD;
    } else if (initialRDD !== undefined && initialRDD !== null) {
      if (typeof (initialRDD as Iterable<unknown>)[Symbol.iterator] !== 'function')
        throw new ArgumentError(`initialRDD must be an RDD or an array of pairs, got ${String(initialRDD)}`);
      initial = sc.parallelize(initialRDD);
    }
    return this._make('updateStateByKey', stateNode(this, updateFunc, n, initial));
  }
}
