/**
 * Computing one partition of a plan node as a stream of batches. A run of
 * consecutive per-batch narrow operators is fused into one synchronous loop
 * per batch (no `await` per element); the loop stops at a source, a shuffle,
 * a whole-partition operator (mapPartitions) or a cached RDD.
 */
import { ArgumentError, InternalError } from '../errors.js';
import type { BatchOp } from '../ops/types.js';
import { BATCH_SIZE } from '../ops/types.js';
import { assertNever, defaultShufflePartitions, type NarrowNode, type PlanNode } from '../plan/nodes.js';
import { abortError, taskFailure } from './failures.js';
import { chunks } from './iter.js';
import type { Job } from './job.js';
import { computeShuffle } from './shuffle.js';

/** The partition count of a node; resolved once per node (a file source may list a glob), failures not kept. */
export function resolvePartitions(node: PlanNode, job: Job): Promise<number> {
  const counts = job.runtime.partitionCounts;
  let p = counts.get(node);
  if (p === undefined) {
    p = countPartitions(node, job);
    counts.set(node, p);
    p.catch(() => {
      if (counts.get(node) === p) counts.delete(node);
    });
  }
  return p;
}

async function countPartitions(node: PlanNode, job: Job): Promise<number> {
  switch (node.kind) {
    case 'source':
      return node.source.partitions(job);
    case 'narrow':
      return job.numPartitions(node.parent);
    case 'coalesce':
      return Math.min(node.numPartitions, await job.numPartitions(node.parent));
    case 'union': {
      if (node.aligned) return job.numPartitions(node.parents[0] as PlanNode);
      const counts = await Promise.all(node.parents.map((p) => job.numPartitions(p)));
      return counts.reduce((a, b) => a + b, 0);
    }
    case 'zip': {
      const [a, b] = await Promise.all(node.parents.map((p) => job.numPartitions(p)));
      if (a !== b) throw zipPartitionsError();
      return a as number;
    }
    case 'cartesian': {
      const [a, b] = await Promise.all(node.parents.map((p) => job.numPartitions(p)));
      return (a as number) * (b as number);
    }
    case 'shuffle': {
      if (node.numPartitions !== undefined) return node.numPartitions;
      const counts = await Promise.all(node.parents.map((p) => job.numPartitions(p)));
      return defaultShufflePartitions(counts, node.parents) as number;
    }
    default:
      return assertNever(node);
  }
}

/** PySpark's message for `zip` of RDDs with different partition counts. */
export function zipPartitionsError(): ArgumentError {
  return new ArgumentError('Can only zip with RDD which has the same number of partitions');
}

/** One partition of a node as batches: from the cache when the RDD is persisted. */
export function openPartition(node: PlanNode, partition: number, job: Job): AsyncIterable<unknown[]> {
  return job.runtime.isPersisted(node.id) ? openCached(node, partition, job) : compute(node, partition, job);
}

function compute(node: PlanNode, partition: number, job: Job): AsyncIterable<unknown[]> {
  switch (node.kind) {
    case 'source':
      return node.source.open(partition, job);
    case 'narrow':
      return computeNarrow(node, partition, job);
    case 'union':
      return node.aligned
        ? alignedUnionPartition(node.parents, partition, job)
        : unionPartition(node.parents, partition, job);
    case 'coalesce':
      return coalescePartition(node.parent, node.numPartitions, partition, job);
    case 'zip':
      return zipPartition(node.parents[0], node.parents[1], partition, job);
    case 'cartesian':
      return cartesianPartition(node.parents[0], node.parents[1], partition, job);
    case 'shuffle':
      return computeShuffle(node, partition, job);
    default:
      return assertNever(node);
  }
}

/**
 * A cached partition is computed whole the first time any job touches it (as
 * Spark's block manager does), shared by concurrent jobs, and served from
 * memory after that. A failed computation is forgotten so a later job retries.
 */
async function* openCached(node: PlanNode, partition: number, job: Job): AsyncGenerator<unknown[]> {
  const store = job.runtime.cacheOf(node.id);
  if (store === undefined) throw new InternalError(`RDD ${node.id} is not persisted`);
  let entry = store.get(partition);
  if (entry === undefined) {
    const computing = collectBatches(compute(node, partition, job));
    entry = computing;
    store.set(partition, computing);
    computing.catch(() => {
      if (store.get(partition) === computing) store.delete(partition);
    });
  }
  yield* await entry;
}

async function collectBatches(batches: AsyncIterable<unknown[]>): Promise<unknown[][]> {
  const all: unknown[][] = [];
  for await (const b of batches) all.push(b);
  return all;
}

/** Runs of fusible operators, innermost first, ending at the node that feeds them. */
function fusibleChain(node: NarrowNode, job: Job): { feed: PlanNode; chain: NarrowNode[] } {
  const chain: NarrowNode[] = [];
  let cur: PlanNode = node;
  while (
    cur.kind === 'narrow' &&
    cur.op.type === 'batch' &&
    (cur === node || !job.runtime.isPersisted(cur.id))
  ) {
    chain.push(cur);
    cur = cur.parent;
  }
  return { feed: cur, chain: chain.reverse() };
}

function computeNarrow(node: NarrowNode, partition: number, job: Job): AsyncIterable<unknown[]> {
  if (node.op.type === 'partition') {
    return guardPartitionOp(node, partition, job);
  }
  const { feed, chain } = fusibleChain(node, job);
  return fused(openPartition(feed, partition, job), chain, partition, job.signal);
}

async function* guardPartitionOp(node: NarrowNode, partition: number, job: Job): AsyncGenerator<unknown[]> {
  if (node.op.type !== 'partition') throw new InternalError('not a partition operator');
  const input = openPartition(node.parent, partition, job);
  try {
    for await (const batch of node.op.run(input, partition, job)) {
      if (job.signal.aborted) throw abortError(job.signal);
      yield batch;
    }
  } catch (e) {
    throw taskFailure(node.label, node.id, partition, e);
  }
}

