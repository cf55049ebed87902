/**
 * Actions may only be called by the driver, never from inside a task (see
 * lib/exec/nesting.ts): every action's first statement is `guard(name)`,
 * which throws at once when called from task code, so the task fails with
 * SPARK-5063's explanation instead of putting a Promise into the data.
 */
import { nestedActionError, taskCode } from '../exec/nesting.js';

/** Every method of RDD that runs a job (or may need I/O to answer). */
export const ACTIONS = [
  'aggregate',
  'collect',
  'collectAsMap',
  'count',
  'countApprox',
  'countApproxDistinct',
  'countByKey',
  'countByValue',
  'first',
  'fold',
  'foreach',
  'foreachPartition',
  'getNumPartitions',
  'histogram',
  'isEmpty',
  'lookup',
  'max',
  'mean',
  'meanApprox',
  'min',
  'reduce',
  'reduceByKeyLocally',
  'sampleStdev',
  'sampleVariance',
  'saveAsTextFile',
  'stats',
  'stdev',
  'sum',
  'sumApprox',
  'take',
  'takeOrdered',
  'takeSample',
  'toLocalIterator',
  'top',
  'treeAggregate',
  'treeReduce',
  'variance',
] as const;

export type ActionName = (typeof ACTIONS)[number];

/** Throws SPARK-5063's error when the action `name` is called from inside a task. */
export function guard(name: ActionName): void {
  if (taskCode.depth > 0) throw nestedActionError(name);
}
