/**
 * Actions may only be called by the driver, never from inside a task (Spark's
 * SPARK-5063): `rdd1.map((x) => rdd2.count())` would put a Promise into the
 * data. The executor counts the synchronous stretches in which task code runs
 * (a fused loop, an operator's step, a combiner, a reduce); an action called
 * during one throws at once, so the outer task fails with a clear error. (A
 * nested action after an `await` inside `mapPartitions` runs as a job of its
 * own: it is not detected, and not wrong.)
 */
import { SparklingError } from '../errors.js';

/** How many task-code stretches are on the stack now. */
export const taskCode = { depth: 0 };

/** Runs `fn` (user code of a task) marked as task code. */
export function asTaskCode<R>(fn: () => R): R {
  taskCode.depth++;
  try {
    return fn();
  } finally {
    taskCode.depth--;
  }
}

export function nestedActionError(action: string): SparklingError {
  return new SparklingError(
    `${action}() was called from inside a task: RDD actions and transformations can only be invoked by the driver, ` +
      'not inside other transformations or actions; for example, rdd1.map((x) => rdd2.count() * x) is invalid. ' +
      'Collect or broadcast what the task needs first (see SPARK-5063).',
  );
}
