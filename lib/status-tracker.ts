/**
 * `sc.statusTracker()`: PySpark's `StatusTracker`, the questions a UI or a
 * monitoring loop asks about running jobs and stages. Ids are the
 * Context's own, from 0; the last 1000 finished jobs (and their stages) are
 * kept, as Spark's `spark.ui.retainedJobs`.
 */
import { ArgumentError } from './errors.js';
import type { JobStatus, ProgressState, StageProgress } from './exec/progress.js';

export type { JobStatus, StageProgress } from './exec/progress.js';

/** PySpark's `SparkJobInfo`. */
export interface JobInfo {
  readonly jobId: number;
  /** The job's stages, in the order they run (a stage that did not need to run, a filled cache's, is listed too). */
  readonly stageIds: readonly number[];
  readonly status: JobStatus;
}

/** PySpark's `SparkStageInfo`, with what the stage's sources read. */
export interface StageInfo extends StageProgress {
  /** Always 0: a failed task is retried within its attempt, a stage is not run again. */
  readonly currentAttemptId: number;
  /** The operator whose partitions the stage computes, and its RDD id: `reduceByKey[3]`. */
  readonly name: string;
}

function idArgument(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new ArgumentError(`${name} must be an integer, got ${String(value)}`);
  return value;
}

export class StatusTracker {
  readonly #state: ProgressState;

  /** @internal Made by `sc.statusTracker()`. */
  constructor(state: ProgressState) {
    this.#state = state;
  }

  /**
   * The ids of the jobs running now, in the order they started.
   * @example
   * sc.statusTracker().getActiveJobIds();
   * // => []
   */
  getActiveJobIds(): number[] {
    return this.#state.activeJobIds();
  }

  /**
   * The ids of the stages running now (a stage waiting for the map stages it reads is not running yet).
   * @example
   * sc.statusTracker().getActiveStageIds();
   * // => []
   */
  getActiveStageIds(): number[] {
    return this.#state.activeStages().map((s) => s.stageId);
  }

  /**
   * The ids of the known jobs started in job group `jobGroup` (`setJobGroup`),
   * or, without it, of those started outside any group; oldest first.
   * @example
   * sc.setJobGroup('nightly', 'the nightly report');
   * await sc.parallelize([1, 2]).count();
   * sc.statusTracker().getJobIdsForGroup('nightly').length;
   * // => 1
   */
  getJobIdsForGroup(jobGroup?: string | null): number[] {
    if (jobGroup !== undefined && jobGroup !== null && typeof jobGroup !== 'string')
      throw new ArgumentError(`jobGroup must be a string, got ${String(jobGroup)}`);
    const group = jobGroup ?? undefined;
    const out: number[] = [];
    for (const job of this.#state.jobs.values()) if (job.group === group) out.push(job.jobId);
    return out;
  }

  /**
   * A job's stages and status (`'RUNNING'`, `'SUCCEEDED'`, `'FAILED'`), or
   * `undefined` for an unknown id (PySpark's `None`).
   * @example
   * await sc.parallelize([['a', 1]], 2).reduceByKey((x, y) => x + y).collect();
   * const t = sc.statusTracker();
   * const last = Math.max(...t.getJobIdsForGroup());
   * [t.getJobInfo(last)?.status, t.getJobInfo(last)?.stageIds.length];
   * // => ['SUCCEEDED', 2]
   */
  getJobInfo(jobId: number): JobInfo | undefined {
    const job = this.#state.jobs.get(idArgument('jobId', jobId));
    if (job === undefined) return undefined;
    return { jobId: job.jobId, stageIds: [...job.stageIds], status: job.status };
  }

  /**
   * A stage's task counts (`numTasks`, `numActiveTasks`,
   * `numCompletedTasks`, `numFailedTasks`) and what its sources read, or
   * `undefined` for an unknown id.
   * @example
   * await sc.parallelize([1, 2, 3], 3).count();
   * const t = sc.statusTracker();
   * const job = t.getJobInfo(Math.max(...t.getJobIdsForGroup()));
   * const stage = t.getStageInfo(job.stageIds[0]);
   * [stage.numTasks, stage.numCompletedTasks, stage.numActiveTasks, stage.recordsRead];
   * // => [3, 3, 0, 3]
   */
  getStageInfo(stageId: number): StageInfo | undefined {
    const s = this.#state.stages.get(idArgument('stageId', stageId));
    if (s === undefined) return undefined;
    return { ...this.#state.progressOf(s), currentAttemptId: 0, name: s.name };
  }
}
