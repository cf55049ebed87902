/** What the wide operators share: how they route records, by hash or by the user's partition function. */
import type { Partitioner } from '../plan/partitioner.js';
import { partitionOf, portableHash } from '../values/hash.js';
import { pairsOut } from './group.js';
import type { ReduceInput, ShuffleOp, ShuffleSpec } from './types.js';

/** A partition function: key to partition number (taken modulo the partition count, PySpark's `partitionFunc`). */
export type PartitionFunc = (key: unknown) => number;

/** Arguments every hash-partitioned wide operator takes. */
export interface Partitioning {
  /** The partition count asked for (undefined: PySpark's default from the parents). */
  readonly numPartitions: number | undefined;
  /** The user's partition function (undefined: the portable hash). */
  readonly partitionFunc: PartitionFunc | undefined;
}

/** Whether `fn` is PySpark's default partition function (passing it means the default hash partitioner). */
export function isDefaultPartitionFunc(fn: unknown): boolean {
  return fn === undefined || fn === null || fn === partitionOf || fn === portableHash;
}

/** The hash partitioner, or a custom one for a user's partition function. */
export function partitionerFor(
  numPartitions: number | undefined,
  partitionFunc: PartitionFunc | undefined,
): Partitioner {
  return isDefaultPartitionFunc(partitionFunc)
    ? { kind: 'hash', numPartitions }
    : { kind: 'custom', numPartitions, fn: partitionFunc as PartitionFunc };
}

/** A hash-partitioned wide operator (custom when the user gave a partition function). */
export function hashShuffle<A extends Partitioning>(
  spec: (args: A) => ShuffleSpec,
  options: { readonly keepsPartitioner?: boolean; readonly rekeys?: boolean } = {},
): ShuffleOp<A> {
  return {
    kind: 'shuffle',
    requested: (a) => a.numPartitions,
    route: (a, n) => partitionerFor(n, a.partitionFunc),
    keepsPartitioner: options.keepsPartitioner ?? true,
    rekeys: options.rekeys ?? false,
    spec,
  };
}

/** The reduce side that hands on the (combined) pairs as they are. */
export const pairs = ({ records }: ReduceInput): Iterable<unknown[]> => pairsOut(records);
