/**
 * The executor side of a `pipe` node with framing 'sparkling': what a program
 * started by Spark for one partition reads and writes. `runTask` does all of
 * it; `openTaskInput` and `TaskOutput` are its parts.
 *
 * stdin, written by the bridge:
 *
 *     \0start\t{"partition":p,"attempt":a,"stage":s,"stageAttempt":sa,"task":t,"taskPartition":tp,"token":"…","data":…}
 *     …the partition's lines…
 *     \0end\t<token>\t<number of lines>
 *
 * stdout, read by the bridge:
 *
 *     …lines…
 *     \0end\t<token>\t<number of lines written>[\t<report: JSON>]      then exit 0
 *   or
 *     \0error\t<token>\t{"name":…,"message":…,"stack":…}                then a non-zero exit
 *
 * The executor reads its whole input, always, and succeeds only after it has
 * seen the trailer with its token and the right count: when the upstream
 * fails, Spark closes stdin early, and an executor that stopped reading (or
 * exited 0 early) would silently drop the rest of the partition. A missing
 * trailer, a throw, an unhandled rejection or a broken stdout all end the
 * process with a non-zero status, so Spark fails the task and retries it.
 * The token is unique to the task attempt, so no data line can pass for a
 * frame line. `data` is what the driver put in the pipe node (the encoded
 * stage, say); `attempt` counts from 0.
 */
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { TaskError } from '../errors.js';

export const FRAME_START = '\u0000start\t';
export const FRAME_END = '\u0000end\t';
export const FRAME_ERROR = '\u0000error\t';

/** Exit status for a task whose body or output failed. */
export const EXIT_FAILED = 1;
/** Exit status for an input that ended without its trailer (the upstream failed, or stdin was cut). */
export const EXIT_INPUT_CUT = 3;

/** The header line of a task's input. */
export interface TaskHeader {
  /** The partition of the piped RDD. */
  readonly partition: number;
  /** Spark's attempt number of this task, from 0. */
  readonly attempt: number;
  readonly stage: number;
  readonly stageAttempt: number;
  /** Spark's task attempt id (unique in the application). */
  readonly task: number;
  /** The partition of the stage's final RDD (differs from `partition` below a union). */
  readonly taskPartition: number;
  readonly token: string;
  /** The pipe node's `data`. */
  readonly data: unknown;
}

/** The input or output of a task broke the frame protocol. */
export class FramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FramingError';
  }
}

export interface TaskInput {
  readonly header: TaskHeader;
  /**
   * The partition's lines in batches (as they arrive), without the frame
   * lines. Breaking out of a loop over it does not stop the input: `finish`
   * reads the rest.
   */
  readonly batches: AsyncIterable<string[]>;
  /** Reads what is left and checks the trailer; a `FramingError` when it is missing or wrong. */
  finish(): Promise<void>;
}

/** Complete lines of a text stream in batches; the iterator's return value is an unterminated last line ('' if none). */
async function* chunkLines(stream: Readable): AsyncGenerator<string[], string> {
  stream.setEncoding('utf8');
  let carry = '';
  for await (const chunk of stream as AsyncIterable<string>) {
    const text = carry === '' ? chunk : carry + chunk;
    const lines = text.split('\n');
    carry = lines.pop() as string;
    if (lines.length > 0) yield lines;
  }
  return carry;
}

/** Reads a task's header; the rest of its input is read through the answer's `batches`. */
export async function openTaskInput(stream: Readable): Promise<TaskInput> {
  const raw = chunkLines(stream);
  let first = await raw.next();
  while (!first.done && first.value.length === 0) first = await raw.next();
  if (first.done) {
    throw new FramingError(
      'the input ended before its header line (was this program started by the sparkling bridge?)',
    );
  }
  const headerLine = first.value[0] as string;
  if (!headerLine.startsWith(FRAME_START)) {
    throw new FramingError(
      `the input does not start with a header line (\\0start\\t{...}): ${JSON.stringify(headerLine.slice(0, 60))}`,
    );
  }
  let header: TaskHeader;
  try {
    header = JSON.parse(headerLine.slice(FRAME_START.length)) as TaskHeader;
  } catch (e) {
    throw new FramingError(`the header line is not JSON: ${(e as Error).message}`);
  }
  if (typeof header.token !== 'string' || typeof header.partition !== 'number') {
    throw new FramingError('the header line has no token or partition');
  }
  const trailer = `${FRAME_END}${header.token}\t`;

  let pending: string[] | undefined = first.value.slice(1);
  /** The last complete line so far: data, unless the input ends right after it. */
  let held: string | undefined;
  let count = 0;
  let ended = false;

  const check = (tail: string): void => {
    if (tail !== '') {
      throw new FramingError(
        `the input ended in the middle of a line after ${count} lines, without its trailer (the upstream failed, or the input was cut)`,
      );
    }
    if (held === undefined || !held.startsWith(trailer)) {
      const n = held === undefined ? count : count + 1;
      throw new FramingError(
        `the input ended after ${n} lines without its end-of-input trailer (the upstream failed, or the input was cut)`,
      );
    }
    const declared = held.slice(trailer.length);
    if (declared !== String(count)) {
      throw new FramingError(`the input's trailer counts ${declared} lines but ${count} arrived`);
    }
  };

  /** The next batch of data lines, or undefined once the input has ended (trailer checked). */
  const step = async (): Promise<string[] | undefined> => {
    while (!ended) {
      let lines = pending;
      pending = undefined;
      if (lines === undefined) {
        const r = await raw.next();
        if (r.done) {
          ended = true;
          check(r.value);
          return undefined;
        }
        lines = r.value;
      }
      if (lines.length === 0) continue;
      const last = lines.pop() as string;
      if (held !== undefined) lines.unshift(held);
      held = last;
      if (lines.length > 0) {
        count += lines.length;
        return lines;
      }
    }
    return undefined;
  };

  const batches: AsyncIterable<string[]> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        const value = await step();
        return value === undefined
          ? { value: undefined, done: true as const }
          : { value, done: false as const };
      },
      return: async () => ({ value: undefined, done: true as const }),
    }),
  };

  return {
    header,
    batches,
    async finish() {
      while ((await step()) !== undefined) {
        // Reading on: the trailer is checked at the end.
      }
    },
  };
}

