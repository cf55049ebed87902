/**
 * What outlives a job, one per Context: cached partitions, resolved partition
 * counts and file listings (once per RDD, as in Spark), the retry policy and
 * the executor that may run tasks elsewhere (worker threads).
 */
import { SparklingError } from '../errors.js';
import type { IoOptions } from '../io/options.js';
import type { PlanNode } from '../plan/nodes.js';
import type { Stage, StageGraph } from '../plan/stages.js';
import type { Cluster } from './cluster.js';
import type { Executor } from './executor.js';
import { JobGroups } from './job-groups.js';
import { MemoryBudget } from './memory.js';

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

/** What stopping the Context does to a running job. */
export interface RunningJob {
  abort(reason?: unknown): void;
}

/** A cached partition, computed or being computed, and the signal of the job computing it. */
export interface CachedPartition {
  readonly batches: Promise<unknown[][]>;
  /** Aborted when the computing job is cancelled or failed elsewhere: its computation then rejects with that job's reason. */
  readonly signal: AbortSignal;
  /** Set once the batches are all there. */
  done: boolean;
}

/**
 * Hears how a Context's jobs run, stage by stage (the stages of
 * lib/plan/stages.ts): what a progress bar or a status tracker needs. Calls
 * are synchronous, on the main thread; a listener must not throw.
 */
export interface JobListener {
  /** A job over a plan starts; `stages` is its stage graph (some stages may never run: a cache already filled). */
  jobStarted?(job: number, stages: StageGraph): void;
  /** A stage's tasks start: `tasks` of them (a result stage, or a shuffle's map side). */
  stageStarted?(job: number, stage: Stage, tasks: number): void;
  /** One task of the stage starts running (its retries are part of it). */
  taskStarted?(job: number, stage: Stage, partition: number): void;
  /**
   * One task of the stage ended (after its retries), with `error` when it
   * failed; `killed`: it failed because its job was aborted first (another
   * task's failure, a cancellation), as Spark's killed tasks.
   */
  taskEnded?(job: number, stage: Stage, partition: number, error: unknown, killed: boolean): void;
  /**
   * A source (node `nodeId`) of `stage` handed on `records` elements, or
   * finished a partition of `bytes` stored bytes: a batch at a time, never
   * per element. `stage` is undefined where the job has no stage graph (a
   * worker thread's job, whose reports the main thread passes on).
   */
  inputRead?(job: number, stage: Stage | undefined, nodeId: number, records: number, bytes: number): void;
  /** The job ended, with `error` when it failed or was cancelled. */
  jobEnded?(job: number, error: unknown): void;
}

export class Runtime {
  /** Persisted RDD ids, and the partitions computed for them so far. */
  private readonly cached = new Map<number, Map<number, CachedPartition>>();
  /** Partition counts being resolved or resolved, by node (a failed resolution is forgotten). */
  readonly counts = new WeakMap<PlanNode, Promise<number>>();
  /** Partition counts once resolved: what explain() prints. */
  readonly known = new WeakMap<PlanNode, number>();
  /** What file sources listed, by node: once per RDD (a failed listing is forgotten). */
  readonly listings = new WeakMap<PlanNode, Promise<unknown>>();
  /** Runs tasks elsewhere (worker threads) when set; otherwise everything runs here. */
  executor: Executor | undefined;
  /** Runs every job on a cluster (Apache Spark) when set. */
  cluster: Cluster | undefined;
  /** The Context's job groups: the signals of the group a new job belongs to. */
  readonly groups = new JobGroups();
  /** Who hears about jobs, stages and tasks. */
  readonly listeners = new Set<JobListener>();
  /** Jobs running now (stopping the Context aborts them). */
  readonly jobs = new Set<RunningJob>();
  private stopError: SparklingError | undefined;

  constructor(
    readonly concurrency: number,
    readonly retries: RetryPolicy = DEFAULT_RETRIES,
    readonly io: IoOptions = {},
    readonly memory: MemoryBudget = new MemoryBudget(),
  ) {}

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

  persist(id: number): void {
    if (!this.cached.has(id)) this.cached.set(id, new Map());
  }
  unpersist(id: number): void {
    this.cached.delete(id);
    this.cluster?.unpersist(id);
  }
  isPersisted(id: number): boolean {
    return this.cached.has(id);
  }
  cacheOf(id: number): Map<number, CachedPartition> | undefined {
    return this.cached.get(id);
  }
  /** Whether all `count` partitions of a persisted RDD are in the cache. */
  isMaterialized(id: number, count: number): boolean {
    const store = this.cached.get(id);
    if (store === undefined) return false;
    for (let p = 0; p < count; p++) if (store.get(p)?.done !== true) return false;
    return true;
  }
  clear(): void {
    this.cached.clear();
  }
}
