/**
 * `ssc.fromAsyncIterable(iterable)`: any `AsyncIterable` (a Node `Readable`,
 * a message consumer, an async generator) as a DStream, batched by arrival
 * time: each batch takes the items that arrived up to its time. Back-pressure:
 * at most `maxBuffered` items (default 10,000) are read ahead of the batches;
 * then reading waits until a batch takes them, so the iterable is never read
 * faster than batches are processed. When the iterable ends, later batches
 * are empty; when it throws, the items read before are still handed to a
 * batch, and the next batch fails with the error. `stop()` calls the
 * iterator's `return()`.
 */
import { ArgumentError } from '../../errors.js';
import type { RDD } from '../../rdd.js';
import type { StreamingContext } from '../context.js';
import { InputDStream } from './input.js';

/** Options of `fromAsyncIterable`. */
export interface AsyncIterableStreamOptions {
  /** Items read ahead of the batches at most (default 10,000). */
  maxBuffered?: number;
}

interface Arrived<T> {
  readonly time: number;
  readonly items: T[];
}

export const DEFAULT_READ_AHEAD = 10_000;

export class AsyncIterableInputDStream<T> extends InputDStream<T> {
  private iterator: AsyncIterator<T> | Iterator<T> | undefined;
  private arrived: Arrived<T>[] = [];
  private held = 0;
  private done = false;
  private stopped = false;
  private failure: { error: unknown } | undefined;
  private room: (() => void) | undefined;

  constructor(
    ssc: StreamingContext,
    private readonly iterable: AsyncIterable<T> | Iterable<T>,
    private readonly maxBuffered: number,
  ) {
    super(ssc, 'fromAsyncIterable');
    const it = iterable as Partial<AsyncIterable<T> & Iterable<T>> | null;
    if (
      it === null ||
      (typeof it !== 'object' && typeof it !== 'function') ||
      (typeof it[Symbol.asyncIterator] !== 'function' && typeof it[Symbol.iterator] !== 'function')
    )
      throw new ArgumentError(`iterable must be an AsyncIterable (or an Iterable), got ${String(iterable)}`);
  }

  override _start(): void {
    const it = this.iterable as Partial<AsyncIterable<T> & Iterable<T>>;
    this.iterator =
      typeof it[Symbol.asyncIterator] === 'function'
        ? (it[Symbol.asyncIterator] as () => AsyncIterator<T>)()
        : (it[Symbol.iterator] as () => Iterator<T>)();
    void this.pump();
  }

  /** Reads items into the buffer while there is room. */
  private async pump(): Promise<void> {
    const iterator = this.iterator as AsyncIterator<T>;
    try {
      while (!this.stopped) {
        if (this.held >= this.maxBuffered) {
          await new Promise<void>((resolve) => (this.room = resolve));
          continue;
        }
        const r = await iterator.next();
        if (this.stopped) return;
        if (r.done) {
          this.done = true;
          return;
        }
        const now = this._ssc._clock.now();
        const last = this.arrived.at(-1);
        if (last !== undefined && last.time === now) last.items.push(r.value);
        else this.arrived.push({ time: now, items: [r.value] });
        this.held++;
      }
    } catch (error) {
      this.done = true;
      if (!this.stopped) this.failure = { error };
    }
  }

  override _receive(time: number, final: boolean): RDD<T> {
    let n = 0;
    while (n < this.arrived.length && (final || (this.arrived[n] as Arrived<T>).time <= time)) n++;
    const sc = this._ssc.sparkContext;
    if (n === 0 && this.failure !== undefined && this.arrived.length === 0) throw this.failure.error;
    const items: T[] = [];
    for (const a of this.arrived.splice(0, n)) for (const x of a.items) items.push(x);
    this.held -= items.length;
    const wake = this.room;
    this.room = undefined;
    wake?.();
    return items.length === 0 ? sc.emptyRDD<T>() : sc.parallelize(items);
  }

  override _hasPending(): boolean {
    return this.held > 0;
  }

  override _stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    const wake = this.room;
    this.room = undefined;
    wake?.();
    if (!this.done && this.iterator !== undefined && typeof this.iterator.return === 'function') {
      try {
        // Not awaited: an async generator suspended in an await finishes its return() only after it resumes.
        Promise.resolve(this.iterator.return()).catch(() => {});
      } catch {
        // A return() that throws: the iterator is left as it is.
      }
    }
  }
}
