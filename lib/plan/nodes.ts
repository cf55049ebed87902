/**
 * The logical plan: every RDD is one frozen node. A handful of kinds, after
 * Spark: a narrow operator is a per-partition function over its parent's
 * partition, so fusing a chain of them is composition. Nodes carry the
 * closures that compute them (as Spark's RDDs do), but nothing here runs them:
 * this module is data and pure functions, no I/O, no `await`.
 */
import type { BatchOpFactory, Kernel } from '../ops/types.js';
import { type Partitioner, samePartitioner } from './partitioner.js';

/** What the executor hands a source or partition function: the running job's services. */
export interface TaskEnv {
  /** Aborted when the job ends early (failure elsewhere, cancellation). */
  readonly signal: AbortSignal;
  /** Number of partitions of a node (may need I/O, e.g. listing a glob). */
  numPartitions(node: PlanNode): Promise<number>;
  /** Computes one partition of a node as batches. */
  open<T>(node: PlanNode, partition: number): AsyncIterable<T[]>;
  /** A value computed once per job (shuffle outputs, zipWithIndex offsets). */
  memo<V>(key: object, make: () => Promise<V>): Promise<V>;
}

/** A leaf: parallelize, range, textFile ... */
export interface SourceImpl {
  /** The partition count when it is known without I/O. */
  readonly knownPartitions: number | undefined;
  /** The partition count, resolving it with I/O if needed. */
  partitions(env: TaskEnv): Promise<number>;
  open(partition: number, env: TaskEnv): AsyncIterable<unknown[]>;
  /**
   * For an in-memory source: the partition as index ranges of arrays it holds,
   * so a fused loop can read them in place, without copying into batches. An
   * array is only valid until the next range is asked for.
   */
  ranges?(partition: number): Iterable<readonly [readonly unknown[], number, number]>;
  /**
   * For a file source: what its listing resolved (its splits or files), as
   * plain data. The main thread sends it to worker threads, which adopt it
   * rather than list again: every thread reads the partitions planned once
   * for the RDD, even if files appear or go in between.
   */
  readonly listing?: {
    get(): Promise<unknown>;
    adopt(listing: unknown): void;
  };
}

/**
 * A narrow operator: an element-wise kernel (fused by code generation), a
 * per-batch operator with per-partition state (fused into the same loop over
 * batches), or a whole-partition function (mapPartitions, pipe).
 */
export type NarrowOp =
  | { readonly type: 'kernel'; readonly kernel: Kernel }
  | { readonly type: 'batch'; readonly make: BatchOpFactory<unknown, unknown> }
  | {
      readonly type: 'partition';
      readonly run: (
        input: AsyncIterable<unknown[]>,
        partition: number,
        env: TaskEnv,
      ) => AsyncIterable<unknown[]>;
    };

/** Printable attributes of a node, in order: `numPartitions=4`. */
export type Attrs = readonly (readonly [string, string])[];

interface Base {
  readonly id: number;
  /** The user's method name: `map`, `reduceByKey`, `textFile`. */
  readonly label: string;
  readonly attrs: Attrs;
  /** How the output is partitioned, when known (hash/range after a shuffle, kept by mapValues ...). */
  readonly partitioner: Partitioner | undefined;
}

export interface SourceNode extends Base {
  readonly kind: 'source';
  readonly source: SourceImpl;
}

export interface NarrowNode extends Base {
  readonly kind: 'narrow';
  readonly parent: PlanNode;
  readonly op: NarrowOp;
}

/**
 * Partitions of the parents, one after another; or, when every parent has the
 * same partitioner (`aligned`, Spark's PartitionerAwareUnionRDD), partition i
 * is partition i of each parent in turn, and the partitioner is kept.
 */
export interface UnionNode extends Base {
  readonly kind: 'union';
  readonly parents: readonly PlanNode[];
  readonly aligned?: boolean;
}

/** Consecutive parent partitions merged into fewer, without a shuffle. */
export interface CoalesceNode extends Base {
  readonly kind: 'coalesce';
  readonly parent: PlanNode;
  readonly numPartitions: number;
}

/** Partition i of the left paired element by element with partition i of the right. */
export interface ZipNode extends Base {
  readonly kind: 'zip';
  readonly parents: readonly [PlanNode, PlanNode];
}

/** Partition (i, j) holds every pair of left partition i and right partition j. */
export interface CartesianNode extends Base {
  readonly kind: 'cartesian';
  readonly parents: readonly [PlanNode, PlanNode];
}

/**
 * A stage boundary. The map side routes each parent's records into buckets by
 * `partitioner` (combining them first when `combine` is set); the reduce side
 * merges bucket `i` of every map output and finishes it with `reduce`.
 * A parent already partitioned by an equal partitioner is read narrowly.
 */
export interface ShuffleNode extends Base {
  readonly kind: 'shuffle';
  readonly parents: readonly PlanNode[];
  readonly numPartitions: number | undefined;
  /** How records are routed to reduce partitions; `partitioner` is what the output exposes (none after sortBy). */
  readonly route: Partitioner;
  readonly spec: ShuffleSpec;
}

