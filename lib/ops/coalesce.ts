/**
 * `rdd.coalesce(n)`: consecutive parent partitions merged into at most `n`,
 * without a shuffle (Spark's coalescer without locality: output i reads
 * parents floor(i·P/n) up to floor((i+1)·P/n)).
 */
import type { CombineOp } from './types.js';

export interface CoalesceArgs {
  readonly numPartitions: number;
}

export const coalesce: CombineOp<CoalesceArgs> = {
  kind: 'combine',
  describe: (a) => [['numPartitions', String(a.numPartitions)]],
  partitions: (a, counts) => Math.min(a.numPartitions, counts[0] as number),
  concat: (a, partition, counts) => {
    const total = counts[0] as number;
    const n = Math.min(a.numPartitions, total);
    const from = Math.floor((partition * total) / n);
    const to = Math.floor(((partition + 1) * total) / n);
    const out: [number, number][] = [];
    for (let p = from; p < to; p++) out.push([0, p]);
    return out;
  },
};
