/**
 * Computing one partition of a plan node as a stream of batches. A run of
 * consecutive per-batch narrow operators is fused into one synchronous loop
 * per batch (no `await` per element); the loop stops at a source, a shuffle,
 * a whole-partition operator (mapPartitions) or a cached RDD.
 */
import { ArgumentError, InternalError } from '../errors.js';
import type { BatchOp, BatchOpFactory, Kernel } from '../ops/types.js';
import { BATCH_SIZE } from '../ops/types.js';
import { assertNever, defaultShufflePartitions, type NarrowNode, type PlanNode } from '../plan/nodes.js';
import { TURN_EVERY, turn } from '../util/turn.js';
import { abortError, taskFailure } from './failures.js';
import {
  type CombineTarget,
  compileBatch,
  compileCombine,
  compileSink,
  type KernelBatchStep,
  type KernelCombineStep,
  KernelFailure,
  type KernelStep,
} from './fuse.js';
import { chunks } from './iter.js';
import type { Job, Watch } from './job.js';
import { asTaskCode } from './nesting.js';
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
      return defaultShufflePartitions(counts, node.parents, node.spec.prepare !== undefined) as number;
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
  if (job.remote?.has(node.id)) return job.remote.open(node, partition);
  return job.runtime.isPersisted(node.id) ? openCached(node, partition, job) : compute(node, partition, job);
}

/**
 * One partition of a node computed from its parents, never read from a cache
 * or from the main thread: what a worker does when the main thread asks it
 * to compute a cached partition (the main thread keeps it). Opening the node
 * instead would ask the main thread for it, which waits for this very task.
 */
export function computePartition(node: PlanNode, partition: number, job: Job): AsyncIterable<unknown[]> {
  return compute(node, partition, job);
}

