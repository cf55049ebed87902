/**
 * Messages between the main thread and worker threads, and errors as data:
 * structured clone keeps an Error's message and stack but not its class, so
 * sparkling's errors travel as their class name and fields and are rebuilt
 * as the same class on the other side.
 */
import * as errors from '../errors.js';
import { printable } from '../errors.js';
import type { EncodedFold, EncodedStage } from '../ship/encode.js';

/** What a worker computes: a partition's batches, a named fold of it, or a hash shuffle's map task. */
export type TaskKind =
  | { readonly kind: 'open' }
  | { readonly kind: 'fold'; readonly fold: EncodedFold }
  | { readonly kind: 'map'; readonly parentIndex: number; readonly n: number };

export type ToWorker =
  | {
      readonly type: 'task';
      readonly task: number;
      readonly job: number;
      /** Names the task's stage within the job; the stage itself comes the first time a worker needs it. */
      readonly key: string;
      readonly stage?: EncodedStage;
      /** Values of the stage's broadcasts this worker has not been sent yet. */
      readonly broadcasts: readonly {
        readonly id: number;
        readonly value: unknown;
        readonly destroyed: boolean;
      }[];
      readonly partition: number;
      readonly what: TaskKind;
      /** The Context's memory budget, in MiB, when it set one. */
      readonly memoryLimitMb?: number;
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
  /** What the job's sources read since the last report: `[node id, elements, stored bytes]` (progress). */
  | {
      readonly type: 'input';
      readonly job: number;
      readonly input: readonly (readonly [number, number, number])[];
    }
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
  | { readonly t: 'value'; readonly value: unknown }
  /** A cause that is an error already on the chain (`up` 0: the error it is the cause of). */
  | { readonly t: 'ref'; readonly up: number };

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

/**
 * A thrown value as data. Whatever it is, this never throws: a value that
 * cannot be read (a Proxy, throwing getters) travels as the text
 * `printable` makes of it, and a cause chain that loops (an Error that is
 * its own cause) as references up the chain.
 */
export function toWire(e: unknown, chain: readonly unknown[] = []): WireError {
  try {
    if (!(e instanceof Error)) return { t: 'value', value: cloneable(e) ? e : printable(e) };
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(e)) if (k !== 'cause' && cloneable(v)) fields[k] = v;
    const cls = e.constructor?.name ?? 'Error';
    const cause = 'cause' in e ? e.cause : undefined;
    const up = [e, ...chain].indexOf(cause);
    return {
      t: 'error',
      cls: cls in OURS || cls in NATIVE ? cls : 'Error',
      name: String(e.name),
      message: String(e.message),
      stack: typeof e.stack === 'string' ? e.stack : undefined,
      fields,
      ...(cause === undefined ? {} : { cause: up >= 0 ? { t: 'ref', up } : toWire(cause, [e, ...chain]) }),
    };
  } catch {
    return { t: 'value', value: printable(e) };
  }
}

export function fromWire(w: WireError, chain: readonly unknown[] = []): unknown {
  if (w.t === 'value') return w.value;
  if (w.t === 'ref') return chain[w.up];
  let e: Error;
  if (w.cls === 'TaskError') {
    const f = w.fields as { operator: string; rddId: number; partition: number; attempts: number };
    const cause = w.cause === undefined ? undefined : fromWire(w.cause, [undefined, ...chain]);
    e = new errors.TaskError(f.operator, f.rddId, f.partition, cause, f.attempts);
  } else {
    const Ours = OURS[w.cls];
    // A real Error object (stack, isNativeError) with the class's prototype, without running its constructor.
    if (
      Ours !== undefined &&
      (Ours === errors.SparklingError || Ours.prototype instanceof errors.SparklingError)
    )
      e = Reflect.construct(Error, [w.message], Ours) as Error;
    else e = new (NATIVE[w.cls] ?? Error)(w.message);
    Object.assign(e, w.fields);
    // Made after the error itself: a cause may refer back to it.
    if (w.cause !== undefined)
      Object.defineProperty(e, 'cause', {
        value: fromWire(w.cause, [e, ...chain]),
        writable: true,
        configurable: true,
      });
  }
  if (w.name !== e.name)
    Object.defineProperty(e, 'name', { value: w.name, writable: true, configurable: true });
  if (w.stack !== undefined)
    Object.defineProperty(e, 'stack', { value: w.stack, writable: true, configurable: true });
  return e;
}