/** What an executor reports for an error: enough for the driver to rebuild it. */
export interface ErrorReport {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly operator?: string;
  readonly rddId?: number;
  readonly [k: string]: unknown;
}

/**
 * The report of an error: its name, message and stack, with `context`. A
 * `TaskError` (what sparkling raises when a user function throws) reports the
 * user's original error and the operator and RDD id it names, so the driver
 * rebuilds the same `TaskError` (`SparkJobError.toTaskError()`).
 */
export function errorReport(error: unknown, context: Record<string, unknown> = {}): ErrorReport {
  if (error instanceof TaskError) {
    const where = { operator: error.operator, rddId: error.rddId, ...context };
    return error.cause instanceof Error || error.cause === undefined
      ? errorReport(error.cause ?? new Error(error.message), where)
      : errorReport(error.cause, where);
  }
  if (error instanceof Error) {
    return { ...context, name: error.name, message: error.message, stack: error.stack };
  }
  return { ...context, name: typeof error, message: String(error) };
}

/** A task's stdout: lines, then the trailer (or an error report). */
export class TaskOutput {
  #count = 0;
  #closed = false;

  constructor(
    readonly header: TaskHeader,
    private readonly stream: Writable,
  ) {}

  /** Lines written so far. */
  get count(): number {
    return this.#count;
  }

  /** Writes lines (none may hold a line break); resolves when the stream takes more. */
  async write(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    if (this.#closed) throw new FramingError('write after the trailer');
    this.#count += lines.length;
    if (!this.stream.write(`${lines.join('\n')}\n`)) await once(this.stream, 'drain');
  }

  /** Writes the trailer with an optional report (any JSON value) and waits until it is flushed. */
  async end(report?: unknown): Promise<void> {
    if (this.#closed) throw new FramingError('the trailer was written already');
    this.#closed = true;
    const tail = report === undefined ? '' : `\t${JSON.stringify(report)}`;
    await this.#flush(`${FRAME_END}${this.header.token}\t${this.#count}${tail}\n`);
  }

  /** Writes an error report instead of the trailer. */
  async fail(error: unknown, context?: Record<string, unknown>): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#flush(`${FRAME_ERROR}${this.header.token}\t${JSON.stringify(errorReport(error, context))}\n`);
  }

  #flush(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stream.write(text, (e) => (e ? reject(e) : resolve()));
    });
  }
}

export interface TaskIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Ends the process (`process.exit`). */
  readonly exit: (code: number) => void;
  /** Where `uncaughtException` and `unhandledRejection` are listened for (`process`). */
  readonly events?: NodeJS.EventEmitter;
}

/**
 * Runs one task: reads the header, calls `body`, reads the rest of the input
 * and checks its trailer, writes the trailer with `body`'s answer as the
 * report, and exits 0. Any failure (a throw in `body`, an unhandled
 * rejection, a missing trailer, a broken stdout) writes an error report when
 * it can and exits non-zero.
 */
export function runTask(
  body: (input: TaskInput, output: TaskOutput) => Promise<unknown>,
  io: TaskIo = {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    exit: (code) => process.exit(code),
  },
): void {
  let output: TaskOutput | undefined;
  let failing = false;
  const fail = async (e: unknown): Promise<void> => {
    if (failing) return;
    failing = true;
    const code = e instanceof FramingError ? EXIT_INPUT_CUT : EXIT_FAILED;
    io.stderr.write(`sparkling executor: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    try {
      await output?.fail(e);
    } catch {
      // stdout is gone: the exit status says it.
    }
    io.exit(code);
  };
  // A reader that went away (the task was killed, or ended early) is not an error to report.
  io.stdout.on('error', () => io.exit(EXIT_FAILED));
  const events = io.events ?? process;
  events.on('uncaughtException', (e: unknown) => void fail(e));
  events.on('unhandledRejection', (e: unknown) => void fail(e));
  (async () => {
    const input = await openTaskInput(io.stdin);
    output = new TaskOutput(input.header, io.stdout);
    const report = await body(input, output);
    await input.finish();
    await output.end(report);
    io.exit(0);
  })().catch(fail);
}