function compute(node: PlanNode, partition: number, job: Job): AsyncIterable<unknown[]> {
  switch (node.kind) {
    case 'source':
      return cancellable(node.source.open(partition, job), job.signal);
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

/** A source's batches, stopping at the first batch after the job is cancelled (whoever reads them). */
async function* cancellable(
  batches: AsyncIterable<unknown[]>,
  signal: AbortSignal,
): AsyncGenerator<unknown[]> {
  for await (const batch of batches) {
    if (signal.aborted) throw abortError(signal);
    yield batch;
  }
}

/**
 * A cached partition is computed whole the first time any job touches it (as
 * Spark's block manager does), shared by concurrent jobs, and served from
 * memory after that. A failed computation is forgotten so a later job retries.
 * A job that was waiting for another job's computation, and sees it fail
 * because that other job was cancelled or failed elsewhere, computes the
 * partition itself instead of taking on the other job's error.
 */
async function* openCached(node: PlanNode, partition: number, job: Job): AsyncGenerator<unknown[]> {
  const store = job.runtime.cacheOf(node.id);
  if (store === undefined) throw new InternalError(`RDD ${node.id} is not persisted`);
  for (;;) {
    let entry = store.get(partition);
    if (entry === undefined) {
      const computing = collectBatches(
        job.runtime.executor?.open(job, node, partition, true) ?? compute(node, partition, job),
        job.watch(node.label, node.id, partition, 'caching it'),
      );
      const started = { batches: computing, signal: job.signal };
      entry = started;
      store.set(partition, started);
      computing.catch(() => {
        if (store.get(partition) === started) store.delete(partition);
      });
    }
    let batches: unknown[][];
    try {
      batches = await entry.batches;
    } catch (e) {
      if (entry.signal !== job.signal && entry.signal.aborted && !job.signal.aborted) continue;
      throw e;
    }
    yield* batches;
    return;
  }
}

async function collectBatches(batches: AsyncIterable<unknown[]>, watch: Watch): Promise<unknown[][]> {
  const all: unknown[][] = [];
  for await (const b of batches) {
    all.push(b);
    watch();
  }
  return all;
}

/** A node whose partitions are not computed by fusing into it: a cached one, or (in a worker thread) one read from the main thread. */
function readElsewhere(node: PlanNode, job: Job): boolean {
  return job.runtime.isPersisted(node.id) || job.remote?.has(node.id) === true;
}

/** The maximal run of fusible operators ending at `node`, in order, and the node that feeds them. */
function fusibleChain(node: NarrowNode, job: Job): { feed: PlanNode; chain: NarrowNode[] } {
  const chain: NarrowNode[] = [];
  let cur: PlanNode = node;
  while (cur.kind === 'narrow' && cur.op.type !== 'partition' && (cur === node || !readElsewhere(cur, job))) {
    chain.push(cur);
    cur = cur.parent;
  }
  return { feed: cur, chain: chain.reverse() };
}

/** A run of kernels compiled into one loop, or one stateful per-batch operator. */
type Segment =
  | { readonly kind: 'kernels'; readonly nodes: readonly NarrowNode[]; readonly kernels: readonly Kernel[] }
  | { readonly kind: 'batch'; readonly node: NarrowNode; readonly make: BatchOpFactory<unknown, unknown> };

function segmentsOf(chain: readonly NarrowNode[]): Segment[] {
  const segments: Segment[] = [];
  let nodes: NarrowNode[] = [];
  const flush = () => {
    if (nodes.length > 0)
      segments.push({
        kind: 'kernels',
        nodes,
        kernels: nodes.map((n) => (n.op as { kernel: Kernel }).kernel),
      });
    nodes = [];
  };
  for (const node of chain) {
    if (node.op.type === 'kernel') nodes.push(node);
    else if (node.op.type === 'batch') {
      flush();
      segments.push({ kind: 'batch', node, make: node.op.make });
    }
  }
  flush();
  return segments;
}

/** Compiled loops, kept with the chain they were compiled for (the last node and the chain length identify it). */
const compiledBatch = new WeakMap<NarrowNode, Map<number, KernelBatchStep>>();
const compiledSink = new WeakMap<NarrowNode, Map<number, KernelStep>>();
const compiledCombine = new WeakMap<NarrowNode, Map<number, KernelCombineStep>>();

function cached<F>(
  store: WeakMap<NarrowNode, Map<number, F>>,
  seg: Segment & { kind: 'kernels' },
  make: () => F,
): F {
  const last = seg.nodes[seg.nodes.length - 1] as NarrowNode;
  let m = store.get(last);
  if (m === undefined) store.set(last, (m = new Map()));
  let f = m.get(seg.nodes.length);
  if (f === undefined) m.set(seg.nodes.length, (f = make()));
  return f;
}

/** Turns a failure inside a compiled loop into a TaskError naming the kernel that threw. */
function kernelFailure(seg: Segment & { kind: 'kernels' }, partition: number, e: unknown): unknown {
  if (!(e instanceof KernelFailure)) return e;
  const node = seg.nodes[e.index];
  // Past the last kernel: the sink (an action's function) threw; the action reports it.
  return node === undefined ? e.error : taskFailure(node.label, node.id, partition, e.error);
}

/** One partition's instance of a segment: a function from a batch to the next batch, and the end-of-input flush. */
interface Stage {
  run(batch: readonly unknown[]): unknown[];
  end(): unknown[];
}

function stage(seg: Segment, partition: number): Stage {
  if (seg.kind === 'kernels') {
    const step = cached(compiledBatch, seg, () => compileBatch(seg.kernels));
    return {
      run: (batch) => {
        const out: unknown[] = [];
        try {
          asTaskCode(() => step(batch, out));
        } catch (e) {
          throw kernelFailure(seg, partition, e);
        }
        return out;
      },
      end: () => [],
    };
  }
  const fail = (e: unknown) => taskFailure(seg.node.label, seg.node.id, partition, e);
  let op: BatchOp<unknown, unknown>;
  try {
    op = seg.make(partition);
  } catch (e) {
    throw fail(e);
  }
  return {
    run: (batch) => {
      const out: unknown[] = [];
      try {
        asTaskCode(() => op.step(batch, out));
      } catch (e) {
        throw fail(e);
      }
      return out;
    },
    end: () => {
      const out: unknown[] = [];
      try {
        asTaskCode(() => op.end?.(out));
      } catch (e) {
        throw fail(e);
      }
      return out;
    },
  };
}

/** Runs the batches of `source` through `segments`, then each stage's end-of-input flush through the stages after it. */
async function* pipeline(
  source: AsyncIterable<unknown[]>,
  segments: readonly Segment[],
  partition: number,
  signal: AbortSignal,
): AsyncGenerator<unknown[]> {
  const stages = segments.map((seg) => stage(seg, partition));
  const through = (batch: readonly unknown[], from: number): unknown[] => {
    let b = batch as unknown[];
    for (let i = from; i < stages.length && b.length > 0; i++) b = (stages[i] as Stage).run(b);
    return b;
  };
  for await (const batch of source) {
    if (signal.aborted) throw abortError(signal);
    const out = through(batch, 0);
    if (out.length > 0) yield out;
  }
  for (let i = 0; i < stages.length; i++) {
    for (const b of chunks((stages[i] as Stage).end())) {
      const out = through(b, i + 1);
      if (out.length > 0) yield out;
    }
  }
}

function computeNarrow(node: NarrowNode, partition: number, job: Job): AsyncIterable<unknown[]> {
  if (node.op.type === 'partition') return guardPartitionOp(node, partition, job);
  const { feed, chain } = fusibleChain(node, job);
  return pipeline(openPartition(feed, partition, job), segmentsOf(chain), partition, job.signal);
}

/**
 * Feeds every element of one partition to `sink`, or folds it into `combine`
 * when given (`sink` then being that same fold as a function). When the
 * partition ends in a run of kernels, they are compiled with the sink as
 * their last step, so the final batch is never materialised (the fast path
 * of sum, count, collect, foreach, reduce, and of reduceByKey's map side).
 */
export async function drainPartition(
  node: PlanNode,
  partition: number,
  job: Job,
  sink: (x: unknown) => void,
  combine?: CombineTarget,
  watch?: Watch,
): Promise<void> {
  if (node.kind === 'narrow' && node.op.type === 'kernel' && !readElsewhere(node, job)) {
    const { feed, chain } = fusibleChain(node, job);
    const segments = segmentsOf(chain);
    const last = segments.pop() as Segment & { kind: 'kernels' };
    const run: (batch: readonly unknown[], from?: number, to?: number) => void =
      combine === undefined
        ? bindStep(
            cached(compiledSink, last, () => compileSink(last.kernels)),
            sink,
          )
        : bindStep(
            cached(compiledCombine, last, () => compileCombine(last.kernels)),
            combine,
          );
    if (
      segments.length === 0 &&
      feed.kind === 'source' &&
      feed.source.ranges !== undefined &&
      !readElsewhere(feed, job)
    ) {
      // In-memory source: run the loop over its arrays in place.
      let k = 0;
      for (const [array, from, to] of feed.source.ranges(partition)) {
        if (job.signal.aborted) throw abortError(job.signal);
        try {
          if (watch === undefined) asTaskCode(() => run(array, from, to));
          else
            for (let at = from; at < to; at += BATCH_SIZE) {
              asTaskCode(() => run(array, at, Math.min(at + BATCH_SIZE, to)));
              watch();
            }
        } catch (e) {
          throw kernelFailure(last, partition, e);
        }
        if (++k % TURN_EVERY === 0) await turn();
      }
      return;
    }
    const input =
      segments.length === 0
        ? openPartition(feed, partition, job)
        : pipeline(openPartition(feed, partition, job), segments, partition, job.signal);
    await drainInTurns(job, input, (batch) => {
      try {
        asTaskCode(() => run(batch));
      } catch (e) {
        throw kernelFailure(last, partition, e);
      }
      watch?.();
    });
    return;
  }
  await drainInTurns(job, openPartition(node, partition, job), (batch) => {
    asTaskCode(() => {
      for (let i = 0; i < batch.length; i++) sink(batch[i]);
    });
    watch?.();
  });
}

/**
 * `for await (const batch of input) work(batch)`, with the job's CPU turn
 * taken for each batch (see turns.ts): a task whose batches are ready works
 * through them without the job's other tasks cutting in at every batch.
 */
async function drainInTurns(
  job: Job,
  input: AsyncIterable<unknown[]>,
  work: (batch: unknown[]) => void,
): Promise<void> {
  const me = {};
  const it = input[Symbol.asyncIterator]();
  // As for await: the iterator is closed when the loop exits early, not when it ended or threw itself.
  let closed = false;
  try {
    for (;;) {
      job.turns.waitingFor(me);
      let r: IteratorResult<unknown[]>;
      try {
        r = await it.next();
      } catch (e) {
        closed = true;
        throw e;
      }
      if (r.done === true) {
        closed = true;
        return;
      }
      if (job.signal.aborted) throw abortError(job.signal);
      const wait = job.turns.take(me);
      if (wait !== undefined) {
        await wait;
        if (job.signal.aborted) throw abortError(job.signal);
      }
      work(r.value);
    }
  } finally {
    job.turns.release(me);
    if (!closed) await it.return?.();
  }
}

/** A compiled step with its second argument (sink or combine target) fixed. */
function bindStep<T>(
  step: (batch: readonly unknown[], to: T, from?: number, end?: number) => void,
  target: T,
): (batch: readonly unknown[], from?: number, to?: number) => void {
  return (batch, from, to) => step(batch, target, from, to);
}

async function* guardPartitionOp(node: NarrowNode, partition: number, job: Job): AsyncGenerator<unknown[]> {
  const op = node.op;
  if (op.type !== 'partition') throw new InternalError('not a partition operator');
  const input = openPartition(node.parent, partition, job);
  try {
    // The partition function's synchronous start runs here.
    const output = asTaskCode(() => op.run(input, partition, job));
    for await (const batch of output) {
      if (job.signal.aborted) throw abortError(job.signal);
      yield batch;
    }
  } catch (e) {
    throw taskFailure(node.label, node.id, partition, e);
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

/** Right-side elements a cartesian partition keeps in memory, at most. */
const CARTESIAN_BLOCK = 16 * BATCH_SIZE;

/**
 * Spark's CartesianRDD: partition i·m + j pairs left partition i with right
 * partition j, left-major. A right partition of up to CARTESIAN_BLOCK
 * elements is read once and kept; a bigger one is streamed, read again for
 * each left element as Spark does, so memory stays bounded whatever its size
 * (`first()` of a cartesian with 3e7 elements on the right reads one block).
 */
async function* cartesianPartition(
  left: PlanNode,
  right: PlanNode,
  partition: number,
  job: Job,
): AsyncGenerator<unknown[]> {
  const m = await job.numPartitions(right);
  const rightPartition = () => openPartition(right, partition % m, job);
  const ys: unknown[] = [];
  let whole = true;
  for await (const b of rightPartition()) {
    for (const y of b) ys.push(y);
    if (ys.length > CARTESIAN_BLOCK) {
      whole = false;
      break;
    }
  }
  if (ys.length === 0) return;
  if (!whole) ys.length = 0;
  let out: unknown[] = [];
  for await (const b of openPartition(left, Math.floor(partition / m), job)) {
    for (const x of b) {
      if (whole) for (const y of ys) out.push([x, y]);
      else
        for await (const yb of rightPartition()) {
          for (const y of yb) {
            out.push([x, y]);
            if (out.length >= BATCH_SIZE) {
              yield out;
              out = [];
            }
          }
        }
      if (out.length >= BATCH_SIZE) {
        yield out;
        out = [];
      }
    }
  }
  if (out.length > 0) yield out;
}
