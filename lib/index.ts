/**
 * sparkling: Spark's RDD API for TypeScript and Node.js. This barrel is the
 * only public door.
 *
 * @packageDocumentation
 * @document ../docs/pyspark.md
 * @document ../docs/API.md
 */
export { Accumulator, type AccumulatorParam } from './accumulator.js';
export { BoundedFloat } from './bounded-float.js';
export { Broadcast } from './broadcast.js';
export { Context, type ContextOptions } from './context.js';
export {
  ArgumentError,
  CodecError,
  EmptyRDDError,
  InternalError,
  IOError,
  MemoryError,
  PathExistsError,
  PathNotFoundError,
  SparklingError,
  TaskError,
  UnsupportedOnSparkError,
  UnsupportedSchemeError,
} from './errors.js';
export type { ActionOptions } from './exec/run.js';
export type { NodeReadable, StreamOptions } from './exec/streams-out.js';
export type { CompressionCodec } from './io/output.js';
export type { MapAsyncContext, MapAsyncOptions } from './ops/map-async.js';
export { type GroupedValues, type PartitionFunc, type PartitionResult, RDD } from './rdd.js';
export type { SparkOptions } from './spark/cluster.js';
export { StatCounter, type StatCounterDict } from './stat-counter.js';
export {
  type JobInfo,
  type JobStatus,
  type StageInfo,
  type StageProgress,
  StatusTracker,
} from './status-tracker.js';
export {
  type AsyncIterableStreamOptions,
  BatchError,
  type Clock,
  DStream,
  ManualClock,
  type RDDFunction,
  type RDDFunction2,
  type SocketStreamOptions,
  StreamingContext,
  type StreamingContextOptions,
  type StreamingContextState,
  SystemClock,
  type UpdateFunc,
} from './streaming/index.js';
export { compare } from './values/compare.js';
export { portableHash } from './values/hash.js';
export { equals } from './values/key.js';
export { ValueMap } from './values/value-map.js';
