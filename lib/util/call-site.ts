/**
 * Where the user's code made something, for printing (`RDD[3] map at
 * app.ts:12`, as Spark's call sites): V8 captures the frames now and
 * formats them only if `stack` is read.
 */
export interface CallSite {
  readonly stack?: string;
}

/** The current stack, up to 16 frames, formatted lazily. */
export function callSite(): CallSite {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 16;
  Error.captureStackTrace(holder, callSite);
  Error.stackTraceLimit = limit;
  return holder;
}
