/**
 * `rdd.zipWithIndex()` and `rdd.zipWithUniqueId()`: each element paired with
 * a number. Both need a fact about the parent before their tasks run (its
 * partitions' sizes, its partition count): the executor resolves it once per
 * job, on the driver, and hands it to every partition's operator.
 */
import type { PlanNode } from '../plan/nodes.js';
import type { BatchOpDef, PrepareEnv } from './types.js';

type NoArgs = Record<string, never>;

/** The index of each partition's first element, from the sizes of every partition but the last. */
export function startsOf(counts: readonly number[]): number[] {
  const starts = [0];
  for (const c of counts) starts.push((starts[starts.length - 1] as number) + c);
  return starts;
}

/**
 * Element i of the partition whose first element has index `starts[p]`
 * gets `starts[p] + i`: Spark counts every partition but the last first.
 */
export const zipWithIndex: BatchOpDef<NoArgs> = {
  kind: 'batch',
  keepsPartitioner: false,
  prepare: async (node: PlanNode, env: PrepareEnv): Promise<number[]> => {
    const parent = node.parents[0] as PlanNode;
    const n = await env.numPartitions(parent);
    const counts = await Promise.all(
      Array.from({ length: Math.max(0, n - 1) }, async (_, p) => {
        let c = 0;
        for await (const b of env.open(parent, p)) c += b.length;
        return c;
      }),
    );
    return startsOf(counts);
  },
  make: (_args, partition, prepared) => {
    let next = (prepared as number[])[partition] as number;
    return {
      step: (batch, out) => {
        for (let i = 0; i < batch.length; i++) out.push([batch[i], next++]);
      },
    };
  },
};

/** Element i of partition k of n gets `i·n + k` (no counting job; ids may have gaps). */
export const zipWithUniqueId: BatchOpDef<NoArgs> = {
  kind: 'batch',
  keepsPartitioner: false,
  prepare: (node: PlanNode, env: PrepareEnv): Promise<number> =>
    env.numPartitions(node.parents[0] as PlanNode),
  make: (_args, partition, prepared) => {
    const n = prepared as number;
    let next = partition;
    return {
      step: (batch, out) => {
        for (let i = 0; i < batch.length; i++) {
          out.push([batch[i], next]);
          next += n;
        }
      },
    };
  },
};
