/**
 * `Context`: the entry point (PySpark's `SparkContext`). Makes source RDDs,
 * broadcasts and accumulators, and owns the runtime state (cache, ids).
 */
import { availableParallelism } from 'node:os';
import { Accumulator, type AccumulatorParam } from './accumulator.js';
import * as args from './args.js';
import { Broadcast } from './broadcast.js';
import { ArgumentError } from './errors.js';
import { ConsoleProgressBar } from './exec/console-progress.js';
import { MemoryBudget } from './exec/memory.js';
import { ProgressState, type StageProgress } from './exec/progress.js';
import { type ActionOptions, runJob, signalOf, withJob } from './exec/run.js';
import { DEFAULT_RETRIES, Runtime, stoppedError } from './exec/runtime.js';
import { splitExpressions } from './io/glob.js';
import type { IoOptions } from './io/index.js';
import { type ArgsOf, makeNode, type OpName } from './ops/registry.js';
import { aligned } from './ops/union.js';
import type { PlanNode } from './plan/nodes.js';
import { type PartitionResult, RDD } from './rdd.js';
import { masterOption, SparkCluster, type SparkOptions, sparkOptions } from './spark/cluster.js';
import { StatusTracker } from './status-tracker.js';
import { printsAsString } from './util/call-site.js';
import { VERSION } from './version.js';
import { WorkerExecutor } from './workers/executor.js';

/** Options of `new Context(...)`; the I/O ones (`s3`, `gcs`, `hdfs`, `httpTimeoutMs`, `blockSize`, `ioRetries`) apply to file sources and outputs. */
export interface ContextOptions extends IoOptions {
  /** Default number of partitions for `parallelize`, `range` ... (default: the number of CPUs). */
  defaultParallelism?: number;
  /** How many partitions an action computes at once (default: `max(2, defaultParallelism)`). */
  concurrency?: number;
  /**
   * How many times a failed task is run again, from its source, before the
   * action fails (default 0). Results are as if it had succeeded the first
   * time; side effects of `foreach` may repeat.
   */
  maxRetries?: number;
  /**
   * Worker threads to run stages on (default 0: everything on the main
   * thread, or the `SPARKLING_WORKERS` environment variable). A stage runs
   * on workers when every function in it can be shipped (no captured
   * variables but broadcasts and accumulators); otherwise on the main
   * thread, and `explain()` says why. `{ n, strict: true }` makes an
   * unshippable stage an ArgumentError before the job runs.
   */
  workers?: number | { n: number; strict?: boolean };
  /**
   * The heap budget, in MiB, for the data jobs buffer (shuffles, sorts,
   * `collect`/`take`, caches): past it an action rejects with a
   * `MemoryError` instead of V8 aborting the process. Default: 75% of V8's
   * heap limit for long-lived data (`--max-old-space-size`).
   */
  memoryLimitMb?: number;
  /**
   * Spark's console progress bar (`spark.ui.showConsoleProgress`): on
   * stderr, when it is a terminal, for stages running longer than 500 ms:
   * `[Stage 3:====>      (12 + 2) / 40]` (tasks done + running / all of
   * the stage's), redrawn at most 5 times a second, wiped when the job
   * ends. Default false; nothing is written when stderr is not a terminal.
   */
  progress?: boolean;
  /**
   * Called with a stage's progress whenever one of its tasks starts or ends
   * (and, while a task reads, at most every 100 ms): for a progress display
   * of your own. Runs on the main thread, synchronously: keep it quick; an
   * exception it throws is reported once as a process warning and ignored.
   */
  onProgress?: (progress: StageProgress) => void;
  /**
   * Runs every job on Apache Spark: a master URL as `spark-submit --master`
   * takes it (`spark://host:7077`, `local[2]`, `local[2,3]`,
   * `local-cluster[2,1,1024]`, `yarn`, `k8s://…`), or the `SPARKLING_MASTER`
   * environment variable. Without it, everything runs in this process.
   * See the README's "On a Spark cluster".
   */
  master?: string;
  /** With `master`: Spark's directory (`home`, default `SPARK_HOME`), `--conf` pairs (`conf`), and a `.tgz` with the `node` binary to ship to executors that have none (`nodeArchive`). */
  spark?: SparkOptions;
}
/**
 * Every option `new Context()` accepts, and only those: anything else is an
 * ArgumentError naming it (a typo such as `wokers` would otherwise be
 * ignored). A new option goes into `ContextOptions` and here (the compiler
 * checks that the two agree).
 */
