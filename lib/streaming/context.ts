/**
 * `StreamingContext`: the entry point of Spark Streaming (PySpark's
 * `pyspark.streaming.StreamingContext`). Makes input DStreams, starts and
 * stops the batch loop, and reports how it ended.
 */
import * as args from '../args.js';
import { Context } from '../context.js';
import { ArgumentError, IOError, SparklingError } from '../errors.js';
import type { RDD } from '../rdd.js';
import { type CheckpointData, checkpointDirectory, readCheckpoint } from './checkpoint.js';
import { type Clock, SystemClock } from './clock.js';
import { checkRDD, checkSameSlide, DStream, type OutputOperation, type StreamNode } from './dstream.js';
import { millis } from './duration.js';
import { fromPartitions } from './materialize.js';
import { BatchLoop, insideBatch } from './scheduler.js';
import {
  AsyncIterableInputDStream,
  type AsyncIterableStreamOptions,
  DEFAULT_READ_AHEAD,
} from './sources/async-iterable.js';
import { FileInputDStream } from './sources/files.js';
import type { InputDStream } from './sources/input.js';
import { QueueInputDStream } from './sources/queue.js';
import { SocketInputDStream, type SocketStreamOptions } from './sources/socket.js';

/** Options of `new StreamingContext(sc, batchDuration, options)`. */
export interface StreamingContextOptions {
  /** The clock batches are timed by (default: the system clock). A `ManualClock` steps batches in tests. */
  clock?: Clock;
}

type State = 'initialized' | 'active' | 'stopped';

export class StreamingContext {
  /** @internal Batch interval, milliseconds. */
  readonly _batchMs: number;
  /** @internal */
  readonly _clock: Clock;
  /** @internal Every DStream made on this context, in creation order. */
  readonly _streams: DStream<unknown>[] = [];
  /** @internal */
  readonly _inputs: InputDStream<unknown>[] = [];
  /** @internal Output operations in registration order. */
  readonly _outputs: OutputOperation[] = [];
  /** @internal */
  _checkpointDir: string | undefined;
  /** @internal The time before the first batch; batch times are zeroTime + k * batch. */
  _zeroTime: number | undefined;
  /** @internal The latest batch time generated. */
  _latestTime: number | undefined;
  private readonly sc: Context;
  private state: State = 'initialized';
  private rememberMs = 0;
  private loop: BatchLoop | undefined;
  private loopDone: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private restore: CheckpointData | undefined;
  private failure: { error: unknown } | undefined;
  private readonly terminated: Promise<void>;
  private settle!: (error?: { error: unknown }) => void;

  private static active: StreamingContext | undefined;

  /**
   * A StreamingContext on `sparkContext` cutting data into batches of
   * `batchDuration` seconds (converted to whole milliseconds).
   * @example
   * new StreamingContext(sc, 0.5)._batchMs;
   * // => 500
   */
  constructor(sparkContext: Context, batchDuration: number, options: StreamingContextOptions | Clock = {}) {
    if (!(sparkContext instanceof Context)) throw new ArgumentError('sparkContext must be a Context');
    this.sc = sparkContext;
    this._batchMs = millis('batchDuration', batchDuration);
    if (typeof options !== 'object' || options === null)
      throw new ArgumentError(`options must be an object, got ${String(options)}`);
    // A clock given directly, as well as in { clock }.
    const clock = isClock(options) ? options : (options.clock ?? new SystemClock());
    if (typeof clock.now !== 'function' || typeof clock.sleepUntil !== 'function')
      throw new ArgumentError('clock must have now() and sleepUntil(time, signal)');
    this._clock = clock;
    this.terminated = new Promise<void>((resolve, reject) => {
      this.settle = (failure) => (failure === undefined ? resolve() : reject(failure.error));
    });
    this.terminated.catch(() => {}); // reported by awaitTermination*, never as an unhandled rejection
  }

  /** The Context the batches run on. */
  get sparkContext(): Context {
    return this.sc;
  }

