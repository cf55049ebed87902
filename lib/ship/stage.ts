/**
 * The driver's side of running a stage elsewhere: which nodes a task there
 * computes and which it is fed (an input policy says which), the stage
 * written down (encode.ts), and the facts it needs resolved here first —
 * partition counts, file listings, what batch operators prepare for the job.
 * Worker threads use it with their policy (lib/workers/executor.ts); a Spark
 * executor's driver with its own (text splits fed as lines, shuffles merged
 * from the transport).
 */

import type { NamedFold } from '../exec/folds.js';
import type { TaskContext } from '../exec/task.js';
import type { IoOptions } from '../io/options.js';
import { opOf } from '../ops/registry.js';
import type { PlanNode } from '../plan/nodes.js';
import { cutStages, isShuffleEdge } from '../plan/stages.js';
import {
  type EncodedFold,
  type EncodedNode,
  type EncodedStage,
  STAGE_FORMAT,
  StageEncoder,
  Unshippable,
} from './encode.js';

/** What a task computes: a partition's records, a named fold of it, or a hash shuffle's map task. */
export type StageMode =
  | { readonly kind: 'open' }
  | { readonly kind: 'fold'; readonly fold: NamedFold }
  | { readonly kind: 'map'; readonly shuffle: PlanNode; readonly parentIndex: number };

/** Which nodes a task is fed from outside rather than computes (asked of the output itself only with `feedsOutput`). */
export type InputPolicy = (node: PlanNode) => boolean;

/** Whether a source's data lives in the driver's memory (parallelize). */
export function isLocalSource(node: PlanNode): boolean {
  const def = opOf(node);
  return def.kind === 'source' && def.local === true;
}

/**
 * The nodes of `output`'s stage a task computes, parents first, and the
 * inputs it is fed: walking up from the output, a node the policy names is
 * an input, and so is a parent read across a shuffle (its map outputs come
 * from the shuffle's transport). Cached RDDs are inputs when `isCached` says so.
 */
export function stageTask(
  output: PlanNode,
  isInput: InputPolicy,
  isCached: (id: number) => boolean = () => false,
  feedsOutput = false,
): { readonly computed: PlanNode[]; readonly inputs: PlanNode[] } {
  // A task whose output is itself fed (a Spark text split folded or collected as it is) computes nothing.
  if (feedsOutput && isInput(output)) return { computed: [], inputs: [output] };
  const stage = cutStages(output, (id) => id !== output.id && isCached(id)).root;
  const cached = new Set(stage.cached);
  const inside = new Set<PlanNode>([output]);
  const inputs = new Set<PlanNode>();
  const stack = [output];
  for (let n = stack.pop(); n !== undefined; n = stack.pop())
    n.parents.forEach((p, i) => {
      if (inside.has(p) || inputs.has(p)) return;
      if (isShuffleEdge(n, i) || cached.has(p) || isInput(p)) inputs.add(p);
      else {
        inside.add(p);
        stack.push(p);
      }
    });
  // Parents first, as the stage lists them.
  return { computed: stage.nodes.filter((n) => inside.has(n)), inputs: [...inputs] };
}

/** A task's stage written down, its partition counts still to resolve; or why it cannot be. */
export type StagePlan =
  | { readonly problem: string }
  | {
      readonly problem?: undefined;
      readonly template: Omit<EncodedStage, 'listings' | 'prepared'>;
      /** The plan nodes of `template.nodes`, in the same order. */
      readonly nodes: readonly PlanNode[];
      readonly computed: readonly PlanNode[];
      readonly inputs: readonly PlanNode[];
      /** The broadcasts and accumulators its functions capture. */
      readonly encoder: StageEncoder;
      readonly fold?: EncodedFold;
    };

/**
 * Writes down the stage of a task in `mode` over `output` (for a map task:
 * the shuffle's parent), fed as `isInput` says. Broadcast values travel
 * apart unless `inlineBroadcasts`. An operator or function that cannot be
 * written down is the plan's `problem`, naming it.
 */
export function planStage(
  output: PlanNode,
  mode: StageMode,
  options: {
    readonly isInput: InputPolicy;
    readonly isCached?: (id: number) => boolean;
    readonly io: IoOptions;
    readonly inlineBroadcasts?: boolean;
    /** Whether the policy is asked of `output` too (a Spark executor is fed text splits even when it only folds them). */
    readonly feedsOutput?: boolean;
  },
): StagePlan {
  const s = stageTask(output, options.isInput, options.isCached, options.feedsOutput === true);
  const encoder = new StageEncoder();
  const nodes: EncodedNode[] = [];
  const planNodes: PlanNode[] = [];
  const add = (n: PlanNode, e: EncodedNode) => {
    nodes.push(e);
    planNodes.push(n);
  };
  let fold: EncodedFold | undefined;
  try {
    for (const n of s.inputs) add(n, encoder.input(n, null));
    for (const n of s.computed) add(n, encoder.node(n, null));
    let outputId = output.id;
    const inputs = [...s.inputs];
    if (mode.kind === 'map') {
      // The shuffle's other parents are never read by this task: they travel as inputs.
      for (const p of mode.shuffle.parents)
        if (!planNodes.includes(p)) {
          add(p, encoder.input(p, null));
          inputs.push(p);
        }
      add(mode.shuffle, encoder.node(mode.shuffle, null));
      outputId = mode.shuffle.id;
    }
    if (mode.kind === 'fold') fold = encoder.fold(mode.fold.name, mode.fold.args);
    return {
      template: {
        format: STAGE_FORMAT,
        nodes,
        output: outputId,
        functions: encoder.functions,
        broadcasts: encoder.encodedBroadcasts(options.inlineBroadcasts === true),
        accumulators: encoder.accumulatorSpecs,
        io: options.io,
      },
      nodes: planNodes,
      computed: s.computed,
      inputs,
      encoder,
      ...(fold === undefined ? {} : { fold }),
    };
  } catch (e) {
    if (e instanceof Unshippable) return { problem: e.message };
    throw e;
  }
}

/**
 * The stage as sent: every node's partition count, the file sources'
 * listings and what the batch operators prepare, resolved for the job here
 * (a task elsewhere needs no I/O for them, and reads the partitions planned
 * here).
 */
export async function resolveStage(
  plan: Exclude<StagePlan, { readonly problem: string }>,
  job: TaskContext,
): Promise<EncodedStage> {
  const counts = await Promise.all(plan.nodes.map((n) => job.numPartitions(n)));
  const listings: [number, unknown][] = [];
  const prepared: [number, unknown][] = [];
  for (const n of plan.computed) {
    const def = opOf(n);
    if (def.kind === 'source' && def.list !== undefined) listings.push([n.id, await job.listing(n)]);
    if (def.kind === 'batch' && def.prepare !== undefined) prepared.push([n.id, await job.prepared(n)]);
  }
  return {
    ...plan.template,
    nodes: plan.template.nodes.map((e, i) => ({ ...e, numPartitions: counts[i] as number })),
    listings,
    prepared,
  };
}