const OPTION_NAMES = {
  defaultParallelism: true,
  concurrency: true,
  maxRetries: true,
  ioRetries: true,
  retryWaitMs: true,
  workers: true,
  memoryLimitMb: true,
  s3: true,
  gcs: true,
  hdfs: true,
  httpTimeoutMs: true,
  blockSize: true,
  progress: true,
  onProgress: true,
  master: true,
  spark: true,
} as const satisfies Record<keyof ContextOptions, true>;

/** Throws an ArgumentError naming the options `new Context()` does not know. */
function checkOptionNames(options: object): void {
  const unknown = Object.keys(options).filter((k) => !Object.hasOwn(OPTION_NAMES, k));
  if (unknown.length === 0) return;
  const names = unknown.map((k) => {
    let near: string | undefined;
    let best = 3;
    for (const o of Object.keys(OPTION_NAMES)) {
      const d = editDistance(o.toLowerCase(), k.toLowerCase());
      if (d < best) [near, best] = [o, d];
    }
    return near === undefined ? `'${k}'` : `'${k}' (did you mean '${near}'?)`;
  });
  throw new ArgumentError(
    `unknown Context option${unknown.length > 1 ? 's' : ''} ${names.join(', ')}; ` +
      `the options are ${Object.keys(OPTION_NAMES).join(', ')}`,
  );
}

/** Levenshtein distance, for "did you mean". */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(
        (row[j] as number) + 1,
        (next[j - 1] as number) + 1,
        (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    row = next;
  }
  return row[b.length] as number;
}

/**
 * The Context's progress state, always kept (the status tracker answers at
 * any time); the console bar and `onProgress` watch it when asked for.
 */
function progressOptions(runtime: Runtime, options: ContextOptions): ProgressState {
  const { progress, onProgress } = options;
  if (progress !== undefined && typeof progress !== 'boolean')
    throw new ArgumentError(`progress must be a boolean, got ${String(progress)}`);
  if (onProgress !== undefined && typeof onProgress !== 'function')
    throw new ArgumentError(`onProgress must be a function, got ${String(onProgress)}`);
  const state = new ProgressState(() => runtime.groups.current?.id);
  runtime.listeners.add(state);
  if (progress === true && process.stderr.isTTY === true) new ConsoleProgressBar(state, process.stderr);
  if (onProgress !== undefined) {
    let warned = false;
    state.watchers.add((s) => {
      try {
        onProgress(state.progressOf(s));
      } catch (e) {
        if (!warned) {
          warned = true;
          process.emitWarning(
            `onProgress threw (ignored from now on): ${e instanceof Error ? e.message : String(e)}`,
            {
              code: 'SPARKLING_ON_PROGRESS',
            },
          );
        }
      }
    });
  }
  return state;
}

/** `workers`, checked; the environment's `SPARKLING_WORKERS` when absent. */
function workersOption(value: unknown): { n: number; strict: boolean } {
  if (value === undefined) {
    const env = process.env.SPARKLING_WORKERS;
    if (env === undefined || env === '') return { n: 0, strict: false };
    if (!/^\d+$/.test(env)) throw new ArgumentError(`SPARKLING_WORKERS must be a count, got ${env}`);
    return { n: Number(env), strict: false };
  }
  if (typeof value === 'number') return { n: args.nonNegativeInt('workers', value), strict: false };
  if (typeof value !== 'object' || value === null)
    throw new ArgumentError(`workers must be a count or { n, strict }, got ${String(value)}`);
  const { n, strict } = value as { n?: unknown; strict?: unknown };
  if (strict !== undefined && typeof strict !== 'boolean')
    throw new ArgumentError(`workers.strict must be a boolean, got ${String(strict)}`);
  return { n: args.nonNegativeInt('workers.n', n), strict: strict === true };
}

/** `minPartitions` of a file source; PySpark's default is min(defaultParallelism, 2). */
function minPartitionsArgument(value: unknown, defaultParallelism: number): number {
  return args.optionalPositiveInt('minPartitions', value) ?? Math.min(defaultParallelism, 2);
}