  /**
   * `'initialized'`, `'active'` or `'stopped'` (Spark's `getState()`).
   * @example
   * new StreamingContext(sc, 1).getState();
   * // => 'initialized'
   */
  getState(): State {
    return this.state;
  }

  // ------------------------------------------------------------ graph

  /** @internal Adds a DStream to the graph; its id. */
  _register(stream: DStream<unknown>, label: string): number {
    this._checkMutable(label);
    this._streams.push(stream);
    return this._streams.length - 1;
  }

  /** @internal A new DStream over `node` (operators make their DStreams here, as RDD methods through `Context._rdd`). */
  _stream<T>(label: string, node: StreamNode<T>): DStream<T> {
    return new DStream<T>(this, label, node);
  }

  /** @internal */
  _addInput(input: InputDStream<unknown>): void {
    this._inputs.push(input);
  }

  /** @internal */
  _addOutput(op: OutputOperation): void {
    this._checkMutable(op.name);
    this._outputs.push(op);
  }

  /** @internal DStreams and outputs can only be added before `start()` (Spark's rule). */
  _checkMutable(op: string): void {
    if (this.state === 'active')
      throw new SparklingError(
        `${op}: cannot add DStreams or output operations after the StreamingContext started`,
      );
    if (this.state === 'stopped')
      throw new SparklingError(
        `${op}: cannot add DStreams or output operations to a stopped StreamingContext`,
      );
  }

  // ------------------------------------------------------------ sources

  /**
   * A DStream from a queue of RDDs or arrays: each batch takes the next one
   * (or, with `oneAtATime` false, the first batch takes all of them); when
   * the queue is empty, `default` (an RDD or an array), else an empty RDD.
   * The array is copied: later changes to it are not seen. A queue cannot be
   * checkpointed: `start()` throws when `checkpoint()` is set.
   * @example
   * const clock = new ManualClock();
   * const ssc = new StreamingContext(sc, 1, { clock });
   * const out = [];
   * ssc.queueStream([[1, 2], [3]], true, ['-']).foreachRDD(async (rdd) => { out.push(await rdd.collect()); });
   * ssc.start();
   * await clock.advance(3000);
   * await ssc.stop(false);
   * out;
   * // => [[1, 2], [3], ['-']]
   */
  queueStream<K, V>(
    rdds: readonly (readonly [K, V][])[],
    oneAtATime?: boolean,
    defaultRDD?: RDD<[K, V]> | Iterable<[K, V]>,
  ): DStream<[K, V]>;
  queueStream<T>(
    rdds: readonly (readonly T[])[],
    oneAtATime?: boolean,
    defaultRDD?: RDD<T> | Iterable<T>,
  ): DStream<T>;
  queueStream<T>(rdds: Iterable<RDD<T>>, oneAtATime?: boolean, defaultRDD?: RDD<T> | Iterable<T>): DStream<T>;
  queueStream<T>(
    rdds: Iterable<RDD<T> | Iterable<T>>,
    oneAtATime?: boolean,
    defaultRDD?: RDD<T> | Iterable<T>,
  ): DStream<T>;
  queueStream<T>(
    rdds: Iterable<RDD<T> | Iterable<T>>,
    oneAtATime = true,
    defaultRDD?: RDD<T> | Iterable<T>,
  ): DStream<T> {
    return new QueueInputDStream<T>(this, rdds, oneAtATime, defaultRDD);
  }

  /**
   * The lines of the files that appear in `directory` (local, `s3://`,
   * `hdfs://` ..., as `textFile` reads them, `.gz`/`.bz2` included). Files
   * present at `start()`, subdirectories and names starting with `.` or `_`
   * are ignored; a new file is due in the first batch whose time is at or
   * after its modification time; a batch reads its files in modification-time
   * order; each file is read once. Write files elsewhere and move them in,
   * as for Spark: a file is read when it is first seen.
   */
  textFileStream(directory: string): DStream<string> {
    const dir = directoryArgument(directory);
    return new FileInputDStream<string>(this, 'textFileStream', dir, (sc, paths) =>
      sc.textFile(paths.join(',')),
    );
  }

