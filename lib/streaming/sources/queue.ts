/** `ssc.queueStream`: a fixed queue of RDDs (or arrays), one (or all) per batch. */
import { ArgumentError } from '../../errors.js';
import { RDD } from '../../rdd.js';
import type { StreamingContext } from '../context.js';
import { InputDStream } from './input.js';

export class QueueInputDStream<T> extends InputDStream<T> {
  override readonly _checkpointable = false;
  private readonly queue: RDD<T>[];
  private readonly oneAtATime: boolean;
  private readonly fallback: RDD<T> | undefined;

  constructor(ssc: StreamingContext, items: unknown, oneAtATime: boolean, fallback: unknown) {
    super(ssc, 'queueStream');
    const sc = ssc.sparkContext;
    if (
      items === null ||
      items === undefined ||
      typeof (items as Iterable<unknown>)[Symbol.iterator] !== 'function'
    )
      throw new ArgumentError(`rdds must be an array of RDDs or arrays, got ${String(items)}`);
    const toRDD = (x: unknown, what: string): RDD<T> => {
      if (x instanceof RDD) {
        if (x.context !== sc) throw new ArgumentError(`${what} belongs to another Context`);
        return x as RDD<T>;
      }
      if (x !== null && x !== undefined && typeof (x as Iterable<unknown>)[Symbol.iterator] === 'function')
        return sc.parallelize(x as Iterable<T>);
      throw new ArgumentError(`${what} must be an RDD, an array or an Iterable, got ${String(x)}`);
    };
    // As PySpark: the queue is copied now, so later changes to the array are not seen.
    this.queue = [...(items as Iterable<unknown>)].map((x, i) => toRDD(x, `rdds[${i}]`));
    this.oneAtATime = oneAtATime !== false;
    this.fallback = fallback === undefined || fallback === null ? undefined : toRDD(fallback, 'default');
  }

  _receive(): RDD<T> {
    const sc = this._ssc.sparkContext;
    if (this.queue.length === 0) return this.fallback ?? sc.emptyRDD<T>();
    if (this.oneAtATime) return this.queue.shift() as RDD<T>;
    const all = this.queue.splice(0);
    return all.length === 1 ? (all[0] as RDD<T>) : sc.union(all);
  }
}
