/** How failures inside a job are reported. */
import { SparklingError, TaskError } from '../errors.js';

/** Why jobs were cancelled (the callers' AbortSignal reasons): passed through as they are, never wrapped. */
const cancellations = new WeakSet<object>();

export function markCancellation(reason: unknown): void {
  if (typeof reason === 'object' && reason !== null) cancellations.add(reason);
}

/** Wraps a user function's failure as a TaskError naming the operator, RDD id and partition. */
export function taskFailure(operator: string, rddId: number, partition: number, error: unknown): unknown {
  if (error instanceof SparklingError) return error;
  if (typeof error === 'object' && error !== null && cancellations.has(error)) return error;
  return new TaskError(operator, rddId, partition, error);
}

/** The error an aborted job's tasks stop with: the signal's reason, as `fetch` does (a DOMException for timeouts). */
export function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new SparklingError('the job was cancelled');
}
