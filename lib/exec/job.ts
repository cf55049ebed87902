/**
 * Jobs and scheduling. An action runs one job: it pulls partitions on demand
 * (`take`, `first`) or runs them with bounded concurrency (`collect`,
 * `count`), stops early, and on failure aborts the rest and waits for them to
 * close their sources before rejecting.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { ArgumentError, IOError, SparklingError, TaskError } from '../errors.js';
import type { PlanNode, TaskEnv } from '../plan/nodes.js';
import { arrayGrowth } from '../util/growth.js';
import { drainPartition, openPartition, resolvePartitions } from './compute.js';
import type { Executor } from './executor.js';
import { abortError, markCancellation, taskFailure } from './failures.js';
import { type NamedFold, type PartitionFold, startFold } from './folds.js';
import type { CombineTarget } from './fuse.js';
import { JobGroups } from './job-groups.js';
import { MemoryBudget } from './memory.js';
import { CpuTurns } from './turns.js';

/** When a failed task is run again (PySpark's `max_retries`/`retry_wait`, Spark's task attempts). */
export interface RetryPolicy {
  /** Extra attempts for any task failure, user code included (default 0). */
  readonly maxRetries: number;
  /** Extra attempts for transient I/O failures: 5xx answers, dropped or stalled connections (default 2). */
  readonly ioRetries: number;
  /** Pause before each new attempt, in milliseconds (default 0). */
  readonly retryWaitMs: number;
}

export const DEFAULT_RETRIES: RetryPolicy = { maxRetries: 0, ioRetries: 2, retryWaitMs: 0 };

/** A cached partition, computed or being computed, and the signal of the job computing it. */
export interface CachedPartition {
  readonly batches: Promise<unknown[][]>;
  /** Aborted when the computing job is cancelled or failed elsewhere: its computation then rejects with that job's reason. */
  readonly signal: AbortSignal;
}

/**
 * How long an aborted job (cancelled, failed elsewhere, its Context stopped)
 * waits for its running tasks to stop before the action rejects without
 * them: a task awaiting a promise that never settles is abandoned, and a
 * worker thread whose task has not stopped by then is terminated (the
 * executor's own, shorter wait). Tasks that check the signal stop well
 * within it, closing their sources before the action rejects.
 */
export const ABANDON_MS = 400;

/** The error actions of a stopped Context reject with (and transformations throw). */
export const stoppedError = (): SparklingError => new SparklingError('this Context was stopped');

/** State that outlives jobs: cached partitions and resolved partition counts. One per Context. */
export class Runtime {
  /** Persisted RDD ids, and the partitions computed for them so far. */
  private readonly cached = new Map<number, Map<number, CachedPartition>>();
  readonly partitionCounts = new WeakMap<PlanNode, Promise<number>>();
  /** Runs tasks elsewhere (worker threads) when set; otherwise everything runs here. */
  executor: Executor | undefined;
  /** The Context's job groups: the signals of the group a new job belongs to. */
  readonly groups = new JobGroups();
  /** Jobs running now (stopping the Context aborts them). */
  readonly jobs = new Set<Job>();
  private stopError: SparklingError | undefined;

  constructor(
    readonly concurrency: number,
    readonly retries: RetryPolicy = DEFAULT_RETRIES,
    readonly memory: MemoryBudget = new MemoryBudget(),
  ) {}

  persist(id: number): void {
    if (!this.cached.has(id)) this.cached.set(id, new Map());
  }
  unpersist(id: number): void {
    this.cached.delete(id);
  }
  isPersisted(id: number): boolean {
    return this.cached.has(id);
  }
  cacheOf(id: number): Map<number, CachedPartition> | undefined {
    return this.cached.get(id);
  }
  clear(): void {
    this.cached.clear();
  }

  /** Whether `stop()` was called: no job starts after it. */
  get stopped(): boolean {
    return this.stopError !== undefined;
  }

  /** The Context stopped: running jobs are aborted, new ones refused. */
  stop(): void {
    this.stopError ??= stoppedError();
    for (const job of this.jobs) job.abort(this.stopError);
    this.clear();
  }
}

/** Checks the memory budget (see memory.ts), counting `extra` bytes about to be allocated. */
export type Watch = (extra?: number) => void;

/** The services of one running action, handed to every task of it. */
let jobs = 0;

