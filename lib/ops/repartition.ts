/**
 * `rdd.repartition(n)` (and `coalesce(n, true)`): every element shuffled
 * round-robin from a per-map-partition start, as Spark's coalesce with
 * shuffle does: element j of map partition m goes to (m + j) mod n, by the
 * hash of that position (an integer below n hashes to itself).
 */
import { hashShuffle } from './shuffle-op.js';

export interface RepartitionArgs {
  readonly numPartitions: number;
  readonly partitionFunc: undefined;
}

export const repartition = hashShuffle<RepartitionArgs>(
  ({ numPartitions: n }) => ({
    prepare: (_parent, mapPartition) => {
      let next = mapPartition % n;
      return (x) => {
        const kv: [unknown, unknown] = [next, x];
        next = next + 1 === n ? 0 : next + 1;
        return kv;
      };
    },
    reduce: ({ records }) => [(records[0] ?? []).map((kv) => kv[1])],
  }),
  { keepsPartitioner: false, rekeys: true },
);
