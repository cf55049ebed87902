/**
 * What a Spark job needs computed before its stages are written down, done
 * with jobs of its own on the same Spark application (Spark's own sortByKey
 * and zipWithIndex run such jobs too):
 * - a sort's range bounds (sortBy, sortByKey): a counting job over the
 *   sort's parent gives the total, so the sampling stride local mode uses;
 *   a sampling job (the sort's map stage, each task writing the sort keys of
 *   every stride-th element) returns the samples, in partition order; the
 *   driver cuts the bounds from them with sparkling's comparator, exactly as
 *   local mode does (lib/exec/sort-shuffle.ts), and they travel inside the
 *   encoded map stage, whose tasks route by binary search over them;
 * - what a batch operator prepares: zipWithIndex's offsets from a counting
 *   job over every parent partition but the last; zipWithUniqueId's
 *   partition count, known on the driver.
 * These side jobs' accumulator updates are dropped: the user's functions
 * run again in the job itself, and local mode runs them once.
 */
import type { Job } from '../exec/job.js';
import { boundsOfSample, sampleStride } from '../exec/sort-shuffle.js';
import { startsOf } from '../ops/zip-with-index.js';
import type { PlanNode } from '../plan/nodes.js';
import type { StageMode, StagePlan } from '../ship/stage.js';
import { fromJSON } from '../values/json.js';
import { SparkBridgeError } from './errors.js';
import { type ExecutorTask, PLANNED_FOLD } from './stage-task.js';

/**
 * Runs a job of its own on Spark over `output`'s stage in `mode`, each task
 * doing `task`, and returns each partition's output lines (of `partitions`,
 * all by default), in order; accumulator updates are not kept.
 */
export type SideJob = (
  output: PlanNode,
  mode: StageMode,
  task: ExecutorTask,
  what: string,
  partitions?: readonly number[],
) => Promise<string[][]>;

/** Batch operators whose `prepare` runs on Spark (others are refused). */
const PREPARED = new Set(['zipWithIndex', 'zipWithUniqueId']);

/** Whether a batch operator's `prepare` can run for a Spark job. */
export function preparesOnSpark(node: PlanNode): boolean {
  return PREPARED.has(node.op);
}

/** The one-line result of each partition of a side job. */
function oneLine(parts: readonly string[][]): unknown[] {
  return parts.map((lines) => {
    if (lines.length !== 1)
      throw new SparkBridgeError(`a side job's task wrote ${lines.length} lines, not one`);
    return fromJSON(lines[0] as string);
  });
}

/** The element count of `node`'s partitions (of `partitions`, all by default), by a counting job. */
async function counts(
  node: PlanNode,
  side: SideJob,
  what: string,
  partitions?: readonly number[],
): Promise<number[]> {
  const mode: StageMode = { kind: 'fold', fold: { name: 'count', args: [] } };
  return oneLine(await side(node, mode, PLANNED_FOLD, what, partitions)) as number[];
}

const boundsKeys = new WeakMap<PlanNode, object>();

/** A sort's range bounds for `n` output partitions, sampled on Spark once per job. */
export function sparkRangeBounds(job: Job, sort: PlanNode, n: number, side: SideJob): Promise<unknown[]> {
  let key = boundsKeys.get(sort);
  if (key === undefined) boundsKeys.set(sort, (key = {}));
  return job.memo(key, async () => {
    if (n <= 1) return [];
    const parent = sort.parents[0] as PlanNode;
    const label = `${sort.op}[${sort.id}]`;
    let total = 0;
    for (const c of await counts(parent, side, `the sample size of ${label}`)) total += c;
    if (total === 0) return [];
    const sampled = await side(
      parent,
      { kind: 'map', shuffle: sort, parentIndex: 0 },
      { kind: 'sample', stride: sampleStride(total, n) },
      `the range bounds of ${label}`,
    );
    const sample: unknown[] = [];
    for (const keys of oneLine(sampled)) for (const k of keys as unknown[]) sample.push(k);
    return boundsOfSample(sample, n);
  });
}

/**
 * Before a stage is resolved (ship/stage.ts `resolveStage`): what its batch
 * operators prepare, computed with Spark jobs where it needs data, left in
 * the job's memo where `Job.prepared` finds it; and for a sort's map stage,
 * the range bounds, returned as the stage's extra `prepared` entry.
 */
export async function prepareOnSpark(
  plan: Exclude<StagePlan, { readonly problem: string }>,
  mode: StageMode,
  task: ExecutorTask,
  job: Job,
  side: SideJob,
): Promise<[number, unknown][]> {
  for (const node of plan.computed) {
    if (node.op !== 'zipWithIndex') continue;
    // Job.prepared reads the job's memo, keyed by the node: filled here first.
    await job.memo(node, async () => {
      const parent = node.parents[0] as PlanNode;
      const m = await job.numPartitions(parent);
      if (m <= 1) return [0];
      const parts = Array.from({ length: m - 1 }, (_, p) => p);
      return startsOf(await counts(parent, side, `the partition sizes of ${node.op}[${node.id}]`, parts));
    });
  }
  if (mode.kind !== 'map' || mode.shuffle.route?.kind !== 'range' || task.kind !== 'map') return [];
  return [[mode.shuffle.id, await sparkRangeBounds(job, mode.shuffle, task.numPartitions, side)]];
}