export class Job implements TaskEnv {
  /** Names the job in messages to worker threads. */
  readonly id = ++jobs;
  /** In a worker thread: nodes whose partitions come from the main thread. */
  remote:
    | { has(id: number): boolean; open(node: PlanNode, partition: number): AsyncIterable<unknown[]> }
    | undefined;
  /** Turns at the main thread's CPU for the partitions this job drains at once. */
  readonly turns = new CpuTurns();
  private readonly controller = new AbortController();
  private readonly memos = new Map<object, Promise<unknown>>();
  private readonly unlink: () => void;

  constructor(
    readonly runtime: Runtime,
    external?: AbortSignal,
  ) {
    if (runtime.stopped) throw stoppedError();
    runtime.jobs.add(this);
    // The caller's signal, and those of the job's group and of cancelAllJobs.
    const signals = [...(external === undefined ? [] : [external]), ...runtime.groups.signals()];
    const unlinks = signals.map((s) => {
      const cancel = () => {
        markCancellation(s.reason);
        this.controller.abort(s.reason);
      };
      if (s.aborted) cancel();
      s.addEventListener('abort', cancel, { once: true });
      return () => s.removeEventListener('abort', cancel);
    });
    this.unlink = () => {
      for (const u of unlinks) u();
    };
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  abort(reason?: unknown): void {
    this.controller.abort(reason);
  }

  numPartitions(node: PlanNode): Promise<number> {
    return resolvePartitions(node, this);
  }

  open<T>(node: PlanNode, partition: number): AsyncIterable<T[]> {
    const elsewhere = this.runtime.executor?.open(this, node, partition);
    return (elsewhere ?? openPartition(node, partition, this)) as AsyncIterable<T[]>;
  }

  /**
   * Feeds every element of one partition to `sink` (fused into the
   * partition's last loop when it can be), or folds it into `combine`, whose
   * fold `sink` is then.
   */
  drain(
    node: PlanNode,
    partition: number,
    sink: (x: unknown) => void,
    combine?: CombineTarget,
    watch?: Watch,
  ): Promise<void> {
    const elsewhere = this.runtime.executor?.open(this, node, partition);
    return elsewhere === undefined
      ? drainPartition(node, partition, this, sink, combine, watch)
      : feed(elsewhere, sink, watch);
  }

  /** Folds one partition with a named fold (on a worker thread when the executor takes it). */
  async fold(node: PlanNode, partition: number, fold: NamedFold): Promise<unknown> {
    const elsewhere = this.runtime.executor?.fold(this, node, partition, fold);
    if (elsewhere === undefined) return foldHere(this, node, partition, fold);
    const result = await elsewhere;
    // What came back from the worker thread is in this heap now.
    foldWatch(this, node, partition, fold)?.();
    return result;
  }

  /**
   * A check of the memory budget for a task of `operator[rddId]` that
   * buffers data of `partition` (`doing` says how, in the MemoryError): it
   * runs once per batch, or with the bytes about to be allocated.
   */
  watch(operator: string, rddId: number, partition: number, doing: string): Watch {
    const memory = this.runtime.memory;
    return (extra) => memory.check(operator, rddId, partition, doing, extra);
  }

  memo<V>(key: object, make: () => Promise<V>): Promise<V> {
    let p = this.memos.get(key) as Promise<V> | undefined;
    if (p === undefined) {
      p = make();
      this.memos.set(key, p);
    }
    return p;
  }

  /** Releases what the job held (shuffle outputs) and its link to the caller's signal. */
  end(): void {
    this.runtime.jobs.delete(this);
    this.memos.clear();
    this.unlink();
    this.runtime.executor?.end(this);
  }
}

/** Starts a job over `root`: the executor may refuse it (strict mode) before anything runs. */
export function startJob(runtime: Runtime, root: PlanNode, options: ActionOptions | undefined): Job {
  const job = new Job(runtime, signalOf(options));
  try {
    runtime.executor?.begin(job, root);
  } catch (e) {
    job.end();
    throw e;
  }
  return job;
}

/**
 * The outcome of an action's `work` on `job`: `work`'s own, unless the job
 * was aborted. Then the action rejects with the abort's reason (the
 * caller's signal's, the first failure's, the stopped Context's), never
 * with a result: as soon as `work` settles, or ABANDON_MS after the abort if
 * it does not (a task stuck on a promise that never settles is abandoned).
 */
export function outcome<R>(job: Job, work: Promise<R>): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      timer = setTimeout(() => reject(abortError(job.signal)), ABANDON_MS);
    };
    if (job.signal.aborted) onAbort();
    else job.signal.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      job.signal.removeEventListener('abort', onAbort);
    };
    work.then(
      (r) => {
        done();
        if (job.signal.aborted) reject(abortError(job.signal));
        else resolve(r);
      },
      (e: unknown) => {
        done();
        reject(e);
      },
    );
  });
}

