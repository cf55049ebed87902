/**
 * Where tasks run. By default every task runs on the main thread; a Context
 * with `workers` installs an executor that runs some of them on worker
 * threads (lib/workers). Each hook answers `undefined` for "run it here".
 */
import type { PlanNode } from '../plan/nodes.js';
import type { NamedFold } from './folds.js';
import type { TaskContext } from './task.js';

export interface Executor {
  /** For explain(): stage output node id to where the stage runs (`executor=workers`, `executor=main reason="..."`). */
  describe(root: PlanNode): ReadonlyMap<number, string>;
  /** At the start of a job over `root`; throws when the job must not run (strict mode). */
  begin(job: TaskContext, root: PlanNode): void;
  /** At the end of a job: releases what workers hold for it. */
  end(job: TaskContext): void;
  /** When the Context stops: its running tasks fail, and the workers end once no Context uses them. */
  close(): void;
  /** One partition of `node`, computed elsewhere (`computeCached`: compute a persisted node's partition for its cache). */
  open(
    job: TaskContext,
    node: PlanNode,
    partition: number,
    computeCached?: boolean,
  ): AsyncIterable<unknown[]> | undefined;
  /** A partition folded elsewhere; the fold's result. */
  fold(job: TaskContext, node: PlanNode, partition: number, fold: NamedFold): Promise<unknown> | undefined;
  /** A hash shuffle's map task run elsewhere: its pairs by reduce partition (of `n`). */
  mapTask(
    job: TaskContext,
    node: PlanNode,
    parentIndex: number,
    mapPartition: number,
    n: number,
  ): Promise<MapOutput> | undefined;
}

/**
 * A hash shuffle's map task output: only the reduce partitions it has
 * records for (so a shuffle's memory grows with its records, not with map
 * × reduce partitions), each with its records in order.
 */
export interface MapOutput {
  /** Reduce partitions, each once, in the order they were first routed to. */
  readonly partitions: number[];
  /** `buckets[i]`: the records of reduce partition `partitions[i]`. */
  readonly buckets: [unknown, unknown][][];
}
