/**
 * `RDD<T>`: the one class users hold. Its methods come in families, one file
 * each, assembled here by plain inheritance so that every method is
 * type-checked against its own signature and importing this module gives
 * the whole class:
 * - lib/rdd/core.ts: identity, explain, caching, checkpointing;
 * - lib/rdd/transforms.ts: the narrow transformations;
 * - lib/rdd/pairs.ts: the wide transformations (one shuffle each);
 * - lib/rdd/actions.ts: the actions;
 * - lib/rdd/numeric.ts: the numeric actions (`sum`, `stats`, `histogram` ...);
 * - lib/rdd/extras.ts: PySpark's less common methods (`sampleByKey`, the approximate actions ...).
 * A method checks its arguments and appends a plan node (or runs a job);
 * the work happens in lib/exec and lib/ops.
 */
import { RDDExtras } from './rdd/extras.js';

export type { GroupedValues, PartitionFunc } from './rdd/pairs.js';
export type { PartitionResult } from './rdd/transforms.js';

export class RDD<T> extends RDDExtras<T> {}
