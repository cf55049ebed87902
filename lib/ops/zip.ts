/**
 * `rdd.zip(other)`: partition i of the left paired element by element with
 * partition i of the right; both must have the same partition count and the
 * same number of elements in each partition.
 */
import { ArgumentError } from '../errors.js';
import type { CombineOp } from './types.js';

/** PySpark's message for `zip` of RDDs with different partition counts. */
export function zipPartitionsError(): ArgumentError {
  return new ArgumentError('Can only zip with RDD which has the same number of partitions');
}

export const zip: CombineOp<Record<string, never>> = {
  kind: 'combine',
  partitions: (_a, [a, b]) => {
    if (a !== b) throw zipPartitionsError();
    return a as number;
  },
  open: async function* (_a, partition, parents) {
    const a = parents.open(0, partition)[Symbol.asyncIterator]();
    const b = parents.open(1, partition)[Symbol.asyncIterator]();
    let ba: unknown[] = [];
    let bb: unknown[] = [];
    let i = 0;
    let j = 0;
    let doneA = false;
    let doneB = false;
    try {
      for (;;) {
        while (!doneA && i >= ba.length) {
          const r = await a.next();
          if (r.done) doneA = true;
          else [ba, i] = [r.value, 0];
        }
        while (!doneB && j >= bb.length) {
          const r = await b.next();
          if (r.done) doneB = true;
          else [bb, j] = [r.value, 0];
        }
        if (doneA || doneB) {
          if (doneA && doneB) return;
          throw new ArgumentError(
            `Can only zip RDDs with same number of elements in each partition (partition ${partition} differs)`,
          );
        }
        const n = Math.min(ba.length - i, bb.length - j);
        const out: unknown[] = new Array(n);
        for (let k = 0; k < n; k++) out[k] = [ba[i + k], bb[j + k]];
        i += n;
        j += n;
        yield out;
      }
    } finally {
      await Promise.all([a.return?.(), b.return?.()]);
    }
  },
};
