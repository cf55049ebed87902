/**
 * `DStream<T>`: a discretized stream, one RDD per batch interval (PySpark's
 * `pyspark.streaming.DStream`). The RDDs are ordinary lazy RDDs of the
 * StreamingContext's `Context`, so every batch job runs on the RDD engine
 * (worker threads included). Its methods come in families, one file each,
 * assembled here by plain inheritance so that every method is type-checked
 * against its own signature and importing this module gives the whole class:
 * - lib/streaming/dstream/core.ts: the graph node, its RDDs, caching, checkpointing;
 * - lib/streaming/dstream/transforms.ts: batch-wise transformations, `transform`, `union`, `slice`;
 * - lib/streaming/dstream/pairs.ts: the pair operators (typed for `DStream<[K, V]>`);
 * - lib/streaming/dstream/windows.ts: the window operators;
 * - lib/streaming/dstream/state.ts: `updateStateByKey`;
 * - lib/streaming/dstream/outputs.ts: `foreachRDD`, `pprint`, `saveAsTextFiles`.
 */
import { DStreamOutputs } from './dstream/outputs.js';

export { checkRDD, checkSameSlide, defaultPartitions, type StreamNode } from './dstream/core.js';
export { batchPath, type OutputOperation, pprintLines } from './dstream/outputs.js';
export type { UpdateFunc } from './dstream/state.js';
export type { RDDFunction, RDDFunction2 } from './dstream/transforms.js';

export class DStream<T> extends DStreamOutputs<T> {}