  /**
   * Fixed-length binary records (`Uint8Array`s of `recordLength` bytes) of
   * the files that appear in `directory`, found as by `textFileStream`. A
   * file whose length is not a multiple of `recordLength` fails its batch
   * with an `IOError` naming it.
   */
  binaryRecordsStream(directory: string, recordLength: number): DStream<Uint8Array> {
    const dir = directoryArgument(directory);
    const n = args.positiveInt('recordLength', recordLength);
    return new FileInputDStream<Uint8Array>(this, 'binaryRecordsStream', dir, (sc, paths) =>
      sc.binaryFiles(paths.join(',')).flatMap(([path, bytes]) => records(path, bytes, n)),
    );
  }

  /**
   * The lines a TCP server at `hostname:port` sends (UTF-8, ending at `\n`,
   * `\r\n` or `\r`): sparkling connects as a client, as Spark does. A
   * refused or lost connection is retried for up to 10 s
   * (`options.retryTimeout`), then the context stops and `awaitTermination`
   * rejects with an `IOError` naming `hostname:port`. Reading pauses while
   * more than `options.maxBufferedBytes` (64 MiB) wait for a batch.
   * `storageLevel` is accepted for PySpark's signature and ignored.
   */
  socketTextStream(
    hostname: string,
    port: number,
    _storageLevel?: unknown,
    options: SocketStreamOptions = {},
  ): DStream<string> {
    if (typeof hostname !== 'string' || hostname === '')
      throw new ArgumentError(`hostname must be a non-empty string, got ${String(hostname)}`);
    const p = args.positiveInt('port', port);
    if (p > 65535) throw new ArgumentError(`port must be a TCP port (1-65535), got ${p}`);
    const retry = options.retryTimeout === undefined ? 10_000 : millis('retryTimeout', options.retryTimeout);
    const max = args.optionalPositiveInt('maxBufferedBytes', options.maxBufferedBytes) ?? 64 * 1024 * 1024;
    return new SocketInputDStream(this, hostname, p, retry, max);
  }

  /**
   * Any `AsyncIterable` (a Node `Readable`, a message consumer, an async
   * generator; a plain Iterable too) as a DStream, batched by arrival time.
   * At most `options.maxBuffered` items (10,000) are read ahead of the
   * batches, so the iterable is not read faster than batches are processed.
   * When it ends, later batches are empty; when it throws, the items before
   * are still processed and the next batch fails with the error. `stop()`
   * calls the iterator's `return()`.
   * @example
   * const clock = new ManualClock();
   * const ssc = new StreamingContext(sc, 1, { clock });
   * async function* numbers() { yield 1; yield 2; }
   * const out = [];
   * ssc.fromAsyncIterable(numbers()).foreachRDD(async (rdd) => { out.push(await rdd.collect()); });
   * await ssc.start();
   * await new Promise((r) => setTimeout(r, 10));
   * await clock.advance(2000);
   * await ssc.stop(false);
   * out;
   * // => [[1, 2], []]
   */
  fromAsyncIterable<T>(
    iterable: AsyncIterable<T> | Iterable<T>,
    options: AsyncIterableStreamOptions = {},
  ): DStream<T> {
    const max = args.optionalPositiveInt('maxBuffered', options.maxBuffered) ?? DEFAULT_READ_AHEAD;
    return new AsyncIterableInputDStream<T>(this, iterable, max);
  }

  /**
   * The union of several DStreams of the same slide duration.
   * @example
   * const clock = new ManualClock();
   * const ssc = new StreamingContext(sc, 1, { clock });
   * const out = [];
   * ssc.union(ssc.queueStream([[1]]), ssc.queueStream([[2]])).foreachRDD(async (rdd) => { out.push(await rdd.collect()); });
   * ssc.start();
   * await clock.advance(1000);
   * await ssc.stop(false);
   * out;
   * // => [[1, 2]]
   */
  union<T>(...dstreams: DStream<T>[]): DStream<T> {
    if (dstreams.length === 0) throw new ArgumentError('union needs at least one DStream');
    checkSameSlide('union', dstreams as DStream<unknown>[]);
    if (dstreams.length === 1) return dstreams[0] as DStream<T>;
    const [first, ...rest] = dstreams as DStream<unknown>[];
    return (first as DStream<unknown>)._derive<T>(
      'union',
      (_t, rdds) => this.sc.union(rdds as RDD<T>[]),
      rest,
    );
  }