/** `hdfs: { httpPort?, user? }`, checked. */
function hdfsOptions(value: unknown): NonNullable<IoOptions['hdfs']> {
  if (typeof value !== 'object' || value === null)
    throw new ArgumentError(`hdfs must be an object { httpPort?, user? }, got ${String(value)}`);
  const { httpPort, user } = value as { httpPort?: unknown; user?: unknown };
  const out: { httpPort?: number; user?: string } = {};
  if (httpPort !== undefined) {
    const port = args.positiveInt('hdfs.httpPort', httpPort);
    if (port > 65535) throw new ArgumentError(`hdfs.httpPort must be a TCP port (1-65535), got ${port}`);
    out.httpPort = port;
  }
  if (user !== undefined) {
    if (typeof user !== 'string' || user === '')
      throw new ArgumentError(`hdfs.user must be a non-empty string, got ${String(user)}`);
    out.user = user;
  }
  return out;
}

/** `gcs: { token?, endpoint?, anonymous? }`, checked. */
function gcsOptions(value: unknown): NonNullable<IoOptions['gcs']> {
  if (typeof value !== 'object' || value === null)
    throw new ArgumentError(`gcs must be an object { token?, endpoint?, anonymous? }, got ${String(value)}`);
  const { token, endpoint, anonymous, ...rest } = value as {
    token?: unknown;
    endpoint?: unknown;
    anonymous?: unknown;
  };
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    throw new ArgumentError(`gcs: unknown option ${unknown.map((k) => `'${k}'`).join(', ')}`);
  const out: { token?: string; endpoint?: string; anonymous?: boolean } = {};
  if (token !== undefined) {
    if (typeof token !== 'string' || token === '')
      throw new ArgumentError(`gcs.token must be a non-empty string, got ${String(token)}`);
    out.token = token;
  }
  if (endpoint !== undefined) {
    let url: URL | undefined;
    try {
      url = typeof endpoint === 'string' ? new URL(endpoint) : undefined;
    } catch {}
    if (
      url === undefined ||
      (url.protocol !== 'http:' && url.protocol !== 'https:') ||
      url.search !== '' ||
      url.hash !== ''
    )
      throw new ArgumentError(
        `gcs.endpoint must be an http(s) origin such as http://127.0.0.1:9023, got ${String(endpoint)}`,
      );
    out.endpoint = endpoint as string;
  }
  if (anonymous !== undefined) {
    if (typeof anonymous !== 'boolean')
      throw new ArgumentError(`gcs.anonymous must be a boolean, got ${String(anonymous)}`);
    out.anonymous = anonymous;
  }
  return out;
}

function pathsArgument(paths: unknown): string {
  if (typeof paths !== 'string' || paths.trim() === '')
    throw new ArgumentError(`paths must be a non-empty string, got ${String(paths)}`);
  // An empty entry in a comma list is a mistake the string itself shows: say so now, not at the action.
  try {
    splitExpressions(paths);
  } catch (e) {
    throw new ArgumentError(`paths: ${(e as Error).message}`);
  }
  return paths;
}

export class Context {
  /** Default number of partitions for sources made without an explicit count. */
  readonly defaultParallelism: number;
  /** @internal */
  readonly _runtime: Runtime;
  /** @internal Options of file sources and outputs. */
  readonly _io: IoOptions;
  /** Worker threads stages may run on (0: the main thread only). */
  readonly workers: number;
  /** The Spark master jobs run on (`master` or `SPARKLING_MASTER`); undefined: this process. */
  readonly master: string | undefined;
  private nextId = 0;
  private stopped = false;
  readonly #progress: ProgressState;

