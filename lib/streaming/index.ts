/**
 * Streaming: `StreamingContext` and `DStream` (Spark Streaming's DStream API).
 * The side-effect imports attach the pair, window and state operators to `DStream`.
 */
export { type Clock, ManualClock, SystemClock } from './clock.js';
export { StreamingContext, type StreamingContextOptions } from './context.js';
export { DStream, type RDDFunction, type RDDFunction2 } from './dstream.js';
export { BatchError } from './errors.js';
export type { AsyncIterableStreamOptions } from './sources/async-iterable.js';
export type { SocketStreamOptions } from './sources/socket.js';
export type { UpdateFunc } from './state.js';

import './pairs.js';
import './window.js';
import './state.js';
