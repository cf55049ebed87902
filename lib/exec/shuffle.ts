/**
 * The in-memory shuffle. The map side runs each parent partition's fused
 * pipeline once per job, turns records into `[key, value]` pairs, combines
 * them per distinct key when the operator allows it (so memory grows with
 * distinct keys, not records), and routes them into buckets by the
 * partitioner. A reduce task reads its bucket from every map output, in map
 * order, merges combiners and finishes with the operator's `reduce`. A parent
 * already partitioned by the same partitioner is read narrowly, with no map
 * side. Map outputs live in the job's memo and are released when the action ends.
 */
import { InternalError, TaskError } from '../errors.js';
import { asPair, describe, notPairError } from '../ops/pairs.js';
import type { ShuffleSpec } from '../ops/types.js';
import type { PlanNode } from '../plan/nodes.js';
import { isShuffleEdge } from '../plan/stages.js';
import { partitionOf } from '../values/hash.js';
import { keyOf } from '../values/key.js';
import { taskFailure } from './failures.js';
import { type CombineTarget, combined, combineSink } from './fuse.js';
import { taskCode } from './nesting.js';
import { runBounded, withRetries } from './schedule.js';
import { sortedPartition } from './sort-shuffle.js';
import { shuffleSpecOf } from './specs.js';
import type { TaskContext } from './task.js';

type Pair = [unknown, unknown];

/** Turns a parent's element into a pair; checks the shape when the operator takes pairs as they are. */
function preparer(
  spec: ShuffleSpec,
  parentIndex: number,
  mapPartition: number,
  label: string,
): (x: unknown) => Pair {
  if (spec.prepare !== undefined) return spec.prepare(parentIndex, mapPartition);
  return (kv) => asPair(kv, label);
}

/**
 * One map task: drains a partition of `parent` through its fused loop into a
 * sink that turns each element into a pair and either combines it into one
 * accumulator per distinct key (when the operator combines map-side) or
 * routes it straight into its bucket, so no batch of pairs is ever built.
 * (A parent read narrowly is one bucket: `n` 1, everything routed to 0.)
 */
export async function mapTask(
  node: PlanNode,
  parentIndex: number,
  parent: PlanNode,
  mapPartition: number,
  job: TaskContext,
  n: number,
  route: (key: unknown) => number,
): Promise<Pair[][]> {
  const buckets: Pair[][] = Array.from({ length: n }, () => []);
  try {
    const combine = shuffleSpecOf(node).combine;
    if (combine?.mapSide) {
      const target: CombineTarget = {
        accs: new Map(),
        keys: new Map(),
        prepare: shuffleSpecOf(node).prepare?.(parentIndex, mapPartition),
        notPair: (x) => {
          throw notPairError(x, node.op);
        },
        keyOf,
        create: combine.create,
        merge: combine.keepsFirst === true ? undefined : combine.merge,
      };
      await job.drain(parent, mapPartition, combineSink(target), target);
      for (const entry of combined(target)) (buckets[route(entry[0])] as Pair[]).push(entry);
    } else {
      const prepare = preparer(shuffleSpecOf(node), parentIndex, mapPartition, node.op);
      await job.drain(parent, mapPartition, (x) => {
        const kv = prepare(x);
        (buckets[route(kv[0])] as Pair[]).push(kv);
      });
    }
  } catch (e) {
    throw taskFailure(node.op, node.id, mapPartition, e);
  }
  return buckets;
}

/** Key to partition by a user's partition function: its integer result modulo `n`, Python's way (never negative). */
export function customRouter(fn: (key: unknown) => number, n: number): (key: unknown) => number {
  return (k) => {
    const h = fn(k);
    if (typeof h !== 'number' || !Number.isInteger(h))
      throw new TypeError(
        `partition function returned ${describe(h)} for key ${describe(k)}, not an integer`,
      );
    return ((h % n) + n) % n;
  };
}

/** Most string keys a hash router remembers the partition of. */
const STRING_MEMO = 1 << 16;
/** Lookups, once the memo is full, after which a router whose memo found under a quarter of them drops it. */
const MEMO_TRIAL = 8192;

/**
 * Key to partition by PySpark's portable hash. Python's string hash
 * (SipHash-1-3 on 64-bit words kept as 32-bit halves) costs a few times a
 * `Map` lookup, and a map task that routes every record (groupByKey, join,
 * partitionBy) usually meets the same keys again and again: so a string
 * key's partition is remembered, up to 65,536 keys. When the memo is full
 * and the next 8,192 lookups find under a quarter of their keys in it, keys
 * rarely repeat: the router drops it and hashes each key, as its misses
 * would only add to the hash.
 */
export function hashRouter(n: number): (key: unknown) => number {
  let memo: Map<string, number> | undefined = new Map();
  let trial = 0;
  let hits = 0;
  return (k) => {
    if (typeof k !== 'string' || memo === undefined) return partitionOf(k, n);
    let p = memo.get(k);
    if (p === undefined) {
      p = partitionOf(k, n);
      if (memo.size < STRING_MEMO) memo.set(k, p);
    } else if (memo.size === STRING_MEMO) hits++;
    if (memo.size === STRING_MEMO && ++trial === MEMO_TRIAL) {
      if (hits < MEMO_TRIAL / 4) memo = undefined;
      hits = 0;
      trial = 0;
    }
    return p;
  };
}

