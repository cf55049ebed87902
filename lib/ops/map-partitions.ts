/**
 * `rdd.mapPartitions(f)` and `rdd.mapPartitionsWithIndex(f)`: where user code
 * sees a whole partition, as an `AsyncIterable` of elements flattened from
 * the batches; what it returns (an array, an Iterable, an AsyncIterable or a
 * Promise of one) is batched again.
 */
import { elements, toBatches } from './iter.js';
import type { PartitionOp } from './types.js';

export interface MapPartitionsArgs {
  readonly f: (partition: AsyncIterable<unknown>) => unknown;
  readonly preservesPartitioning: boolean;
}

export interface MapPartitionsWithIndexArgs {
  readonly f: (index: number, partition: AsyncIterable<unknown>) => unknown;
  readonly preservesPartitioning: boolean;
}

export const mapPartitions: PartitionOp<MapPartitionsArgs> = {
  kind: 'partition',
  keepsPartitioner: (a) => a.preservesPartitioning,
  run: (a, input, _partition, env) =>
    toBatches(a.f(elements(input, env.signal)), 'mapPartitions', env.signal),
};

export const mapPartitionsWithIndex: PartitionOp<MapPartitionsWithIndexArgs> = {
  kind: 'partition',
  keepsPartitioner: (a) => a.preservesPartitioning,
  run: (a, input, partition, env) =>
    toBatches(a.f(partition, elements(input, env.signal)), 'mapPartitionsWithIndex', env.signal),
};

/** PySpark's deprecated name of `mapPartitionsWithIndex`. */
export const mapPartitionsWithSplit: PartitionOp<MapPartitionsWithIndexArgs> = {
  ...mapPartitionsWithIndex,
  run: (a, input, partition, env) =>
    toBatches(a.f(partition, elements(input, env.signal)), 'mapPartitionsWithSplit', env.signal),
};
