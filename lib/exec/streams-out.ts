/**
 * Results out as streams: `for await (const x of rdd)`, `rdd.toNodeStream()`
 * (a Node `Readable`) and `rdd.toWebStream()` (a WHATWG `ReadableStream`).
 *
 * All three pull: a job computes the partitions in order, on the main
 * thread as `take` does, one batch at a time, and the next batch only when
 * the consumer has taken the last one (the job runs at most one batch ahead
 * of it, plus what the stream's own buffer holds). Ending early (`break`,
 * `destroy()`, `cancel()`, an aborted `signal`) stops the job and closes its
 * sources before the stream reports that it is closed.
 */
import { Readable } from 'node:stream';
import { ArgumentError } from '../errors.js';
import type { PlanNode } from '../plan/nodes.js';
import { nestedActionError, taskCode } from './nesting.js';
import { type ActionOptions, pullInOrder, signalOf } from './run.js';
import type { Runtime } from './runtime.js';

/** Options of `toNodeStream` and `toWebStream`. */
export interface StreamOptions extends ActionOptions {
  /**
   * `'utf8'`: a text stream, one line per element (`String(x)` and `\n`, as
   * `saveAsTextFile` writes them). Without it, an object stream of the elements.
   */
  readonly encoding?: 'utf8' | 'utf-8';
  /**
   * How much the stream buffers before it stops pulling: elements in object
   * mode (default 16), bytes in text mode (default 64 KiB), as Node counts them.
   */
  readonly highWaterMark?: number;
}

/**
 * What `toNodeStream` returns: a Node `stream.Readable` at run time. Its
 * type lists the members a user calls, so that the package's types compile
 * without `@types/node`; with Node's types, `as unknown as Readable` gives
 * the rest.
 */
export interface NodeReadable<T> extends AsyncIterable<T> {
  /** Whether the stream carries elements (object mode) rather than text. */
  readonly readableObjectMode: boolean;
  /** Whether `destroy()` was called or the stream failed or ended. */
  readonly destroyed: boolean;
  /** Pipes the stream into `destination` (an HTTP response, a file stream ...), with back-pressure. */
  pipe<W>(destination: W, options?: { end?: boolean }): W;
  /** Stops the job, closes its sources, and ends the stream (with `error` as its `'error'` event). */
  destroy(error?: Error): this;
  /** Node's stream events: `'data'`, `'end'`, `'error'`, `'close'` ... */
  on(event: string, listener: (...args: unknown[]) => void): this;
  once(event: string, listener: (...args: unknown[]) => void): this;
  off(event: string, listener: (...args: unknown[]) => void): this;
  /** Reads from the buffer (`null` when it is empty). */
  read(size?: number): T | null;
  pause(): this;
  resume(): this;
}

/** The consumer's side of a job that hands over one batch at a time. */
interface BatchPull<T> {
  /** The next batch, or undefined at the end; rejects with the job's failure. */
  next(): Promise<T[] | undefined>;
  /** Stops the job (if it still runs) and resolves once its sources are closed. */
  close(): Promise<void>;
}

type Handoff<T> = { batch: T[] } | { done: true } | { error: unknown };

function deferred<V>(): { promise: Promise<V>; resolve: (v: V) => void } {
  let resolve!: (v: V) => void;
  const promise = new Promise<V>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * Runs `rdd`'s partitions in order (as `take` does: incrementally, retried
 * without repeating what was handed over) and hands the batches over one at
 * a time: the job computes the next batch while the consumer works on this
 * one, then waits for the consumer to ask again.
 */
function pullBatches<T>(
  runtime: Runtime,
  node: PlanNode,
  signal: AbortSignal | undefined,
  operator: string,
): BatchPull<T> {
  const stop = new AbortController();
  const jobSignal = signal === undefined ? stop.signal : AbortSignal.any([signal, stop.signal]);
  let slot = deferred<Handoff<T>>();
  let resume: ((more: boolean) => void) | undefined;
  let closing = false;
  let finished = false;
  const job = pullInOrder(
    runtime,
    node,
    (batch) => {
      if (closing) return false;
      if (batch.length === 0) return true;
      slot.resolve({ batch: batch as T[] });
      return new Promise<boolean>((r) => {
        resume = r;
      });
    },
    { signal: jobSignal },
    operator,
    undefined,
    false,
  ).then(
    () => slot.resolve({ done: true }),
    (error: unknown) => slot.resolve({ error }),
  );
  return {
    async next() {
      if (finished) return undefined;
      const got = await slot.promise;
      if ('batch' in got) {
        slot = deferred();
        // Let the job compute the next batch while this one is consumed.
        const r = resume;
        resume = undefined;
        r?.(true);
        return got.batch;
      }
      finished = true;
      if ('error' in got) throw got.error;
      return undefined;
    },
    async close() {
      if (closing) return job;
      closing = true;
      finished = true;
      const r = resume;
      resume = undefined;
      r?.(false);
      // A batch being computed (a long read, a CPU-bound loop) stops at the abort.
      stop.abort(new ArgumentError('the stream was closed'));
      await job;
    },
  };
}

