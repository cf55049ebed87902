/**
 * How a failed batch is reported: one `TaskError` naming the output operation
 * (or source) and the batch time, with the original error as `cause`.
 */
import { TaskError } from '../errors.js';

/** The error user code threw, under any `TaskError`s the RDD engine wrapped it in. */
export function rootCause(e: unknown): unknown {
  let cause = e;
  const seen = new Set<unknown>();
  while (cause instanceof TaskError && cause.cause !== undefined && !seen.has(cause)) {
    seen.add(cause);
    cause = cause.cause;
  }
  return cause;
}

function describe(e: unknown): string {
  try {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  } catch {
    return 'an error that cannot be printed';
  }
}

/**
 * The error that stops a StreamingContext when a batch fails: a `TaskError`
 * whose `operator` is the output operation (`foreachRDD`, `pprint`,
 * `saveAsTextFiles`) or the source that failed, `rddId` the id of the
 * DStream, `batchTime` the batch time in epoch milliseconds, and `cause` the
 * error user code threw (unwrapped from the RDD job's own `TaskError`, whose
 * operator and partition the message still names).
 */
export class BatchError extends TaskError {
  /** The batch time, epoch milliseconds. */
  readonly batchTime: number;

  constructor(operator: string, streamId: number, batchTime: number, error: unknown) {
    const cause = rootCause(error);
    super(operator, streamId, error instanceof TaskError ? error.partition : -1, cause);
    this.name = 'TaskError';
    this.batchTime = batchTime;
    const where =
      error instanceof TaskError && error !== cause
        ? ` (in ${error.operator}[${error.rddId}], partition ${error.partition})`
        : '';
    this.message = `${operator} failed in the batch of time ${batchTime} (${new Date(batchTime).toISOString()})${where}: ${describe(cause)}`;
  }
}
