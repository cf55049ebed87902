/**
 * Errors of the Spark bridge client. `SparkBridgeError`: the bridge process
 * (spark-submit) could not start, died, or broke the protocol. `SparkJobError`:
 * a Spark job failed; it carries Spark's account (the exception, the failed
 * task and its attempt count, every failed attempt) and, when the failing
 * task was an executor that reported its own error, that report.
 */
import { SparklingError, TaskError } from '../errors.js';
import type { ErrorReport } from './executor-io.js';
import type { FailedTask, JavaError, JobMetrics, TaskFailure } from './protocol.js';

/** The Java class of the exception an executor's error report travels in. */
export const EXECUTOR_FAILURE_CLASS = 'sparkling.bridge.ExecutorFailure';

export class SparkBridgeError extends SparklingError {
  /** The end of the bridge's stderr (Spark's log), for diagnosis. */
  readonly log: string;
  constructor(message: string, log = '', options?: { cause?: unknown }) {
    super(log ? `${message}\n--- Spark's log (last lines) ---\n${log}` : message, options);
    this.log = log;
  }
}

export interface SparkJobFailure {
  readonly error: JavaError;
  readonly cancelled: boolean;
  readonly task: FailedTask | null;
  readonly failures: readonly TaskFailure[];
  readonly metrics?: JobMetrics;
}

/** An executor's report parsed from a failure's message, when it is one. */
export function executorReportOf(
  failure: { class: string; message: string } | null | undefined,
): ErrorReport | undefined {
  if (!failure || failure.class !== EXECUTOR_FAILURE_CLASS) return undefined;
  try {
    const r = JSON.parse(failure.message) as unknown;
    if (r !== null && typeof r === 'object' && typeof (r as ErrorReport).message === 'string')
      return r as ErrorReport;
  } catch {
    // Not a report: the message stays as Spark gave it.
  }
  return undefined;
}

export class SparkJobError extends SparklingError {
  /** The Java exception the action ended with (`org.apache.spark.SparkException` for a failed stage). */
  readonly exceptionClass: string;
  readonly sparkMessage: string;
  readonly causes: readonly { readonly class: string; readonly message: string }[];
  /** The task whose failures ended the job (null when no task failed, e.g. a bad input path). */
  readonly task: FailedTask | null;
  /** Every failed task attempt of the job, in order. */
  readonly failures: readonly TaskFailure[];
  readonly metrics: JobMetrics | undefined;
  /** Whether the job ended because it was cancelled. */
  readonly cancelled: boolean;
  /** The failing executor's own report (name, message, stack, and what it added), when there is one. */
  readonly executorReport: ErrorReport | undefined;

  constructor(failure: SparkJobFailure) {
    const report = executorReportOf(failure.task);
    const task = failure.task;
    const where = task
      ? ` in partition ${task.partition} of stage ${task.stage} after ${task.attempts} attempt${task.attempts === 1 ? '' : 's'}`
      : '';
    const why = report
      ? `${report.name}: ${report.message}`
      : task
        ? `${task.class}: ${task.message.split('\n')[0]}`
        : `${failure.error.class}: ${failure.error.message.split('\n')[0]}`;
    super(`Spark job failed${where}: ${why}`);
    this.exceptionClass = failure.error.class;
    this.sparkMessage = failure.error.message;
    this.causes = failure.error.causes ?? [];
    this.task = task;
    this.failures = failure.failures;
    this.metrics = failure.metrics;
    this.cancelled = failure.cancelled;
    this.executorReport = report;
  }

  /**
   * The `TaskError` a local run would raise, when the failure was an
   * executor's report: operator and RDD id from the report (`'executor'` and
   * -1 when it names none), the partition and attempt count from Spark, and
   * as `cause` an Error with the original name, message and stack.
   */
  toTaskError(): TaskError | undefined {
    const r = this.executorReport;
    const task = this.task;
    if (!r || !task) return undefined;
    const cause = new Error(r.message);
    cause.name = r.name;
    if (r.stack !== undefined) cause.stack = r.stack;
    const operator = typeof r.operator === 'string' ? r.operator : 'executor';
    const rddId = typeof r.rddId === 'number' ? r.rddId : -1;
    return new TaskError(operator, rddId, task.partition, cause, task.attempts);
  }
}
