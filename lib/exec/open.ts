/**
 * Opening one partition of a plan node as a stream of batches: from the
 * cache when the RDD is persisted, from the main thread when this is a
 * worker and the node is one of the stage's inputs, otherwise computed by
 * the node's operator (lib/ops, through the registry) from its parents'
 * partitions, fusing runs of narrow operators into one loop.
 */
import { InternalError } from '../errors.js';
import { opOf } from '../ops/registry.js';
import type { ParentReader } from '../ops/types.js';
import type { PlanNode } from '../plan/nodes.js';
import { ownBatch } from '../values/copy.js';
import { openCached } from './cache.js';
import { abortError, taskFailure } from './failures.js';
import { asTaskCode } from './nesting.js';
import { fusibleChain, pipeline, segmentsOf } from './pipeline.js';
import { computeShuffle } from './shuffle.js';
import type { TaskContext } from './task.js';

/**
 * One partition of a node as batches: from the cache when the RDD is
 * persisted. Data that outlives the task (a cached partition, a
 * `parallelize`d array) is read as the task's own copies (see
 * lib/values/copy.ts), unless `own` is false: a reader that looks at no
 * element (`count`), or the main thread serving it to a worker thread,
 * whose structured clone copies it anyway.
 */
export function openPartition(
  node: PlanNode,
  partition: number,
  job: TaskContext,
  own = true,
): AsyncIterable<unknown[]> {
  if (job.remote?.has(node.id)) return job.remote.open(node, partition);
  return job.runtime.isPersisted(node.id)
    ? openCached(node, partition, job, computePartition, own)
    : computePartition(node, partition, job, own);
}

/**
 * One partition of a node computed from its parents, never read from a cache
 * or from the main thread: what a worker does when the main thread asks it
 * to compute a cached partition (the main thread keeps it).
 */
export function computePartition(
  node: PlanNode,
  partition: number,
  job: TaskContext,
  own = true,
): AsyncIterable<unknown[]> {
  switch (node.kind) {
    case 'source':
      return own && sharesItsData(node)
        ? owned(sourcePartition(node, partition, job))
        : sourcePartition(node, partition, job);
    case 'kernel':
    case 'batch': {
      const { feed, chain } = fusibleChain(node, job);
      return pipeline(openPartition(feed, partition, job), segmentsOf(chain), partition, job);
    }
    case 'partition':
      return partitionOp(node, partition, job);
    case 'combine':
      return concatenates(node) ? concatenated(node, partition, job) : combined(node, partition, job);
    case 'shuffle':
      return computeShuffle(node, partition, job);
  }
}

/** Whether a source hands every read the elements it holds (parallelize's array), not fresh ones. */
export function sharesItsData(node: PlanNode): boolean {
  const def = opOf(node);
  return def.kind === 'source' && def.local === true;
}

/** Batches of shared data as the task's own (copies of their objects; see lib/values/copy.ts). */
async function* owned(batches: AsyncIterable<unknown[]>): AsyncGenerator<unknown[]> {
  for await (const batch of batches) yield ownBatch(batch);
}

/** A source's batches, stopping at the first batch after the job is cancelled (whoever reads them). */
async function* sourcePartition(
  node: PlanNode,
  partition: number,
  job: TaskContext,
): AsyncGenerator<unknown[]> {
  const def = opOf(node);
  if (def.kind !== 'source') throw new InternalError(`${node.op} is not a source`);
  const listing = def.list === undefined ? undefined : await job.listing(node);
  for await (const batch of def.open(node.args, partition, listing, job)) {
    if (job.signal.aborted) throw abortError(job.signal);
    yield batch;
  }
}

/** A whole-partition operator: its user code sees the parent's partition and any failure is its own. */
async function* partitionOp(node: PlanNode, partition: number, job: TaskContext): AsyncGenerator<unknown[]> {
  const def = opOf(node);
  if (def.kind !== 'partition') throw new InternalError(`${node.op} is not a partition operator`);
  const input = openPartition(node.parents[0] as PlanNode, partition, job);
  try {
    // The partition function's synchronous start runs here.
    const output = asTaskCode(() => def.run(node.args, input, partition, job));
    for await (const batch of output) {
      if (job.signal.aborted) throw abortError(job.signal);
      yield batch;
    }
  } catch (e) {
    throw taskFailure(node.op, node.id, partition, e);
  }
}

