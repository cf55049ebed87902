/**
 * Error classes. Every error sparkling raises on purpose is a `SparklingError`;
 * the subclass says what kind of thing went wrong.
 */

/** Base class of every error sparkling raises on purpose. */
export class SparklingError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    // The stack as text now: until it is read, V8 keeps the frames, whose closures hold the
    // failed job's data (a MemoryError kept by the caller would keep the buffers it released).
    void this.stack;
  }
}

/** A transformation or Context method was given a bad argument (thrown synchronously). */
export class ArgumentError extends SparklingError {}

/** An action was run on an empty RDD where PySpark raises (`first`, `reduce`, `max` ...). */
export class EmptyRDDError extends SparklingError {}

/** A path, glob or URL named no existing file. */
export class PathNotFoundError extends SparklingError {
  readonly path: string;
  constructor(path: string, message?: string, options?: { cause?: unknown }) {
    super(message ?? `path not found: ${path}`, options);
    this.path = path;
  }
}

/** A path's scheme (`ftp://`, ...) has no filesystem. */
export class UnsupportedSchemeError extends SparklingError {
  readonly path: string;
  constructor(path: string, message?: string, options?: { cause?: unknown }) {
    super(message ?? `unsupported scheme in path: ${path}`, options);
    this.path = path;
  }
}

/** Compressed input was corrupt or truncated. */
export class CodecError extends SparklingError {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(`${path}: ${message}`, options);
    this.path = path;
  }
}

/** An output path exists already (`saveAsTextFile` never overwrites). */
export class PathExistsError extends SparklingError {
  readonly path: string;
  constructor(path: string, message?: string, options?: { cause?: unknown }) {
    super(message ?? `output path already exists: ${path}`, options);
    this.path = path;
  }
}

/**
 * Reading or writing a file failed for a reason other than a missing path or
 * a bad codec. `transient` marks failures worth trying again (a 5xx answer, a
 * dropped or stalled connection): the scheduler retries those by default.
 */
export class IOError extends SparklingError {
  readonly path: string;
  readonly transient: boolean;
  constructor(path: string, message: string, options?: { cause?: unknown; transient?: boolean }) {
    super(`${path}: ${message}`, options);
    this.path = path;
    this.transient = options?.transient ?? false;
  }
}

/** User code threw while a task ran: names the operator, RDD id and partition; `cause` is the original error. */
export class TaskError extends SparklingError {
  readonly operator: string;
  readonly rddId: number;
  readonly partition: number;
  readonly attempts: number;
  constructor(operator: string, rddId: number, partition: number, cause: unknown, attempts = 1) {
    const reason = printable(cause);
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    super(`${operator}[${rddId}] failed in partition ${partition}${tries}: ${reason}`, { cause });
    this.operator = operator;
    this.rddId = rddId;
    this.partition = partition;
    this.attempts = attempts;
  }
}

/**
 * A job's buffered data (a shuffle, a sort, `collect`/`take`, a cache) would
 * have taken the heap past the Context's memory budget (`memoryLimitMb`), or
 * a worker thread running the task reached its heap limit: names the
 * operator, RDD id and partition, the limit and what to do. The job's
 * buffers are released; the Context and the process go on working.
 */
export class MemoryError extends SparklingError {
  readonly operator: string;
  readonly rddId: number;
  readonly partition: number;
  /** The budget (or the worker thread's heap limit), in MiB. */
  readonly limitMb: number;
  /** The heap the task would have needed, in MiB, when known. */
  readonly usedMb: number | undefined;
  /**
   * `doing`: what the task was doing (`collecting it`, `merging its
   * shuffle`); `used` undefined: a worker thread hit its heap limit `limit`.
   */
  constructor(
    operator: string,
    rddId: number,
    partition: number,
    doing: string,
    limit: number,
    used?: number,
  ) {
    const limitMb = Math.round(limit / 2 ** 20);
    const usedMb = used === undefined ? undefined : Math.round(used / 2 ** 20);
    const what =
      usedMb === undefined
        ? `its worker thread reached its heap limit of ${limitMb} MiB`
        : `the heap would hold ${usedMb} MiB, past the memory budget of ${limitMb} MiB`;
    super(
      `${operator}[${rddId}] ran out of memory in partition ${partition} while ${doing}: ${what}. ` +
        'Use more partitions (smaller ones), reduceByKey or aggregateByKey instead of groupByKey, ' +
        'a larger --max-old-space-size, or new Context({ memoryLimitMb })',
    );
    this.operator = operator;
    this.rddId = rddId;
    this.partition = partition;
    this.limitMb = limitMb;
    this.usedMb = usedMb;
  }
}

/**
 * A thrown value as text for a message, whatever it is: an Error as
 * `name: message`, anything else as `String` gives it; a value that cannot
 * be printed that way (a null-prototype object, a throwing `toString` or
 * `message`, a Proxy) by its tag (`[object Object]`), never an error of its own.
 */
export function printable(thrown: unknown): string {
  try {
    if (thrown instanceof Error) return `${thrown.name}: ${thrown.message}`;
    return String(thrown);
  } catch {}
  try {
    return Object.prototype.toString.call(thrown);
  } catch {}
  return `${typeof thrown === 'object' ? 'an object' : 'a function'} that cannot be printed`;
}

/** Something sparkling itself got wrong: this is a bug in sparkling. */
export class InternalError extends SparklingError {
  constructor(message: string) {
    super(`${message} (this is a bug in sparkling)`);
  }
}

/**
 * An operation that cannot run on a Spark cluster (`new Context({ master })`):
 * names the operator and why, and is raised before any Spark job starts.
 */
export class UnsupportedOnSparkError extends SparklingError {
  readonly operator: string;
  constructor(operator: string, reason: string) {
    super(`${operator} is not supported on Spark: ${reason}`);
    this.operator = operator;
  }
}
