/**
 * What the driver puts in a Spark `pipe` node for sparkling's stage
 * executor (`executor-main.ts`): the encoded stage as JSON text
 * (lib/values/json.ts keeps what JSON lacks), how the task is fed, and what
 * it does with the stage's output partition. Shared by both sides.
 */
import type { EncodedFold } from '../ship/encode.js';

/**
 * How a task's input lines become the stage's input:
 * - `lines`: raw text lines of a Spark text split, the records of a `textFile` node;
 * - `batches`: JSON batches of records (one line per batch: `parallelize`'s slices);
 * - `shuffle`: JSON batches of `[key, value]` pairs routed to this reduce partition, in map order;
 * - `none`: nothing (the stage computes its source, e.g. `range`); the lines are read and dropped.
 */
export type Feed = 'lines' | 'batches' | 'shuffle' | 'none';

/** What the task writes: each a line protocol of its own. */
export type ExecutorTask =
  /** The output partition's records as JSON batches (at most `limit` records, then the rest of the input is only read). */
  | { readonly kind: 'records'; readonly limit?: number }
  /** One line: the named fold's result, as JSON. */
  | { readonly kind: 'fold'; readonly fold: EncodedFold }
  /**
   * A hash shuffle's map task: `p\t<JSON batch of pairs>` lines for reduce
   * partition p (of `numPartitions`); `tagged` (a shuffle of several RDDs):
   * `p\t<parentIndex>\t<JSON batch>`, so that the reduce task tells the sides apart.
   */
  | {
      readonly kind: 'map';
      readonly parentIndex: number;
      readonly numPartitions: number;
      readonly tagged?: boolean;
    }
  /**
   * A sort's sampling task (the stage planned as the sort's map task): one
   * line, the JSON array of the sort keys of every `stride`-th element of
   * the partition, from the first (lib/spark/sort.ts).
   */
  | { readonly kind: 'sample'; readonly stride: number }
  /** Text lines, `String(x)` per record (saveAsTextFile). */
  | { readonly kind: 'text' };

/** A fold task whose encoded fold the stage's plan writes (`plan.fold`). */
export const PLANNED_FOLD: ExecutorTask = { kind: 'fold', fold: { name: '', args: [] } };

export interface ExecutorData {
  /** The encoded stage (`EncodedStage`) written by `toJSON`. */
  readonly stage: string;
  /** How each input node (by id) is fed; a shuffle node read from the transport is `shuffle`. A task reads one of them. */
  readonly feeds: Readonly<Record<string, Feed>>;
  readonly task: ExecutorTask;
  /** The input is a `gather` node's (gathered.ts): a head line, then each input partition's lines tagged with its slot. */
  readonly gathered?: boolean;
  /** The shipped file (in the SparkFiles directory) of each broadcast the stage reads, by id (lib/spark/broadcasts.ts). */
  readonly broadcasts?: Readonly<Record<string, string>>;
  /** The driver's working directory, where relative paths of file listings are (set when the stage lists files). */
  readonly cwd?: string;
}

/** Records per JSON batch line: about 0.2 µs a record against 0.45 µs one per line (bench/RESULTS.md). */
export const BATCH = 1000;