  /**
   * @example
   * new Context({ defaultParallelism: 3 }).defaultParallelism;
   * // => 3
   */
  constructor(options: ContextOptions = {}) {
    if (typeof options !== 'object' || options === null)
      throw new ArgumentError(`options must be an object, got ${String(options)}`);
    checkOptionNames(options);
    this.defaultParallelism =
      args.optionalPositiveInt('defaultParallelism', options.defaultParallelism) ?? availableParallelism();
    const concurrency =
      args.optionalPositiveInt('concurrency', options.concurrency) ?? Math.max(2, this.defaultParallelism);
    const retries = {
      maxRetries: args.optionalNonNegativeInt('maxRetries', options.maxRetries) ?? DEFAULT_RETRIES.maxRetries,
      ioRetries: args.optionalNonNegativeInt('ioRetries', options.ioRetries) ?? DEFAULT_RETRIES.ioRetries,
      retryWaitMs:
        args.optionalNonNegativeInt('retryWaitMs', options.retryWaitMs) ?? DEFAULT_RETRIES.retryWaitMs,
    };
    this._io = {
      ...(options.s3 === undefined ? {} : { s3: options.s3 }),
      ioRetries: retries.ioRetries,
      retryWaitMs: retries.retryWaitMs,
    };
    if (options.httpTimeoutMs !== undefined)
      this._io.httpTimeoutMs = args.positiveInt('httpTimeoutMs', options.httpTimeoutMs);
    if (options.blockSize !== undefined)
      this._io.blockSize = args.positiveInt('blockSize', options.blockSize);
    if (options.hdfs !== undefined) this._io.hdfs = hdfsOptions(options.hdfs);
    if (options.gcs !== undefined) this._io.gcs = gcsOptions(options.gcs);
    this._runtime = new Runtime(
      concurrency,
      retries,
      this._io,
      new MemoryBudget(args.optionalPositiveInt('memoryLimitMb', options.memoryLimitMb)),
    );
    this.#progress = progressOptions(this._runtime, options);
    const workers = workersOption(options.workers);
    const spark = sparkOptions(options.spark);
    const master = masterOption(options.master);
    this.master = master;
    if (master !== undefined) {
      // Every job runs on Spark: worker threads have nothing to run.
      const cluster = new SparkCluster(master, spark, this._runtime);
      this._runtime.cluster = cluster;
      this._runtime.executor = cluster;
      this.workers = 0;
    } else {
      this.workers = workers.n;
      if (workers.n > 0)
        this._runtime.executor = new WorkerExecutor(this._runtime, workers.n, workers.strict);
    }
  }

  /** @internal The next RDD id. */
  _newId(): number {
    if (this.stopped) throw stoppedError();
    return this.nextId++;
  }

  /** @internal The RDD standing for `node`. */
  _rdd<T>(node: PlanNode): RDD<T> {
    return new RDD<T>(this, node);
  }

  /** @internal A new source RDD of operator `op`. */
  private _source<T, K extends OpName>(op: K, args: ArgsOf<K>): RDD<T> {
    return this._rdd<T>(makeNode(this._newId(), op, args, []));
  }

  /**
   * Distributes a collection into `numSlices` partitions (default
   * `defaultParallelism`), sliced as PySpark slices a list: in batches of
   * max(1, min(floor(len/n), 1024)) elements, batch j going to partition i
   * for floor(i·b/n) <= j < floor((i+1)·b/n) of b batches (`range` slices
   * elements, as PySpark's `parallelize(range(...))` does). An array is read
   * when an action runs (as Scala Spark does): do not change it while jobs
   * use it; any other Iterable is read at once.
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
    // Like Scala Spark, an array is sliced when an action runs (one copy, batch by batch);
    // any other Iterable is read once, now.
    const items = Array.isArray(data) ? (data as T[]) : Array.from(data);
    return this._source<T, 'parallelize'>('parallelize', { data: items, numSlices: n });
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
    return this._source<number, 'range'>('range', { start: from, end: to, step: by, numSlices: n });
  }

  /**
   * The lines of text files. `paths` is a path, a glob (`*`, `?` in any
   * segment), a directory (its files, skipping names that start with `_` or
   * `.`), or a comma-separated list of them; local, `file://`, `http(s)://`,
   * `s3://` (`s3a://`, `s3n://`), `gs://` (see the `gcs` option) and `hdfs://` (`webhdfs://`, through
   * WebHDFS: see the `hdfs` option). `.gz`, `.bz2`, `.zip`, `.xz`, `.lzma`,
   * `.zst` and tar archives (`.tar`, `.tar.gz`/`.tgz`, `.tar.bz2`, `.tar.xz`;
   * their regular files' lines) are decompressed as they stream, by suffix,
   * in any case. Lines end at `\n`, `\r\n` or a lone `\r`;
   * invalid UTF-8 becomes U+FFFD. A big plain file is split into byte ranges
   * so there are at least `minPartitions` partitions (default
   * min(defaultParallelism, 2)). Lazy: nothing is listed or read until an action.
   * @example
   * sc.textFile('logs/*.gz', 4).explain();
   * // => '(?) textFile[0] paths=[logs/*.gz] codec=gzip'
   */
  textFile(paths: string, minPartitions?: number): RDD<string> {
    const expr = pathsArgument(paths);
    const min = minPartitionsArgument(minPartitions, this.defaultParallelism);
    return this._source<string, 'textFile'>('textFile', { paths: expr, minPartitions: min });
  }