  /**
   * A DStream whose RDD of each batch is `f(rdds)`, `rdds` being the batch's
   * RDDs of `dstreams`, in order (PySpark's `ssc.transform`). The DStreams
   * must have the same slide duration.
   */
  transform<T>(
    dstreams: readonly DStream<unknown>[],
    f: (rdds: RDD<unknown>[]) => RDD<T> | undefined,
  ): DStream<T> {
    if (!Array.isArray(dstreams) || dstreams.length === 0)
      throw new ArgumentError('dstreams must be a non-empty array of DStreams');
    args.func('transformFunc', f);
    checkSameSlide('transform', dstreams);
    const [first, ...rest] = dstreams;
    return (first as DStream<unknown>)._derive<T>(
      'transform',
      (_t, rdds) => checkRDD(this.sc, f(rdds), 'the function given to transform') as RDD<T> | undefined,
      rest,
    );
  }

  // ------------------------------------------------------------ settings

  /**
   * Makes every DStream keep its RDDs for at least `duration` seconds (so
   * `slice` can reach them); by default a DStream keeps what its own
   * operators need.
   */
  remember(duration: number): void {
    this._checkMutable('remember');
    this.rememberMs = millis('duration', duration);
  }

  /**
   * Writes checkpoints to the local directory `directory` after every batch
   * (or every `dstream.checkpoint(interval)`): the state of
   * `updateStateByKey` and windowed streams and the file sources' positions,
   * which `StreamingContext.getOrCreate(directory, setup)` resumes from.
   */
  checkpoint(directory: string): void {
    this._checkMutable('checkpoint');
    this._checkpointDir = checkpointDirectory(directory);
  }

  // ------------------------------------------------------------ lifecycle

  /**
   * Starts the batch loop. Throws at once when there is no output operation,
   * when a queueStream would be checkpointed, or when the context was
   * started or stopped already. The Promise resolves when the sources are
   * started (directories listed, sockets opening); it rejects, as
   * `awaitTermination` does, if they cannot start.
   */
  start(): Promise<void> {
    if (this.state === 'active') throw new SparklingError('the StreamingContext has already been started');
    if (this.state === 'stopped') throw new SparklingError('the StreamingContext has already been stopped');
    if (this.sc.isStopped) throw new SparklingError('the Context of this StreamingContext was stopped');
    if (this._outputs.length === 0)
      throw new SparklingError(
        'no output operations registered, so nothing to execute (use foreachRDD, pprint ...)',
      );
    if (this._checkpointDir !== undefined) {
      const queue = this._inputs.find((i) => !i._checkpointable);
      if (queue !== undefined)
        throw new SparklingError(
          `${queue._label} cannot be checkpointed: its RDDs cannot be recovered; remove checkpoint() or use another source`,
        );
    }
    const restored = this.restore;
    if (restored !== undefined) this.checkRestore(restored);
    const batch = this._batchMs;
    let first: number;
    if (restored !== undefined) {
      this._zeroTime = restored.zeroTime;
      first = restored.time + batch;
    } else {
      first = (Math.floor(this._clock.now() / batch) + 1) * batch;
      this._zeroTime = first - batch;
    }
    const loop = new BatchLoop(this, first);
    this.loop = loop;
    this.setRememberDurations(loop.streams);
    if (restored !== undefined) this.applyRestore(restored);
    this.state = 'active';
    StreamingContext.active = this;
    this._clock.attach?.();
    const started = Promise.all(this._inputs.map((i) => i._start())).then(() => {});
    this.loopDone = started
      .then(() => loop.run())
      .then(
        () => this.finish(undefined),
        (error: unknown) => this.finish({ error }),
      );
    started.catch(() => {});
    return started;
  }