/**
 * The fused loop: for each input batch, every operator's `step` runs in turn
 * over the previous one's output (intermediate arrays are reused); at the end
 * each operator's `end` output flows through the operators after it.
 */
async function* fused(
  source: AsyncIterable<unknown[]>,
  chain: readonly NarrowNode[],
  partition: number,
  signal: AbortSignal,
): AsyncGenerator<unknown[]> {
  const ops: BatchOp<unknown, unknown>[] = [];
  for (const node of chain) {
    if (node.op.type !== 'batch') throw new InternalError('not a batch operator');
    try {
      ops.push(node.op.make(partition));
    } catch (e) {
      throw taskFailure(node.label, node.id, partition, e);
    }
  }
  const n = ops.length;
  const scratch: unknown[][] = Array.from({ length: n }, () => []);
  /** Runs `batch` through operators from..n-1, into a fresh output array. */
  const run = (batch: readonly unknown[], from: number): unknown[] => {
    let input = batch;
    for (let i = from; i < n; i++) {
      const out: unknown[] = i === n - 1 ? [] : (scratch[i] as unknown[]);
      out.length = 0;
      try {
        (ops[i] as BatchOp<unknown, unknown>).step(input, out);
      } catch (e) {
        const node = chain[i] as NarrowNode;
        throw taskFailure(node.label, node.id, partition, e);
      }
      if (out.length === 0) return [];
      input = out;
    }
    return input as unknown[];
  };
  for await (const batch of source) {
    if (signal.aborted) throw abortError(signal);
    const out = run(batch, 0);
    if (out.length > 0) yield out;
  }
  for (let i = 0; i < n; i++) {
    const end = (ops[i] as BatchOp<unknown, unknown>).end;
    if (end === undefined) continue;
    const tail: unknown[] = [];
    try {
      end(tail);
    } catch (e) {
      const node = chain[i] as NarrowNode;
      throw taskFailure(node.label, node.id, partition, e);
    }
    for (const b of chunks(tail)) {
      const out = i === n - 1 ? b : run(b, i + 1);
      if (out.length > 0) yield out;
    }
  }
}

async function* unionPartition(
  parents: readonly PlanNode[],
  partition: number,
  job: Job,
): AsyncGenerator<unknown[]> {
  let p = partition;
  for (const parent of parents) {
    const n = await job.numPartitions(parent);
    if (p < n) {
      yield* openPartition(parent, p, job);
      return;
    }
    p -= n;
  }
  throw new InternalError(`union has no partition ${partition}`);
}

/** A union of parents partitioned alike: partition i of each parent, one after another. */
async function* alignedUnionPartition(
  parents: readonly PlanNode[],
  partition: number,
  job: Job,
): AsyncGenerator<unknown[]> {
  for (const parent of parents) yield* openPartition(parent, partition, job);
}

/** Spark's coalescer without locality: output i reads parents floor(i·P/n) up to floor((i+1)·P/n). */
async function* coalescePartition(
  parent: PlanNode,
  numPartitions: number,
  partition: number,
  job: Job,
): AsyncGenerator<unknown[]> {
  const total = await job.numPartitions(parent);
  const n = Math.min(numPartitions, total);
  const from = Math.floor((partition * total) / n);
  const to = Math.floor(((partition + 1) * total) / n);
  for (let p = from; p < to; p++) yield* openPartition(parent, p, job);
}

async function* zipPartition(
  left: PlanNode,
  right: PlanNode,
  partition: number,
  job: Job,
): AsyncGenerator<unknown[]> {
  const a = openPartition(left, partition, job)[Symbol.asyncIterator]();
  const b = openPartition(right, partition, job)[Symbol.asyncIterator]();
  let ba: unknown[] = [];
  let bb: unknown[] = [];
  let i = 0;
  let j = 0;
  let doneA = false;
  let doneB = false;
  try {
    for (;;) {
      while (!doneA && i >= ba.length) {
        const r = await a.next();
        if (r.done) doneA = true;
        else [ba, i] = [r.value, 0];
      }
      while (!doneB && j >= bb.length) {
        const r = await b.next();
        if (r.done) doneB = true;
        else [bb, j] = [r.value, 0];
      }
      if (doneA || doneB) {
        if (doneA && doneB) return;
        throw new ArgumentError(
          `Can only zip RDDs with same number of elements in each partition (partition ${partition} differs)`,
        );
      }
      const n = Math.min(ba.length - i, bb.length - j);
      const out: unknown[] = new Array(n);
      for (let k = 0; k < n; k++) out[k] = [ba[i + k], bb[j + k]];
      i += n;
      j += n;
      yield out;
    }
  } finally {
    await Promise.all([a.return?.(), b.return?.()]);
  }
}

/** Spark's CartesianRDD: partition i·m + j pairs left partition i with right partition j, left-major. */
async function* cartesianPartition(
  left: PlanNode,
  right: PlanNode,
  partition: number,
  job: Job,
): AsyncGenerator<unknown[]> {
  const m = await job.numPartitions(right);
  const ys: unknown[] = [];
  for await (const b of openPartition(right, partition % m, job)) for (const y of b) ys.push(y);
  if (ys.length === 0) return;
  let out: unknown[] = [];
  for await (const b of openPartition(left, Math.floor(partition / m), job)) {
    for (const x of b) {
      for (const y of ys) out.push([x, y]);
      if (out.length >= BATCH_SIZE) {
        yield out;
        out = [];
      }
    }
  }
  if (out.length > 0) yield out;
}
