/**
 * `explain()` / `toDebugString()`: Spark's debug-string layout. `(n)` is the
 * partition count (`?` while it needs I/O to know), `[k]` the RDD id, `+-` a
 * shuffle boundary, and lines on one `|` rail form one stage: a fused
 * per-partition pipeline. Where the stages are cut is `stages.ts`'s rule;
 * this module only lays them out. Pure and deterministic: no function
 * source, addresses or timings; iterative, so any depth of lineage prints.
 */
import type { PlanNode } from './nodes.js';
import { cutStages } from './stages.js';

/** Extra facts the executor knows about nodes (cached ones), passed in so this stays pure. */
export interface ExplainContext {
  isCached(id: number): boolean;
  /** Where the stage ending at a node runs, when the Context has worker threads or is on Spark. */
  readonly stages?: ReadonlyMap<number, string>;
  /** The partition count of a node once resolved (by an action or `getNumPartitions()`), when it needed I/O. */
  count?(node: PlanNode): number | undefined;
}

/** The partition count as printed: `?` while it is not known. */
function countText(node: PlanNode, ctx: ExplainContext): string {
  const n = node.numPartitions ?? ctx.count?.(node);
  return n === undefined ? '?' : String(n);
}

function describe(node: PlanNode, ctx: ExplainContext, stageOutput: boolean): string {
  // A shuffle prints its partition count and how it routes records, then its operator's attributes.
  const shuffle =
    node.kind === 'shuffle' && node.route !== undefined
      ? ` numPartitions=${countText(node, ctx)} partitioner=${node.route.kind}`
      : '';
  const attrs = shuffle + node.attrs.map(([k, v]) => ` ${k}=${v}`).join('');
  const cached = ctx.isCached(node.id) ? ' cached' : '';
  // A cached RDD on a rail is a stage of its own too (it fills the cache).
  const stage = stageOutput || cached !== '' ? ctx.stages?.get(node.id) : undefined;
  return `${node.op}[${node.id}]${attrs}${cached}${stage === undefined ? '' : ` ${stage}`}`;
}

export function explain(root: PlanNode, ctx: ExplainContext): string {
  const graph = cutStages(root, (id) => ctx.isCached(id));
  const countOf = (node: PlanNode): string => `(${countText(node, ctx)})`;
  const rail = (count: string): string => {
    const left = Math.floor((count.length - 1) / 2);
    return `${' '.repeat(left)}|${' '.repeat(count.length - left)}`;
  };
  const lines: string[] = [];
  const rootCount = countOf(root);
  lines.push(`${rootCount} ${describe(root, ctx, true)}`);
  // Pre-order, each node's parents in order: a stack of what is still to print.
  interface Frame {
    readonly node: PlanNode;
    readonly prefix: string;
    readonly shuffle: boolean;
    readonly last: boolean;
  }
  const stack: Frame[] = [];
  const pushParents = (node: PlanNode, prefix: string): void => {
    const parents = node.parents;
    for (let i = parents.length - 1; i >= 0; i--)
      stack.push({
        node: parents[i] as PlanNode,
        prefix,
        shuffle: graph.isShuffleEdge(node, i),
        last: i === parents.length - 1,
      });
  };
  pushParents(root, rail(rootCount));
  for (let f = stack.pop(); f !== undefined; f = stack.pop()) {
    if (!f.shuffle) {
      lines.push(`${f.prefix}${describe(f.node, ctx, false)}`);
      pushParents(f.node, f.prefix);
      continue;
    }
    const count = countOf(f.node);
    const thisPrefix = f.prefix.replace(/\|\s+$/, '');
    lines.push(`${thisPrefix}+-${count} ${describe(f.node, ctx, true)}`);
    pushParents(f.node, `${thisPrefix}${f.last ? '  ' : '| '}${rail(count)}`);
  }
  return lines.join('\n');
}