/** Whether a combine node's partitions are its parents' one after another (union, coalesce). */
const concatenates = (node: PlanNode): boolean => {
  if (node.kind !== 'combine') return false;
  const def = opOf(node);
  return def.kind === 'combine' && def.concat !== undefined;
};

/** Whether a node's partitions are all its parents' partitions, parent after parent (a union). */
const sequences = (node: PlanNode): boolean => {
  if (node.kind !== 'combine') return false;
  const def = opOf(node);
  return def.kind === 'combine' && def.sequence?.(node.args) === true;
};

/** The parents of a sequencing node, nested sequencing nodes flattened, with each one's first partition. */
interface Flat {
  readonly leaves: readonly PlanNode[];
  /** `starts[i]`: the node's partition where leaf i begins; one more entry, the total. */
  readonly starts: readonly number[];
}

const flats = new WeakMap<PlanNode, object>();

/** Flattens a sequencing node once per job, without recursion. */
function flat(node: PlanNode, job: TaskContext): Promise<Flat> {
  let key = flats.get(node);
  if (key === undefined) flats.set(node, (key = {}));
  return job.memo(key, async () => {
    const leaves: PlanNode[] = [];
    const stack: PlanNode[] = [node];
    for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
      if (n === node || (sequences(n) && !job.readElsewhere(n)))
        for (let i = n.parents.length - 1; i >= 0; i--) stack.push(n.parents[i] as PlanNode);
      else leaves.push(n);
    }
    const counts = await Promise.all(leaves.map((l) => job.numPartitions(l)));
    const starts = [0];
    for (const c of counts) starts.push((starts[starts.length - 1] as number) + c);
    return { leaves, starts };
  });
}

/**
 * A partition made of parents' partitions one after another. A union finds
 * its partition's parent in its flattened list; other nested ones (a
 * coalesce of a union ...) are expanded, without recursion, so the leaves
 * are opened directly, one after another.
 */
async function* concatenated(node: PlanNode, partition: number, job: TaskContext): AsyncGenerator<unknown[]> {
  if (sequences(node)) {
    const { leaves, starts } = await flat(node, job);
    let lo = 0;
    let hi = leaves.length - 1;
    // The last leaf whose start is at or before the partition (empty leaves are skipped).
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((starts[mid] as number) <= partition) lo = mid;
      else hi = mid - 1;
    }
    while (lo < leaves.length && (starts[lo + 1] as number) <= partition) lo++;
    const leaf = leaves[lo];
    if (leaf === undefined) throw new InternalError(`${node.op}[${node.id}] has no partition ${partition}`);
    yield* openPartition(leaf, partition - (starts[lo] as number), job);
    return;
  }
  const leaves: [PlanNode, number][] = [];
  const stack: [PlanNode, number, boolean][] = [[node, partition, true]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [n, p, expand] = top;
    if (!expand) {
      leaves.push([n, p]);
      continue;
    }
    const def = opOf(n);
    if (def.kind !== 'combine' || def.concat === undefined)
      throw new InternalError(`${n.op} does not concatenate`);
    const counts = await Promise.all(n.parents.map((x) => job.numPartitions(x)));
    const parts = def.concat(n.args, p, counts);
    for (let i = parts.length - 1; i >= 0; i--) {
      const [pi, pp] = parts[i] as readonly [number, number];
      const child = n.parents[pi] as PlanNode;
      stack.push([child, pp, concatenates(child) && !sequences(child) && !job.readElsewhere(child)]);
    }
  }
  for (const [leaf, p] of leaves) yield* openPartition(leaf, p, job);
}

/** A partition made from parents' partitions by the operator (zip, cartesian). */
async function* combined(node: PlanNode, partition: number, job: TaskContext): AsyncGenerator<unknown[]> {
  const def = opOf(node);
  if (def.kind !== 'combine' || def.open === undefined)
    throw new InternalError(`${node.op} does not combine partitions`);
  const counts = await Promise.all(node.parents.map((x) => job.numPartitions(x)));
  const reader: ParentReader = {
    open: (i, p) => openPartition(node.parents[i] as PlanNode, p, job),
    count: (i) => counts[i] as number,
  };
  yield* def.open(node.args, partition, reader);
}
