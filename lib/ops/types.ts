/**
 * What an operator is, as its module under lib/ops says it: its kind (how it
 * makes its partitions from its parents'), how it runs, how it prints in
 * `explain()`. The executor (lib/exec) reads these definitions through the
 * registry (lib/ops/registry.ts); an operator's module knows nothing of
 * jobs, stages or threads.
 *
 * A partition flows as batches (arrays); a fused stage runs each operator's
 * step over a batch in one synchronous loop, so no `await` is paid per element.
 */
import type { IoOptions } from '../io/options.js';
import type { Attrs, OpArgs, PlanNode } from '../plan/nodes.js';
import type { Partitioner } from '../plan/partitioner.js';

/** Reads `batch` and appends its results to `out`. */
export type BatchFn<I, O> = (batch: readonly I[], out: O[]) => void;

/** One operator instance for one partition: `step` per batch, then `end` once after the last batch. */
export interface BatchOp<I, O> {
  readonly step: BatchFn<I, O>;
  readonly end?: (out: O[]) => void;
}

/** Builds the operator instance for a partition (state such as a seeded RNG or a running index lives here). */
export type BatchOpFactory<I, O> = (partition: number) => BatchOp<I, O>;

/** Number of elements a source puts in one batch. */
export const BATCH_SIZE = 4096;

/**
 * A stateless element-wise operator, fused by code generation into one loop
 * with its neighbours (see `lib/exec/fuse.ts`): `map` replaces the element,
 * `filter` keeps it when `fn` is truthy, `flatMap` replaces it with the
 * elements of the Iterable `fn` returns. The pair kinds apply `fn` inside
 * the loop too, with no wrapper call: `mapValues` and `flatMapValues` to a
 * pair's value (keeping its key), `keyBy` to the element (making
 * `[fn(x), x]`); `keys` and `values` take a pair apart and have no `fn`.
 * The pair kinds check that the element is a `[key, value]` pair.
 */
export type Kernel =
  | {
      readonly kind: 'map' | 'filter' | 'flatMap' | 'mapValues' | 'flatMapValues' | 'keyBy';
      readonly fn: (x: never) => unknown;
    }
  | { readonly kind: 'keys' | 'values' };

/** What a running task offers an operator. */
export interface TaskEnv {
  /** Aborted when the job ends early (failure elsewhere, cancellation). */
  readonly signal: AbortSignal;
  /** The Context's options for file sources. */
  readonly io: IoOptions;
}

/** What an operator's per-job preparation may use: it runs where the job is driven, before the tasks that need it. */
export interface PrepareEnv extends TaskEnv {
  /** The partition count of a node. */
  numPartitions(node: PlanNode): Promise<number>;
  /** One partition of a node as batches, computed for this job. */
  open(node: PlanNode, partition: number): AsyncIterable<unknown[]>;
}

/** An in-memory partition as index ranges of arrays read in place: `[array, from, to)`. */
export type Ranges = Iterable<readonly [readonly unknown[], number, number]>;

interface OpBase<A> {
  /** The attributes `explain()` prints after the node's name, from its arguments. */
  describe?(args: A): Attrs;
}

/** A leaf: `parallelize`, `range`, `textFile` ... */
export interface SourceOp<A> extends OpBase<A> {
  readonly kind: 'source';
  /** The partition count from the arguments alone, when they tell it (undefined: it needs the listing). */
  knownPartitions(args: A): number | undefined;
  /**
   * What the source reads, resolved with I/O (a file listing: splits or
   * files), as plain data. Resolved once per RDD, on the driver; other
   * threads and processes receive it, so all read the same partitions.
   */
  list?(args: A, env: TaskEnv): Promise<unknown>;
  /** The partition count from the arguments and the listing. */
  partitions(args: A, listing: unknown): number;
  /** One partition as batches. */
  open(args: A, partition: number, listing: unknown, env: TaskEnv): AsyncIterable<unknown[]>;
  /**
   * For an in-memory source: the partition as ranges of arrays it holds, so
   * a fused loop reads them in place, without copying into batches. An array
   * is only valid until the next range is asked for.
   */
  ranges?(args: A, partition: number): Ranges;
  /** Its data lives in the driver's memory (parallelize): other threads read its partitions from there. */
  readonly local?: boolean;
}