function encodingOf(options: StreamOptions | undefined): 'utf8' | undefined {
  const encoding = options?.encoding;
  if (encoding === undefined || encoding === null) return undefined;
  if (encoding === 'utf8' || encoding === 'utf-8') return 'utf8';
  throw new ArgumentError(`encoding must be 'utf8' or left out (an object stream), got ${String(encoding)}`);
}

function highWaterMarkOf(options: StreamOptions | undefined): number | undefined {
  const hwm = options?.highWaterMark;
  if (hwm === undefined || hwm === null) return undefined;
  if (typeof hwm !== 'number' || !Number.isInteger(hwm) || hwm < 1)
    throw new ArgumentError(`highWaterMark must be a positive integer, got ${String(hwm)}`);
  return hwm;
}

/** A batch as text: one line per element, as saveAsTextFile writes them. */
function linesOf(batch: readonly unknown[]): string {
  let s = '';
  for (let i = 0; i < batch.length; i++) {
    const x = batch[i];
    s += `${typeof x === 'string' ? x : String(x)}\n`;
  }
  return s;
}

const nullElement = (): Error =>
  new ArgumentError(
    'toNodeStream: an element is null, which a Node object-mode stream cannot carry (null ends it); ' +
      'map it to another value first, or use toWebStream() or for await',
  );

/** `for await (const x of rdd)`: the elements, pulled one batch at a time as the loop asks. */
export function iterateElements<T>(runtime: Runtime, node: PlanNode): AsyncIterator<T> {
  checkNotInTask('for await');
  return (async function* () {
    const pull = pullBatches<T>(runtime, node, undefined, 'for await');
    try {
      for (let batch = await pull.next(); batch !== undefined; batch = await pull.next()) yield* batch;
    } finally {
      await pull.close();
    }
  })();
}

/**
 * The streams check their options at once, as Node's stream constructors do
 * (a bad option throws; the job's failures error the stream), and refuse to
 * start from task code, as actions do (SPARK-5063).
 */
function checkNotInTask(method: string): void {
  if (taskCode.depth > 0) throw nestedActionError(method);
}

/** `rdd.toNodeStream(options)`: a Node `Readable` that pulls the job as it is read. */
export function nodeStream(runtime: Runtime, node: PlanNode, options?: StreamOptions): NodeReadable<unknown> {
  checkNotInTask('toNodeStream');
  const encoding = encodingOf(options);
  const highWaterMark = highWaterMarkOf(options);
  const signal = signalOf(options);
  let pull: BatchPull<unknown> | undefined;
  const stream = new Readable({
    objectMode: encoding === undefined,
    ...(encoding === undefined ? {} : { encoding, highWaterMark: highWaterMark ?? 64 * 1024 }),
    ...(encoding === undefined && highWaterMark !== undefined ? { highWaterMark } : {}),
    ...(signal === undefined ? {} : { signal }),
    read() {
      pull ??= pullBatches(runtime, node, signal, 'toNodeStream');
      const from = pull;
      from.next().then(
        (batch) => {
          if (batch === undefined) {
            stream.push(null);
          } else if (encoding !== undefined) {
            stream.push(linesOf(batch));
          } else {
            for (let i = 0; i < batch.length; i++) {
              if (batch[i] === null) {
                stream.destroy(nullElement());
                return;
              }
              stream.push(batch[i]);
            }
          }
        },
        (e: unknown) => stream.destroy(e instanceof Error ? e : new Error(String(e))),
      );
    },
    destroy(error, callback) {
      const from = pull;
      if (from === undefined) callback(error);
      else
        from.close().then(
          () => callback(error),
          () => callback(error),
        );
    },
  });
  return stream as unknown as NodeReadable<unknown>;
}

/** `rdd.toWebStream(options)`: a WHATWG `ReadableStream` that pulls the job as it is read. */
export function webStream(
  runtime: Runtime,
  node: PlanNode,
  options?: StreamOptions,
): ReadableStream<unknown> {
  checkNotInTask('toWebStream');
  const encoding = encodingOf(options);
  const highWaterMark = highWaterMarkOf(options);
  const signal = signalOf(options);
  const pull = pullBatches(runtime, node, signal, 'toWebStream');
  const strategy = new CountQueuingStrategy({ highWaterMark: highWaterMark ?? 1 });
  return new ReadableStream<unknown>(
    {
      async pull(controller) {
        let batch: unknown[] | undefined;
        try {
          batch = await pull.next();
        } catch (e) {
          controller.error(e);
          return;
        }
        if (batch === undefined) {
          controller.close();
          return;
        }
        if (encoding !== undefined) controller.enqueue(linesOf(batch));
        else for (let i = 0; i < batch.length; i++) controller.enqueue(batch[i]);
      },
      cancel() {
        return pull.close();
      },
    },
    strategy,
  );
}
