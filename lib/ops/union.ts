/**
 * `sc.union(rdds)` / `rdd.union(other)`: the parents' partitions one after
 * another; or, when every parent is partitioned alike (same partitioner and
 * count: Spark's PartitionerAwareUnionRDD), partition i is partition i of
 * each parent in turn, and the partitioner is kept.
 */
import { samePartitioner } from '../plan/partitioner.js';
import type { CombineOp } from './types.js';

export interface UnionArgs {
  /** Every parent has the same partitioner (decided when the node is made). */
  readonly aligned: boolean;
}

export const union: CombineOp<UnionArgs> = {
  kind: 'combine',
  partitions: (a, counts) => (a.aligned ? (counts[0] as number) : counts.reduce((x, y) => x + y, 0)),
  partitioner: (a, parents) => (a.aligned ? parents[0]?.partitioner : undefined),
  sequence: (a) => !a.aligned,
  concat: (a, partition, counts) => {
    if (a.aligned) return counts.map((_, i) => [i, partition] as const);
    let p = partition;
    for (let i = 0; i < counts.length; i++) {
      const n = counts[i] as number;
      if (p < n) return [[i, p]];
      p -= n;
    }
    return [];
  },
};

/** Whether `sc.union` of parents with these partitioners keeps theirs. */
export function aligned(
  partitioners: readonly (Parameters<typeof samePartitioner>[0] | undefined)[],
): boolean {
  const first = partitioners[0];
  return partitioners.every((p) => samePartitioner(p, first));
}
