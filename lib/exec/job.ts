/**
 * A job: the state of one running action, handed to every task of it — its
 * cancellation signal, what it computed once for all its tasks (shuffle
 * outputs, zipWithIndex offsets), its CPU turns — and the three ways a task
 * reads a partition: open it as batches, drain it into a sink, fold it.
 * Each asks the Context's executor first (worker threads may take it) and
 * otherwise runs it here.
 */
import { InternalError } from '../errors.js';
import { opOf } from '../ops/registry.js';
import type { PlanNode } from '../plan/nodes.js';
import { cutStages, type StageGraph } from '../plan/stages.js';
import { drainPartition } from './drain.js';
import { markCancellation } from './failures.js';
import { type NamedFold, type PartitionFold, startFold } from './folds.js';
import type { CombineTarget } from './fuse.js';
import { openPartition } from './open.js';
import { resolvePartitions } from './partitions.js';
import { type Runtime, stoppedError } from './runtime.js';
import type { Facts, RemoteInputs, TaskContext, Watch } from './task.js';
import { CpuTurns } from './turns.js';

let jobs = 0;

export class Job implements TaskContext {
  /** Names the job in messages to worker threads. */
  readonly id = ++jobs;
  /** In a worker thread: nodes whose partitions come from the main thread. */
  remote: RemoteInputs | undefined;
  /** In a worker thread: what the main thread resolved for the stage. */
  facts: Facts | undefined;
  /**
   * Outside the driver (a Spark executor's reduce task): the records every map
   * task routed to `partition` of a hash shuffle's parent `parentIndex`, in map
   * order (combined when the shuffle combines map-side). Unset: the job runs
   * the map side itself.
   */
  shuffleRead:
    | ((node: PlanNode, parentIndex: number, partition: number) => Promise<[unknown, unknown][]>)
    | undefined;
  /** Turns at the main thread's CPU for the partitions this job drains at once. */
  readonly turns = new CpuTurns();
  private readonly controller = new AbortController();
  private readonly memos = new Map<object, Promise<unknown>>();
  private readonly unlink: () => void;
  private graph: StageGraph | undefined;

  /** `root`: the node the job computes (its stages are `root`'s), when the job has one. */
  constructor(
    readonly runtime: Runtime,
    external?: AbortSignal,
    readonly root?: PlanNode,
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

  get io() {
    return this.runtime.io;
  }

  abort(reason?: unknown): void {
    this.controller.abort(reason);
  }

  /** Whether a node's partitions are read from elsewhere (the cache, the main thread), not computed in a fused loop. */
  readElsewhere(node: PlanNode): boolean {
    return this.runtime.isPersisted(node.id) || this.remote?.has(node.id) === true;
  }

  numPartitions(node: PlanNode): Promise<number> {
    return resolvePartitions(node, this);
  }

  /** What a file source listed: once per RDD (the Runtime keeps it; a failure is forgotten). */
  listing(node: PlanNode): Promise<unknown> {
    if (this.facts !== undefined) {
      if (!this.facts.listings.has(node.id))
        throw new InternalError(`${node.op}[${node.id}]'s listing was not sent`);
      return Promise.resolve(this.facts.listings.get(node.id));
    }
    const memo = this.runtime.listings;
    let p = memo.get(node);
    if (p === undefined) {
      const def = opOf(node);
      if (def.kind !== 'source' || def.list === undefined)
        throw new InternalError(`${node.op}[${node.id}] has nothing to list`);
      const attempt = def.list(node.args, this);
      p = attempt;
      memo.set(node, attempt);
      attempt.catch(() => {
        if (memo.get(node) === attempt) memo.delete(node);
      });
    }
    return p;
  }

  /** What a batch operator prepared for this job (zipWithIndex's partition offsets), once per job. */
  prepared(node: PlanNode): Promise<unknown> {
    if (this.facts?.prepared.has(node.id)) return Promise.resolve(this.facts.prepared.get(node.id));
    const def = opOf(node);
    if (def.kind !== 'batch' || def.prepare === undefined)
      throw new InternalError(`${node.op}[${node.id}] prepares nothing`);
    const prepare = def.prepare;
    return this.memo(node, () => prepare(node, this));
  }

  /**
   * One partition of a node as batches (on a worker thread when the executor
   * takes it); `own` false: shared data is read as it is, not copied (a
   * reader that looks at no element, such as count).
   */
  open<T = unknown>(node: PlanNode, partition: number, own = true): AsyncIterable<T[]> {
    const elsewhere = this.runtime.executor?.open(this, node, partition);
    return (elsewhere ?? openPartition(node, partition, this, own)) as AsyncIterable<T[]>;
  }

  /**
   * Feeds every element of one partition to `sink` (fused into the
   * partition's last loop when it can be), or folds it into `combine`, whose
   * fold `sink` is then; `watch`, the memory budget's check, runs once per batch.
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

  watch(operator: string, rddId: number, partition: number, doing: string): Watch {
    const memory = this.runtime.memory;
    return (extra) => memory.check(operator, rddId, partition, doing, extra);
  }

  /** A value computed once per job (shuffle outputs, prepared operators), keyed by identity. */
  memo<V>(key: object, make: () => Promise<V>): Promise<V> {
    let p = this.memos.get(key) as Promise<V> | undefined;
    if (p === undefined) {
      p = make();
      this.memos.set(key, p);
    }
    return p;
  }

  /** The job's stages (cut once, when first asked for), or undefined for a job without a root. */
  get stages(): StageGraph | undefined {
    if (this.graph === undefined && this.root !== undefined)
      this.graph = cutStages(this.root, (id) => this.runtime.isPersisted(id));
    return this.graph;
  }

  stageTasks<R>(
    output: PlanNode,
    count: number,
    partitionOf: (i: number) => number,
    task: (i: number) => Promise<R>,
  ): (i: number) => Promise<R> {
    const listeners = this.runtime.listeners;
    const stage = listeners.size === 0 ? undefined : this.stages?.stageOf(output.id);
    if (stage === undefined) return task;
    for (const l of listeners) l.stageStarted?.(this.id, stage, count);
    return async (i) => {
      let error: unknown;
      try {
        return await task(i);
      } catch (e) {
        error = e;
        throw e;
      } finally {
        for (const l of listeners) l.taskEnded?.(this.id, stage, partitionOf(i), error);
      }
    };
  }

  /** Releases what the job held (shuffle outputs) and its link to the caller's signal; `error`: why it failed. */
  end(error?: unknown): void {
    this.runtime.jobs.delete(this);
    this.memos.clear();
    this.unlink();
    this.runtime.executor?.end(this);
    if (this.root !== undefined) for (const l of this.runtime.listeners) l.jobEnded?.(this.id, error);
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
function foldWatch(job: TaskContext, node: PlanNode, partition: number, fold: NamedFold): Watch | undefined {
  return fold.name === 'collect' ? job.watch('collect', node.id, partition, 'collecting it') : undefined;
}

/** Folds one partition with a named fold in this thread. */
export async function foldHere(
  job: TaskContext,
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

/** A per-batch check of `watch` that counts how what the fold keeps may grow. */
export function keeping(acc: PartitionFold, watch: Watch | undefined): (() => void) | undefined {
  if (watch === undefined) return undefined;
  const grows = acc.grows;
  return () => watch(grows === undefined ? 0 : grows());
}
