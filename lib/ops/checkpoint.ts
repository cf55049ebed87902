/**
 * What a locally checkpointed RDD becomes once its partitions are computed
 * (`rdd.localCheckpoint()`, PySpark's): a source with no parents whose
 * partitions live in the cache, so the lineage above it is cut. Its id is
 * the RDD's own; the executor reads its partitions from the cache.
 */
import { SparklingError } from '../errors.js';
import type { SourceOp } from './types.js';

export interface CheckpointArgs {
  /** The operator the RDD was made by, for explain(). */
  readonly of: string;
  readonly numPartitions: number;
}

export const localCheckpoint: SourceOp<CheckpointArgs> = {
  kind: 'source',
  describe: (a) => [['of', a.of]],
  knownPartitions: (a) => a.numPartitions,
  partitions: (a) => a.numPartitions,
  open: (a, partition) => {
    // As Spark: the data of a local checkpoint is only in the cache; unpersisting it loses it.
    throw new SparklingError(
      `partition ${partition} of a locally checkpointed ${a.of} RDD is no longer cached: ` +
        'localCheckpoint() keeps data in memory only, and unpersist() removed it',
    );
  },
};