  /**
   * Whole text files as `[path, content]` pairs (decompressed by extension, decoded as UTF-8;
   * a leading byte-order mark is kept, as PySpark keeps it, where `textFile` drops it);
   * a tar archive gives one pair per regular file in it, keyed `<archive path>/<member path>`.
   * @example
   * sc.wholeTextFiles('docs/').explain();
   * // => '(?) wholeTextFiles[0] paths=[docs/]'
   */
  wholeTextFiles(paths: string, minPartitions?: number): RDD<[string, string]> {
    const expr = pathsArgument(paths);
    const min = minPartitionsArgument(minPartitions, this.defaultParallelism);
    return this._source<[string, string], 'wholeTextFiles'>('wholeTextFiles', {
      paths: expr,
      minPartitions: min,
    });
  }

  /**
   * Whole files as `[path, bytes]` pairs, not decompressed (a `.gz` stays its gzip bytes, as in
   * PySpark); a tar archive gives one pair per regular file in it, with that file's bytes.
   * @example
   * sc.binaryFiles('images/*.png').explain();
   * // => '(?) binaryFiles[0] paths=[images/*.png]'
   */
  binaryFiles(paths: string, minPartitions?: number): RDD<[string, Uint8Array]> {
    const expr = pathsArgument(paths);
    const min = minPartitionsArgument(minPartitions, this.defaultParallelism);
    return this._source<[string, Uint8Array], 'binaryFiles'>('binaryFiles', {
      paths: expr,
      minPartitions: min,
    });
  }

