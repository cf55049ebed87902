/**
 * What a task sees of its job: the services the executor's modules (open,
 * drain, shuffle, cache) use, implemented by `Job` (job.ts). They depend on
 * this interface, not on the class, so the job can call them without an
 * import cycle.
 */
import type { IoOptions } from '../io/options.js';
import type { PrepareEnv } from '../ops/types.js';
import type { PlanNode } from '../plan/nodes.js';
import type { NamedFold } from './folds.js';
import type { CombineTarget } from './fuse.js';
import type { Runtime } from './runtime.js';
import type { CpuTurns } from './turns.js';

/** Checks the memory budget (see memory.ts), counting `extra` bytes about to be allocated. */
export type Watch = (extra?: number) => void;

/** In a worker thread: the stage's inputs, whose partitions come from the main thread. */
export interface RemoteInputs {
  has(id: number): boolean;
  open(node: PlanNode, partition: number): AsyncIterable<unknown[]>;
}

/** What a job knows before it starts, resolved by the driver (a worker's stage arrives with them). */
export interface Facts {
  /** File listings, by node id. */
  readonly listings: ReadonlyMap<number, unknown>;
  /** What batch operators prepared for the job (zipWithIndex's offsets), by node id. */
  readonly prepared: ReadonlyMap<number, unknown>;
}

export interface TaskContext extends PrepareEnv {
  /** Names the job in messages to worker threads. */
  readonly id: number;
  readonly runtime: Runtime;
  readonly signal: AbortSignal;
  readonly io: IoOptions;
  /** Turns at the CPU for the partitions the job drains at once. */
  readonly turns: CpuTurns;
  /** In a worker thread: nodes whose partitions come from the main thread. */
  readonly remote: RemoteInputs | undefined;
  /** In a worker thread: what the main thread resolved for the stage. */
  readonly facts: Facts | undefined;
  /**
   * Outside the driver (a Spark executor's reduce task): the records every map
   * task routed to `partition` of a hash shuffle's parent `parentIndex`, in map
   * order (combined when the shuffle combines map-side). Unset: the job runs
   * the map side itself.
   */
  readonly shuffleRead:
    | ((node: PlanNode, parentIndex: number, partition: number) => Promise<[unknown, unknown][]>)
    | undefined;
  abort(reason?: unknown): void;
  /** Whether a node's partitions are read from elsewhere (the cache, the main thread), not computed in a fused loop. */
  readElsewhere(node: PlanNode): boolean;
  /** What a file source listed: once per RDD. */
  listing(node: PlanNode): Promise<unknown>;
  /** What a batch operator prepared for this job, once per job. */
  prepared(node: PlanNode): Promise<unknown>;
  /**
   * Feeds every element of one partition to `sink`, or folds it into
   * `combine` (on a worker when the executor takes it); `watch`, the memory
   * budget's check, runs once per batch.
   */
  drain(
    node: PlanNode,
    partition: number,
    sink: (x: unknown) => void,
    combine?: CombineTarget,
    watch?: Watch,
  ): Promise<void>;
  /**
   * A check of the memory budget for a task of `operator[rddId]` that
   * buffers data of `partition` (`doing` says how, in the MemoryError): it
   * runs once per batch, or with the bytes about to be allocated.
   */
  watch(operator: string, rddId: number, partition: number, doing: string): Watch;
  /** Folds one partition with a named fold (on a worker when the executor takes it). */
  fold(node: PlanNode, partition: number, fold: NamedFold): Promise<unknown>;
  /** A value computed once per job, keyed by identity. */
  memo<V>(key: object, make: () => Promise<V>): Promise<V>;
  /**
   * Runs `count` tasks of the stage whose output is `output` (the job's root
   * for its result stage, a shuffle's parent for a map side), reporting them
   * to the Runtime's listeners: `task(i)` runs task i.
   */
  stageTasks<R>(
    output: PlanNode,
    count: number,
    partitionOf: (i: number) => number,
    task: (i: number) => Promise<R>,
  ): (i: number) => Promise<R>;
}