/** Runs an action's `work` as one job over `root` (see `outcome`); the job ends when the action settles. */
async function inJob<R>(
  runtime: Runtime,
  root: PlanNode,
  options: ActionOptions | undefined,
  work: (job: Job) => Promise<R>,
): Promise<R> {
  const job = startJob(runtime, root, options);
  try {
    return await outcome(
      job,
      Promise.resolve().then(() => work(job)),
    );
  } finally {
    job.end();
  }
}

async function feed(
  batches: AsyncIterable<unknown[]>,
  sink: (x: unknown) => void,
  watch: Watch | undefined,
): Promise<void> {
  for await (const b of batches) {
    for (let i = 0; i < b.length; i++) sink(b[i]);
    watch?.();
  }
}

/** The budget check of a named fold that keeps what it is given (`collect`); none for the others. */
function foldWatch(job: Job, node: PlanNode, partition: number, fold: NamedFold): Watch | undefined {
  return fold.name === 'collect' ? job.watch('collect', node.id, partition, 'collecting it') : undefined;
}

/** Folds one partition with a named fold in this thread. */
export async function foldHere(
  job: Job,
  node: PlanNode,
  partition: number,
  fold: NamedFold,
): Promise<unknown> {
  const acc = startFold(fold);
  await drainPartition(
    node,
    partition,
    job,
    acc.add,
    undefined,
    keeping(acc, foldWatch(job, node, partition, fold)),
  );
  return acc.result();
}

/** A per-batch check of `watch` that counts how the fold's kept elements may grow. */
function keeping(acc: PartitionFold, watch: Watch | undefined): (() => void) | undefined {
  if (watch === undefined) return undefined;
  const kept = acc.kept;
  return () => watch(kept === undefined ? 0 : arrayGrowth(kept()));
}

/** Options every action takes. */
export interface ActionOptions {
  /** Cancels the running job: its sources are closed and the action rejects. */
  readonly signal?: AbortSignal;
}

/**
 * The caller's signal from an action's options (undefined and null mean none);
 * an ArgumentError for anything that is not `{ signal?: AbortSignal }`.
 */
export function signalOf(options: unknown): AbortSignal | undefined {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object')
    throw new ArgumentError(`options must be an object such as { signal }, got ${String(options)}`);
  const signal = (options as { signal?: unknown }).signal;
  if (signal === undefined || signal === null) return undefined;
  if (signal instanceof AbortSignal) return signal;
  const got = typeof signal === 'object' ? (signal.constructor?.name ?? 'an object') : String(signal);
  throw new ArgumentError(`signal must be an AbortSignal, got ${got}`);
}

/** Errors that another attempt cannot change: bad arguments, missing paths, corrupt input, bugs, cancellation. */
function retryable(e: unknown): boolean {
  if (e instanceof IOError) return true;
  if (e instanceof TaskError) return true;
  return !(e instanceof SparklingError);
}

/**
 * Runs a task, and runs it again from its source after a failure while the
 * retry policy allows; the last failure is reported with its attempt count.
 */
export async function withRetries<R>(job: Job, run: (attempt: number) => Promise<R>): Promise<R> {
  const policy = job.runtime.retries;
  for (let attempt = 0; ; attempt++) {
    try {
      return await run(attempt);
    } catch (e) {
      if (job.signal.aborted || !retryable(e)) throw e;
      const transient = e instanceof IOError && e.transient;
      const limit = transient ? Math.max(policy.maxRetries, policy.ioRetries) : policy.maxRetries;
      if (attempt >= limit) {
        if (attempt > 0 && e instanceof TaskError)
          throw new TaskError(e.operator, e.rddId, e.partition, e.cause, attempt + 1);
        throw e;
      }
      if (policy.retryWaitMs > 0) await sleep(policy.retryWaitMs, undefined, { signal: job.signal });
    }
  }
}

