/** Guards every action against being called from task code (see lib/exec/nesting.ts). Loaded after the action families. */
import { guardActions } from './exec/nesting.js';
import { RDD } from './rdd.js';

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

guardActions(RDD.prototype, ACTIONS);
