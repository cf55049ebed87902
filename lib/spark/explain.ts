/**
 * `explain()` on a Spark Context: the bridge RDDs each sparkling stage
 * becomes (cluster.ts builds them for a job), written after the stage's
 * `executor=spark` as `rdds=…`. A stage is a `pipe` of the stage's partition
 * count whose input is a `textFile`'s splits, `slices` (parallelized data, or
 * the empty partitions a source computed on the executors runs in), a
 * `shuffle` (for a shuffle of several RDDs, of the `union` of their map
 * pipes), the `cached` records of a persisted RDD, or the `union` of several
 * of these; a persisted RDD's own stage is a pipe persisted `MEMORY_ONLY`.
 * A stage Spark would refuse says so (`unsupported="op[id]: why"`).
 *
 * Pure and cheap, as explain() must be: no bridge, no Spark job, no I/O. A
 * partition count is printed when it is already known, `?` otherwise.
 */
import { opOf } from '../ops/registry.js';
import type { UnionArgs } from '../ops/union.js';
import type { PlanNode } from '../plan/nodes.js';
import { cutStages } from '../plan/stages.js';
import { isLocalSource } from '../ship/stage.js';

export interface SparkExplainContext {
  /** Whether an RDD is persisted (read from Spark's cache by the stages above it). */
  isCached(id: number): boolean;
  /** A node's partition count when already known, without I/O. */
  count(node: PlanNode): number | undefined;
  /** Why Spark refuses a node's operator, or undefined. */
  unsupported(node: PlanNode): string | undefined;
}

/**
 * For each stage Spark runs for `root`, by its output node's id:
 * `executor=spark rdds=…` (or, when Spark refuses one of its nodes,
 * `executor=spark unsupported="…"`).
 */
export function sparkStages(root: PlanNode, ctx: SparkExplainContext): Map<number, string> {
  const top = root;
  const printed = new Set(cutStages(root, (id) => ctx.isCached(id)).stages.map((s) => s.output.id));
  const graph = cutStages(top, (id) => id !== top.id && ctx.isCached(id));
  const n = (node: PlanNode): string => String(node.numPartitions ?? ctx.count(node) ?? '?');
  const persist = '.persist(MEMORY_ONLY)';

  /** The bridge RDDs computing `output`'s stage: a pipe and what it reads (`computing`: the persisted RDD it fills). */
  const pipe = (output: PlanNode, computing: number | undefined): string => {
    const head = `pipe(${n(output)})${computing === undefined ? '' : persist}`;
    // A map stage over a persisted RDD reads Spark's cache, filled by a pipe of its own.
    if (computing === undefined && ctx.isCached(output.id)) return `${head}<-${pipe(output, output.id)}`;
    return `${head}<-${input(output, computing)}`;
  };

  /** The map pipes a shuffle of several RDDs unions before its one shuffle (each tags its lines). */
  const maps = (sides: readonly PlanNode[]): string =>
    `union(${sides.map((p) => (printed.has(p.id) ? `pipe(${n(p)})` : pipe(p, undefined))).join(',')})`;

  /**
   * What a stage's pipe reads, walking down from its output as cluster.ts
   * feeds it. A task that reads several partitions (coalesce without a
   * shuffle, zip, cartesian, an aligned union, a side partitioned alike)
   * reads them through one `gather` node (gather.ts).
   */
  const input = (output: PlanNode, computing: number | undefined): string => {
    const leaves: string[] = [];
    let gathered = false;
    const stack: PlanNode[] = [output];
    for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
      if (node.id !== computing && node !== output && ctx.isCached(node.id))
        leaves.push(`cached(${n(node)})`);
      else if (node.op === 'textFile') leaves.push(`textFile(${n(node)})`);
      else if (isLocalSource(node)) leaves.push(`slices(${n(node)})`);
      else if (node.kind === 'shuffle' && node.parents.length > 1 && node.deps.some((d) => d !== 'shuffle')) {
        // Sides partitioned alike are read where they are; the others come through one shuffle.
        gathered = true;
        const shuffled = node.parents.filter((_, i) => node.deps[i] === 'shuffle');
        if (shuffled.length > 0) leaves.push(`shuffle(${n(node)})<-${maps(shuffled)}`);
        for (let k = node.parents.length - 1; k >= 0; k--)
          if (node.deps[k] !== 'shuffle') stack.push(node.parents[k] as PlanNode);
      } else if (node.kind === 'shuffle' && node.deps.includes('shuffle'))
        leaves.push(`shuffle(${n(node)})${node.parents.length > 1 ? `<-${maps(node.parents)}` : ''}`);
      else if (opOf(node).kind === 'source') leaves.push(`slices(${n(node)})`);
      else if (node.parents.length === 1) {
        if (opOf(node).kind === 'combine') gathered = true;
        stack.push(node.parents[0] as PlanNode);
      } else {
        if (!(node.op === 'union' && (node.args as unknown as UnionArgs).aligned === false)) gathered = true;
        for (let k = node.parents.length - 1; k >= 0; k--) stack.push(node.parents[k] as PlanNode);
      }
    }
    if (gathered) return `gather(${n(output)})<-(${leaves.join(',')})`;
    return leaves.length === 1 ? (leaves[0] as string) : `union(${leaves.join(',')})`;
  };

  const out = new Map<number, string>();
  for (const stage of graph.stages) {
    const refused = stage.nodes.map((node) => [node, ctx.unsupported(node)] as const).find(([, why]) => why);
    if (refused !== undefined) {
      const [node, why] = refused;
      out.set(stage.output.id, `executor=spark unsupported="${node.op}[${node.id}]: ${why}"`);
      continue;
    }
    // A persisted RDD's stage fills Spark's cache (a persisted root too: the action then reads the cache).
    const persisted = stage.role === 'cache' || (stage.output === top && ctx.isCached(top.id));
    out.set(
      stage.output.id,
      `executor=spark rdds=${pipe(stage.output, persisted ? stage.output.id : undefined)}`,
    );
  }
  return out;
}
