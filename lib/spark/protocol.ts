/**
 * The bridge's wire protocol (spark/bridge, protocol version 1): what the
 * driver sends on the bridge's stdin and what comes back on its stdout.
 *
 * Requests are JSON lines `{ req, op, ... }`; every reply carries the `req` it
 * answers. Replies are JSON lines too, except a `lines` frame, which is a JSON
 * line `{ req, type: 'lines', partition, count }` followed by exactly `count`
 * raw text lines (a partition's lines, unescaped: Spark's lines never hold a
 * line break).
 *
 * Spark sees only lines of text. An RDD is described by a node:
 * - `textFile`: Hadoop's splits and codecs (`minPartitions` as in Spark);
 * - `slices`: lines the driver sends; partition i holds exactly slice i;
 * - `pipe`: each partition through a command (`JavaRDD.pipe`: the executor's
 *   environment plus `env`, the exit code checked). With `framing:
 *   'sparkling'` (the default) the command speaks the executor protocol of
 *   `executor-io.ts`: a header line, the lines, a trailer, both ways; a
 *   killed task (a cancelled job) kills its process. The text
 *   `{{SPARK_FILES}}` in an argument or an `env` value becomes the absolute
 *   directory where shipped files and archives are on that executor (its
 *   working directory on a cluster, the driver's SparkFiles directory in
 *   local mode); the process also gets it as `SPARKLING_SPARK_FILES`. With
 *   `framing: 'raw'` it is Spark's own `JavaRDD.pipe` (no frames; the
 *   placeholder becomes `filesRoot`);
 * - `shuffle`: lines `partition\tpayload` go to reduce partition `partition`
 *   (an identity partitioner) without the prefix; `order: 'map'` (the
 *   default) delivers them in map-partition order, each map partition's in
 *   the order written, so arrival order is the same on every run;
 * - `union`: the inputs' partitions, in order;
 * - `gather`: partition k is `head` (when given) as its first line, then
 *   the partitions `reads` lists, `[input index, partition]`, in that
 *   order, each line prefixed with its position in the list (`slot\tline`);
 *   narrow dependencies, no shuffle (lib/spark/gather.ts).
 * Nodes name their inputs by id: the job's own nodes first, then those kept
 * by `define` (which persist across jobs until `release`).
 */

/** The version the `ready` message must announce. */
export const PROTOCOL_VERSION = 1;

/** The placeholder a pipe command uses for the directory of shipped files. */
export const SPARK_FILES = '{{SPARK_FILES}}';

/** A value that survives JSON unchanged. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [k: string]: JsonValue };

export type RddSpec =
  | { readonly id: string; readonly kind: 'textFile'; readonly path: string; readonly minPartitions?: number }
  | { readonly id: string; readonly kind: 'slices'; readonly slices: readonly (readonly string[])[] }
  | {
      readonly id: string;
      readonly kind: 'pipe';
      readonly input: string;
      /** The program and its arguments, not split by a shell. */
      readonly command: readonly string[];
      readonly env?: Readonly<Record<string, string>>;
      /** Passed to the executor in its header line as `data` (framing 'sparkling'). */
      readonly data?: JsonValue;
      readonly framing?: 'sparkling' | 'raw';
    }
  | {
      readonly id: string;
      readonly kind: 'shuffle';
      readonly input: string;
      readonly partitions: number;
      readonly order?: 'map' | 'none';
    }
  | { readonly id: string; readonly kind: 'union'; readonly inputs: readonly string[] }
  | {
      readonly id: string;
      readonly kind: 'gather';
      readonly inputs: readonly string[];
      readonly partitions: readonly {
        readonly reads: readonly (readonly [number, number])[];
        readonly head?: string;
      }[];
    };

export type ActionSpec =
  /** Streams the partitions (all, or those listed: a job over those only) back, at most `limit` lines each. */
  | {
      readonly kind: 'collect';
      readonly rdd: string;
      readonly partitions?: readonly number[];
      readonly limit?: number;
    }
  /** Counts lines. */
  | { readonly kind: 'count'; readonly rdd: string }
  /** Reads every partition to its end and keeps nothing (effects only, e.g. foreach). */
  | { readonly kind: 'run'; readonly rdd: string }
  /** `saveAsTextFile` with Hadoop's output committer (`_SUCCESS` last). */
  | {
      readonly kind: 'save';
      readonly rdd: string;
      readonly path: string;
      /** 'gzip', 'bzip2', 'deflate', 'xz', 'zstd' (the bridge's own codecs), or a Hadoop codec class name. */
      readonly codec?: string;
    };