  /**
   * An RDD with no partitions and no elements.
   * @example
   * await sc.emptyRDD().getNumPartitions();
   * // => 0
   */
  emptyRDD<T = never>(): RDD<T> {
    return this._source<T, 'emptyRDD'>('emptyRDD', {});
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
    const parents = rdds.map((r) => r._node);
    const args = { aligned: aligned(parents.map((p) => p.partitioner)) };
    return this._rdd<T>(makeNode(this._newId(), 'union', args, parents));
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
   * Fixed-length binary records: each file (decompressed by its suffix) cut
   * into `recordLength`-byte `Uint8Array`s, one partition per non-empty file, as
   * PySpark's `binaryRecords` reads with Hadoop's FixedLengthInputFormat. A
   * file whose length is not a multiple of `recordLength` fails the action
   * with an `IOError` naming it.
   * @example
   * sc.binaryRecords('data/*.bin', 16).explain();
   * // => '(?) binaryRecords[0] paths=[data/*.bin] recordLength=16'
   */
  binaryRecords(path: string, recordLength: number): RDD<Uint8Array> {
    const expr = pathsArgument(path);
    const size = args.positiveInt('recordLength', recordLength);
    return this._source<Uint8Array, 'binaryRecords'>('binaryRecords', { paths: expr, recordLength: size });
  }

  /**
   * Runs `partitionFunc` on the given partitions of `rdd` (all by default)
   * and returns what it gives for each, concatenated in the order of
   * `partitions` (PySpark's `runJob`; `allowLocal` is accepted and ignored).
   * @example
   * await sc.runJob(sc.parallelize([0, 1, 2, 3, 4, 5], 3), (it) => (async function* () { for await (const x of it) yield x * x; })(), [0, 2]);
   * // => [0, 1, 16, 25]
   */
  async runJob<T, U>(
    rdd: RDD<T>,
    partitionFunc: (partition: AsyncIterable<T>) => PartitionResult<U>,
    partitions?: readonly number[],
    _allowLocal?: boolean,
    options?: ActionOptions,
  ): Promise<U[]> {
    if (!(rdd instanceof RDD)) throw new ArgumentError('rdd must be an RDD');
    if (rdd.context !== this) throw new ArgumentError('rdd belongs to another Context');
    args.func('partitionFunc', partitionFunc);
    const signal = signalOf(options);
    const mapped = rdd.mapPartitions(partitionFunc);
    const total = await mapped.getNumPartitions();
    let parts: number[] | undefined;
    if (partitions !== undefined && partitions !== null) {
      if (!Array.isArray(partitions))
        throw new ArgumentError('partitions must be an array of partition indices');
      parts = partitions.map((p) => {
        const i = args.integer('partitions', p);
        if (i < 0 || i >= total)
          throw new ArgumentError(
            `Attempting to access a non-existent partition: ${i}. Total number of partitions: ${total}`,
          );
        return i;
      });
    }
    const cluster = this._runtime.cluster;
    if (cluster !== undefined) {
      // On the cluster: the partition function runs on the executors, the partitions asked for only.
      const all = parts ?? Array.from({ length: total }, (_, i) => i);
      const got = await withJob(
        this._runtime,
        mapped._node,
        signal === undefined ? undefined : { signal },
        (job) => cluster.collect(job, mapped._node, all),
        false,
      );
      return got as U[];
    }
    const outputs = await runJob(
      this._runtime,
      mapped._node,
      async (p, job) => {
        const out: unknown[] = [];
        await job.drain(mapped._node, p, (x) => out.push(x));
        return out;
      },
      { ...(signal === undefined ? {} : { signal }), ...(parts === undefined ? {} : { partitions: parts }) },
    );
    return outputs.flat() as U[];
  }

  /**
   * Puts the actions called on this Context from now on in job group
   * `groupId` (until another `setJobGroup`), so that `cancelJobGroup` can
   * cancel them. `interruptOnCancel` is accepted for PySpark's signature:
   * cancelling always stops a job's tasks.
   * @example
   * sc.setJobGroup('nightly', 'the nightly report'); sc.getJobGroup();
   * // => 'nightly'
   */
  setJobGroup(groupId: string, description?: string, _interruptOnCancel?: boolean): void {
    if (typeof groupId !== 'string')
      throw new ArgumentError(`groupId must be a string, got ${String(groupId)}`);
    this._runtime.groups.current = {
      id: groupId,
      description: description === undefined ? '' : String(description),
    };
  }

  /**
   * The job group of the actions called now (set by `setJobGroup`), or undefined.
   * @example
   * new Context().getJobGroup();
   * // => undefined
   */
  getJobGroup(): string | undefined {
    return this._runtime.groups.current?.id;
  }

  /**
   * Cancels the running actions of job group `groupId`: each rejects, within
   * a second, with an error named `AbortError`, its sources closed. Actions
   * started afterwards, in that group too, run as usual.
   * @example
   * sc.setJobGroup('g', ''); const job = sc.range(0, 1e12).count(); sc.cancelJobGroup('g');
   * (await job.catch((e) => e)).name;
   * // => 'AbortError'
   */
  cancelJobGroup(groupId: string): void {
    if (typeof groupId !== 'string')
      throw new ArgumentError(`groupId must be a string, got ${String(groupId)}`);
    this._runtime.groups.cancelGroup(groupId);
  }

  /**
   * Cancels every running action of this Context (each rejects with an
   * error named `AbortError`); later actions run as usual.
   * @example
   * const job = sc.range(0, 1e12).count(); sc.cancelAllJobs();
   * (await job.catch((e) => e)).name;
   * // => 'AbortError'
   */
  cancelAllJobs(): void {
    this._runtime.groups.cancelAll();
  }

  /**
   * The default minimum partition count of file sources: min(defaultParallelism, 2), as PySpark's.
   * @example
   * new Context({ defaultParallelism: 8 }).defaultMinPartitions;
   * // => 2
   */
  get defaultMinPartitions(): number {
    return Math.min(this.defaultParallelism, 2);
  }

  /**
   * sparkling's version (PySpark's `sc.version` is Spark's).
   * @example
   * typeof sc.version;
   * // => 'string'
   */
  get version(): string {
    return VERSION;
  }

  /**
   * Drops cached partitions and stops the worker threads; running actions
   * reject, and later ones (and new RDDs) fail, saying the Context was stopped.
   * @example
   * const c = new Context(); c.stop(); c.isStopped;
   * // => true
   */
  stop(): void {
    this.stopped = true;
    this._runtime.stop();
    this._runtime.executor?.close();
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

  /**
   * PySpark's status tracker: the running jobs and stages, and each one's
   * task counts, for a monitoring loop or a UI of your own.
   * @example
   * const t = sc.statusTracker();
   * await sc.parallelize([1, 2, 3, 4], 2).map((x) => x * 2).count();
   * t.getStageInfo(t.getJobInfo(0).stageIds[0]).numCompletedTasks;
   * // => 2
   */
  statusTracker(): StatusTracker {
    return new StatusTracker(this.#progress);
  }

  /**
   * One line with the Context's settings, as `console.log(sc)` prints it.
   * @example
   * String(new Context({ defaultParallelism: 2, workers: 0 }));
   * // => 'Context(defaultParallelism=2, workers=0)'
   */
  toString(): string {
    return `Context(defaultParallelism=${this.defaultParallelism}, workers=${this.workers}${this.stopped ? ', stopped' : ''})`;
  }
}

printsAsString(Context);