  /**
   * Stops the batch loop and the sources (sockets closed, iterators
   * returned) and, with `stopSparkContext` (the default, as PySpark), the
   * Context. Not graceful (the default): the running batch's remaining
   * output operations are skipped and built-in ones cancelled. Graceful:
   * the running batch finishes, then one more batch processes the data
   * already received. Resolves when everything has stopped.
   */
  stop(stopSparkContext = true, stopGracefully = false): Promise<void> {
    if (this.state === 'initialized') {
      this.state = 'stopped';
      this.settle();
      if (stopSparkContext) this.sc.stop();
      return Promise.resolve();
    }
    if (this.stopping === undefined) {
      const loop = this.loop as BatchLoop;
      loop.requestStop(stopGracefully === true);
      this.stopping = (async () => {
        await Promise.all(this._inputs.map((i) => i._stop()));
        await this.loopDone;
      })();
    }
    const stopping = this.stopping.then(() => {
      if (stopSparkContext) this.sc.stop();
    });
    // stop() called from an output operation cannot wait for its own batch.
    return insideBatch.getStore() === this.loop ? Promise.resolve() : stopping;
  }

  /** @internal Stops the context because of `error` (a source that failed). */
  _fail(error: unknown): void {
    if (this.state !== 'active' || this.failure !== undefined) return;
    this.failure = { error };
    this.loop?.requestStop(false);
    void this.stop(false);
  }

  /** Ends the context: the loop is over (with `failure`, or stopped). */
  private async finish(failure: { error: unknown } | undefined): Promise<void> {
    if (failure !== undefined && this.failure === undefined) this.failure = failure;
    this.state = 'stopped';
    if (StreamingContext.active === this) StreamingContext.active = undefined;
    await Promise.all(this._inputs.map((i) => i._stop()));
    for (const s of this._streams) s._clear();
    this._clock.detach?.();
    this.settle(this.failure);
  }

  /**
   * Resolves when the context stops, or after `timeout` seconds if given;
   * rejects with the error that stopped it (a `TaskError` naming the output
   * operation and batch time, or a source's error).
   */
  awaitTermination(timeout?: number): Promise<void> {
    if (timeout === undefined || timeout === null) return this.terminated.then(() => {});
    return this.awaitTerminationOrTimeout(timeout).then(() => {});
  }

