/**
 * The in-memory shuffle. The map side runs each parent partition's fused
 * pipeline once per job, turns records into `[key, value]` pairs, combines
 * them per distinct key when the operator allows it (so memory grows with
 * distinct keys, not records), and routes them into buckets by the
 * partitioner. A map output holds buckets only for the reduce partitions
 * it has records for, and the map side is indexed by reduce partition once,
 * so memory and time grow with records, not with map × reduce partitions
 * (4,000 × 4,000 empty buckets took 1.2 GB and 11 s). A reduce task reads
 * its buckets, in map order, merges combiners and finishes with the
 * operator's `reduce`. A parent already partitioned by the same partitioner
 * is read narrowly, with no map side. Map outputs live in the job's memo and
 * are released when the action ends. Everything buffered here checks the
 * memory budget (memory.ts) once per batch.
 */
import { InternalError, TaskError } from '../errors.js';
import { asPair, describe, notPairError } from '../ops/pairs.js';
import type { ShuffleSpec } from '../ops/types.js';
import type { PlanNode } from '../plan/nodes.js';
import { isShuffleEdge } from '../plan/stages.js';
import { arrayGrowth, tableGrowth } from '../util/growth.js';
import { partitionOf } from '../values/hash.js';
import { keyOf } from '../values/key.js';
import type { MapOutput } from './executor.js';
import { BadResult, isThenable, taskFailure } from './failures.js';
import { type CombineTarget, combined, combineSink } from './fuse.js';
import { taskCode } from './nesting.js';
import { runBounded, withRetries } from './schedule.js';
import { sortedPartition } from './sort-shuffle.js';
import { shuffleSpecOf } from './specs.js';
import type { TaskContext, Watch } from './task.js';

type Pair = [unknown, unknown];

/** Loops over records check the memory budget every WATCH_MASK + 1 of them. */
const WATCH_MASK = 4095;

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
 * (A parent read narrowly is one bucket: everything routed to 0.)
 */
export async function mapTask(
  node: PlanNode,
  parentIndex: number,
  parent: PlanNode,
  mapPartition: number,
  job: TaskContext,
  route: (key: unknown) => number,
): Promise<MapOutput> {
  // A bucket per reduce partition that gets records, made with its first one (nothing per empty partition).
  const byPartition = new Map<number, Pair[]>();
  const bucket = (p: number): Pair[] => {
    let b = byPartition.get(p);
    if (b === undefined) byPartition.set(p, (b = []));
    return b;
  };
  try {
    const combine = shuffleSpecOf(node).combine;
    const watch = job.watch(node.op, node.id, mapPartition, 'buffering its map output');
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
      const grows = () => watch(tableGrowth(target.accs.size) + tableGrowth(target.keys.size));
      await job.drain(parent, mapPartition, combineSink(target), target, grows);
      // The map's entries become pairs in buckets: a pair and a slot each, while the map is still alive.
      let entries = 0;
      for (const entry of combined(target)) {
        bucket(route(entry[0])).push(entry);
        if ((++entries & WATCH_MASK) === 0) watch(arrayGrowth(entries));
      }
    } else {
      const prepare = preparer(shuffleSpecOf(node), parentIndex, mapPartition, node.op);
      let records = 0;
      await job.drain(
        parent,
        mapPartition,
        (x) => {
          const kv = prepare(x);
          bucket(route(kv[0])).push(kv);
          records++;
        },
        undefined,
        // Each bucket grows on its own; their growth together is at most the records' count's.
        () => watch(arrayGrowth(records)),
      );
    }
  } catch (e) {
    throw taskFailure(node.op, node.id, mapPartition, e);
  }
  return { partitions: [...byPartition.keys()], buckets: [...byPartition.values()] };
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

/** Runs the map tasks of one parent (each retried on its own): their outputs, in map-partition order. */
async function runMapTasks(
  node: PlanNode,
  parentIndex: number,
  n: number,
  route: (key: unknown) => number,
  job: TaskContext,
): Promise<MapOutput[]> {
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
        withRetries(job, async () => {
          const elsewhere = job.runtime.executor?.mapTask(job, node, parentIndex, mp, n);
          if (elsewhere === undefined) return mapTask(node, parentIndex, parent, mp, job, route);
          const output = await elsewhere;
          // The worker thread's output is in this heap now.
          job.watch(node.op, node.id, mp, 'receiving its map output')();
          return output;
        }),
    ),
  );
}

