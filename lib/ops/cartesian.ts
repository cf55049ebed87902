/**
 * `rdd.cartesian(other)`: Spark's CartesianRDD. Partition i·m + j pairs left
 * partition i with right partition j, left-major.
 */
import { BATCH_SIZE, type CombineOp } from './types.js';

export const cartesian: CombineOp<Record<string, never>> = {
  kind: 'combine',
  partitions: (_a, [a, b]) => (a as number) * (b as number),
  open: async function* (_a, partition, parents) {
    const m = parents.count(1);
    const ys: unknown[] = [];
    for await (const b of parents.open(1, partition % m)) for (const y of b) ys.push(y);
    if (ys.length === 0) return;
    let out: unknown[] = [];
    for await (const b of parents.open(0, Math.floor(partition / m))) {
      for (const x of b) {
        for (const y of ys) out.push([x, y]);
        if (out.length >= BATCH_SIZE) {
          yield out;
          out = [];
        }
      }
    }
    if (out.length > 0) yield out;
  },
};
