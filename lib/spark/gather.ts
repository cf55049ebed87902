/**
 * A stage task that reads several partitions, as the `gather` bridge node
 * feeds it: coalesce without a shuffle, zip, cartesian, a union of RDDs
 * partitioned alike, a join or cogroup reading an input partitioned alike
 * where it is. Walking down the stage from its output exactly as the local
 * executor opens partitions (lib/exec/open.ts), each output partition k
 * becomes the list of (leaf, partition) pairs its task reads, in the order
 * it first reads them; a leaf is one of the stage's inputs (a text split, a
 * slice, a cached RDD) or a shuffle's reduce side read from the transport.
 * The bridge's `gather` node sends partition k's pairs one after another,
 * each line tagged with its slot; the executor (gathered.ts) hands each
 * plan input its own lines. So every task reads exactly the partitions local
 * mode's task reads, and the layout is the same.
 */
import { opOf } from '../ops/registry.js';
import type { UnionArgs } from '../ops/union.js';
import type { PlanNode } from '../plan/nodes.js';
import { isShuffleEdge } from '../plan/stages.js';

/** Output partition k's reads: `[leaf index, partition]`, and whether a slot may be read more than once (kept in memory). */
export interface GatherPartition {
  readonly reads: [number, number][];
  readonly keep: boolean[];
}

export interface GatherPlan {
  /** The distinct leaves, in order of first read: stage inputs, or shuffles read from the transport. */
  readonly leaves: PlanNode[];
  readonly partitions: GatherPartition[];
}

/** The head line of a gathered partition (the executor's table): `[node id, partition, keep 0|1]` per slot. */
export type GatherHead = { readonly slots: readonly (readonly [number, number, 0 | 1])[] };

/** Whether a shuffle node is read from the transport (not computed from its parents in the stage). */
export function readsShuffle(node: PlanNode): boolean {
  return node.kind === 'shuffle' && node.deps.includes('shuffle');
}

/**
 * Whether the stage over `output` reads more than one partition in a task
 * (anything but a chain of narrow one-parent operators and concatenating
 * unions): then it needs the `gather` node.
 */
export function needsGather(output: PlanNode, inputs: ReadonlySet<PlanNode>): boolean {
  const stack: PlanNode[] = [output];
  const seen = new Set<PlanNode>();
  for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
    if (seen.has(n)) continue;
    seen.add(n);
    if (inputs.has(n)) continue;
    if (n.kind === 'shuffle') {
      if (n.parents.length > 1 && n.deps.some((d) => d !== 'shuffle')) return true;
      if (readsShuffle(n)) continue;
    }
    if (n.kind === 'combine' && !(n.op === 'union' && (n.args as unknown as UnionArgs).aligned === false))
      return true;
    for (const p of n.parents) stack.push(p);
  }
  return false;
}

/**
 * Which partitions each of the `count` output partitions of `output`'s stage
 * reads. `counts` gives every node's partition count (resolved by the caller).
 */
export function gatherPlan(
  output: PlanNode,
  count: number,
  inputs: ReadonlySet<PlanNode>,
  counts: (node: PlanNode) => number,
  unsupported: (node: PlanNode, why: string) => Error,
): GatherPlan {
  const leaves: PlanNode[] = [];
  const index = new Map<PlanNode, number>();
  const partitions: GatherPartition[] = [];
  for (let k = 0; k < count; k++) {
    const reads: [number, number][] = [];
    const keep: boolean[] = [];
    const slotOf = new Map<string, number>();
    const leaf = (n: PlanNode, p: number, again: boolean) => {
      let i = index.get(n);
      if (i === undefined) {
        i = leaves.length;
        leaves.push(n);
        index.set(n, i);
      }
      const key = `${i}:${p}`;
      const s = slotOf.get(key);
      if (s !== undefined) {
        // Read twice in one task (zip of an RDD with itself): its lines are kept for the second read.
        keep[s] = true;
        return;
      }
      slotOf.set(key, reads.length);
      reads.push([i, p]);
      keep.push(again);
    };
    // `again`: under a cartesian's right side, which a big partition reads once per left element.
    const walk = (n: PlanNode, p: number, again: boolean): void => {
      if (inputs.has(n)) {
        leaf(n, p, again);
        return;
      }
      switch (n.kind) {
        case 'source':
          // Computed on the executor (range): nothing to read.
          return;
        case 'shuffle': {
          let transported = false;
          n.parents.forEach((parent, i) => {
            if (!isShuffleEdge(n, i)) walk(parent, p, again);
            else if (!transported) {
              // Every shuffled side of one shuffle arrives in one reduce partition of the transport.
              transported = true;
              leaf(n, p, again);
            }
          });
          return;
        }
        case 'combine': {
          const def = opOf(n);
          if (def.kind !== 'combine') break;
          const parentCounts = n.parents.map(counts);
          if (def.concat !== undefined) {
            for (const [i, q] of def.concat(n.args as never, p, parentCounts))
              walk(n.parents[i] as PlanNode, q, again);
            return;
          }
          if (n.op === 'zip') {
            walk(n.parents[0] as PlanNode, p, again);
            walk(n.parents[1] as PlanNode, p, again);
            return;
          }
          if (n.op === 'cartesian') {
            // As lib/ops/cartesian.ts reads them: the right partition first, then the left.
            const m = parentCounts[1] as number;
            walk(n.parents[1] as PlanNode, p % m, true);
            walk(n.parents[0] as PlanNode, Math.floor(p / m), again);
            return;
          }
          break;
        }
        default:
          if (n.parents.length === 1) {
            walk(n.parents[0] as PlanNode, p, again);
            return;
          }
      }
      throw unsupported(n, 'Spark cannot feed the partitions it reads yet');
    };
    walk(output, k, false);
    partitions.push({ reads, keep });
  }
  return { leaves, partitions };
}

/** Partition k's head line for the executor: which plan node and partition each slot is. */
export function gatherHead(plan: GatherPlan, k: number): string {
  const part = plan.partitions[k] as GatherPartition;
  const head: GatherHead = {
    slots: part.reads.map(([i, p], s) => [(plan.leaves[i] as PlanNode).id, p, part.keep[s] ? 1 : 0]),
  };
  return JSON.stringify(head);
}
