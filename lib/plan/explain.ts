/**
 * `explain()` / `toDebugString()`: Spark's debug-string layout. `(n)` is the
 * partition count (`?` when it needs I/O), `[k]` the RDD id, `+-` a shuffle
 * boundary, and lines on one `|` rail form one fused per-partition pipeline.
 * Pure and deterministic: no function source, addresses or timings.
 */
import { knownPartitions, type PlanNode, parentsOf } from './nodes.js';
import { samePartitioner } from './partitioner.js';

/** Extra facts the executor knows about nodes (cached ones), passed in so this stays pure. */
export interface ExplainContext {
  isCached(id: number): boolean;
  /** Where the stage ending at a node runs, when the Context has worker threads. */
  readonly stages?: ReadonlyMap<number, string>;
}

function describe(node: PlanNode, ctx: ExplainContext, stageOutput: boolean): string {
  const attrs = node.attrs.map(([k, v]) => ` ${k}=${v}`).join('');
  const cached = ctx.isCached(node.id) ? ' cached' : '';
  const stage = stageOutput ? ctx.stages?.get(node.id) : undefined;
  return `${node.label}[${node.id}]${attrs}${cached}${stage === undefined ? '' : ` ${stage}`}`;
}

function countOf(node: PlanNode): string {
  const n = knownPartitions(node);
  return `(${n === undefined ? '?' : n})`;
}

/** A parent is read across a shuffle boundary when the node is a shuffle that must move it. */
export function isShuffleEdge(node: PlanNode, parent: PlanNode): boolean {
  return node.kind === 'shuffle' && !readsNarrowly(node, parent);
}

/**
 * A shuffle reads a parent narrowly when the parent is already laid out by the
 * shuffle's partitioner and the shuffle routes the parent's pairs by their own
 * key. One that keys each element afresh (`prepare`: groupBy, distinct,
 * subtract, intersection) must move it: the parent is laid out by its
 * elements' first item, not by the new key (Spark's `map` drops the partitioner).
 */
export function readsNarrowly(node: PlanNode, parent: PlanNode): boolean {
  return (
    node.kind === 'shuffle' &&
    node.spec.prepare === undefined &&
    samePartitioner(node.route, parent.partitioner)
  );
}

export function explain(root: PlanNode, ctx: ExplainContext): string {
  const lines: string[] = [];
  const children = (node: PlanNode, prefix: string): void => {
    const parents = parentsOf(node);
    parents.forEach((p, i) => {
      visit(p, prefix, isShuffleEdge(node, p), i === parents.length - 1);
    });
  };
  const visit = (node: PlanNode, prefix: string, shuffle: boolean, last: boolean): void => {
    if (!shuffle) {
      lines.push(`${prefix}${describe(node, ctx, false)}`);
      children(node, prefix);
      return;
    }
    const count = countOf(node);
    const left = Math.floor((count.length - 1) / 2);
    const thisPrefix = prefix.replace(/\|\s+$/, '');
    const nextPrefix = `${thisPrefix}${last ? '  ' : '| '}${' '.repeat(left)}|${' '.repeat(count.length - left)}`;
    lines.push(`${thisPrefix}+-${count} ${describe(node, ctx, true)}`);
    children(node, nextPrefix);
  };
  const count = countOf(root);
  const left = Math.floor((count.length - 1) / 2);
  lines.push(`${count} ${describe(root, ctx, true)}`);
  children(root, `${' '.repeat(left)}|${' '.repeat(count.length - left)}`);
  return lines.join('\n');
}