/**
 * Runs `count` tasks with at most `width` at once; results in task order. The
 * first failure aborts `job` and stops new tasks; the returned promise
 * rejects with it once every running task has stopped (so sources are closed).
 */
export async function runBounded<R>(
  job: Job,
  count: number,
  width: number,
  task: (index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(count);
  let next = 0;
  let failed = false;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (!failed && next < count) {
      const index = next++;
      try {
        if (job.signal.aborted) throw abortError(job.signal);
        results[index] = await task(index);
      } catch (e) {
        if (!failed) {
          failed = true;
          failure = e;
          job.abort(e);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, count)) }, worker));
  if (failed) throw failure;
  return results;
}

/**
 * Runs one accumulator per partition over its elements, with bounded
 * concurrency; results in partition order. The accumulator's `add` is the
 * sink of the partition's fused loop. A named fold may run on a worker thread.
 * With `operator`, a failure (of the accumulator's own user function
 * included) is reported as that operator's, with the partition.
 */
export function runFold<R>(
  runtime: Runtime,
  node: PlanNode,
  start: ((partition: number) => PartitionFold<R>) | NamedFold,
  options?: ActionOptions,
  operator?: string,
  buffering?: string,
): Promise<R[]> {
  return runJob(
    runtime,
    node,
    async (p, job) => {
      try {
        if (typeof start !== 'function') return (await job.fold(node, p, start)) as R;
        const acc = start(p);
        const watch =
          buffering === undefined ? undefined : job.watch(operator ?? 'fold', node.id, p, buffering);
        await job.drain(node, p, acc.add, undefined, keeping(acc, watch));
        return acc.result();
      } catch (e) {
        throw operator === undefined ? e : taskFailure(operator, node.id, p, e);
      }
    },
    options,
  );
}

/** Runs `task` over the given partitions (all by default) with bounded concurrency; results in partition order. */
export async function runJob<R>(
  runtime: Runtime,
  node: PlanNode,
  task: (partition: number, job: Job) => Promise<R>,
  options?: ActionOptions & { partitions?: readonly number[] },
): Promise<R[]> {
  return inJob(runtime, node, options, async (job) => {
    const total = await job.numPartitions(node);
    const parts = options?.partitions ?? Array.from({ length: total }, (_, i) => i);
    return runBounded(job, parts.length, runtime.concurrency, (i) =>
      withRetries(job, () => task(parts[i] as number, job)),
    );
  });
}

/**
 * Pulls partitions one after another, in order, handing each batch to
 * `consume` until it returns false. Computes only the partitions (and the
 * part of each) that are needed; early stop closes the source. A `consume`
 * that returns a Promise holds the pull until it settles (back-pressure).
 * `keeps`: whether the consumer keeps what it is handed (as `take` does), so
 * that it counts against the memory limit; a stream hands it on.
 */
export async function pullInOrder(
  runtime: Runtime,
  node: PlanNode,
  consume: (batch: unknown[], partition: number) => boolean | Promise<boolean>,
  options?: ActionOptions,
  operator = 'take',
  keeps = true,
): Promise<void> {
  await inJob(runtime, node, options, async (job) => {
    const total = await job.numPartitions(node);
    let taken = 0;
    for (let p = 0; p < total; p++) {
      // A retried partition skips what an earlier attempt already handed on.
      let delivered = 0;
      const watch = job.watch(operator, node.id, p, keeps ? 'taking it' : 'streaming it');
      const more = await withRetries(job, async () => {
        let skip = delivered;
        // Pulled here, on the main thread: only what is needed is read.
        for await (const batch of openPartition(node, p, job)) {
          let b = batch;
          if (skip > 0) {
            const n = Math.min(skip, b.length);
            skip -= n;
            if (n === b.length) continue;
            b = b.slice(n);
          }
          delivered += b.length;
          const more = consume(b, p);
          if (!(typeof more === 'boolean' ? more : await more)) return false;
          if (keeps) taken += b.length;
          watch(arrayGrowth(taken));
        }
        return true;
      });
      if (!more) return;
    }
  });
}