/** How a shuffle turns map-side records into reduce-side output. Filled in by the wide operators. */
export interface ShuffleSpec {
  /**
   * Map side: for parent `parentIndex`'s map task `mapPartition`, the function
   * turning one of its elements into the `[key, value]` pair to route (default:
   * the element, which must be a pair).
   */
  readonly prepare?: (parentIndex: number, mapPartition: number) => (x: unknown) => [unknown, unknown];
  /** Map-side and reduce-side combining by key; absent means records are routed as they are. */
  readonly combine?: {
    readonly create: (v: unknown) => unknown;
    readonly merge: (c: unknown, v: unknown) => unknown;
    readonly mergeCombiners: (a: unknown, b: unknown) => unknown;
    readonly mapSide: boolean;
    /** `merge` keeps the accumulator as it is (distinct): the map side then only looks each key up once. */
    readonly keepsFirst?: boolean;
  };
  /** A range-partitioned, sorted shuffle (sortBy, sortByKey) instead of `combine`/`reduce`. */
  readonly sort?: SortSpec;
  /**
   * Reduce side: turns the partition's records (grouped per parent when there
   * are several parents) into output batches. Absent for a sort.
   */
  readonly reduce?: (input: ReduceInput, partition: number) => Iterable<unknown[]> | AsyncIterable<unknown[]>;
}

/**
 * How a sort shuffle orders and finishes its records. Its records travel as
 * two columns, keys and values, never as pairs.
 */
export interface SortSpec {
  readonly ascending: boolean;
  /** The sort key of a record's key (identity unless sortByKey got a keyfunc); bounds and routing follow it. */
  readonly keyfunc: (key: unknown) => unknown;
  /** When set, each element is a record's value and this gives its key (sortBy); otherwise elements are pairs. */
  readonly keyOfElement?: (x: unknown) => unknown;
  /** A reduce partition's output from its keys and values (in map order): sorts them. */
  readonly finish: (keys: unknown[], values: unknown[]) => unknown[];
}

/** What a reduce task receives: per parent, the records of its bucket (combined when the shuffle combines). */
export interface ReduceInput {
  /** Records of parent `p` routed to this partition, map outputs in order. */
  readonly records: readonly [unknown, unknown][][];
  /**
   * Checks the memory budget (throws a MemoryError past it), counting `extra`
   * bytes about to be allocated: a reduce that builds much calls it every
   * few thousand records.
   */
  readonly watch: (extra?: number) => void;
}

export type PlanNode =
  | SourceNode
  | NarrowNode
  | UnionNode
  | CoalesceNode
  | ZipNode
  | CartesianNode
  | ShuffleNode;

/** The nodes a node reads, in order. */
export function parentsOf(node: PlanNode): readonly PlanNode[] {
  switch (node.kind) {
    case 'source':
      return [];
    case 'narrow':
    case 'coalesce':
      return [node.parent];
    case 'union':
    case 'zip':
    case 'cartesian':
    case 'shuffle':
      return node.parents;
    default:
      return assertNever(node);
  }
}

/**
 * The partition count of a node when it is known without I/O, or `undefined`.
 * Pure: used by `explain()` and by argument checks.
 */
export function knownPartitions(node: PlanNode): number | undefined {
  switch (node.kind) {
    case 'source':
      return node.source.knownPartitions;
    case 'narrow':
      return knownPartitions(node.parent);
    case 'coalesce': {
      const p = knownPartitions(node.parent);
      return p === undefined ? undefined : Math.min(p, node.numPartitions);
    }
    case 'union': {
      if (node.aligned) return knownPartitions(node.parents[0] as PlanNode);
      let sum = 0;
      for (const p of node.parents) {
        const n = knownPartitions(p);
        if (n === undefined) return undefined;
        sum += n;
      }
      return sum;
    }
    case 'zip':
      return knownPartitions(node.parents[0]);
    case 'cartesian': {
      const a = knownPartitions(node.parents[0]);
      const b = knownPartitions(node.parents[1]);
      return a === undefined || b === undefined ? undefined : a * b;
    }
    case 'shuffle': {
      if (node.numPartitions !== undefined) return node.numPartitions;
      return defaultShufflePartitions(
        node.parents.map(knownPartitions),
        node.parents,
        node.spec.prepare !== undefined,
      );
    }
    default:
      return assertNever(node);
  }
}

/**
 * PySpark's default partition count of a wide operation: the parent's count;
 * for several parents (join, cogroup: a union underneath) their sum, or the
 * shared count when all are partitioned alike. A shuffle that keys elements
 * afresh (`rekeys`: subtract, intersection) always takes the sum: PySpark
 * builds them on `map(x => [x, undefined])`, which drops the partitioner, so
 * the union under its cogroup is never partitioner-aware.
 */
export function defaultShufflePartitions(
  counts: readonly (number | undefined)[],
  parents: readonly PlanNode[],
  rekeys: boolean,
): number | undefined {
  if (counts.some((c) => c === undefined)) return undefined;
  const first = parents[0];
  if (
    !rekeys &&
    parents.length > 1 &&
    first !== undefined &&
    parents.every((p) => samePartitioner(p.partitioner, first.partitioner))
  )
    return counts[0];
  return (counts as number[]).reduce((a, b) => a + b, 0);
}

export function assertNever(x: never): never {
  throw new Error(`unexpected plan node ${JSON.stringify(x)}`);
}
