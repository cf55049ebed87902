/**
 * The logical plan: every RDD is one frozen node, plain data. A node names
 * its operator (`op`, the user's method name, a key of the operator registry
 * in lib/ops/registry.ts) and holds the operator's arguments (`args`: the
 * user's functions and plain data — numbers, strings, seeds drawn at
 * creation, paths — never a library closure or an I/O object), its parents
 * and how it reads each of them (Spark's dependencies: narrow, or across a
 * shuffle). What the operator does lives in its lib/ops module; this module
 * is data and pure functions: no I/O, no `await`, no import of exec or io.
 */
import type { Partitioner } from './partitioner.js';

/**
 * How a node makes its partitions from its parents' (the operator's kind):
 * - `source`: no parents; generates or reads its partitions (parallelize, textFile);
 * - `kernel`: a stateless element-wise function, fused by code generation (map, filter, flatMap);
 * - `batch`: a per-batch operator with per-partition state, fused into the same loop (glom, sample);
 * - `partition`: a function of a whole partition (mapPartitions, pipe);
 * - `combine`: partitions made from parents' partitions without moving records (union, coalesce, zip, cartesian);
 * - `shuffle`: records move between partitions by key (reduceByKey, join, sortBy).
 */
export type NodeKind = 'source' | 'kernel' | 'batch' | 'partition' | 'combine' | 'shuffle';

/** How a node reads one parent: within the same task (`narrow`), or across a shuffle boundary. */
export type Dependency = 'narrow' | 'shuffle';

/** Printable attributes of a node, in order: `paths=[logs/*.gz]`. */
export type Attrs = readonly (readonly [string, string])[];

/** An operator's arguments: the user's functions and plain data. */
export type OpArgs = Readonly<Record<string, unknown>>;

export interface PlanNode {
  /** The RDD id, unique within a Context. */
  readonly id: number;
  /** The operator: the user's method name (`map`, `reduceByKey`, `textFile`), a registry key. */
  readonly op: string;
  readonly kind: NodeKind;
  readonly args: OpArgs;
  readonly parents: readonly PlanNode[];
  /** How each parent is read (always `narrow` except for some parents of a shuffle). */
  readonly deps: readonly Dependency[];
  /** How the output is partitioned, when known (hash/range after a shuffle, kept by mapValues ...). */
  readonly partitioner: Partitioner | undefined;
  /** A shuffle's routing of records to reduce partitions (`partitioner` is what the output exposes: none after sortBy). */
  readonly route?: Partitioner;
  /** The partition count when it is known without I/O. */
  readonly numPartitions: number | undefined;
  /** What explain() prints after the name. */
  readonly attrs: Attrs;
}

/** A new node, frozen (its arrays too). */
export function freezeNode(node: PlanNode): PlanNode {
  Object.freeze(node.parents);
  Object.freeze(node.deps);
  Object.freeze(node.attrs);
  Object.freeze(node.args);
  return Object.freeze(node);
}

/** The partition count of a node when it is known without I/O (fixed when the node was made). */
export function knownPartitions(node: PlanNode): number | undefined {
  return node.numPartitions;
}

/**
 * PySpark's default partition count of a wide operation: the parent's count;
 * for several parents (join, cogroup: a union underneath) their sum, or the
 * shared count when all are partitioned alike. A shuffle that keys elements
 * afresh (`rekeys`: subtract, intersection) always takes the sum: PySpark
 * builds them on `map(x => [x, undefined])`, which drops the partitioner, so
 * the union under its cogroup is never partitioner-aware.
 */
export function defaultShufflePartitions(
  counts: readonly (number | undefined)[],
  partitioners: readonly (Partitioner | undefined)[],
  same: (a: Partitioner | undefined, b: Partitioner | undefined) => boolean,
  rekeys: boolean,
): number | undefined {
  if (counts.some((c) => c === undefined)) return undefined;
  const first = partitioners[0];
  if (!rekeys && partitioners.length > 1 && partitioners.every((p) => same(p, first))) return counts[0];
  return (counts as number[]).reduce((a, b) => a + b, 0);
}

/**
 * Every node under `root` (itself included), parents before children, each
 * once; iterative, so any depth of lineage is walked. `parentsOf` says which
 * parents of a node to descend into (all of them by default).
 */
export function topological(
  root: PlanNode,
  parentsOf: (node: PlanNode) => readonly PlanNode[] = (n) => n.parents,
): PlanNode[] {
  const out: PlanNode[] = [];
  const seen = new Set<PlanNode>([root]);
  const stack: { node: PlanNode; i: number; parents: readonly PlanNode[] }[] = [
    { node: root, i: 0, parents: parentsOf(root) },
  ];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { node: PlanNode; i: number; parents: readonly PlanNode[] };
    if (top.i < top.parents.length) {
      const parent = top.parents[top.i++] as PlanNode;
      if (!seen.has(parent)) {
        seen.add(parent);
        stack.push({ node: parent, i: 0, parents: parentsOf(parent) });
      }
      continue;
    }
    stack.pop();
    out.push(top.node);
  }
  return out;
}

export function assertNever(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}
