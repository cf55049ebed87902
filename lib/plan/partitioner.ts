/**
 * Partitioners: how a shuffle's output is laid out. An RDD remembers its
 * partitioner so that a later join or reduceByKey over the same layout can
 * skip the shuffle.
 */

export type Partitioner =
  /** `portableHash(key) mod n`, PySpark's default. */
  | { readonly kind: 'hash'; readonly numPartitions: number | undefined }
  /** Sorted ranges of keys (sortBy, sortByKey); bounds are sampled when the job runs. */
  | { readonly kind: 'range'; readonly numPartitions: number | undefined; readonly id: number }
  /** A user function from key to partition number (partitionBy with a function). */
  | {
      readonly kind: 'custom';
      readonly numPartitions: number | undefined;
      readonly fn: (key: unknown) => number;
    };

/**
 * PySpark's rule: same kind, same partition count and (for a custom one) the
 * same function. A count not known without I/O never matches.
 */
export function samePartitioner(a: Partitioner | undefined, b: Partitioner | undefined): boolean {
  if (a === undefined || b === undefined || a.kind !== b.kind) return false;
  if (a.numPartitions === undefined || a.numPartitions !== b.numPartitions) return false;
  switch (a.kind) {
    case 'hash':
      return true;
    case 'range':
      return b.kind === 'range' && a.id === b.id;
    case 'custom':
      return b.kind === 'custom' && a.fn === b.fn;
  }
}

/** How `explain()` names a partitioner. */
export function describePartitioner(p: Partitioner): string {
  return p.kind;
}
