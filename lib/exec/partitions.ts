/**
 * Partition counts: known when a node is made for most of the plan; a file
 * source needs its listing, and everything above it waits for that. Each
 * count is resolved once per RDD (kept by the Runtime; a failure is
 * forgotten, so a later action tries again) and without recursion, so a
 * lineage of any depth resolves.
 */
import { opOf } from '../ops/registry.js';
import { defaultShufflePartitions, type PlanNode, topological } from '../plan/nodes.js';
import { samePartitioner } from '../plan/partitioner.js';
import type { Runtime } from './runtime.js';

/** What resolving a count needs: the Runtime's memo, and the listing of file sources. */
export interface CountEnv {
  readonly runtime: Runtime;
  listing(node: PlanNode): Promise<unknown>;
}

/** The partition count of a node, resolving file listings as needed. */
export function resolvePartitions(node: PlanNode, env: CountEnv): Promise<number> {
  if (node.numPartitions !== undefined) return Promise.resolve(node.numPartitions);
  const memo = env.runtime.counts;
  const known = memo.get(node);
  if (known !== undefined) return known;
  // The nodes under `node` whose count is still to resolve, parents first: each then reads memoised parents.
  for (const n of unresolved(node, env.runtime)) {
    const p = countOf(n, env);
    memo.set(n, p);
    p.then(
      (c) => env.runtime.known.set(n, c),
      () => {
        if (memo.get(n) === p) memo.delete(n);
      },
    );
  }
  return memo.get(node) as Promise<number>;
}

/** `node` and the nodes under it whose count is neither fixed nor being resolved, parents first. */
function unresolved(node: PlanNode, runtime: Runtime): PlanNode[] {
  const open = (n: PlanNode) => n.numPartitions === undefined && !runtime.counts.has(n);
  // A shuffle with a count asked for needs none of its parents'.
  return topological(node, (n) =>
    n.kind === 'shuffle' && n.numPartitions !== undefined ? [] : n.parents.filter(open),
  );
}

/** One node's count from its parents' (resolved or memoised). */
async function countOf(node: PlanNode, env: CountEnv): Promise<number> {
  const def = opOf(node);
  const parentCounts = () => Promise.all(node.parents.map((p) => resolvePartitions(p, env)));
  switch (def.kind) {
    case 'source': {
      const remote = env.runtime.cluster?.sourceCount(node);
      if (remote !== undefined) return remote;
      return def.partitions(node.args, def.list === undefined ? undefined : await env.listing(node));
    }
    case 'kernel':
    case 'batch':
    case 'partition':
      return resolvePartitions(node.parents[0] as PlanNode, env);
    case 'combine':
      return def.partitions(node.args, await parentCounts());
    case 'shuffle':
      return (
        def.requested(node.args) ??
        (defaultShufflePartitions(
          await parentCounts(),
          node.parents.map((p) => p.partitioner),
          samePartitioner,
          def.rekeys,
        ) as number)
      );
  }
}