/** An element-wise operator (map, filter, flatMap and their kin). */
export interface KernelOp<A> extends OpBase<A> {
  readonly kind: 'kernel';
  kernel(args: A): Kernel;
  /** Whether the output keeps the parent's partitioner (filter, mapValues: keys unchanged). */
  readonly keepsPartitioner: boolean;
}

/** A per-batch operator with per-partition state, fused into the loop over batches. */
export interface BatchOpDef<A> extends OpBase<A> {
  readonly kind: 'batch';
  /** The operator instance of one partition; `prepared` is what `prepare` resolved for the job. */
  make(args: A, partition: number, prepared: unknown): BatchOp<unknown, unknown>;
  /** Per job, on the driver, before the tasks: what `make` needs besides the arguments, as plain data. */
  prepare?(node: PlanNode, env: PrepareEnv): Promise<unknown>;
  readonly keepsPartitioner: boolean;
}

/** A function of a whole partition (mapPartitions, pipe). */
export interface PartitionOp<A> extends OpBase<A> {
  readonly kind: 'partition';
  run(args: A, input: AsyncIterable<unknown[]>, partition: number, env: TaskEnv): AsyncIterable<unknown[]>;
  keepsPartitioner(args: A): boolean;
}

/** How a combine node's partition reads its parents' partitions. */
export interface ParentReader {
  open(parentIndex: number, partition: number): AsyncIterable<unknown[]>;
  /** A parent's partition count (resolved before the task runs). */
  count(parentIndex: number): number;
}

/** Partitions made from the parents' partitions without moving records: union, coalesce, zip, cartesian. */
export interface CombineOp<A> extends OpBase<A> {
  readonly kind: 'combine';
  /** The partition count from the parents'; may throw an ArgumentError (zip of different counts). */
  partitions(args: A, parentCounts: readonly number[]): number;
  /** The output partitioner, from the parents' (union of parents partitioned alike keeps it). */
  partitioner?(args: A, parents: readonly PlanNode[]): Partitioner | undefined;
  /**
   * When a partition is parents' partitions one after another (union,
   * coalesce): which, as `[parentIndex, partition]`. The executor flattens
   * nested ones, so a chain of thousands of unions opens one partition directly.
   */
  concat?(
    args: A,
    partition: number,
    parentCounts: readonly number[],
  ): readonly (readonly [number, number])[];
  /**
   * Whether the partitions are all the parents' partitions, one parent after
   * another (a union of parents not partitioned alike). The executor then
   * flattens nested ones into one list of parents, once per job, and finds a
   * partition's parent by binary search: a chain of thousands of unions
   * costs no more than one union of thousands of RDDs.
   */
  sequence?(args: A): boolean;
  /** Otherwise: the partition from its parents' (zip, cartesian). */
  open?(args: A, partition: number, parents: ParentReader): AsyncIterable<unknown[]>;
}

/** A wide operator: one shuffle, its map side and its reduce side. */
export interface ShuffleOp<A> extends OpBase<A> {
  readonly kind: 'shuffle';
  /** The partition count the user asked for, if any (else PySpark's default from the parents). */
  requested(args: A): number | undefined;
  /** How records are routed to reduce partitions, given the count (undefined while unknown) and the node's id. */
  route(args: A, numPartitions: number | undefined, id: number): Partitioner;
  /** Whether the output is laid out by the route (not after sortBy, distinct, repartition, subtract ...). */
  readonly keepsPartitioner: boolean;
  /**
   * Whether it keys each element afresh (groupBy, distinct, subtract): a
   * parent already laid out by an equal partitioner must still move, since it
   * is laid out by its elements' first item, not by the new key.
   */
  readonly rekeys: boolean;
  /** What the map and reduce sides do, built from the arguments where the shuffle runs. */
  spec(args: A): ShuffleSpec;
}

/** Everything the registry can hold. */
export type OpDef<A = OpArgs> =
  | SourceOp<A>
  | KernelOp<A>
  | BatchOpDef<A>
  | PartitionOp<A>
  | CombineOp<A>
  | ShuffleOp<A>;

/** How a shuffle turns map-side records into reduce-side output. */
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
