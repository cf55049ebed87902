/** Streaming: `StreamingContext` and `DStream` (Spark Streaming's DStream API). */
export { type Clock, ManualClock, SystemClock } from './clock.js';
export { StreamingContext, type StreamingContextOptions } from './context.js';
export { DStream, type RDDFunction, type RDDFunction2, type UpdateFunc } from './dstream.js';
export { BatchError } from './errors.js';
export type { AsyncIterableStreamOptions } from './sources/async-iterable.js';
export type { SocketStreamOptions } from './sources/socket.js';
