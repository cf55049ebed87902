/**
 * A cluster that runs whole jobs elsewhere (Apache Spark, lib/spark): when a
 * Context has one, every action's job goes to it instead of the in-process
 * scheduler. The cluster cuts the same stages (plan/stages.ts), ships them
 * encoded (lib/ship) and runs the same operator code in Node processes on
 * its executors, so the results equal a local run. What it cannot run yet
 * rejects with `unsupported(operator)` before anything starts.
 */
import type { PlanNode } from '../plan/nodes.js';
import type { NamedFold } from './folds.js';
import type { Job } from './job.js';

export interface Cluster {
  /** The records of `node`'s partitions (all, or those listed), in partition order. */
  collect(job: Job, node: PlanNode, partitions?: readonly number[]): Promise<unknown[]>;
  /** The number of records. */
  count(job: Job, node: PlanNode): Promise<number>;
  /** A named fold of every partition, folded where the partition is computed: the results in partition order. */
  fold(job: Job, node: PlanNode, fold: NamedFold, operator: string): Promise<unknown[]>;
  /** The partitions in order, handed to `consume` until it returns false; no more partitions computed than needed. */
  pull(
    job: Job,
    node: PlanNode,
    consume: (batch: unknown[], partition: number) => boolean | Promise<boolean>,
    operator: string,
    /** How many records the caller wants at most, when it knows (take): no task computes more. */
    want?: number,
  ): Promise<void>;
  /** `saveAsTextFile` through the cluster's output committer. */
  save(job: Job, node: PlanNode, path: string, codec: string | null): Promise<void>;
  /** A source's partition count as the cluster splits it (text files: the cluster's input splits); undefined: as locally. */
  sourceCount(node: PlanNode): Promise<number> | undefined;
  /** `unpersist()` of a persisted RDD: the cluster drops what it cached for it. */
  unpersist(id: number): void;
  /** The error of an operator or action the cluster does not run. */
  unsupported(operator: string, reason?: string): Error;
}