export interface JobSpec {
  /** RDD nodes for this job only (dropped when it ends). */
  readonly rdds?: readonly RddSpec[];
  readonly action: ActionSpec;
  /** Shown in Spark's UI. */
  readonly description?: string;
}

export type StorageLevelName =
  | 'MEMORY_ONLY'
  | 'MEMORY_AND_DISK'
  | 'DISK_ONLY'
  | 'MEMORY_ONLY_SER'
  | 'MEMORY_AND_DISK_SER';

/** The bridge's first message: the Spark application is up. */
export interface BridgeInfo {
  readonly protocol: number;
  readonly sparkVersion: string;
  readonly applicationId: string;
  readonly master: string;
  readonly local: boolean;
  readonly defaultParallelism: number;
  readonly defaultMinPartitions: number;
  /** Where shipped files are, seen from the driver: SparkFiles' directory in local mode, `.` (an executor's working directory) on a cluster. */
  readonly filesRoot: string;
  /** The driver's web UI (and REST API, `/api/v1/applications`), when it runs. */
  readonly uiUrl: string | null;
}

/** An exception as the bridge reports it: class, message, and the chain of causes. */
export interface JavaError {
  readonly class: string;
  readonly message: string;
  readonly causes?: readonly { readonly class: string; readonly message: string }[];
}

/** A failed task attempt, as Spark's listener saw it. */
export interface TaskFailure {
  readonly stage: number;
  readonly stageAttempt: number;
  /** The partition of the stage (the task's index). */
  readonly partition: number;
  /** 0 for the first attempt. */
  readonly attempt: number;
  readonly executor: string;
  readonly host: string;
  /** The exception's class (`sparkling.bridge.ExecutorFailure` for an executor's own report), or the reason's kind (`ExecutorLostFailure`, `FetchFailed`, `TaskKilled` ...). */
  readonly class: string;
  readonly message: string;
  readonly stack?: string;
  /** Whether Spark counts it towards `spark.task.maxFailures`. */
  readonly counts: boolean;
}

/** The failed task that ended a job, with how many attempts of it failed. */
export interface FailedTask extends TaskFailure {
  readonly attempts: number;
}

/** What an executor put in its end-of-output trailer, for a task attempt that succeeded. */
export interface TaskReport {
  readonly stage: number;
  readonly stageAttempt: number;
  readonly partition: number;
  readonly attempt: number;
  readonly task: number;
  /** The report's text, as the executor wrote it (JSON by convention). */
  readonly report: string;
}

export interface JobMetrics {
  readonly sparkJobs: readonly number[];
  /** Stages that ran (skipped ones, whose shuffle output was reused, are not listed). */
  readonly stages: readonly { readonly stage: number; readonly attempt: number; readonly tasks: number }[];
  /** Task attempts launched, retries and speculative copies included. */
  readonly tasks: number;
  readonly failedTasks: number;
  /** From the request's arrival at the bridge to its answer. */
  readonly ms: number;
}

/** A finished task (sent only to a job started with `onProgress`). */
export interface TaskProgress {
  readonly stage: number;
  readonly stageAttempt: number;
  readonly partition: number;
  readonly attempt: number;
  readonly executor: string;
  readonly host: string;
  readonly ms: number;
}

/** What a job's action answered. */
export interface ActionResult {
  /** collect: how many partitions and lines came back. */
  readonly partitions?: number;
  readonly lines?: number;
  /** count. */
  readonly count?: number;
  /** save. */
  readonly path?: string;
}

export interface JobResult {
  readonly result: ActionResult;
  readonly metrics: JobMetrics;
  /** Failed attempts along the way (retried successfully). */
  readonly failures: readonly TaskFailure[];
  readonly reports: readonly TaskReport[];
}

/** Replies as they arrive (internal to the client). */
export type Reply =
  | ({ readonly type: 'ready' } & BridgeInfo)
  | {
      readonly type: 'ok';
      readonly req: number;
      readonly result?: { readonly partitions?: Readonly<Record<string, number>> };
    }
  | { readonly type: 'error'; readonly req: number; readonly error: JavaError }
  | { readonly type: 'lines'; readonly req: number; readonly partition: number; readonly count: number }
  | ({ readonly type: 'progress'; readonly req: number } & TaskProgress)
  | ({ readonly type: 'done'; readonly req: number } & JobResult)
  | {
      readonly type: 'failed';
      readonly req: number;
      readonly error: JavaError;
      readonly cancelled: boolean;
      readonly task: FailedTask | null;
      readonly metrics: JobMetrics;
      readonly failures: readonly TaskFailure[];
      readonly reports: readonly TaskReport[];
    }
  | { readonly type: 'fatal'; readonly error: JavaError }
  | { readonly type: 'stopped' };
