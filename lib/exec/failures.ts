/** How failures inside a job are reported. */
import { SparklingError, TaskError } from '../errors.js';

/** Wraps a user function's failure as a TaskError naming the operator, RDD id and partition. */
export function taskFailure(operator: string, rddId: number, partition: number, error: unknown): unknown {
  return error instanceof SparklingError ? error : new TaskError(operator, rddId, partition, error);
}

/** The error an aborted job's tasks stop with. */
export function abortError(signal: AbortSignal): unknown {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new SparklingError('the job was cancelled', { cause: reason });
}