/**
 * The map side of one parent, by reduce partition: for each of the `n`, the
 * map outputs' buckets for it in map order (undefined when none has records
 * for it; a reduce task takes its entry and clears it).
 */
async function mapSide(
  node: PlanNode,
  parentIndex: number,
  n: number,
  job: TaskContext,
): Promise<(Pair[][] | undefined)[]> {
  const route = directRouter(node, n);
  if (route === null) throw new InternalError(`${node.op}: range partitioning is the sort shuffle's`);
  const outputs = await runMapTasks(node, parentIndex, n, route, job);
  const byPartition: (Pair[][] | undefined)[] = new Array(n);
  for (const o of outputs)
    for (let i = 0; i < o.partitions.length; i++) {
      const p = o.partitions[i] as number;
      const blocks = byPartition[p];
      if (blocks === undefined) byPartition[p] = [o.buckets[i] as Pair[]];
      else blocks.push(o.buckets[i] as Pair[]);
    }
  return byPartition;
}

/** Arrays end to end, in one new array. */
function concat(blocks: readonly Pair[][]): Pair[] {
  let total = 0;
  for (const b of blocks) total += b.length;
  const out: Pair[] = new Array(total);
  let j = 0;
  for (const b of blocks) for (let i = 0; i < b.length; i++) out[j++] = b[i] as Pair;
  return out;
}

/** Merges the bucket's pairs by key with the operator's combiner functions, in first-seen order. */
function combineBucket(spec: ShuffleSpec, pairs: readonly Pair[], combined: boolean, watch: Watch): Pair[] {
  const combine = spec.combine;
  if (combine === undefined) return pairs as Pair[];
  const byKey = new Map<unknown, Pair>();
  let checked = false;
  for (let i = 0; i < pairs.length; i++) {
    if ((i & WATCH_MASK) === WATCH_MASK) watch(tableGrowth(byKey.size));
    const [k, v] = pairs[i] as Pair;
    const id = keyOf(k);
    const entry = byKey.get(id);
    let c: unknown;
    if (entry === undefined) byKey.set(id, [k, (c = combined ? v : combine.create(v))]);
    else entry[1] = c = combined ? combine.mergeCombiners(entry[1], v) : combine.merge(entry[1], v);
    if (!checked) {
      // The first combiner made here: a Promise means an async function (see BadResult).
      checked = !combined || entry !== undefined;
      if (isThenable(c)) throw new BadResult('promise', c);
    }
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
  const watch = job.watch(node.op, node.id, partition, 'merging its shuffle');
  const records: Pair[][] = [];
  for (let p = 0; p < node.parents.length; p++) {
    const parent = node.parents[p] as PlanNode;
    if (!isShuffleEdge(node, p)) {
      const { buckets } = await withRetries(job, () => mapTask(node, p, parent, partition, job, () => 0));
      records.push(buckets[0] ?? []);
      continue;
    }
    if (job.shuffleRead !== undefined) {
      // Outside the driver (a Spark executor): the map outputs' records come from the shuffle's transport.
      records.push(await job.shuffleRead(node, p, partition));
      continue;
    }
    const byPartition = await job.memo(mapKey(node, p, 'buckets'), () => mapSide(node, p, n, job));
    const blocks = byPartition[partition] ?? [];
    byPartition[partition] = undefined;
    if (blocks.length > 1) watch(8 * blocks.reduce((k, b) => k + b.length, 0));
    records.push(blocks.length === 1 ? (blocks[0] as Pair[]) : concat(blocks));
  }
  let output: Iterable<unknown[]> | AsyncIterable<unknown[]>;
  taskCode.depth++;
  try {
    const mapCombined = shuffleSpecOf(node).combine?.mapSide === true;
    const input =
      shuffleSpecOf(node).combine === undefined
        ? records
        : records.map((r) => combineBucket(shuffleSpecOf(node), r, mapCombined, watch));
    output = reduce({ records: input, watch }, partition);
  } catch (e) {
    throw e instanceof TaskError ? e : taskFailure(node.op, node.id, partition, e);
  } finally {
    taskCode.depth--;
  }
  const batches: unknown[][] = [];
  try {
    for await (const batch of output) {
      batches.push(batch);
      watch();
    }
  } catch (e) {
    throw taskFailure(node.op, node.id, partition, e);
  }
  return batches;
}