  /**
   * Resolves `true` when the context stops within `timeout` seconds, `false`
   * when the time runs out first; rejects with the error that stopped it.
   */
  awaitTerminationOrTimeout(timeout: number): Promise<boolean> {
    if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0)
      throw new ArgumentError(`timeout must be a non-negative number of seconds, got ${String(timeout)}`);
    return new Promise<boolean>((resolve, reject) => {
      const timer = setTimeout(() => resolve(false), timeout * 1000);
      this.terminated.then(
        () => {
          clearTimeout(timer);
          resolve(true);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }

  /** The StreamingContext started last and not stopped since, if any. */
  static getActive(): StreamingContext | undefined {
    return StreamingContext.active;
  }

  /**
   * A StreamingContext resumed from the newest checkpoint in `directory`, or
   * a new one. `setup()` makes the context and its DStreams either way
   * (JavaScript functions cannot be read back from disk); when a checkpoint
   * exists, the state of `updateStateByKey` and windows and the file
   * sources' positions are then restored from it, and the batches after the
   * checkpoint's run first. The context checkpoints to `directory`.
   */
  static getOrCreate(directory: string, setup: () => StreamingContext): StreamingContext;
  static getOrCreate(directory: string, setup: () => Promise<StreamingContext>): Promise<StreamingContext>;
  static getOrCreate(
    directory: string,
    setup: () => StreamingContext | Promise<StreamingContext>,
  ): StreamingContext | Promise<StreamingContext> {
    const dir = checkpointDirectory(directory);
    args.func('setupFunc', setup);
    const data = readCheckpoint(dir);
    const adopt = (ssc: unknown): StreamingContext => {
      if (!(ssc instanceof StreamingContext))
        throw new ArgumentError('setupFunc must return a StreamingContext');
      if (ssc._checkpointDir === undefined) ssc.checkpoint(directory);
      if (data !== undefined) ssc.restoreFrom(data);
      return ssc;
    };
    const made = setup();
    return made instanceof Promise ? made.then(adopt) : adopt(made);
  }

  /** The active StreamingContext if there is one, else `getOrCreate(directory, setup)`. */
  static getActiveOrCreate(directory: string | undefined, setup: () => StreamingContext): StreamingContext {
    args.func('setupFunc', setup);
    const active = StreamingContext.getActive();
    if (active !== undefined) return active;
    return directory === undefined || directory === null
      ? setup()
      : StreamingContext.getOrCreate(directory, setup);
  }

  // ------------------------------------------------------------ internals

  private restoreFrom(data: CheckpointData): void {
    if (this.state !== 'initialized')
      throw new SparklingError('a started StreamingContext cannot be restored');
    if (data.batchMs !== this._batchMs)
      throw new ArgumentError(
        `the checkpoint was written with batches of ${data.batchMs / 1000} s; this StreamingContext has ${this._batchMs / 1000} s`,
      );
    this.restore = data;
  }

  /** Throws unless the graph set up now is the one the checkpoint was written for. */
  private checkRestore(data: CheckpointData): void {
    const now = this._streams.map((s) => s._label);
    if (now.length !== data.graph.length || now.some((label, i) => label !== data.graph[i]))
      throw new SparklingError(
        `the DStreams set up (${now.join(', ')}) are not those of the checkpoint (${data.graph.join(', ')})`,
      );
  }

  private applyRestore(data: CheckpointData): void {
    for (const entry of data.streams) {
      const stream = this._streams[entry.id] as DStream<unknown>;
      for (const [time, parts] of entry.rdds) stream._remember(time, fromPartitions(this.sc, parts));
    }
    for (const entry of data.sources)
      (this._streams[entry.id] as InputDStream<unknown>)._restoreState(entry.state);
    this._latestTime = data.time;
  }

  /**
   * Spark's remember durations: each stream keeps its RDDs for at least its
   * slide (and `remember()`); a parent keeps them as long as each child does,
   * plus the child's window.
   */
  private setRememberDurations(connected: readonly DStream<unknown>[]): void {
    for (const s of this._streams) s._rememberMs = Math.max(this.rememberMs, s._slideMs);
    for (let i = connected.length - 1; i >= 0; i--) {
      const s = connected[i] as DStream<unknown>;
      for (const p of s._parents) p._rememberMs = Math.max(p._rememberMs, s._rememberMs + s._parentExtraMs);
    }
  }
}

/** A monitored directory: a non-empty path without wildcards or commas (it is listed, not matched). */
function directoryArgument(directory: unknown): string {
  if (typeof directory !== 'string' || directory.trim() === '')
    throw new ArgumentError(`directory must be a non-empty string, got ${String(directory)}`);
  if (/[*?[{,]/.test(directory.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '')))
    throw new ArgumentError(`directory must be one directory, without wildcards or commas: ${directory}`);
  return directory;
}

/** The fixed-length records of a file's bytes (copies, so each record owns its memory). */
function records(path: string, bytes: Uint8Array, length: number): Uint8Array[] {
  if (bytes.length % length !== 0)
    throw new IOError(path, `length ${bytes.length} is not a multiple of recordLength ${length}`);
  const out: Uint8Array[] = new Array(bytes.length / length);
  for (let i = 0, j = 0; i < bytes.length; i += length, j++) out[j] = bytes.slice(i, i + length);
  return out;
}

function isClock(x: object): x is Clock {
  return (
    typeof (x as Partial<Clock>).now === 'function' && typeof (x as Partial<Clock>).sleepUntil === 'function'
  );
}
