/**
 * Stages: the plan cut once, at shuffle boundaries and cached RDDs, into
 * pipelines that each compute one node's partitions (Spark's DAGScheduler
 * rule). Within a stage every edge is narrow: partition i of a node reads
 * partitions of its parents computed in the same task, so the narrow
 * operators between them fuse into one loop. A stage ends where
 * - a shuffle moves a parent's records (the parent is the output of a map
 *   stage; the shuffle node itself belongs to the stage that reads it, which
 *   merges its map outputs), or
 * - a cached RDD is read (it is the output of a stage of its own, computed
 *   once into the cache and read from there).
 * Exec, `explain()` and the worker placement all read this result. Pure:
 * no I/O; walks are iterative, so a lineage of any depth is cut.
 */
import type { PlanNode } from './nodes.js';

/** A shuffle edge: the map side of `node`'s parent `parentIndex` is the stage `from`. */
export interface ShuffleRead {
  readonly node: PlanNode;
  readonly parentIndex: number;
  readonly from: Stage;
}

export interface Stage {
  /** Numbers the stages of one graph: parents before the stages that read them, the root's last. */
  readonly id: number;
  /** The node whose partitions the stage computes: the job's root, a shuffle's parent, or a cached RDD. */
  readonly output: PlanNode;
  /** Why the stage exists: it computes the root, feeds a shuffle, or fills a cache. */
  readonly role: 'result' | 'map' | 'cache';
  /** The nodes computed in the stage, parents before children, the output last. */
  readonly nodes: readonly PlanNode[];
  /** Cached RDDs the stage reads (each the output of a 'cache' stage). */
  readonly cached: readonly PlanNode[];
  /** The shuffles whose map outputs the stage's shuffle nodes merge. */
  readonly shuffles: readonly ShuffleRead[];
}

export interface StageGraph {
  /** The stage computing the root. */
  readonly root: Stage;
  /** Every stage, parents before the stages that read them (the root's last). */
  readonly stages: readonly Stage[];
  /** The stage whose output is the node with this id. */
  stageOf(outputId: number): Stage | undefined;
  /** Whether `node`'s parent `parentIndex` is read across a shuffle (so starts a stage of its own). */
  isShuffleEdge(node: PlanNode, parentIndex: number): boolean;
}

/** Whether `node` reads its parent `parentIndex` across a shuffle boundary (Spark's ShuffleDependency). */
export function isShuffleEdge(node: PlanNode, parentIndex: number): boolean {
  return node.deps[parentIndex] === 'shuffle';
}

interface Building {
  readonly output: PlanNode;
  readonly role: Stage['role'];
  readonly nodes: PlanNode[];
  readonly cached: PlanNode[];
  readonly shuffles: { node: PlanNode; parentIndex: number; from: PlanNode }[];
}

/**
 * Cuts the plan under `root` into stages. `isCached(id)` says which RDDs are
 * persisted: each is read from the cache by the stages above it. The root
 * itself is computed by the result stage, cached or not.
 */
export function cutStages(root: PlanNode, isCached: (id: number) => boolean): StageGraph {
  const building = new Map<number, Building>();
  // Stage outputs still to walk; each walk adds the outputs it reaches across a boundary.
  const pending: { output: PlanNode; role: Stage['role'] }[] = [{ output: root, role: 'result' }];
  const want = (output: PlanNode, role: Stage['role']): void => {
    if (!building.has(output.id) && !pending.some((p) => p.output.id === output.id))
      pending.push({ output, role });
  };
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (building.has(next.output.id)) continue;
    const stage: Building = { output: next.output, role: next.role, nodes: [], cached: [], shuffles: [] };
    building.set(next.output.id, stage);
    // Depth-first, parents before children, without recursion.
    const seen = new Set<number>([next.output.id]);
    const stack: { node: PlanNode; i: number }[] = [{ node: next.output, i: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { node: PlanNode; i: number };
      const parents = top.node.parents;
      if (top.i >= parents.length) {
        stack.pop();
        stage.nodes.push(top.node);
        continue;
      }
      const parentIndex = top.i++;
      const parent = parents[parentIndex] as PlanNode;
      if (isShuffleEdge(top.node, parentIndex)) {
        stage.shuffles.push({ node: top.node, parentIndex, from: parent });
        want(parent, 'map');
        continue;
      }
      if (seen.has(parent.id)) continue;
      seen.add(parent.id);
      if (isCached(parent.id)) {
        stage.cached.push(parent);
        want(parent, 'cache');
        continue;
      }
      stack.push({ node: parent, i: 0 });
    }
  }
  // Number parents first: a depth-first post-order over the stages each stage reads.
  const stages = new Map<number, Stage>();
  const list: Stage[] = [];
  const reads = (b: Building): PlanNode[] => [...b.shuffles.map((s) => s.from), ...b.cached];
  const done = new Set<number>();
  const walk: { b: Building; i: number }[] = [{ b: building.get(root.id) as Building, i: 0 }];
  done.add(root.id);
  while (walk.length > 0) {
    const top = walk[walk.length - 1] as { b: Building; i: number };
    const inputs = reads(top.b);
    if (top.i < inputs.length) {
      const input = inputs[top.i++] as PlanNode;
      if (!done.has(input.id)) {
        done.add(input.id);
        walk.push({ b: building.get(input.id) as Building, i: 0 });
      }
      continue;
    }
    walk.pop();
    const b = top.b;
    const stage: Stage = {
      id: list.length,
      output: b.output,
      role: b.role,
      nodes: b.nodes,
      cached: b.cached,
      shuffles: b.shuffles.map((s) => ({
        node: s.node,
        parentIndex: s.parentIndex,
        from: stages.get(s.from.id) as Stage,
      })),
    };
    stages.set(b.output.id, stage);
    list.push(stage);
  }
  return {
    root: stages.get(root.id) as Stage,
    stages: list,
    stageOf: (id) => stages.get(id),
    isShuffleEdge,
  };
}
