/**
 * Messages between the main thread and worker threads, and errors as data:
 * structured clone keeps an Error's message and stack but not its class, so
 * sparkling's errors travel as their class name and fields and are rebuilt
 * as the same class on the other side.
 */
import type { ContextOptions } from '../context.js';
import * as errors from '../errors.js';
import type { FoldName } from '../exec/folds.js';
import type { AccumulatorSpec, Arg, FnSpec, Step } from './lineage.js';

/** What a worker computes: a partition's batches, a named fold of it, or a hash shuffle's map task. */
export type TaskKind =
  | { readonly kind: 'open' }
  | { readonly kind: 'fold'; readonly name: FoldName; readonly args: readonly Arg[] }
  | { readonly kind: 'map'; readonly parentIndex: number; readonly n: number };

export type ToWorker =
  | {
      readonly type: 'task';
      readonly task: number;
      readonly job: number;
      /** The Context the job belongs to, and its options the first time a worker sees it. */
      readonly context: number;
      readonly options?: ContextOptions;
      /** What this worker has not been sent yet for the job (tables are append-only). */
      readonly steps: readonly Step[];
      readonly fns: readonly FnSpec[];
      readonly accumulators: readonly AccumulatorSpec[];
      readonly broadcasts: readonly {
        readonly id: number;
        readonly value: unknown;
        readonly destroyed: boolean;
      }[];
      /** Partition counts the main thread resolved (node id, count). */
      readonly counts: readonly (readonly [number, number])[];
      /** File sources' listings the main thread resolved (node id, listing), each sent once per job. */
      readonly listings: readonly (readonly [number, unknown])[];
      /** Nodes the task reads from the main thread (shuffle outputs, cached partitions, parallelize). */
      readonly remote: readonly number[];
      readonly node: number;
      readonly partition: number;
      readonly what: TaskKind;
    }
  | {
      readonly type: 'pulled';
      readonly req: number;
      readonly batches?: unknown[][];
      readonly error?: WireError;
    }
  | { readonly type: 'ack'; readonly task: number }
  | { readonly type: 'cancel'; readonly task: number }
  | { readonly type: 'end-job'; readonly job: number }
  /** The Context stopped: its twin goes. */
  | { readonly type: 'end-context'; readonly context: number }
  /** The broadcast was unpersisted or destroyed: the worker's copy goes (sent again if a task needs it). */
  | { readonly type: 'drop-broadcast'; readonly id: number };

export type FromWorker =
  | { readonly type: 'batch'; readonly task: number; readonly batch: unknown[] }
  | {
      readonly type: 'done';
      readonly task: number;
      readonly result: unknown;
      /** What the task added to each captured accumulator (id, value). */
      readonly accumulators: readonly (readonly [number, unknown])[];
      readonly io: IoDelta;
    }
  | { readonly type: 'failed'; readonly task: number; readonly error: WireError; readonly io: IoDelta }
  | {
      readonly type: 'pull';
      readonly job: number;
      readonly req: number;
      readonly node: number;
      readonly partition: number;
    };

/** Files a worker opened and closed, and bytes it read, since its last report (added to the main thread's counters). */
export interface IoDelta {
  readonly opened: number;
  readonly closed: number;
  readonly bytesRead: number;
}

/** An error as data. */
export type WireError =
  | {
      readonly t: 'error';
      readonly cls: string;
      readonly name: string;
      readonly message: string;
      readonly stack: string | undefined;
      readonly fields: Readonly<Record<string, unknown>>;
      readonly cause?: WireError;
    }
  | { readonly t: 'value'; readonly value: unknown };

const NATIVE: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

const OURS = errors as unknown as Record<string, new (...args: never[]) => Error>;

function cloneable(v: unknown): boolean {
  try {
    structuredClone(v);
    return true;
  } catch {
    return false;
  }
}

export function toWire(e: unknown): WireError {
  if (!(e instanceof Error)) return { t: 'value', value: cloneable(e) ? e : String(e) };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (k !== 'cause' && cloneable(v)) fields[k] = v;
  const cls = e.constructor?.name ?? 'Error';
  return {
    t: 'error',
    cls: cls in OURS || cls in NATIVE ? cls : 'Error',
    name: e.name,
    message: e.message,
    stack: e.stack,
    fields,
    ...('cause' in e && e.cause !== undefined ? { cause: toWire(e.cause) } : {}),
  };
}

export function fromWire(w: WireError): unknown {
  if (w.t === 'value') return w.value;
  const cause = w.cause === undefined ? undefined : fromWire(w.cause);
  let e: Error;
  if (w.cls === 'TaskError') {
    const f = w.fields as { operator: string; rddId: number; partition: number; attempts: number };
    e = new errors.TaskError(f.operator, f.rddId, f.partition, cause, f.attempts);
  } else {
    const Ours = OURS[w.cls];
    // A real Error object (stack, isNativeError) with the class's prototype, without running its constructor.
    if (Ours !== undefined && Ours.prototype instanceof errors.SparklingError)
      e = Reflect.construct(Error, [w.message], Ours) as Error;
    else e = new (NATIVE[w.cls] ?? Error)(w.message);
    Object.assign(e, w.fields);
    if (cause !== undefined)
      Object.defineProperty(e, 'cause', { value: cause, writable: true, configurable: true });
  }
  if (w.name !== e.name)
    Object.defineProperty(e, 'name', { value: w.name, writable: true, configurable: true });
  if (w.stack !== undefined)
    Object.defineProperty(e, 'stack', { value: w.stack, writable: true, configurable: true });
  return e;
}

/**
 * Whether structured clone gives back an equal value of the same kind: plain
 * objects, arrays, Maps, Sets, Dates, RegExps, typed arrays and primitives.
 * A class instance would come back as a plain object (a URL as `{}`), a
 * Buffer as a Uint8Array, without an error: such values must not cross.
 * Deeper than 64 levels counts as fine (structured clone keeps cycles).
 */
export function clonesFaithfully(v: unknown, depth = 0): boolean {
  if (typeof v !== 'object' || v === null) return typeof v !== 'function' && typeof v !== 'symbol';
  if (depth > 64) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!clonesFaithfully(v[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    for (const x of Object.values(v)) if (!clonesFaithfully(x, depth + 1)) return false;
    return true;
  }
  if (v instanceof Map) {
    for (const [k, x] of v)
      if (!clonesFaithfully(k, depth + 1) || !clonesFaithfully(x, depth + 1)) return false;
    return true;
  }
  if (v instanceof Set) {
    for (const x of v) if (!clonesFaithfully(x, depth + 1)) return false;
    return true;
  }
  if (v instanceof Date || v instanceof RegExp || v instanceof ArrayBuffer) return true;
  return ArrayBuffer.isView(v) && !Buffer.isBuffer(v);
}

/** The error a worker reports for output that would not survive structured clone (the main thread then computes it). */
export function cloneError(what: string, v: unknown): Error {
  const kind = typeof v === 'object' && v !== null ? (v.constructor?.name ?? 'object') : typeof v;
  const e = new Error(`${what} holds a ${kind}, which structured clone would not keep`);
  e.name = 'DataCloneError';
  return e;
}