/** The function from key to reduce partition of a hash or custom partitioner (null for a range one, the sort shuffle's). */
export function directRouter(node: PlanNode, n: number): ((key: unknown) => number) | null {
  const p = node.route;
  if (p === undefined) throw new InternalError(`${node.op}[${node.id}] has no route`);
  if (p.kind === 'hash') return hashRouter(n);
  if (p.kind === 'custom') return customRouter(p.fn, n);
  return null;
}

const mapKeys = new WeakMap<PlanNode, Map<string, object>>();
/** A stable memo key per (shuffle, parent or reduce partition, what). */
function mapKey(node: PlanNode, index: number, what: string): object {
  let m = mapKeys.get(node);
  if (m === undefined) mapKeys.set(node, (m = new Map()));
  const name = `${index}:${what}`;
  let k = m.get(name);
  if (k === undefined) m.set(name, (k = {}));
  return k;
}

/** Runs the map tasks of one parent (each retried on its own): their buckets, in map-partition order. */
async function runMapTasks(
  node: PlanNode,
  parentIndex: number,
  n: number,
  route: (key: unknown) => number,
  job: TaskContext,
): Promise<Pair[][][]> {
  const parent = node.parents[parentIndex] as PlanNode;
  const m = await job.numPartitions(parent);
  return runBounded(
    job,
    m,
    job.runtime.concurrency,
    job.stageTasks(
      parent,
      m,
      (mp) => mp,
      (mp) =>
        withRetries(
          job,
          () =>
            job.runtime.executor?.mapTask(job, node, parentIndex, mp, n) ??
            mapTask(node, parentIndex, parent, mp, job, n, route),
        ),
    ),
  );
}

/** The map side of one parent: every map task's pairs routed into `n` buckets. */
async function mapSide(
  node: PlanNode,
  parentIndex: number,
  n: number,
  job: TaskContext,
): Promise<Pair[][][]> {
  const route = directRouter(node, n);
  if (route === null) throw new InternalError(`${node.op}: range partitioning is the sort shuffle's`);
  return runMapTasks(node, parentIndex, n, route, job);
}

/** Merges the bucket's pairs by key with the operator's combiner functions, in first-seen order. */
function combineBucket(spec: ShuffleSpec, pairs: readonly Pair[], combined: boolean): Pair[] {
  const combine = spec.combine;
  if (combine === undefined) return pairs as Pair[];
  const byKey = new Map<unknown, Pair>();
  for (let i = 0; i < pairs.length; i++) {
    const [k, v] = pairs[i] as Pair;
    const id = keyOf(k);
    const entry = byKey.get(id);
    if (entry === undefined) byKey.set(id, [k, combined ? v : combine.create(v)]);
    else entry[1] = combined ? combine.mergeCombiners(entry[1], v) : combine.merge(entry[1], v);
  }
  return [...byKey.values()];
}

/**
 * One reduce partition of a shuffle, computed once per job: a job may read it
 * twice (a self-join or self-union, `zip` with a derived RDD, `zipWithIndex`'s
 * counting pass), and merging combiners may mutate the map outputs' combiners
 * (`groupByKey`, an `aggregateByKey` that pushes), so reducing them again
 * would merge values twice. Each bucket is released once its partition is
 * computed.
 */
export async function* computeShuffle(
  node: PlanNode,
  partition: number,
  job: TaskContext,
): AsyncGenerator<unknown[]> {
  yield* await job.memo(mapKey(node, partition, 'output'), () => reducePartition(node, partition, job));
}

async function reducePartition(node: PlanNode, partition: number, job: TaskContext): Promise<unknown[][]> {
  // A reduce partition is in memory already: handed on whole, not copied into smaller batches.
  if (shuffleSpecOf(node).sort !== undefined) return [await sortedPartition(node, partition, job)];
  const reduce = shuffleSpecOf(node).reduce;
  if (reduce === undefined) throw new InternalError(`${node.op}: a shuffle needs a reduce side`);
  const n = await job.numPartitions(node);
  const records: Pair[][] = [];
  for (let p = 0; p < node.parents.length; p++) {
    const parent = node.parents[p] as PlanNode;
    if (!isShuffleEdge(node, p)) {
      const [pairs] = await withRetries(job, () => mapTask(node, p, parent, partition, job, 1, () => 0));
      records.push(pairs as Pair[]);
      continue;
    }
    if (job.shuffleRead !== undefined) {
      // Outside the driver (a Spark executor): the map outputs' bucket comes from the shuffle's transport.
      records.push(await job.shuffleRead(node, p, partition));
      continue;
    }
    const outputs = await job.memo(mapKey(node, p, 'buckets'), () => mapSide(node, p, n, job));
    const bucket: Pair[] = [];
    for (const o of outputs) {
      const b = o[partition] as Pair[];
      for (let i = 0; i < b.length; i++) bucket.push(b[i] as Pair);
      o[partition] = [];
    }
    records.push(bucket);
  }
  let output: Iterable<unknown[]> | AsyncIterable<unknown[]>;
  taskCode.depth++;
  try {
    const mapCombined = shuffleSpecOf(node).combine?.mapSide === true;
    const input =
      shuffleSpecOf(node).combine === undefined
        ? records
        : records.map((r) => combineBucket(shuffleSpecOf(node), r, mapCombined));
    output = reduce({ records: input }, partition);
  } catch (e) {
    throw e instanceof TaskError ? e : taskFailure(node.op, node.id, partition, e);
  } finally {
    taskCode.depth--;
  }
  const batches: unknown[][] = [];
  try {
    for await (const batch of output) batches.push(batch);
  } catch (e) {
    throw taskFailure(node.op, node.id, partition, e);
  }
  return batches;
}
