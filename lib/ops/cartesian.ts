/**
 * `rdd.cartesian(other)`: Spark's CartesianRDD. Partition i·m + j pairs left
 * partition i with right partition j, left-major. A right partition of up
 * to CARTESIAN_BLOCK elements is read once and kept; a bigger one is
 * streamed, read again for each left element as Spark does, so memory stays
 * bounded whatever its size (`first()` of a cartesian with 3e7 elements on
 * the right reads one block).
 */
import { BATCH_SIZE, type CombineOp } from './types.js';

/** Right-side elements a cartesian partition keeps in memory, at most. */
const CARTESIAN_BLOCK = 16 * BATCH_SIZE;

export const cartesian: CombineOp<Record<string, never>> = {
  kind: 'combine',
  partitions: (_a, [a, b]) => (a as number) * (b as number),
  open: async function* (_a, partition, parents) {
    const m = parents.count(1);
    const rightPartition = () => parents.open(1, partition % m);
    const ys: unknown[] = [];
    let whole = true;
    for await (const b of rightPartition()) {
      for (const y of b) ys.push(y);
      if (ys.length > CARTESIAN_BLOCK) {
        whole = false;
        break;
      }
    }
    if (ys.length === 0) return;
    if (!whole) ys.length = 0;
    let out: unknown[] = [];
    for await (const b of parents.open(0, Math.floor(partition / m))) {
      for (const x of b) {
        if (whole) for (const y of ys) out.push([x, y]);
        else
          for await (const yb of rightPartition()) {
            for (const y of yb) {
              out.push([x, y]);
              if (out.length >= BATCH_SIZE) {
                yield out;
                out = [];
              }
            }
          }
        if (out.length >= BATCH_SIZE) {
          yield out;
          out = [];
        }
      }
    }
    if (out.length > 0) yield out;
  },
};
